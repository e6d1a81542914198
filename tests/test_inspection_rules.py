"""The rules of workflow v2 on their own: submissions, minutes, draft findings, the conclusion."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.workflow import inspection_rules as rules
from inspect_engine.domain.workflow.context import CaseFacts, FactsUnavailable, GuardContext

AREAS = ("Cải cách thể chế", "Cải cách thủ tục hành chính")
CALENDAR = WorkingCalendar([2026])


def facts(**overrides: Any) -> CaseFacts:
    values: dict[str, Any] = {
        "content_areas": AREAS,
        "calendar": CALENDAR,
        "today": date(2026, 9, 30),
        "visit_date": date(2026, 9, 14),
        "notice_due": date(2026, 8, 31),
        "evidence_due": date(2026, 9, 9),  # a Wednesday
        "appendix_codes": ("Phụ lục 1", "Phụ lục 2", "Phụ lục 3", "Phụ lục 4"),
        "required_appendices": ("Phụ lục 1", "Phụ lục 2"),
        "visit_with_missing_appendices": False,
        "lead_times": {
            "notice_working_days": 10,
            "evidence_working_days": 3,
            "remediation_working_days": 15,
        },
        "team": "Đoàn 1",
        "team_decision": "12/QĐ-SNV",
    }
    values.update(overrides)
    return CaseFacts(**values)


def ctx(
    payload: dict[str, Any],
    history: tuple[tuple[str, dict[str, Any]], ...] = (),
    **fact_overrides: Any,
) -> GuardContext:
    the_facts = facts(**fact_overrides)
    return GuardContext("announced", payload, history, lambda: the_facts)


def delivery(received_on: str, *codes: str) -> dict[str, Any]:
    return {"submission": {"received_on": received_on, "appendices": list(codes)}}


def test_facts_load_only_when_a_rule_asks() -> None:
    loads: list[int] = []
    the_facts = facts()

    def load() -> CaseFacts:
        loads.append(1)
        return the_facts

    context = GuardContext("announced", {}, (), load)
    assert loads == []
    assert context.facts is the_facts and context.facts is the_facts
    assert loads == [1]
    with pytest.raises(FactsUnavailable):
        _ = GuardContext("announced", {}, ()).facts


def test_a_submission_on_the_due_date_is_on_time() -> None:
    c = ctx(delivery("2026-09-09", "Phụ lục 1"))
    assert rules.require_submission(c) == []
    assert rules.assess_submission(c) == {
        "due": "2026-09-09",
        "on_time": True,
        "late_working_days": 0,
        "missing_appendices": ["Phụ lục 2"],
    }
    assert not rules.submission_complete(c)


def test_a_late_submission_counts_working_days_late() -> None:
    # Due Wednesday 9/9; received Monday 14/9: Thursday, Friday and Monday are 3 working days.
    c = ctx(
        delivery("2026-09-14", "Phụ lục 2"),
        (("receive_submission", delivery("2026-09-08", "Phụ lục 1")),),
    )
    assessed = rules.assess_submission(c)
    assert (assessed["on_time"], assessed["late_working_days"]) == (False, 3)
    assert assessed["missing_appendices"] == []
    assert rules.submission_complete(c)


def test_a_delivery_on_a_day_off_after_the_due_date_is_late_by_one() -> None:
    # Due Friday 11/9, received Saturday 12/9: no working day passed, but it came after the due.
    c = ctx(delivery("2026-09-12", "Phụ lục 1"), (), evidence_due=date(2026, 9, 11))
    assert rules.assess_submission(c)["late_working_days"] == 1


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({}, "submission must be an object"),
        (delivery("2026-10-05", "Phụ lục 1"), "submission.received_on 05/10/2026 is in the future"),
        (delivery("5/9/2026", "Phụ lục 1"), "submission.received_on must be an ISO date"),
        (
            delivery("2026-09-08", "Phu luc 1"),
            "'Phu luc 1' is not an appendix of this campaign (did you mean 'Phụ lục 1'?)",
        ),
        (delivery("2026-09-08"), "must list the appendices or documents received"),
    ],
)
def test_bad_submissions_are_refused(payload: dict[str, Any], problem: str) -> None:
    problems = rules.require_submission(ctx(payload))
    assert any(problem in p for p in problems), problems


def test_a_visit_with_missing_appendices_is_refused_unless_the_campaign_allows_it() -> None:
    partial = ctx({}, (("receive_submission", delivery("2026-09-08", "Phụ lục 1")),))
    assert not rules.missing_appendices_allowed(partial)
    assert rules.explain_missing_appendices(partial).startswith("the unit has not sent Phụ lục 2")
    allowed = ctx({}, (), visit_with_missing_appendices=True)
    assert rules.missing_appendices_allowed(allowed)
    nothing_required = ctx({}, (), required_appendices=())
    assert rules.missing_appendices_allowed(nothing_required)


def minutes(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "number": "01/BB-ĐKT",
        "visit_date": "2026-09-14",
        "team_participants": [{"name": "Trần Thị Bình", "position": "Trưởng đoàn"}],
        "unit_participants": [{"name": "Lê Văn Nam", "position": "Giám đốc Sở"}],
        "noted": ["Niêm yết thủ tục hành chính chưa đầy đủ"],
    }
    value.update(overrides)
    return {"minutes": value}


def test_minutes_of_a_visit() -> None:
    assert rules.require_minutes(ctx(minutes())) == []
    assert rules.require_minutes(ctx(minutes(visit_date="2026-09-12"))) == [
        "minutes.visit_date 12/09/2026 is not a working day (Thứ Bảy)"
    ]
    assert rules.require_minutes(ctx(minutes(visit_date="2026-10-01"))) == [
        "minutes.visit_date 01/10/2026 is in the future (today is 30/09/2026)"
    ]
    problems = rules.require_minutes(ctx(minutes(unit_participants=[{"name": "A"}], number="")))
    assert problems == [
        "minutes.number (số biên bản) must be a non-empty string",
        "minutes.unit_participants[0].position must be a non-empty string",
    ]


def test_draft_findings_name_the_campaigns_content_areas() -> None:
    good = {"findings": [{"area": AREAS[1], "severity": "minor", "text": "Chưa niêm yết"}]}
    assert rules.require_draft_findings(ctx(good)) == []
    bad = {"findings": [{"area": "Cải cách thủ tục hành chánh", "severity": "big", "text": ""}]}
    assert rules.require_draft_findings(ctx(bad)) == [
        "findings[0].area 'Cải cách thủ tục hành chánh' is not a content area of this campaign "
        "(did you mean 'Cải cách thủ tục hành chính'?)",
        "findings[0].severity must be one of none, minor, major, serious",
        "findings[0].text must be a non-empty string",
    ]


def test_a_finding_may_be_marked_a_model_worth_spreading() -> None:
    model = {"area": AREAS[1], "severity": "none", "text": "Một cửa ngoài giờ", "model": True}
    assert rules.require_draft_findings(ctx({"findings": [model]})) == []
    wrong = {"findings": [{**model, "model": "yes"}]}
    assert rules.require_draft_findings(ctx(wrong)) == ["findings[0].model must be true or false"]


DRAFT = {
    "findings": [
        {"area": AREAS[0], "severity": "none", "text": "Ban hành đủ văn bản"},
        {"area": AREAS[1], "severity": "major", "text": "Chưa niêm yết đủ TTHC"},
        {"area": AREAS[1], "severity": "minor", "text": "Sổ theo dõi chưa cập nhật"},
    ]
}


def test_the_conclusion_gives_each_shortcoming_a_remedy_and_a_due_date() -> None:
    history = (("record_findings", DRAFT),)
    conclusion = {
        "conclusion": {
            "date": "2026-09-21",
            "remedies": [
                {"finding": 1, "remedy": "Niêm yết đủ TTHC", "due_working_days": 5},
                {"finding": 2, "remedy": "Cập nhật sổ theo dõi"},
            ],
        }
    }
    c = ctx(conclusion, history)
    assert rules.require_conclusion(c) == []
    assessed = rules.assess_conclusion(c)
    # 5 working days after Monday 21/9 is Monday 28/9; 15 after it is Monday 12/10.
    assert [r["due"] for r in assessed["remedies"]] == ["2026-09-28", "2026-10-12"]
    assert assessed["remediation_due"] == "2026-10-12"
    missing = {"conclusion": {"date": "2026-09-21", "remedies": [{"finding": 1, "remedy": "x"}]}}
    assert rules.require_conclusion(ctx(missing, history)) == [
        "shortcoming findings[2] has no remedy in conclusion.remedies"
    ]


def test_a_conclusion_needs_draft_findings() -> None:
    problems = rules.require_conclusion(ctx({"conclusion": {"date": "2026-09-21", "remedies": []}}))
    assert problems == ["there are no draft findings to conclude: record_findings first"]


def test_the_team_decision_guard_explains_what_is_missing() -> None:
    assert rules.team_decided(ctx({}))
    undecided = ctx({}, (), team_decision=None)
    assert not rules.team_decided(undecided)
    assert "Đoàn 1 has no Quyết định thành lập Đoàn kiểm tra" in rules.explain_team_decided(
        undecided
    )
    unplanned = ctx({}, (), team_decision=None, team=None)
    assert "plan the campaign first" in rules.explain_team_decided(unplanned)
