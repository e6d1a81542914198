"""`python -m inspect_engine` runs the CLI."""

from inspect_engine.cli import main

main()
