"""`case show` says in one line what each step recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from inspect_engine.domain.event_summary import WIDTH, summarize
from inspect_engine.domain.events import Event


def event(
    trigger: str, payload: dict[str, Any], effects: list[dict[str, Any]] | None = None
) -> Event:
    return Event(
        "hanoi-2026", 12, 5, trigger, "a", "b", "lan", "team_lead",
        datetime(2026, 9, 1, tzinfo=UTC), payload, "cchc-inspection", 3, effects or [],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("trigger", "payload", "effects", "said"),
    [
        ("announce", {}, [
            {"effect": "issue_notice", "args": {"notice": "thong-bao-kiem-tra"}},
            {"effect": "start_deadline", "args": {"deadline": "visit", "due": "2026-09-10"}},
        ], "asks for thong-bao-kiem-tra; due: visit 10/09/2026"),
        ("receive_submission", {
            "submission": {"received_on": "2026-09-03", "appendices": ["Phụ lục 1"]},
            "assessed": {"late_working_days": 2, "missing_appendices": ["Phụ lục 2"]},
        }, [], "received Phụ lục 1 on 03/09/2026, 2 working days late; still missing Phụ lục 2"),
        ("record_findings", {"findings": [
            {"area": "x", "severity": "serious"}, {"area": "y", "severity": "none"},
            {"area": "z", "severity": "minor"},
        ]}, [], "3 findings (1 minor, 1 serious)"),
        ("reinspect_pass", {"minutes": {
            "number": "02/BB-ĐKT", "visit_date": "2026-11-02",
            "team_participants": [{}, {}], "unit_participants": [{}],
        }}, [], "biên bản 02/BB-ĐKT, visit of 02/11/2026, 3 participants"),
        ("approve_conclusion", {
            "conclusion": {"date": "2026-09-20"},
            "assessed": {"remedies": [{}], "remediation_due": "2026-10-11"},
        }, [], "conclusion of 20/09/2026, 1 remedy, remediation due 11/10/2026"),
        ("deadline", {"deadline": {"kind": "submission_due", "due": "2026-09-04"}}, [
            {"effect": "trigger", "args": {"trigger": "mark_submission_late", "refused": "no"}},
            {"effect": "escalate", "args": {"lead": "Trần Thị Bình"}},
        ], "submission_due of 04/09/2026 passed; mark_submission_late not possible: no; "
           "escalated to Trần Thị Bình"),
        ("issue_document", {"document": {"kind": "thong-bao-kiem-tra", "number": None}}, [],
         "thong-bao-kiem-tra (number awaited)"),
    ],
)  # fmt: skip
def test_each_step_reads_as_what_it_recorded(
    trigger: str, payload: dict[str, Any], effects: list[dict[str, Any]], said: str
) -> None:
    assert summarize(event(trigger, payload, effects)) == said


def test_unknown_or_odd_data_is_shown_as_it_is_and_cut() -> None:
    assert summarize(event("a_province_step", {"x": 1})) == '{"x": 1}'
    long = summarize(event("a_province_step", {"x": "y" * 500}))
    assert len(long) == WIDTH and long.endswith("…")
    assert summarize(event("receive_submission", {"submission": "not a mapping"})).startswith("{")
