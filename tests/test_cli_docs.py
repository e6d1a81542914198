"""The README's CLI reference is generated from the CLI; these tests catch drift."""

from __future__ import annotations

import re

import typer

from inspect_engine.cli.app import app
from inspect_engine.cli.reference import END, START, commands, render
from tests.conftest import REPO


def test_readme_cli_reference_matches_the_cli() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(START) + ".*?" + re.escape(END), readme, re.S)
    assert block, "README.md lacks the CLI reference block"
    assert block.group(0) == render(), "README CLI reference is stale: run `make docs`"


def test_every_command_has_help_with_an_example() -> None:
    missing = [
        path
        for path, command in commands(typer.main.get_command(app))
        if "Example: inspect-engine" not in (command.help or "")
    ]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^make \w+$", quick, re.M) == ["make demo", "make test"]
