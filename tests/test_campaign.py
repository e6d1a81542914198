"""Campaigns: the TOML file is validated, stored, and one case per target unit is opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, Cli

EXAMPLE = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")


@pytest.fixture
def hanoi(cli: Cli) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    return cli


def test_create_opens_one_case_per_target(hanoi: Cli) -> None:
    result = hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml"))
    assert result.exit_code == 0, result.stderr
    assert "141 cases opened" in result.stdout
    cases = json.loads(hanoi("case", "list", "hanoi-2026", "--json").stdout)
    assert len(cases) == 141
    assert {c["state"] for c in cases} == {"planned"}
    assert set(cases[0]) == {"id", "unit_code", "state"}
    assert "01" not in {c["unit_code"] for c in cases}, "the city itself is not a target"


def test_show_json_contract(hanoi: Cli) -> None:
    hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml"))
    data = json.loads(hanoi("campaign", "show", "hanoi-2026", "--json").stdout)
    assert data["key"] == "hanoi-2026" and data["year"] == 2026
    assert (data["window_start"], data["window_end"]) == ("2026-08-01", "2026-12-31")
    assert data["lead_times"] == {
        "notice_working_days": 10,
        "evidence_working_days": 3,
        "remediation_working_days": 15,
    }
    team = data["teams"][0]
    assert team["name"] == "Đoàn 1" and team["visits_per_day"] == 1
    assert team["unavailable"][0] == "2026-10-12" and len(team["unavailable"]) == 5
    assert len(data["targets"]) == 141 and "SNV" in data["targets"]
    assert data["calendar"] == {"extra_days_off": [], "extra_working_days": []}
    assert data["planning"] == {"reserve_share": 0.15, "reserve_weeks": 3, "pace": "even"}
    assert team["max_visits_per_week"] is None


def test_list_counts_cases_by_state(hanoi: Cli) -> None:
    hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml"))
    (row,) = json.loads(hanoi("campaign", "list", "--json").stdout)
    assert row["key"] == "hanoi-2026" and row["cases"] == 141
    assert row["states"] == {"planned": 141}


def test_include_and_exclude(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    text = EXAMPLE.replace(
        'kinds = ["department", "commune"]\ninclude = []\nexclude = []',
        'kinds = ["department"]\ninclude = ["01"]\nexclude = ["SNV"]',
    )
    assert hanoi("campaign", "create", str(write("c.toml", text))).exit_code == 0
    codes = {
        c["unit_code"] for c in json.loads(hanoi("case", "list", "hanoi-2026", "--json").stdout)
    }
    assert len(codes) == 15 and "01" in codes and "SNV" not in codes


def test_same_key_twice_is_refused(hanoi: Cli) -> None:
    assert hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml")).exit_code == 0
    again = hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml"))
    assert again.exit_code == 2 and "already exists" in again.stderr


BAD = {
    "window outside year": (
        ("start = 2026-08-01", "start = 2025-08-01"),
        "window.start",
        "outside the year 2026",
    ),
    "unknown unit kind": (
        ('kinds = ["department", "commune"]\ninclude', 'kinds = ["department", "hamlet"]\ninclude'),
        "targets.kinds[1]",
        "unknown unit kind 'hamlet'",
    ),
    "team with 0 visits per day": (
        ("visits_per_day = 1", "visits_per_day = 0"),
        "teams[0].visits_per_day",
        "must be between 1 and 20",
    ),
    "negative lead time": (
        ("notice_working_days = 10", "notice_working_days = -1"),
        "lead_times.notice_working_days",
        "must be between 0 and 60",
    ),
    "unknown target": (
        ("include = []", 'include = ["NOPE"]'),
        "targets.include[0]",
        "unknown target unit 'NOPE'",
    ),
    "unknown field": (
        ("[planning]", "[planing]"),
        "planing",
        "unknown field 'planing'",
    ),
    "unknown pace": (
        ('pace = "even"', 'pace = "steady"'),
        "planning.pace",
        "pace must be one of 'even', 'early', got 'steady'",
    ),
    "weekly limit of 0": (
        ('lead = "Trần Thị Bình"', 'max_visits_per_week = 0\nlead = "Trần Thị Bình"'),
        "teams[0].max_visits_per_week",
        "must be between 1 and 100",
    ),
    "not a date": (
        ('unavailable = ["2026-10-12..2026-10-16"]', 'unavailable = ["31/9/2026"]'),
        "teams[0].unavailable[0]",
        "not a real date",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_campaign_file_stores_nothing(
    hanoi: Cli,
    write,  # type: ignore[no-untyped-def]
    case: tuple[tuple[str, str], str, str],
) -> None:
    (old, new), field, message = case
    assert old in EXAMPLE
    path: Path = write("bad.toml", EXAMPLE.replace(old, new, 1))
    result = hanoi("campaign", "create", str(path))
    assert result.exit_code == 2, result.stdout
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    line = next(
        i
        for i, text in enumerate(EXAMPLE.replace(old, new, 1).splitlines(), 1)
        if new.splitlines()[0] in text
    )
    assert f"bad.toml:{line}" in err, err
    assert f"field '{field}'" in err and message in err
    assert json.loads(hanoi("campaign", "list", "--json").stdout) == []


def test_toml_syntax_error_names_the_line(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    result = hanoi("campaign", "create", str(write("x.toml", 'key = "a"\nyear = = 2026\n')))
    assert (
        result.exit_code == 2 and "x.toml:2" in result.stderr and "not valid TOML" in result.stderr
    )


def test_show_unknown_campaign(hanoi: Cli) -> None:
    result = hanoi("campaign", "show", "nope")
    assert result.exit_code == 2 and "no campaign 'nope'" in result.stderr
