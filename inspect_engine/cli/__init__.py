"""The `inspect-engine` command line: one Typer sub-app per noun, thin over the services."""

from __future__ import annotations

from inspect_engine.cli.app import app, main

__all__ = ["app", "main"]
