"""The values of each kind of document, from the event that caused it and the case's history.

Every date a letter states comes from the audited log where the log has it (the due dates the
transition recorded with its effects, the visit date of a move, the minutes, the findings), so
a letter and the history cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspect_engine.domain.events import Event
from inspect_engine.domain.workflow.inspection_rules import SEVERITIES, SUBMISSION_TRIGGER
from inspect_engine.services.notices.context import CampaignFacts, visit_context

SEVERITY_WORDS = {
    "none": "Không có tồn tại",
    "minor": "Tồn tại nhỏ",
    "major": "Tồn tại",
    "serious": "Tồn tại nghiêm trọng",
}
assert set(SEVERITY_WORDS) == set(SEVERITIES)


@dataclass(frozen=True)
class EarlierNotice:
    kind: str
    number: str
    issued_on: date | None


@dataclass(frozen=True)
class CaseSource:
    """A case as one of its documents sees it: the causing event and everything before it."""

    case_id: int
    unit_code: str
    team: str | None
    visit_date: date | None
    evidence_due: date | None
    history: Sequence[Event]  # oldest first, ending with the causing event
    earlier: Sequence[EarlierNotice]  # the case's notices issued before this one

    @property
    def event(self) -> Event:
        return self.history[-1]


def _due(event: Event, deadline: str) -> date | None:
    """The due date the event's transition recorded for a deadline it started."""
    for effect in event.effects:
        args = effect.get("args", {})
        if effect.get("effect") == "start_deadline" and args.get("deadline") == deadline:
            due = args.get("due")
            return date.fromisoformat(due) if isinstance(due, str) else None
    return None


def _decision_named(event: Event) -> str | None:
    for effect in event.effects:
        if effect.get("effect") == "issue_notice":
            named = effect.get("args", {}).get("team_decision")
            return str(named) if named else None
    return None


def _latest(history: Sequence[Event], triggers: set[str]) -> Event | None:
    return next((e for e in reversed(history) if e.trigger in triggers), None)


def _team_of(source: CaseSource) -> str | None:
    """The team that visits: a move may hand the case to another team."""
    moved = _latest(source.history, {"reschedule"})
    if moved is not None and moved.payload.get("team"):
        return str(moved.payload["team"])
    return source.team


def announcement(
    facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]
) -> dict[str, Any]:
    event = source.event
    unit = facts.unit(source.unit_code)
    visit_day = _due(event, "visit") or source.visit_date
    if visit_day is None:
        raise ValueError(f"case {source.case_id} has no visit date: plan the campaign first")
    return {
        "unit": unit,
        "team": facts.team(_team_of(source), _decision_named(event)),
        "visit": visit_context(unit["name"], visit_day, facts.spec.notices.visit_time),
        "evidence_due": _due(event, "submission_due") or source.evidence_due,
        **facts.appendices(source.unit_code, forms),
    }


def moved_visit(
    facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]
) -> dict[str, Any]:
    """Thông báo dời lịch: the new date, the reason, and the notice it supersedes."""
    values = announcement(facts, source, forms)
    event = source.event
    values["visit"] = visit_context(
        values["unit"]["name"], date.fromisoformat(event.payload["visit_date"]),
        facts.spec.notices.visit_time,
    )  # fmt: skip
    values["reason"] = event.payload.get("reason", "")
    values["supersedes"] = _supersedes(source)
    return values


def reinspection(
    facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]
) -> dict[str, Any]:
    """Thông báo tái kiểm tra: the date, what is checked again (the remedies), the conclusion."""
    event = source.event
    unit = facts.unit(source.unit_code)
    day = date.fromisoformat(event.payload["visit_date"])
    return {
        "unit": unit,
        "team": facts.team(_team_of(source), None),
        "visit": visit_context(unit["name"], day, facts.spec.notices.visit_time),
        "reason": event.payload.get("reason", ""),
        "conclusion": _conclusion_ref(source),
        **_findings(facts, source),
    }


def minutes(facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]) -> dict[str, Any]:
    """Biên bản kiểm tra: who took part, what was noted, ready to sign by both sides."""
    data = source.event.payload["minutes"]
    unit = facts.unit(source.unit_code)
    day = date.fromisoformat(data["visit_date"])
    return {
        "unit": unit,
        "team": facts.team(_team_of(source), None),
        "visit": visit_context(unit["name"], day, facts.spec.notices.visit_time),
        "minutes": {
            "number": data["number"],
            "team_participants": list(data.get("team_participants", [])),
            "unit_participants": list(data.get("unit_participants", [])),
            "noted": list(data.get("noted", [])),
            "unannounced": source.event.trigger == "record_unannounced_visit",
            "reinspection": source.event.trigger.startswith("reinspect"),
        },
    }


