"""What a newcomer meets at the command line: help, piped output, messages, missing databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from inspect_engine.cli import app
from tests.conftest import EXAMPLES, Cli

LEAD = ("--actor", "lan", "--role", "team_lead")


def _commands(group: TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group, as the words that call it (the root is `()`)."""
    yield path
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


ROOT = typer.main.get_group(app)
COMMANDS = list(_commands(ROOT))
GROUPS = {(), *((name,) for name, c in ROOT.commands.items() if isinstance(c, TyperGroup))}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "root")
def test_help_has_no_type_tags(path: tuple[str, ...]) -> None:
    result = Cli("sqlite://").runner.invoke(app, [*path, "--help"], prog_name="inspect-engine")
    assert result.exit_code == 0, result.output
    assert "Usage: inspect-engine" in result.output
    assert re.findall(r"<\w[\w\[\], |]*>|\{[A-Za-z_]+\}", result.output) == []


def test_every_command_has_an_example() -> None:
    for path in COMMANDS:
        if path not in GROUPS:
            output = Cli("sqlite://").runner.invoke(app, [*path, "--help"]).output
            assert "Example: inspect-engine" in output, path


@pytest.fixture
def hanoi(cli: Cli, hanoi_v1: Path) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    return cli


def test_piped_tables_are_whole_tab_separated_rows(hanoi: Cli) -> None:
    assert hanoi("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    lines = hanoi("plan", "show", "hanoi-2026").stdout.splitlines()
    assert lines[0] == "# 141 planned visits of hanoi-2026"
    header, first = lines[1].split("\t"), lines[2].split("\t")
    assert header[:3] == ["date", "team", "unit"]
    assert len(first) == len(header)
    assert re.fullmatch(r"\d\d/\d\d/2026", first[0])  # whole dates, not "10/08/…"
    assert len(lines) == 2 + 141


def test_advance_all_reports_the_states_it_moved_between(hanoi: Cli) -> None:
    result = hanoi("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "141 cases of hanoi-2026 by announce: planned -> announced (141)"
    )


def test_advance_all_on_an_unknown_campaign_says_so(hanoi: Cli) -> None:
    result = hanoi("case", "advance-all", "hanoi-2062", "announce", "--state", "planned", *LEAD)
    assert result.exit_code == 2
    assert "no campaign 'hanoi-2062'" in result.stderr


def test_times_in_messages_are_shown_in_vietnam_time(hanoi: Cli) -> None:
    assert hanoi("case", "advance", "1", "announce", *LEAD).exit_code == 0
    result = hanoi("case", "advance", "1", "request_evidence", *LEAD, "--at", "2026-08-03T08:00")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("error: field '--at': --at 2026-08-03T08:00:00+07:00 is earlier")
    assert re.search(r"last event \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00\)$", message)


def test_a_read_command_without_a_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "INSPECT_DB_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "inspect_engine", "campaign", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: field '--db': no database at inspect.db: run `inspect-engine init` first, "
        "or point --db / INSPECT_DB_URL at an existing one"
    )
    assert list(tmp_path.iterdir()) == []
