"""Workflow v4: v3 with the team lead's review of what a unit sent (accepted, or returned with a
reason; a returned appendix is awaited again by a date the event records). The definition, and
the steps through the command line on both backends."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspect_engine.domain.submissions import RETURN_WORKING_DAYS
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from tests.conftest import REPO, Cli
from tests.test_workflow_v2 import CALENDAR, LEAD, UNIT, advance, delivery, history, visit_of
from tests.test_workflow_v2 import planned as planned

V3 = REPO / "workflows" / "cchc-inspection" / "v3.yaml"
V4 = REPO / "workflows" / "cchc-inspection" / "v4.yaml"
AUDITOR = ("--actor", "kiem-toan", "--role", "auditor")


def _defn(path: Path) -> Any:
    return parse_definition(path.read_text(encoding="utf-8"), path.name)


def test_v4_keeps_every_state_and_step_of_v3_and_adds_the_review() -> None:
    v3, v4 = _defn(V3), _defn(V4)
    assert (v4.name, v4.version) == ("cchc-inspection", 4)
    assert [s.name for s in v4.states] == [s.name for s in v3.states]
    assert set(v4.triggers()) == set(v3.triggers()) | {"accept_submission", "return_submission"}
    for trigger in ("accept_submission", "return_submission"):
        assert v4.allowed_roles(trigger) == {"team_lead"}  # the engine's role of a lead account
    for state in ("announced", "submission_late", "submitted"):
        assert {"accept_submission", "return_submission"} <= set(v4.triggers_from(state))
    assert "return_submission" not in v4.triggers_from("visited")
    assert [d.name for d in v4.deadlines] == [d.name for d in v3.deadlines]


def test_v4_announce_queues_what_v3_queued_on_entering_announced() -> None:
    """The deadlines moved from `announced`'s on_enter to the announce step (a return enters
    `announced` again and must not restart them from the plan): the same effects, in order."""
    v3, v4 = _defn(V3), _defn(V4)

    def announced_effects(defn: Any) -> list[tuple[str, dict[str, str]]]:
        (step,) = defn.transitions_for("announce", "planned")
        calls = (*step.effects, *defn.state("announced").on_enter)
        return [(c.effect, dict(c.args)) for c in calls]

    assert announced_effects(v4) == announced_effects(v3)
    assert v4.state("announced").on_enter == ()
    assert v3.state("announced").on_enter != ()  # v3 is left as cases run on it


def test_v4_return_alternatives() -> None:
    v4 = _defn(V4)
    from_submitted = v4.transitions_for("return_submission", "submitted")
    assert [(t.guards, t.dest) for t in from_submitted] == [
        (("returns_appendices",), "announced"),
        ((), "="),
    ]
    restarts = [(c.effect, dict(c.args)) for c in from_submitted[0].effects]
    assert restarts == [
        ("start_deadline", {"deadline": "submission_due", "from": "data.assessed.resubmit_by"})
    ]
    assert v4.transitions_for("return_submission", "announced")[0].dest == "="
    returns = [t for t in v4.transitions if t.trigger == "return_submission"]
    assert all("returned_submission" in t.requires for t in returns)


def _deadlines(cli: Cli, case: int) -> list[dict[str, Any]]:
    listed = cli("deadlines", "list", "hanoi-2026", "--case", str(case), "--json")
    assert listed.exit_code == 0, listed.stderr
    rows: list[dict[str, Any]] = json.loads(listed.stdout)
    return [d for d in rows if d["kind"] == "submission_due"]


def test_a_returned_appendix_is_awaited_again_then_accepted(
    planned: Cli,
    tmp_path: Path,
) -> None:
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    due = date.fromisoformat(visit["evidence_due"])
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    sent = advance(
        planned, tmp_path, case, "receive_submission", UNIT,
        delivery(due, "Phụ lục 1", "Phụ lục 2", "Phụ lục 3"),
    )  # fmt: skip
    assert "announced -> submitted" in sent.stdout, sent.stderr
    seq = history(planned, case)[-1]["seq"]
    assert [d["status"] for d in _deadlines(planned, case)] == ["cancelled"]

    no_reason = {"returned": {"submission": seq, "appendices": ["Phụ lục 1"], "reason": " "}}
    refused = advance(planned, tmp_path, case, "return_submission", LEAD, no_reason)
    assert refused.exit_code == 2 and "returned.reason must say why" in refused.stderr
    by_unit = advance(planned, tmp_path, case, "return_submission", UNIT, no_reason)
    assert by_unit.exit_code == 2 and "role 'unit' may not fire 'return_submission'" in (
        by_unit.stderr
    )
    by_auditor = advance(planned, tmp_path, case, "accept_submission", AUDITOR, {})
    assert by_auditor.exit_code == 2 and "auditors only read" in by_auditor.stderr
    wrong = {"returned": {"submission": seq, "appendices": ["Phụ lục 4"], "reason": "Thiếu"}}
    not_sent = advance(planned, tmp_path, case, "return_submission", LEAD, wrong)
    assert not_sent.exit_code == 2 and "'Phụ lục 4' is not in delivery" in not_sent.stderr

    reason = "Phụ lục 1 thiếu số liệu cột Đã thực hiện"
    back = {"returned": {"submission": seq, "appendices": ["Phụ lục 1"], "reason": reason}}
    returned = advance(planned, tmp_path, case, "return_submission", LEAD, back)
    assert returned.exit_code == 0, returned.stderr
    assert "submitted -> announced" in returned.stdout
    event = history(planned, case)[-1]
    today = date.today()
    again = max(CALENDAR.add_working_days(today, RETURN_WORKING_DAYS), due)
    assert event["payload"]["assessed"] == {
        "missing_appendices": ["Phụ lục 1"],
        "resubmit_by": again.isoformat(),
    }
    rows = _deadlines(planned, case)
    assert [(d["status"], d["due"]) for d in rows] == [
        ("cancelled", due.isoformat()),
        ("pending", again.isoformat()),
    ]
    twice = advance(planned, tmp_path, case, "return_submission", LEAD, back)
    assert twice.exit_code == 2 and f"delivery {seq} was already returned" in twice.stderr

    # The visit needs the returned appendix again (the example requires every appendix).
    resent = advance(
        planned, tmp_path, case, "receive_submission", UNIT, delivery(today, "Phụ lục 1")
    )
    assert "announced -> submitted" in resent.stdout, resent.stderr
    assessed = history(planned, case)[-1]["payload"]["assessed"]
    # Late is counted from the date the return set, which has not passed.
    assert (assessed["due"], assessed["on_time"]) == (again.isoformat(), True)
    resent_seq = history(planned, case)[-1]["seq"]
    old = {"returned": {"submission": seq + 0, "appendices": ["Phụ lục 2"], "reason": "x"}}
    assert (
        "already returned"
        in advance(planned, tmp_path, case, "return_submission", LEAD, old).stderr
    )
    accept = {"accepted": {"submission": resent_seq, "note": "Đã đủ"}}
    accepted = advance(planned, tmp_path, case, "accept_submission", LEAD, accept)
    assert accepted.exit_code == 0 and "submitted -> submitted" in accepted.stdout
    assert [d["status"] for d in _deadlines(planned, case)] == ["cancelled", "cancelled"]
    assert planned("case", "verify", "hanoi-2026").exit_code == 0


def test_a_return_names_the_latest_delivery_of_an_appendix(
    planned: Cli,
    tmp_path: Path,
) -> None:
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    due = date.fromisoformat(visit["evidence_due"])
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    first = delivery(due, "Phụ lục 1")
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, first).exit_code == 0
    first_seq = history(planned, case)[-1]["seq"]
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, first).exit_code == 0
    stale = {"returned": {"submission": first_seq, "appendices": ["Phụ lục 1"], "reason": "Sai"}}
    refused = advance(planned, tmp_path, case, "return_submission", LEAD, stale)
    assert refused.exit_code == 2
    assert f"'Phụ lục 1' was sent again in event {first_seq + 1}" in refused.stderr
    not_a_delivery = {"accepted": {"submission": 1}}
    refused = advance(planned, tmp_path, case, "accept_submission", LEAD, not_a_delivery)
    assert refused.exit_code == 2 and "event 1 of this case is not a delivery" in refused.stderr
    # Accepting the older one is still a review of it; the case stays where it is.
    ok = advance(
        planned, tmp_path, case, "accept_submission", LEAD, {"accepted": {"submission": first_seq}}
    )
    assert ok.exit_code == 0 and "announced -> announced" in ok.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_documents_only_delivery_is_returned_without_awaiting_anything(
    planned: Cli,
    tmp_path: Path,
) -> None:
    visit = visit_of(planned, "SYT")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    scan = {"submission": {"received_on": visit["evidence_due"], "appendices": [],
                           "documents": ["bao-cao.pdf"]}}  # fmt: skip
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, scan).exit_code == 0
    seq = history(planned, case)[-1]["seq"]
    back = {"returned": {"submission": seq, "appendices": [], "reason": "Bản chụp mờ"}}
    returned = advance(planned, tmp_path, case, "return_submission", LEAD, back)
    assert returned.exit_code == 0 and "announced -> announced" in returned.stdout
    event = history(planned, case)[-1]
    assert "resubmit_by" not in event["payload"]["assessed"]
    assert not any(e["effect"] == "start_deadline" for e in event["effects"])


def test_case_show_says_what_a_review_decided() -> None:
    from datetime import UTC, datetime

    from inspect_engine.domain.event_summary import summarize
    from inspect_engine.domain.events import Event

    def event(trigger: str, payload: dict[str, Any]) -> Event:
        at = datetime(2026, 8, 3, tzinfo=UTC)
        return Event("k", 1, 6, trigger, "submitted", "announced", "binh.tt", "team_lead", at,
                     payload, "cchc-inspection", 4)  # fmt: skip

    back = {"submission": 5, "appendices": ["Phụ lục 1"], "reason": "Thiếu số"}
    assessed = {"resubmit_by": "2026-08-10", "missing_appendices": ["Phụ lục 1"]}
    returned = {"returned": back, "assessed": assessed}
    assert summarize(event("return_submission", returned)) == (
        "delivery 5 returned (Phụ lục 1): Thiếu số; due again 10/08/2026"
    )
    accepted = {"accepted": {"submission": 7, "note": "Đủ"}}
    assert summarize(event("accept_submission", accepted)) == "delivery 7 accepted: Đủ"