def conclusion(
    facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]
) -> dict[str, Any]:
    """Thông báo kết luận: shortcomings by content area, the remedies and their due dates."""
    event = source.event
    unit = facts.unit(source.unit_code)
    assessed = event.payload.get("assessed", {})
    due = assessed.get("remediation_due")
    visit = _latest(source.history[:-1], {"record_visit", "record_unannounced_visit"})
    visit_day = None
    if visit is not None and isinstance(visit.payload.get("minutes"), Mapping):
        visit_day = date.fromisoformat(visit.payload["minutes"]["visit_date"])
    return {
        "unit": unit,
        "team": facts.team(_team_of(source), None),
        "visit_date": visit_day,
        "remediation_due": date.fromisoformat(due) if isinstance(due, str) else None,
        **_findings(facts, source),
    }


def _findings(facts: CampaignFacts, source: CaseSource) -> dict[str, Any]:
    """The latest draft findings, grouped by content area in the campaign's order, each with
    its remedy from the approved conclusion."""
    drafted = _latest(source.history, {"record_findings", "reinspect_fail"})
    approved = _latest(source.history, {"approve_conclusion"})
    findings = list(drafted.payload.get("findings", [])) if drafted else []
    remedies: dict[int, Mapping[str, Any]] = {}
    if approved is not None:  # the remedies as the engine assessed them, with their due dates
        for remedy in approved.payload.get("assessed", {}).get("remedies", []):
            remedies[int(remedy["finding"])] = remedy
    areas: list[dict[str, Any]] = []
    for area in facts.spec.content_areas:
        items = []
        for number, finding in enumerate(findings):
            if finding.get("area") != area:
                continue
            remedy = remedies.get(number, {})
            items.append(
                {
                    "text": finding.get("text", ""),
                    "severity": SEVERITY_WORDS.get(finding.get("severity", ""), ""),
                    "shortcoming": finding.get("severity") != "none",
                    "remedy": remedy.get("remedy") or finding.get("remedy", ""),
                    "due": date.fromisoformat(remedy["due"]) if "due" in remedy else None,
                }
            )
        if items:
            areas.append({"name": area, "findings": items})
    shortcomings = [f for a in areas for f in a["findings"] if f["shortcoming"]]
    return {"areas": areas, "shortcomings": shortcomings}


def _supersedes(source: CaseSource) -> dict[str, Any] | None:
    earlier = [n for n in source.earlier if n.kind in _NOTICE_KINDS]
    if not earlier:
        return None
    last = earlier[-1]
    return {"number": last.number, "date": last.issued_on}


def _conclusion_ref(source: CaseSource) -> dict[str, Any] | None:
    found = [n for n in source.earlier if n.kind == "thong-bao-ket-luan"]
    return {"number": found[-1].number, "date": found[-1].issued_on} if found else None


def started(history: list[Event], deadline: str) -> tuple[Event, date] | None:
    """The event that last started `deadline`, with the due date it recorded."""
    for event in reversed(history):
        for effect in event.effects:
            args = effect.get("args", {})
            if effect.get("effect") == "start_deadline" and args.get("deadline") == deadline:
                return event, date.fromisoformat(args["due"])
    return None


def reminder(facts: CampaignFacts, source: CaseSource, forms: Mapping[str, Any]) -> dict[str, Any]:
    """A reminder's values: the deadline, the earlier notice it follows, what is missing."""
    unit = facts.unit(source.unit_code)
    concluded = _latest(source.history, {"approve_conclusion"}) is not None
    deadline = "remediation_report_due" if concluded else "submission_due"
    found = started(list(source.history), deadline)
    due = found[1] if found else None
    asked = facts.appendices(source.unit_code, forms)["appendices"]
    received: set[str] = set()
    for e in source.history:
        if e.trigger == SUBMISSION_TRIGGER:
            received.update(e.payload.get("submission", {}).get("appendices", []))
    notice = next((n for n in reversed(source.earlier) if n.kind in _FOLLOWS), None)
    return {
        "unit": unit,
        "team": facts.team(source.team, None),
        "due": due,
        "missing": [a for a in asked if a["code"] not in received],
        "notice": {"number": notice.number, "date": notice.issued_on} if notice else None,
        **_findings(facts, source),
    }


_FOLLOWS = {"thong-bao-kiem-tra", "cong-van-kiem-tra", "thong-bao-doi-lich", "thong-bao-ket-luan"}
_NOTICE_KINDS = {"thong-bao-kiem-tra", "cong-van-kiem-tra", "thong-bao-doi-lich"}
Builder = Callable[[CampaignFacts, CaseSource, Mapping[str, Any]], dict[str, Any]]
BUILDERS: dict[str, Builder] = {
    "thong-bao-kiem-tra": announcement,
    "cong-van-kiem-tra": announcement,
    "thong-bao-doi-lich": moved_visit,
    "thong-bao-tai-kiem-tra": reinspection,
    "bien-ban-kiem-tra": minutes,
    "thong-bao-ket-luan": conclusion,
    "nhac-nop-bao-cao": reminder,
    "nhac-bao-cao-khac-phuc": reminder,
    "qua-han-bao-cao-khac-phuc": reminder,
}
