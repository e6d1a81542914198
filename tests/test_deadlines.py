"""Deadline rows, on both backends: started and ended by the workflow's effects in the
transition's own transaction, listed by due date, rebuilt from the log by the migration."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect

from inspect_engine.storage.db import alembic_config
from tests.conftest import Cli
from tests.test_workflow_v2 import (  # noqa: F401  (planned: the fixture)
    CALENDAR,
    INSPECTOR,
    LEAD,
    UNIT,
    advance,
    delivery,
    free_day,
    minutes,
    planned,
    visit_of,
)


def deadlines(cli: Cli, *args: str) -> list[dict[str, Any]]:
    listed = cli("deadlines", "list", "hanoi-2026", "--json", *args)
    assert listed.exit_code == 0, listed.stderr
    found: list[dict[str, Any]] = json.loads(listed.stdout)
    return found


def test_the_notice_starts_the_cases_deadlines(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert deadlines(planned) == []
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    found = deadlines(planned, "--case", str(case))
    assert [(d["kind"], d["due"], d["status"], d["ended_by"]) for d in found] == [
        ("submission_due", visit["evidence_due"], "pending", None),
        ("visit", visit["date"], "pending", None),
    ]
    assert {d["created_by"] for d in found} == {3}  # open, the planner's reschedule, announce
    assert set(found[0]) == {"id", "case_id", "kind", "due", "status", "created_by", "ended_by"}


def test_a_move_supersedes_and_the_visit_cancels(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    plan = json.loads(planned("plan", "show", "hanoi-2026", "--json").stdout)
    busy = {v["date"] for v in plan if v["team"] == visit["team"]}
    day = date.fromisoformat(visit["date"])
    free = next(d for d in (CALENDAR.add_working_days(day, k) for k in range(1, 60))
                if d.isoformat() not in busy)  # fmt: skip
    move = {"visit_date": free.isoformat(), "reason": "Đơn vị đề nghị lùi lịch"}
    assert advance(planned, tmp_path, case, "reschedule", LEAD, move).exit_code == 0
    found = deadlines(planned, "--case", str(case))
    old = [d for d in found if d["status"] == "superseded"]
    new = [d for d in found if d["status"] == "pending"]
    assert sorted(d["kind"] for d in old) == ["submission_due", "visit"]
    assert {d["ended_by"] for d in old} == {4}  # the move ended them
    moved_due = CALENDAR.add_working_days(free, -3).isoformat()
    assert {(d["kind"], d["due"]) for d in new} == {
        ("visit", free.isoformat()),
        ("submission_due", moved_due),
    }
    sent = delivery(date.fromisoformat(moved_due), "Phụ lục 1", "Phụ lục 2", "Phụ lục 3")
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, sent).exit_code == 0
    assert advance(planned, tmp_path, case, "record_visit", INSPECTOR, minutes(free)).exit_code == 0
    after = deadlines(planned, "--case", str(case))
    ended = {d["kind"]: (d["status"], d["ended_by"]) for d in after if d["created_by"] == 4}
    # v3: the complete delivery ends the submission deadline, the visit the visit's
    assert ended == {"submission_due": ("cancelled", 5), "visit": ("cancelled", 6)}


def test_overdue_lists_the_pending_ones_past_due(planned: Cli) -> None:  # noqa: F811
    done = planned("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    assert done.exit_code == 0, done.stderr
    every = deadlines(planned)
    assert len(every) == 2 * 141 and {d["status"] for d in every} == {"pending"}
    dues = [d["due"] for d in every]
    assert dues == sorted(dues)
    # Today (the machine's clock) is after the 2026 window: all of them are overdue.
    today = date.today().isoformat()
    overdue = deadlines(planned, "--overdue")
    assert overdue == [d for d in every if d["due"] < today]
    shown = planned("deadlines", "list", "hanoi-2026")
    assert shown.exit_code == 0 and "submission_due" in shown.stdout


def test_the_migration_rebuilds_the_rows_from_the_log(
    planned: Cli,  # noqa: F811
    engine: Engine,
    tmp_path: Path,
) -> None:
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    later = free_day(planned, visit["team"], "2026-10-26")
    move = {"visit_date": later, "reason": "Đơn vị đề nghị"}
    assert advance(planned, tmp_path, case, "reschedule", LEAD, move).exit_code == 0
    done = planned("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    assert done.exit_code == 0, done.stderr

    def rows() -> list[tuple[Any, ...]]:
        return sorted(tuple(v for k, v in d.items() if k != "id") for d in deadlines(planned))

    written = rows()
    config = alembic_config(engine)
    command.downgrade(config, "0005")
    assert not inspect(engine).has_table("deadline")  # gone, rows and all
    command.upgrade(config, "head")
    rebuilt = rows()
    assert rebuilt == written and len(rebuilt) == 2 * 141 + 2
