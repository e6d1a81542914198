"""Workflow v2 through the command line, on both backends: the inspection as a Sở Nội vụ runs it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspect_engine.domain.calendar import WorkingCalendar
from tests.conftest import EXAMPLES, Cli

LEAD = ("--actor", "Trần Thị Bình", "--role", "team_lead")
INSPECTOR = ("--actor", "Lê Văn Cường", "--role", "inspector")
UNIT = ("--actor", "van-thu", "--role", "unit")
SIGNER = ("--actor", "Nguyễn Văn An", "--role", "signer")
CLERK = ("--actor", "van-thu-snv")  # the records office enters the decisions
CALENDAR = WorkingCalendar([2026])
DECISIONS = EXAMPLES / "decisions"
DECISION_OF = {"Đoàn 1": "125/QĐ-SNV", "Đoàn 2": "126/QĐ-SNV", "Đoàn 3": "127/QĐ-SNV"}


@pytest.fixture
def planned(cli: Cli) -> Cli:
    """The example campaign (on v4, the newest, which keeps every step of v2), planned, teams
    formed by decision."""
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(EXAMPLES / "hanoi-2026.toml")).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    for team in (1, 2, 3):
        path = DECISIONS / f"doan-{team}.json"
        decided = cli("campaign", "decide-team", "hanoi-2026", "--data-file", str(path), *CLERK)
        assert decided.exit_code == 0, decided.stderr
    return cli


def visit_of(cli: Cli, unit: str) -> dict[str, Any]:
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    found: dict[str, Any] = next(v for v in plan if v["unit_code"] == unit)
    return found


def free_day(cli: Cli, team: str, after: str) -> str:
    """The first working day after `after` (ISO) on which `team` has no visit planned: where a
    person can move a visit of that team."""
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    busy = {v["date"] for v in plan if v["team"] == team}
    start = date.fromisoformat(after)
    days = (CALENDAR.add_working_days(start, k) for k in range(1, 60))
    return next(d.isoformat() for d in days if d.isoformat() not in busy)


def advance(cli: Cli, tmp: Path, case: int, trigger: str, who: tuple[str, ...], data: Any = None):  # type: ignore[no-untyped-def]
    args = ["case", "advance", str(case), trigger, *who]
    if data is not None:
        path = tmp / f"{trigger}-{case}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        args += ["--data-file", str(path)]
    return cli(*args)


def history(cli: Cli, case: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(cli("case", "show", str(case), "--json").stdout)[
        "events"
    ]
    return events


def delivery(day: date, *codes: str) -> dict[str, Any]:
    return {"submission": {"received_on": day.isoformat(), "appendices": list(codes)}}


def minutes(day: date, number: str = "01/BB-ĐKT") -> dict[str, Any]:
    return {
        "minutes": {
            "number": number,
            "visit_date": day.isoformat(),
            "team_participants": [{"name": "Trần Thị Bình", "position": "Trưởng đoàn"}],
            "unit_participants": [{"name": "Lê Minh Tuấn", "position": "Giám đốc Sở"}],
        }
    }


def test_new_campaigns_run_on_the_newest_version(planned: Cli) -> None:
    shown = json.loads(planned("campaign", "show", "hanoi-2026", "--json").stdout)
    assert shown["workflow"] == {"name": "cchc-inspection", "version": 4}


def test_a_notice_needs_the_teams_decision(cli: Cli) -> None:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(EXAMPLES / "hanoi-2026.toml")).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    case = visit_of(cli, "STP")
    refused = cli("case", "advance", str(case["case_id"]), "announce", *LEAD)
    assert refused.exit_code == 2
    assert f"{case['team']} has no Quyết định thành lập Đoàn kiểm tra yet" in refused.stderr


def test_the_announced_path_records_what_arrived_and_when(planned: Cli, tmp_path: Path) -> None:
    visit = visit_of(planned, "STP")  # leads "Cải cách thể chế": Phụ lục 3 is asked of it
    case = visit["case_id"]
    due = date.fromisoformat(visit["evidence_due"])
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    announce = history(planned, case)[-1]
    deadlines = {
        e["args"]["deadline"]: e["args"] for e in announce["effects"] if "deadline" in e["args"]
    }
    assert deadlines["submission_due"]["due"] == visit["evidence_due"]
    assert deadlines["visit"]["due"] == visit["date"]
    decision = {"notice": "thong-bao-kiem-tra", "team_decision": DECISION_OF[visit["team"]]}
    assert {"effect": "issue_notice", "args": decision} in announce["effects"]

    on_time = advance(
        planned, tmp_path, case, "receive_submission", UNIT, delivery(due, "Phụ lục 1")
    )
    assert on_time.exit_code == 0, on_time.stderr
    assert on_time.stdout.startswith(f"case {case} (STP): announced -> announced")
    two_late = CALENDAR.add_working_days(due, 2)
    rest = delivery(two_late, "Phụ lục 2", "Phụ lục 3")
    late = advance(planned, tmp_path, case, "receive_submission", UNIT, rest)
    assert late.exit_code == 0 and "announced -> submitted" in late.stdout
    first, second = (e["payload"]["assessed"] for e in history(planned, case)[-2:])
    assert (first["on_time"], first["late_working_days"]) == (True, 0)
    assert first["missing_appendices"] == ["Phụ lục 2", "Phụ lục 3"]
    assert (second["on_time"], second["late_working_days"], second["missing_appendices"]) == (
        False,
        2,
        [],
    )

    day = date.fromisoformat(visit["date"])
    visited = advance(planned, tmp_path, case, "record_visit", INSPECTOR, minutes(day))
    assert visited.exit_code == 0, visited.stderr
    areas = json.loads(planned("campaign", "show", "hanoi-2026", "--json").stdout)["content_areas"]
    findings = {"findings": [{"area": areas[1], "severity": "major", "text": "Chưa niêm yết"}]}
    assert advance(planned, tmp_path, case, "record_findings", LEAD, findings).exit_code == 0
    signed = CALENDAR.add_working_days(day, 2)
    conclusion = {"conclusion": {"date": signed.isoformat(), "remedies": [
        {"finding": 0, "remedy": "Niêm yết đầy đủ", "due_working_days": 10}
    ]}}  # fmt: skip
    by_lead = advance(planned, tmp_path, case, "approve_conclusion", LEAD, conclusion)
    assert by_lead.exit_code == 2 and "role 'team_lead' may not fire 'approve_conclusion'" in (
        by_lead.stderr
    )
    approved = advance(planned, tmp_path, case, "approve_conclusion", SIGNER, conclusion)
    assert approved.exit_code == 0 and "findings_drafted -> remediation" in approved.stdout
    event = history(planned, case)[-1]
    remediation_due = CALENDAR.add_working_days(signed, 10).isoformat()
    assert event["payload"]["assessed"]["remediation_due"] == remediation_due
    conclusion_notice = {
        "notice": "thong-bao-ket-luan",
        "team_decision": DECISION_OF[visit["team"]],
    }
    assert {"effect": "issue_notice", "args": conclusion_notice} in event["effects"]
    started = [e["args"] for e in event["effects"] if e["effect"] == "start_deadline"]
    assert started == [
        {"deadline": "remediation_report_due", "from": "data.assessed.remediation_due",
         "due": remediation_due}
    ]  # fmt: skip
    assert planned("case", "verify", "hanoi-2026").exit_code == 0


def test_a_visit_without_the_required_appendices_is_refused(planned: Cli, tmp_path: Path) -> None:
    visit = visit_of(planned, "STP")
    case, day = visit["case_id"], date.fromisoformat(visit["date"])
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    due = date.fromisoformat(visit["evidence_due"])
    part = delivery(due, "Phụ lục 1")
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, part).exit_code == 0
    before = history(planned, case)
    refused = advance(planned, tmp_path, case, "record_visit", INSPECTOR, minutes(day))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "error: trigger 'record_visit' refused in state 'announced': the unit has not sent "
        "Phụ lục 2, Phụ lục 3, and this campaign requires every appendix before the visit "
        "([rules] visit_with_missing_appendices = false): record what arrived with "
        "`receive_submission`"
    )
    assert history(planned, case) == before


def test_a_campaign_may_allow_a_visit_with_missing_appendices(cli: Cli, tmp_path: Path) -> None:
    text = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
    allowing = text.replace(
        "visit_with_missing_appendices = false", "visit_with_missing_appendices = true"
    )
    assert allowing != text
    path = tmp_path / "allowing.toml"
    path.write_text(allowing, encoding="utf-8")
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(path)).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    visit = visit_of(cli, "STP")
    path = DECISIONS / f"doan-{visit['team'].split()[-1]}.json"
    assert (
        cli("campaign", "decide-team", "hanoi-2026", "--data-file", str(path), *CLERK).exit_code
        == 0
    )
    case, day = visit["case_id"], date.fromisoformat(visit["date"])
    assert advance(cli, tmp_path, case, "announce", LEAD).exit_code == 0
    visited = advance(cli, tmp_path, case, "record_visit", INSPECTOR, minutes(day))
    assert visited.exit_code == 0 and "announced -> visited" in visited.stdout


def test_minutes_need_a_working_day(planned: Cli, tmp_path: Path) -> None:
    case = visit_of(planned, "SYT")["case_id"]
    for day_off, why in ((date(2026, 8, 23), "Chủ nhật"), (date(2026, 8, 31), "")):
        sent = minutes(day_off)
        refused = advance(planned, tmp_path, case, "record_unannounced_visit", INSPECTOR, sent)
        assert refused.exit_code == 2
        assert f"minutes.visit_date {day_off:%d/%m/%Y} is not a working day ({why}" in (
            refused.stderr
        )
    # Saturday 22/8/2026 is a make-up working day (for Monday 31/8): a visit may be held on it.
    held = advance(
        planned, tmp_path, case, "record_unannounced_visit", INSPECTOR, minutes(date(2026, 8, 22))
    )
    assert held.exit_code == 0, held.stderr


def test_an_unannounced_inspection_starts_at_the_visit(planned: Cli, tmp_path: Path) -> None:
    visit = visit_of(planned, "SYT")
    case, day = visit["case_id"], date.fromisoformat(visit["date"])
    result = advance(planned, tmp_path, case, "record_unannounced_visit", INSPECTOR, minutes(day))
    assert result.exit_code == 0 and "planned -> visited" in result.stdout
    triggers = [e["trigger"] for e in history(planned, case)]
    assert triggers == ["open", "reschedule", "record_unannounced_visit"]
    areas = json.loads(planned("campaign", "show", "hanoi-2026", "--json").stdout)["content_areas"]
    clean = {"findings": [{"area": areas[0], "severity": "none", "text": "Đúng kế hoạch"}]}
    assert advance(planned, tmp_path, case, "record_findings", LEAD, clean).exit_code == 0
    signed = CALENDAR.add_working_days(day, 1).isoformat()
    closing = {"conclusion": {"date": signed, "remedies": []}}
    closed = advance(planned, tmp_path, case, "approve_conclusion", SIGNER, closing)
    assert closed.exit_code == 0 and "findings_drafted -> closed" in closed.stdout


def test_a_moved_visit_moves_the_plan_and_tells_the_unit(planned: Cli, tmp_path: Path) -> None:
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    plan = json.loads(planned("plan", "show", "hanoi-2026", "--json").stdout)
    busy = {v["date"] for v in plan if v["team"] == visit["team"] and v["case_id"] != case}
    day = date.fromisoformat(visit["date"])
    full = next(d for d in (CALENDAR.add_working_days(day, k) for k in range(1, 60))
                if d.isoformat() in busy)  # fmt: skip
    free = next(d for d in (CALENDAR.add_working_days(day, k) for k in range(1, 60))
                if d.isoformat() not in busy)  # fmt: skip
    no_reason = advance(
        planned, tmp_path, case, "reschedule", LEAD, {"visit_date": free.isoformat()}
    )
    assert no_reason.exit_code == 2 and "reason must be a non-empty string" in no_reason.stderr
    taken = {"visit_date": full.isoformat(), "reason": "Đơn vị đề nghị lùi lịch"}
    refused = advance(planned, tmp_path, case, "reschedule", LEAD, taken)
    assert refused.exit_code == 2
    assert f"{visit['team']} already has 1 visit on {full:%d/%m/%Y}, its 1 a day" in refused.stderr
    move = {"visit_date": free.isoformat(), "reason": "Đơn vị đề nghị lùi lịch"}
    assert advance(planned, tmp_path, case, "reschedule", LEAD, move).exit_code == 0
    moved = visit_of(planned, "STP")
    assert (moved["date"], moved["team"]) == (free.isoformat(), visit["team"])
    assert moved["evidence_due"] == CALENDAR.add_working_days(free, -3).isoformat()
    effects = history(planned, case)[-1]["effects"]
    moved_notice = {"notice": "thong-bao-doi-lich", "team_decision": DECISION_OF[visit["team"]]}
    assert {"effect": "issue_notice", "args": moved_notice} in effects
    dues = {e["args"]["deadline"]: e["args"]["due"] for e in effects if "due" in e["args"]}
    assert dues == {"visit": free.isoformat(), "submission_due": moved["evidence_due"]}
    assert planned("plan", "check", "hanoi-2026").exit_code == 0


def test_open_v1_cases_migrate_to_v2(cli: Cli, hanoi_v1: Path, tmp_path: Path) -> None:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    v1_lead = ("--actor", "lan", "--role", "team_lead")
    assert cli("case", "advance", "1", "announce", *v1_lead).exit_code == 0
    assert cli("case", "advance", "1", "request_evidence", *v1_lead).exit_code == 0
    reason = {"reason": "Đơn vị sáp nhập"}
    assert advance(cli, tmp_path, 2, "cancel", v1_lead, reason).exit_code == 0
    moved = cli(
        "workflow", "migrate", "cchc-inspection", "--from", "1", "--to", "2",
        "--map", "evidence_requested=announced", "--map", "findings=findings_drafted",
        "--actor", "lan",
    )  # fmt: skip
    assert moved.exit_code == 0, moved.stderr
    assert moved.stdout.strip() == "140 cases moved from cchc-inspection v1 to v2"
    first = json.loads(cli("case", "show", "1", "--json").stdout)
    assert (first["workflow_version"], first["state"]) == (2, "announced")
    assert first["events"][-1]["trigger"] == "migrate"
    cancelled = json.loads(cli("case", "show", "2", "--json").stdout)
    assert cancelled["workflow_version"] == 1  # closed cases keep the version they ended on
    verified = json.loads(cli("case", "verify", "hanoi-2026", "--json").stdout)
    assert verified["valid"] is True and verified["problems"] == []
