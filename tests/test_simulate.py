"""`inspect-engine simulate`: the Hanoi example fast-forwarded to the end of its window through
the engine and the worker's sweep. The same seed on copies of one database writes the same
history (hashes included), another seed another; every case ends closed, cancelled or waiting
on a deadline that has not passed; a re-inspected case's history is a whole inspection; bad
input is one line, exit 2, nothing written. `make demo` twice ends with the same history."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli import app
from inspect_engine.cli.demo_story import start_of
from inspect_engine.domain.campaign.simulation import SimulationSettings, read_simulation_table
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.errors import InputError
from inspect_engine.services import campaigns, cases, units
from inspect_engine.services.planning.make import make_plan
from inspect_engine.services.planning.views import planned_visits
from inspect_engine.services.team_decisions import record_decision
from inspect_engine.settings import data_dir
from tests.conftest import EXAMPLES, HANOI, Cli

KEY = "hanoi-2026"
YEAR_END = "2026-12-31"
TERMINAL = {"closed", "cancelled"}
DOCUMENT_KINDS = (
    "bien-ban-kiem-tra",
    "thong-bao-ket-luan",
    "thong-bao-doi-lich",
    "thong-bao-tai-kiem-tra",
    "qua-han-bao-cao-khac-phuc",
    "nhac-nop-bao-cao",
)
RUNNER = CliRunner()


def announced_campaign(url: str) -> None:
    """The example after `plan`, `decide-team` for the three teams and `announce` of every
    visit, each on the demo's clock from the plan's date (27-28 July 2026)."""
    clock = start_of(date(2026, 7, 27))
    with bootstrap(url, clock=clock).unit_of_work(schema="upgrade") as uow:
        units.import_units(uow, EXAMPLES / "hanoi-units.csv", clock=clock)
        campaigns.create_campaign(uow, HANOI, workflows_dirs=[data_dir("workflows")], clock=clock)
        make_plan(uow, KEY, as_of=date(2026, 7, 27), clock=clock)
        for team in (1, 2, 3):
            decision = json.loads((EXAMPLES / "decisions" / f"doan-{team}.json").read_text())
            record_decision(uow, KEY, decision, actor="van-thu", clock=clock)
        clock.at(date(2026, 7, 28), 8)
        request = cases.Request("announce", "Trần Thị Bình", "team_lead")
        cases.advance_all(uow, KEY, "planned", request, clock=clock)


@pytest.fixture(scope="module")
def start_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("announced") / "start.db"
    announced_campaign(f"sqlite:///{path}")
    return path


@pytest.fixture
def copy_of(start_db: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh copy of the announced campaign's database, as a CLI bound to it."""

    def make(name: str) -> Cli:
        path = tmp_path / f"{name}.db"
        shutil.copyfile(start_db, path)
        return Cli(f"sqlite:///{path}")

    return make


@pytest.fixture(scope="module")
def year(start_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any]]:
    """The campaign simulated to 31 December with the default seed, and what it printed."""
    path = tmp_path_factory.mktemp("year") / "year.db"
    shutil.copyfile(start_db, path)
    cli = Cli(f"sqlite:///{path}")
    done = cli("simulate", KEY, "--until", YEAR_END, "--json")
    assert done.exit_code == 0, done.stderr
    return cli, json.loads(done.stdout)


def events_of(cli: Cli) -> list[tuple[Any, ...]]:
    """Every event of the database, in chain order, with everything its hash covers."""
    path = cli.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT chain_seq, case_id, seq, trigger, actor, role, at, payload, effects, hash, "
            "chain_hash FROM case_event ORDER BY chain_seq"
        ).fetchall()


def counts(cli: Cli) -> tuple[int, int, int]:
    path = cli.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("case_event", "document", "deadline")
        )


# --- the same seed, the same history ----------------------------------------------------------


