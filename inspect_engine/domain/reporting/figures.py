"""Each case's results folded from its events up to a cut-off, and the campaign's totals.

Only the log is read, never the case rows or the deadline table as they are now: the figures as
of a day are a function of the events recorded by then, so a report can be made again later
and say the same. The cut-off is a position in the campaign's chain and a day (events dated
after the day's end in Vietnam are left out, and so are events appended after the position).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any

from inspect_engine.domain.events import Event, as_utc

SHORTCOMING_SEVERITIES = ("minor", "major", "serious")
VISIT_TRIGGERS = frozenset({"record_visit", "record_unannounced_visit"})
REINSPECTIONS = {"reinspect_pass": True, "reinspect_fail": False}
# Remediation of a case's shortcomings, as of the report's day.
REMEDIATION_STATUSES = ("done_on_time", "done_late", "in_time", "overdue")


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    kind: str
    kind_label: str
    area: str


@dataclass(frozen=True)
class Finding:
    area: str
    severity: str  # none | minor | major | serious
    text: str
    model: bool = False  # a model or initiative worth spreading


@dataclass
class CaseResult:
    """One case as its events tell it up to the cut-off."""

    case_id: int
    unit: UnitInfo
    state: str = ""
    team: str | None = None
    planned_visit: date | None = None
    announced_on: date | None = None
    deliveries: int = 0
    late_deliveries: int = 0
    marked_late: bool = False  # the submission deadline passed before everything arrived
    visited_on: date | None = None
    unannounced: bool = False
    draft: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # of the first approved conclusion
    concluded_on: date | None = None
    remediation_due: date | None = None  # of the latest conclusion with shortcomings
    remediated_on: date | None = None
    reinspection_required: bool = False
    reinspection_planned: date | None = None
    reinspections: list[tuple[date, bool]] = field(default_factory=list)  # (visit day, passed)
    cancelled: bool = False

    @property
    def inspected(self) -> bool:
        return self.visited_on is not None

    @property
    def submission(self) -> str | None:
        """on_time, late or missing (announced, nothing received); None if not asked."""
        if self.announced_on is None:
            return None
        if self.late_deliveries or self.marked_late:
            return "late"
        return "on_time" if self.deliveries else "missing"

    def shortcomings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in SHORTCOMING_SEVERITIES]

    def models(self) -> list[Finding]:
        return [f for f in self.findings if f.model]

    def remediation_status(self, as_of: date) -> str | None:
        """done_on_time, done_late, in_time, overdue; None with nothing to remedy."""
        if self.remediation_due is None:
            return None
        if self.remediated_on is not None:
            return "done_on_time" if self.remediated_on <= self.remediation_due else "done_late"
        return "in_time" if as_of <= self.remediation_due else "overdue"


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _findings(payload: Mapping[str, Any]) -> list[Finding]:
    items = payload.get("findings")
    if not isinstance(items, list):
        return []
    return [
        Finding(
            str(item.get("area", "")),
            str(item.get("severity", "none")),
            str(item.get("text", "")),
            item.get("model") is True,
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def fold_case(result: CaseResult, events: Iterable[Event], zone: tzinfo) -> CaseResult:
    """Apply a case's events, in their order, to `result`."""
    for event in events:
        payload, day = event.payload, as_utc(event.at).astimezone(zone).date()
        assessed = _mapping(payload.get("assessed"))
        result.state = event.to_state
        trigger = event.trigger
        if trigger == "reschedule":
            planned = _day(payload.get("visit_date"))
            if event.from_state == "reinspection":
                result.reinspection_planned = planned
            else:
                result.planned_visit = planned or result.planned_visit
                if isinstance(payload.get("team"), str):
                    result.team = payload["team"]
        elif trigger == "announce":
            result.announced_on = day
        elif trigger == "receive_submission":
            result.deliveries += 1
            result.late_deliveries += assessed.get("on_time") is False
        elif trigger == "mark_submission_late":
            result.marked_late = True
        elif trigger in VISIT_TRIGGERS:
            minutes = _mapping(payload.get("minutes"))
            result.visited_on = _day(minutes.get("visit_date")) or day
            result.unannounced = trigger == "record_unannounced_visit"
        elif trigger == "record_findings":
            result.draft = _findings(payload)
        elif trigger == "approve_conclusion":
            conclusion = _mapping(payload.get("conclusion"))
            if result.concluded_on is None:
                result.findings = list(result.draft)
                result.concluded_on = _day(conclusion.get("date")) or day
            result.remediation_due = _day(assessed.get("remediation_due"))
            result.remediated_on = None
        elif trigger == "report_remediation":
            result.remediated_on = day
        elif trigger in REINSPECTIONS:
            minutes = _mapping(payload.get("minutes"))
            visit = _day(minutes.get("visit_date")) or day
            result.reinspections.append((visit, REINSPECTIONS[trigger]))
            if trigger == "reinspect_fail":
                result.draft = _findings(payload)
        elif trigger == "cancel":
            result.cancelled = True
        if event.to_state == "reinspection":
            result.reinspection_required = True
    return result


