"""What the CLI loads at start-up: structural checks (the times are in bench/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from inspect_engine.storage.db import SCHEMA_REVISION, head_revision
from tests.conftest import EXAMPLES

HEAVY = ("ortools", "numpy", "sqlalchemy")
PLANNING = ("ortools", "numpy", "icalendar", "inspect_engine.domain.planning")


def _loaded_after(code: str, cwd: Path | None = None) -> list[str]:
    """Run `code` in a fresh interpreter and list the modules it printed as loaded."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=cwd
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def _invoke(db: str, *args: str) -> str:
    return (
        "from typer.testing import CliRunner\n"
        "from inspect_engine.cli import app\n"
        f"r = CliRunner().invoke(app, {['--db', db, *args]!r})\n"
        "assert r.exit_code == 0, r.output\n"
    )


def test_importing_the_cli_loads_no_solver_numpy_or_sqlalchemy() -> None:
    loaded = _loaded_after("import inspect_engine.cli")
    assert [m for m in HEAVY if m in loaded] == []


def test_help_loads_no_database_code() -> None:
    loaded = _loaded_after(
        "from typer.testing import CliRunner\nfrom inspect_engine.cli import app\n"
        "assert CliRunner().invoke(app, ['plan', '--help']).exit_code == 0"
    )
    assert [m for m in (*HEAVY, "rich", "alembic") if m in loaded] == []


def test_case_show_and_advance_load_no_planner_or_exports(tmp_path: Path, hanoi_v1: Path) -> None:
    db = f"sqlite:///{tmp_path / 'inspect.db'}"
    setup = [
        ("init",),
        ("units", "import", str(EXAMPLES / "hanoi-units.csv")),
        ("campaign", "create", str(hanoi_v1)),
    ]
    _loaded_after("".join(_invoke(db, *args) for args in setup))
    show = _loaded_after(_invoke(db, "case", "show", "1"))
    advance = _loaded_after(
        _invoke(db, "case", "advance", "1", "announce", "--actor", "lan", "--role", "team_lead")
    )
    assert "sqlalchemy" in show  # the probe does see what a command loads
    assert [m for m in PLANNING if m in show] == []
    assert [m for m in PLANNING if m in advance] == []
    assert [m for m in show + advance if m.startswith("inspect_engine.services.planning")] == []
    assert "alembic" not in show  # the schema check reads the revision without Alembic


def test_the_schema_revision_every_command_checks_is_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_REVISION
