"""Campaigns: the declaration of one inspection round (model) and its TOML file (reader)."""
