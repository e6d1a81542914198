"""Input a hostile or careless user gives: each is one line, exit 2, and nothing written.

Each case here was once let through (a traceback, a value stored, a planner run out of memory).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.conftest import EXAMPLES, Cli

HEADER = "code,name,kind,parent_code,sectors,area\n"
AS_OF = ("--as-of", "2026-07-27")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: what "nothing written" is checked against."""
    with engine.connect() as conn:
        names = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    if engine.dialect.name == "sqlite"
                    else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            )
        ]
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def refused(cli: Cli, engine: Engine, *args: str) -> str:
    """Run a command that must be refused; returns its one error line."""
    before = table_counts(engine)
    result = cli(*args)
    assert result.exit_code == 2, (args, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(("error:", "Error:")), result.stderr
    assert "Traceback" not in result.stderr
    assert table_counts(engine) == before
    return lines[0]


@pytest.fixture
def hanoi(cli: Cli, hanoi_v1: Path) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    return cli


def test_a_csv_cell_past_the_csv_limit_names_its_line(cli: Cli, engine: Engine, write) -> None:  # type: ignore[no-untyped-def]
    path = write("big.csv", HEADER + "X1," + "a" * 200_000 + ",commune,,,\n")
    line = refused(cli, engine, "units", "import", str(path))
    assert "big.csv:2" in line and "field larger than field limit" in line


@pytest.mark.parametrize(
    ("cell", "shown"), [("Xã\x00Một", "U+0000"), ("Xã\u202eMột", "U+202E"), ("Xã\nMột", "U+000A")]
)
def test_control_characters_in_a_unit_are_refused(  # type: ignore[no-untyped-def]
    cli: Cli, engine: Engine, write, cell: str, shown: str
) -> None:
    path = write("c.csv", HEADER + f'X1,"{cell}",commune,,,\n')
    line = refused(cli, engine, "units", "import", str(path))
    assert "field 'name'" in line and shown in line


def test_a_team_size_no_campaign_reaches_is_refused(  # type: ignore[no-untyped-def]
    cli: Cli, engine: Engine, write, hanoi_v1: Path
) -> None:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    huge = hanoi_v1.read_text(encoding="utf-8").replace(
        "visits_per_day = 1", "visits_per_day = 10000000000000000000", 1
    )
    line = refused(cli, engine, "campaign", "create", str(write("huge.toml", huge)))
    assert "visits_per_day must be between 1 and 20" in line and "teams[0]" in line


def test_a_control_character_in_the_campaign_file_is_refused(  # type: ignore[no-untyped-def]
    cli: Cli, engine: Engine, write, hanoi_v1: Path
) -> None:
    bad = hanoi_v1.read_text(encoding="utf-8").replace(
        'signer_name = "Nguyễn Văn An"', 'signer_name = "Nguyễn\\u0000 Văn An"'
    )
    line = refused(cli, engine, "campaign", "create", str(write("nul.toml", bad)))
    assert "issuer.signer_name" in line and "U+0000" in line


def test_data_files_too_deep_or_too_big_are_refused(hanoi: Cli, engine: Engine, write) -> None:  # type: ignore[no-untyped-def]
    deep = write("deep.json", '{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    args = ("case", "advance", "1", "reschedule", "--actor", "lan", "--role", "team_lead")
    assert "nests at most 16 levels" in refused(hanoi, engine, *args, "--data-file", str(deep))
    nested = write("nested.json", '{"a": ' + "[" * 20 + "]" * 20 + "}")
    line = refused(hanoi, engine, *args, "--data-file", str(nested))
    assert "nested more than 16 levels deep" in line
    big = write("big.json", json.dumps({"note": "x" * 600_000}))
    assert "more than a data file's" in refused(hanoi, engine, *args, "--data-file", str(big))
    long = write("long.json", json.dumps({"reason": "x" * 70_000}))
    assert "data.reason is 70,000 characters" in refused(
        hanoi, engine, *args, "--data-file", str(long)
    )


@pytest.mark.parametrize("actor", ["", "   ", "lan\x1b[2J", "x" * 121])
def test_who_acts_must_be_a_plain_name(hanoi: Cli, engine: Engine, actor: str) -> None:
    line = refused(hanoi, engine, "case", "advance", "1", "announce", "--actor", actor,
                   "--role", "team_lead")  # fmt: skip
    assert "--actor" in line


def test_a_negative_time_limit_is_a_usage_error(hanoi: Cli, engine: Engine) -> None:
    result = hanoi("plan", "hanoi-2026", "--time-limit", "-1", *AS_OF)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "--time-limit" in result.stderr


def test_days_off_outside_the_campaign_years_are_refused(hanoi: Cli, engine: Engine) -> None:
    line = refused(
        hanoi, engine, "plan", "team-off", "hanoi-2026", "--team", "Đoàn 1", "2031-10-05"
    )
    assert "05/10/2031 is not in the campaign's year 2026" in line
    result = hanoi("plan", "team-off", "hanoi-2026", "--team", "Đoàn 1", "2027-01-05")
    assert result.exit_code == 0, result.stderr


def test_exported_cells_never_start_a_spreadsheet_formula(  # type: ignore[no-untyped-def]
    cli: Cli, write, hanoi_v1: Path
) -> None:
    units = (EXAMPLES / "hanoi-units.csv").read_text(encoding="utf-8")
    units = units.replace(",Sở Tư pháp,", ',"=HYPERLINK(""http://x"",""Sở Tư pháp"")",')
    assert cli("units", "import", str(write("u.csv", units))).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    assert cli("plan", "hanoi-2026", *AS_OF).exit_code == 0
    rows = list(csv.reader(io.StringIO(cli("plan", "show", "hanoi-2026", "--csv").stdout)))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x","Sở Tư pháp")' in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