def test_the_same_seed_writes_the_same_history_and_another_seed_another(copy_of) -> None:  # type: ignore[no-untyped-def]
    runs = {}
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        cli = copy_of(name)
        done = cli("simulate", KEY, "--until", "2026-09-30", "--seed", seed)
        assert done.exit_code == 0, done.stderr
        runs[name] = (events_of(cli), done.stdout)
    (first, said), (again, said_again), (other, _) = runs["a"], runs["b"], runs["c"]
    assert len(first) > 600  # two months of a round: notices, visits, findings, conclusions
    assert first == again  # the same events, data, order, times and hashes
    assert said == said_again
    assert first != other
    triggers = {event[3] for event in first}
    assert {"receive_submission", "record_visit", "record_findings", "approve_conclusion",
            "issue_document", "deadline", "mark_submission_late"} <= triggers  # fmt: skip


# --- the Hanoi example to the end of its window -----------------------------------------------


def test_every_case_ends_closed_cancelled_or_waiting_on_a_deadline_after_the_window(
    year: tuple[Cli, dict[str, Any]],
) -> None:
    cli, report = year
    assert report["refused"] == []
    states = {c["id"]: c["state"] for c in json.loads(cli("case", "list", KEY, "--json").stdout)}
    assert len(states) == 141 and sum(report["states"].values()) == 141
    pending = json.loads(cli("deadlines", "list", KEY, "--json").stdout)
    waiting = {
        d["case_id"]
        for d in pending
        if d["status"] == "pending" and date.fromisoformat(d["due"]) > date(2026, 12, 31)
    }
    left = {case: state for case, state in states.items() if state not in TERMINAL}
    assert set(left) <= waiting, {c: s for c, s in left.items() if c not in waiting}
    assert all(d["due"] > YEAR_END for d in pending if d["status"] == "pending")
    # What the round did: late units marked late, overdue reports, moved visits, documents.
    deadlines = report["deadlines"]
    assert deadlines["missed"]["submission_due"] > 0
    assert deadlines["missed"]["remediation_report_due"] > 0
    assert deadlines["met"] > 300 and deadlines["moved"] > 0
    issued = report["documents"]
    for kind in DOCUMENT_KINDS:
        assert issued[kind] > 0, kind


def history_of(cli: Cli, case_id: int) -> list[dict[str, Any]]:
    shown = json.loads(cli("case", "show", str(case_id), "--json").stdout)
    assert shown["chain_valid"]
    events: list[dict[str, Any]] = shown["events"]
    return events


