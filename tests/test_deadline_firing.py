"""What a passing deadline does, on both backends: the working day after its due date the
worker's sweep records a `deadline` event and does what the case's workflow declares (v3: the
late submission marked, the team lead told); a deadline ended in time never fires; v2 cases
record the passing and nothing else; a stop comes between deadlines. The `deadlines:` section
of a definition is checked like the rest of it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.workflow.model import WorkflowDefinitionError
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.services import deadline_firing
from inspect_engine.services.worker import SweepReport, default_sweep
from tests.campaign_clock import KEY, Clock, announce_on_own_dates, at
from tests.conftest import HANOI, REPO, Cli
from tests.test_workflow_v2 import CALENDAR, INSPECTOR, UNIT, delivery, history, minutes

V3 = REPO / "workflows" / "cchc-inspection" / "v3.yaml"
REQUIRED = ("Phụ lục 1", "Phụ lục 2", "Phụ lục 3")  # what a department sends (STP)


def sweep(db_url: str, clock: Clock) -> SweepReport:
    return default_sweep(bootstrap(db_url, clock=clock))()


def deadlines_of(cli: Cli, case: int) -> dict[str, dict[str, Any]]:
    listed = cli("deadlines", "list", KEY, "--case", str(case), "--json")
    assert listed.exit_code == 0, listed.stderr
    return {d["kind"]: d for d in json.loads(listed.stdout)}


def stp(cli: Cli) -> dict[str, Any]:
    plan = json.loads(cli("plan", "show", KEY, "--json").stdout)
    found: dict[str, Any] = next(v for v in plan if v["unit_code"] == "STP")
    return found


def step(
    cli: Cli, tmp: Path, case: int, trigger: str, who: tuple[str, ...], data: Any, day: date
) -> None:
    path = tmp / f"{trigger}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    when = at(day, 10).isoformat()
    done = cli("case", "advance", str(case), trigger, *who, "--data-file", str(path), "--at", when)
    assert done.exit_code == 0, done.stderr


@pytest.fixture
def announced(engine: Engine, db_url: str) -> tuple[Cli, Clock]:
    return Cli(db_url), announce_on_own_dates(db_url)


def test_a_submission_not_in_passes_the_working_day_after_its_due_date(
    announced: tuple[Cli, Clock], db_url: str
) -> None:
    cli, clock = announced
    visit = stp(cli)
    case, due = visit["case_id"], date.fromisoformat(visit["evidence_due"])
    passes = CALENDAR.next_working_day(due, include_today=False)
    day = due
    while day < passes:  # the due day itself, and any day off after it: nothing yet
        clock.now = at(day, 18)
        sweep(db_url, clock)
        assert deadlines_of(cli, case)["submission_due"]["status"] == "pending", day
        day += timedelta(days=1)
    clock.now = at(passes, 7)
    report = sweep(db_url, clock)
    lead = "Trần Thị Bình" if visit["team"] == "Đoàn 1" else None
    line = next(line for line in report.lines if f"case {case} " in line)
    assert line.startswith(f"{KEY}: case {case} (STP): submission_due of {due:%d/%m/%Y} passed: ")
    assert "mark_submission_late; escalated to " in line
    events = history(cli, case)
    passed, marked = events[-2], events[-1]
    row = deadlines_of(cli, case)["submission_due"]
    assert (passed["trigger"], passed["role"], passed["to"]) == (
        "deadline",
        "system",
        "announced",
    )
    assert passed["payload"] == {
        "deadline": {
            "id": row["id"],
            "kind": "submission_due",
            "due": due.isoformat(),
            "started_by": 3,
        }
    }
    assert [e["effect"] for e in passed["effects"]] == ["trigger", "escalate"]
    escalated = passed["effects"][1]["args"]
    assert escalated["to"] == "team_lead" and escalated["team"] == visit["team"]
    assert lead is None or escalated["lead"] == lead
    assert (marked["trigger"], marked["role"], marked["to"]) == (
        "mark_submission_late",
        "system",
        "submission_late",
    )
    assert (row["status"], row["ended_by"]) == ("fired", passed["seq"])
    again = sweep(db_url, clock)
    assert not [line for line in again.lines if f"case {case} " in line]
    assert len(history(cli, case)) == len(events)


def test_a_late_delivery_moves_a_late_case_on(
    announced: tuple[Cli, Clock], db_url: str, tmp_path: Path
) -> None:
    cli, clock = announced
    visit = stp(cli)
    case, due = visit["case_id"], date.fromisoformat(visit["evidence_due"])
    clock.now = at(CALENDAR.next_working_day(due, include_today=False), 7)
    sweep(db_url, clock)
    late_day = CALENDAR.next_working_day(due, include_today=False)
    step(cli, tmp_path, case, "receive_submission", UNIT, delivery(late_day, *REQUIRED), late_day)
    last = history(cli, case)[-1]
    assert (last["from"], last["to"]) == ("submission_late", "submitted")
    assert last["payload"]["assessed"]["late_working_days"] == 1


def test_deadlines_ended_in_time_never_fire(
    announced: tuple[Cli, Clock], db_url: str, tmp_path: Path
) -> None:
    cli, clock = announced
    visit = stp(cli)
    case, due, day = (
        visit["case_id"],
        date.fromisoformat(visit["evidence_due"]),
        date.fromisoformat(visit["date"]),
    )
    step(cli, tmp_path, case, "receive_submission", UNIT, delivery(due, *REQUIRED), due)
    assert deadlines_of(cli, case)["submission_due"]["status"] == "cancelled"  # v3: all in
    step(cli, tmp_path, case, "record_visit", INSPECTOR, minutes(day), day)
    clock.now = at(day + timedelta(days=30))
    report = sweep(db_url, clock)
    assert not [line for line in report.lines if f"case {case} " in line]
    assert {d["status"] for d in deadlines_of(cli, case).values()} == {"cancelled"}
    assert "deadline" not in [e["trigger"] for e in history(cli, case)]


def test_v2_cases_record_the_passing_and_nothing_else(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    pinned = tmp_path / "hanoi-v2.toml"
    text = (
        HANOI.read_text(encoding="utf-8") + '\n[workflow]\nname = "cchc-inspection"\nversion = 2\n'
    )
    pinned.write_text(text, encoding="utf-8")
    clock = announce_on_own_dates(db_url, campaign=pinned)
    cli = Cli(db_url)
    case = stp(cli)["case_id"]
    clock.now = at(date(2026, 12, 31))
    report = sweep(db_url, clock)
    assert f"{KEY}: case {case} (STP): " in "\n".join(report.lines)
    events = history(cli, case)
    passed = [e for e in events if e["trigger"] == "deadline"]
    assert [e["payload"]["deadline"]["kind"] for e in passed] == ["submission_due", "visit"]
    assert all(e["effects"] == [] and e["to"] == "announced" for e in passed)
    assert events[-1]["to"] == "announced"


def test_a_stop_comes_between_deadlines(announced: tuple[Cli, Clock], db_url: str) -> None:
    cli, clock = announced
    clock.now = at(date(2026, 12, 31))
    calls = iter([False, False, True])
    with bootstrap(db_url, clock=clock).unit_of_work() as uow:
        first = deadline_firing.fire_due(
            uow, KEY, clock=clock, batch=5, should_stop=lambda: next(calls)
        )
        assert len(first) == 10  # two transactions, then the stop
        rest = deadline_firing.fire_due(uow, KEY, clock=clock)
    listed = json.loads(cli("deadlines", "list", KEY, "--json").stdout)
    fired = [d for d in listed if d["status"] == "fired"]
    assert len(first) + len(rest) == len(fired) == len(listed) == 2 * 141
    assert {f.deadline_id for f in first}.isdisjoint({f.deadline_id for f in rest})


# --- the `deadlines:` section of a definition -------------------------------------------------


def _v3_with(old: str, new: str) -> str:
    text = V3.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_v3_declares_what_each_deadline_does() -> None:
    defn = parse_definition(V3.read_text(encoding="utf-8"), "v3.yaml")
    declared = {d.name: [c.effect for c in d.on_due] for d in defn.deadlines}
    assert declared == {
        "submission_due": ["trigger", "escalate"],
        "visit": ["escalate"],
        "remediation_report_due": ["issue_notice", "escalate"],
        "reinspection_visit": ["escalate"],
    }
    assert defn.allowed_roles("mark_submission_late") == {"system"}


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("  - deadline: visit\n", "  - deadline: visits\n", "deadlines[1].deadline",
         "deadline 'visits' is never started by this definition"),
        ("{action: trigger, trigger: mark_submission_late}", "{action: trigger, trigger: cancel}",
         "deadlines[0].on_due[0].trigger", "does not allow role 'system'"),
        ("{action: trigger, trigger: mark_submission_late}", "{action: trigger, trigger: nope}",
         "deadlines[0].on_due[0].trigger", "no transition has the trigger 'nope'"),
        ("      - {action: escalate}\n  - deadline: visit",
         "      - {action: shout}\n  - deadline: visit",
         "deadlines[0].on_due[1].action", "unknown action 'shout'"),
        ("  - deadline: visit\n", "  - deadline: submission_due\n", "deadlines[1].deadline",
         "listed twice"),
        ("{action: issue_notice, notice: qua-han-bao-cao-khac-phuc}", "{action: issue_notice}",
         "deadlines[2].on_due[0]", "needs the argument 'notice'"),
    ],
)  # fmt: skip
def test_a_wrong_deadlines_section_names_the_line_and_field(
    old: str, new: str, field: str, message: str
) -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        parse_definition(_v3_with(old, new), "v3.yaml")
    assert caught.value.field == field
    assert message in str(caught.value)
    assert caught.value.line is not None