def within_cut(event: Event, chain_seq: int, last_day: date, zone: tzinfo) -> bool:
    """The event counts: recorded by chain position `chain_seq` and dated up to `last_day`."""
    return event.chain_seq <= chain_seq and as_utc(event.at).astimezone(zone).date() <= last_day


@dataclass(frozen=True)
class KindShare:
    kind: str
    label: str
    targeted: int
    inspected: int

    @property
    def share(self) -> float:
        return self.inspected / self.targeted if self.targeted else 0.0


@dataclass(frozen=True)
class Figures:
    """The campaign's results as of `as_of` (for a period: its window, `since` .. `as_of`)."""

    as_of: date
    since: date | None
    chain_seq: int
    areas: tuple[str, ...]
    cases: tuple[CaseResult, ...]

    def counted(self, case: CaseResult) -> bool:
        """In this report: inspected (in the window, for a period's report)."""
        if case.visited_on is None:
            return False
        return self.since is None or case.visited_on >= self.since

    @property
    def inspected(self) -> list[CaseResult]:
        return [c for c in self.cases if self.counted(c)]

    def kinds(self) -> list[KindShare]:
        out: dict[str, list[int]] = {}
        labels: dict[str, str] = {}
        for case in self.cases:
            labels[case.unit.kind] = case.unit.kind_label
            counts = out.setdefault(case.unit.kind, [0, 0])
            counts[0] += 1
            counts[1] += self.counted(case)
        return [KindShare(k, labels[k], t, i) for k, (t, i) in sorted(out.items())]

    def by_area(self) -> dict[str, dict[str, list[tuple[CaseResult, Finding]]]]:
        """Per content area, per severity (none included): the findings with their case."""
        out: dict[str, dict[str, list[tuple[CaseResult, Finding]]]] = {
            a: {s: [] for s in ("none", *SHORTCOMING_SEVERITIES)} for a in self.areas
        }
        for case in self.inspected:
            for finding in case.findings:
                area = out.setdefault(
                    finding.area, {s: [] for s in ("none", *SHORTCOMING_SEVERITIES)}
                )
                area.setdefault(finding.severity, []).append((case, finding))
        return out

    def remediation(self) -> dict[str, list[CaseResult]]:
        out: dict[str, list[CaseResult]] = {s: [] for s in REMEDIATION_STATUSES}
        for case in self.inspected:
            status = case.remediation_status(self.as_of)
            if status is not None:
                out[status].append(case)
        return out

    def awaiting_conclusion(self) -> list[CaseResult]:
        return [c for c in self.inspected if c.concluded_on is None and not c.cancelled]

    def not_inspected(self) -> list[CaseResult]:
        return [c for c in self.cases if c.visited_on is None and not c.cancelled]


def campaign_figures(
    units: Mapping[int, UnitInfo],
    events: Sequence[Event],
    *,
    as_of: date,
    chain_seq: int,
    zone: tzinfo,
    areas: Sequence[str],
    since: date | None = None,
) -> Figures:
    """Fold the campaign's events (in chain order) that are within the cut into one result a
    case; `units` names each case's unit."""
    results = {case_id: CaseResult(case_id, unit) for case_id, unit in units.items()}
    by_case: dict[int, list[Event]] = {}
    for event in events:
        if within_cut(event, chain_seq, as_of, zone):
            by_case.setdefault(event.case_id, []).append(event)
    for case_id, case_events in by_case.items():
        if case_id in results:
            fold_case(results[case_id], sorted(case_events, key=lambda e: e.seq), zone)
    # A case opened after the cut (a target added later) is not in the report yet.
    cases = tuple(results[c] for c in sorted(by_case) if c in results)
    return Figures(as_of, since, chain_seq, tuple(areas), cases)