def test_a_reinspected_case_reads_like_an_inspection(year: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = year
    with sqlite3.connect(cli.url.removeprefix("sqlite:///")) as conn:
        passed_ids = [r[0] for r in conn.execute(
            "SELECT case_id FROM case_event WHERE trigger = 'reinspect_pass' ORDER BY case_id"
        )]  # fmt: skip
    assert passed_ids
    for history in (history_of(cli, case_id) for case_id in passed_ids):
        steps = [(e["trigger"], e["role"]) for e in history if e["trigger"] != "issue_document"]
        order = [s for s in steps if s[0] not in ("reschedule", "deadline", "receive_submission")]
        assert order[:2] == [("open", "system"), ("announce", "team_lead")]
        assert order[-1] == ("reinspect_pass", "inspector")
        for before, after in (
            ("record_visit", "record_findings"),
            ("record_findings", "approve_conclusion"),
            ("approve_conclusion", "report_remediation"),
        ):
            assert [t for t, _ in steps].index(before) < [t for t, _ in steps].index(after)
        roles = dict(steps)
        assert roles["approve_conclusion"] == "signer" and roles["report_remediation"] == "unit"
        moves = [e for e in history if e["trigger"] == "reschedule" and e["from"] == "reinspection"]
        assert moves and "Thông báo kết luận" in moves[-1]["payload"]["reason"]
        visit_day = date.fromisoformat(moves[-1]["payload"]["visit_date"])
        passed = next(e for e in history if e["trigger"] == "reinspect_pass")
        assert passed["payload"]["minutes"]["visit_date"] == visit_day.isoformat()
        assert passed["at"].startswith(visit_day.isoformat())  # on the day it was set
        kinds = [
            e["payload"]["document"]["kind"] for e in history if e["trigger"] == "issue_document"
        ]
        assert kinds[0] == "thong-bao-kiem-tra" and "thong-bao-tai-kiem-tra" in kinds
        assert kinds.count("bien-ban-kiem-tra") >= 2  # the visit's and the re-inspection's
        times = [e["at"] for e in history]
        assert times == sorted(times)
        hours = {int(t[11:13]) for t in times[2:]}  # after the planner's steps
        assert hours <= set(range(7, 18)), hours  # office hours in +07:00


def test_a_kept_back_case_is_inspected_unannounced(tmp_path: Path) -> None:
    """A case the team lead did not announce with the others is visited on its planned day
    without notice."""
    fresh = tmp_path / "fresh.db"
    clock = start_of(date(2026, 7, 27))
    with bootstrap(f"sqlite:///{fresh}", clock=clock).unit_of_work(schema="upgrade") as uow:
        units.import_units(uow, EXAMPLES / "hanoi-units.csv", clock=clock)
        campaigns.create_campaign(uow, HANOI, workflows_dirs=[data_dir("workflows")], clock=clock)
        make_plan(uow, KEY, as_of=date(2026, 7, 27), clock=clock)
        for team in (1, 2, 3):
            decision = json.loads((EXAMPLES / "decisions" / f"doan-{team}.json").read_text())
            record_decision(uow, KEY, decision, actor="van-thu", clock=clock)
        clock.at(date(2026, 7, 28), 8)
        kept = planned_visits(uow, KEY)[0]  # the first visit of the round: kept back
        for case in campaigns.campaign_cases(uow, KEY):
            if case.id != kept.case_id:
                assert case.id is not None
                cases.advance(
                    uow, case.id, cases.Request("announce", "lan", "team_lead"), clock=clock
                )
    cli = Cli(f"sqlite:///{fresh}")
    until = kept.date + timedelta(days=21)
    done = cli("simulate", KEY, "--until", until.isoformat())
    assert done.exit_code == 0, done.stderr
    history = history_of(cli, kept.case_id)
    triggers = [e["trigger"] for e in history]
    assert "announce" not in triggers and "receive_submission" not in triggers
    visit = next(e for e in history if e["trigger"] == "record_unannounced_visit")
    planned = next(e for e in history if e["trigger"] == "reschedule")
    assert visit["payload"]["minutes"]["visit_date"] == planned["payload"]["visit_date"]
    assert "approve_conclusion" in triggers


# --- bad input: one line, exit 2, nothing written ---------------------------------------------


def refused(cli: Cli, *args: str) -> str:
    before = (counts(cli), events_of(cli)[-1])
    done = cli("simulate", *args)
    assert done.exit_code == 2, done.stdout
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert (counts(cli), events_of(cli)[-1]) == before
    return lines[0]


def test_bad_input_is_one_line_and_writes_nothing(copy_of, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = copy_of("bad")
    line = refused(cli, KEY, "--until", "2026-07-27")
    assert "field '--until'" in line
    assert "27/07/2026 is before the campaign's last event (2026-07-28T08:00:00+07:00)" in line
    assert "outside the campaign's year 2026" in refused(cli, KEY, "--until", "2027-01-04")
    assert "field '--until'" in refused(cli, KEY, "--until", "tomorrow")
    assert "no campaign 'hanoi-2025'" in refused(cli, "hanoi-2025", "--until", YEAR_END)
    bad = tmp_path / "bad.toml"
    bad.write_text("[simulation]\nsubmission_on_time = 0.7\nmoved_visits = 1.5\n", "utf-8")
    line = refused(cli, KEY, "--until", YEAR_END, "--settings", str(bad))
    assert f"{bad}:3, field 'simulation.moved_visits': moved_visits must be from 0 to 1" in line
    bad.write_text("[simulation]\nsubmission_on_time = 0.5\n", "utf-8")
    line = refused(cli, KEY, "--until", YEAR_END, "--settings", str(bad))
    assert "field 'simulation.submission_on_time'" in line and "must add up to 1, got 0.75" in line
    bad.write_text('[[simulation.areas]]\narea = "Cải cách tư pháp"\nnone = 1\n', "utf-8")
    line = refused(cli, KEY, "--until", YEAR_END, "--settings", str(bad))
    assert f"{bad}:2, field 'simulation.areas[0].area'" in line
    assert "'Cải cách tư pháp' is not a content area of the campaign" in line
    bad.write_text("key = 1\n", "utf-8")
    assert "no [simulation] table" in refused(cli, KEY, "--until", YEAR_END, "--settings", str(bad))


def test_a_campaign_file_with_a_bad_simulation_table_is_refused(
    cli: Cli,
    write,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    text = HANOI.read_text("utf-8").replace(
        "late_working_days = [1, 5]", "late_working_days = [5, 2]"
    )
    assert "[5, 2]" in text
    done = cli("campaign", "create", str(write("bad-sim.toml", text)))
    assert done.exit_code == 2
    line = done.stderr.strip()
    expected = (
        r"bad-sim\.toml:\d+, field 'simulation\.late_working_days': "
        r"late_working_days ends \(2\) before it starts \(5\)"
    )
    assert re.search(expected, line), line
    assert json.loads(cli("campaign", "list", "--json").stdout) == []


# --- the [simulation] table ------------------------------------------------------------------


def test_the_simulation_table_reads_shares_ranges_and_areas() -> None:
    text = HANOI.read_text("utf-8")
    assert parse_campaign(text, "x").simulation == SimulationSettings()
    areas = parse_campaign(text, "x").content_areas
    settings = read_simulation_table(
        "[simulation]\nsubmission_on_time = 0.5\nsubmission_late = 0.25\n"
        "submission_partial = 0.25\nreinspection_working_days = [3, 3]\n"
        "[simulation.severity]\nnone = 0.5\nminor = 0.5\n"
        '[[simulation.areas]]\narea = "Cải cách thể chế"\nserious = 1\n',
        "s.toml",
        areas,
    )
    assert (settings.submission_on_time, settings.submission_partial) == (0.5, 0.25)
    assert settings.reinspection_working_days == (3, 3)
    assert settings.severity.shares() == (
        ("none", 0.5),
        ("minor", 0.5),
        ("major", 0),
        ("serious", 0),
    )
    assert settings.severity_of("Cải cách thể chế").serious == 1
    assert settings.severity_of("Cải cách tài chính công") == settings.severity
    for table, field in (
        ("[simulation]\nseed = 3\n", "simulation.seed"),
        ("[simulation]\nfindings_working_days = [0, 2]\n", "simulation.findings_working_days"),
        ("[simulation]\nearly_working_days = 2\n", "simulation.early_working_days"),
        ("[simulation.severity]\nnone = 0.5\n", "simulation.severity"),
        ("[simulation.severity]\nsevere = 1\n", "simulation.severity.severe"),
    ):
        with pytest.raises(InputError) as caught:
            read_simulation_table(table, "s.toml", areas)
        assert caught.value.field == field, (table, caught.value)
        assert caught.value.line is not None


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_simulation_runs_on_postgresql(pg_url: str) -> None:
    announced_campaign(pg_url)
    cli = Cli(pg_url)
    done = cli("simulate", KEY, "--until", "2026-08-31", "--json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["refused"] == [] and report["documents"]["bien-ban-kiem-tra"] > 0
    assert cli("case", "verify", KEY).exit_code == 0


# --- the demo --------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_demos_end_with_the_same_history(tmp_path: Path) -> None:
    said = []
    for name in ("one", "two"):
        folder = tmp_path / name
        done = RUNNER.invoke(app, ["demo", "--dir", str(folder), "--no-files"])
        assert done.exit_code == 0, done.stderr
        said.append(done.stdout.replace(str(folder), "DIR"))
    assert said[0] == said[1]
    head = re.search(r"everything stored matches its events; head ([0-9a-f]{16})", said[0])
    assert "anchored: DIR/anchors/hanoi-2026.json" in said[0]
    assert head is not None
    assert re.search(r"cases by state: closed \d+", said[0])
    states = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path / name / 'inspect.db'}"
        listed = RUNNER.invoke(app, ["--db", url, "case", "list", KEY, "--json"])
        states.append(json.loads(listed.stdout))
    assert states[0] == states[1]
