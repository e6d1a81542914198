"""Handlers: one plain function per command, each inside one unit of work."""
