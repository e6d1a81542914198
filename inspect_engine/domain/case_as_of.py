"""A case as it stood at a moment, folded from its events alone: the state and the workflow
version then in force, the deadlines as its events' effects had started and ended them, the
documents issued by then, what the unit had sent, the visits, the findings, the conclusions and
the remediation.

Nothing is read from the rows as they are now (the case row, the deadline table): each is a
consequence of the events, and an auditor asks what the sealed history says. The payloads are
read as `domain/reporting/figures.py` and `domain/event_summary.py` read them, tolerating data of
an older shape (a missing key is an absent value, never an error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from inspect_engine.domain.deadlines import CANCELLED, FIRED, PENDING, SUPERSEDED, changes_of
from inspect_engine.domain.documents.kinds import caused_by
from inspect_engine.domain.events import Event, as_utc

ISSUE_TRIGGER = "issue_document"
DEADLINE_TRIGGER = "deadline"
FINDINGS_TRIGGERS = frozenset({"record_findings", "reinspect_fail"})  # a draft, to conclude
VISITS = {
    "record_visit": "visit",
    "record_unannounced_visit": "unannounced visit",
    "reinspect_pass": "re-inspection passed",
    "reinspect_fail": "re-inspection failed",
}


@dataclass
class DeadlineAsOf:
    """A deadline started by the event at `started_by`; `ended_by` the event that ended it."""

    kind: str
    due: date
    started_by: int
    status: str = PENDING  # pending | fired | cancelled | superseded
    ended_by: int | None = None

    def overdue_on(self, day: date) -> bool:
        return self.status == PENDING and self.due < day


@dataclass(frozen=True)
class DocumentAsOf:
    """A document the case's history says was issued (its `issue_document` event at `seq`, on
    `recorded_on`). `issued_on` is the date the document bears (the day of the step that caused
    it, or of the reminder), which the event does not repeat: the caller gives it."""

    seq: int
    id: int | None
    kind: str
    number: str | None  # None: issued as a draft, awaiting the records office's number
    issued_on: date | None
    recorded_on: date
    content_hash: str
    source: str


@dataclass(frozen=True)
class AwaitedDocument:
    """A document an event asked for that was not issued yet at the moment."""

    seq: int
    kind: str
    source: str


@dataclass(frozen=True)
class Submission:
    seq: int
    received_on: date | None
    appendices: tuple[str, ...]
    documents: tuple[str, ...]
    note: str
    on_time: bool | None
    late_working_days: int | None
    missing_appendices: tuple[str, ...]


@dataclass(frozen=True)
class Visit:
    seq: int
    what: str  # visit | unannounced visit | re-inspection passed | re-inspection failed
    visit_date: date | None
    minutes_number: str
    noted: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    area: str
    severity: str
    text: str
    model: bool
    remedy: str


@dataclass(frozen=True)
class Conclusion:
    seq: int
    concluded_on: date | None
    remedies: tuple[Mapping[str, Any], ...]  # {finding, area, remedy, due} as assessed
    remediation_due: date | None


@dataclass(frozen=True)
class RemediationReport:
    seq: int
    reported_on: date
    summary: str
    documents: tuple[str, ...]


@dataclass
class CaseAsOf:
    """The case at `at`, after `version` of its events (the last one at `last_seq`)."""

    case_id: int
    campaign_key: str
    unit_code: str
    at: datetime
    state: str = ""
    state_label: str = ""  # in the workflow version then in force (filled in by the service)
    workflow: str = ""
    workflow_version: int = 0
    version: int = 0
    last_seq: int = 0
    last_hash: str = ""
    last_at: datetime | None = None
    planned_visit: date | None = None
    team: str | None = None
    reinspection_visit: date | None = None
    deadlines: list[DeadlineAsOf] = field(default_factory=list)
    documents: list[DocumentAsOf] = field(default_factory=list)
    awaited_documents: list[AwaitedDocument] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    submission_marked_late: bool = False
    visits: list[Visit] = field(default_factory=list)
    draft_findings: list[Finding] = field(default_factory=list)
    draft_seq: int | None = None
    conclusions: list[Conclusion] = field(default_factory=list)
    remediation_reports: list[RemediationReport] = field(default_factory=list)
    cancelled_reason: str | None = None

    @property
    def day(self) -> date:
        """The day of the moment, in the zone it was given in."""
        return self.at.date()

    @property
    def remediation_due(self) -> date | None:
        """Of the latest conclusion."""
        return self.conclusions[-1].remediation_due if self.conclusions else None

    def pending_deadlines(self) -> list[DeadlineAsOf]:
        return [d for d in self.deadlines if d.status == PENDING]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


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
            str(item.get("remedy", "")),
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def events_until(events: Sequence[Event], moment: datetime) -> list[Event]:
    """The events recorded at or before `moment` (a case's events are in time order: an event
    may not be dated before the one it follows)."""
    cut = as_utc(moment)
    return [e for e in events if as_utc(e.at) <= cut]


def case_as_of(
    events: Sequence[Event],
    moment: datetime,
    *,
    zone: tzinfo,
    announcement_form: str = "thong-bao",
    document_dates: Mapping[int, date | None] | None = None,
) -> CaseAsOf:
    """The case at `moment` from its events in seq order (all of them, or those up to it);
    `document_dates`: the date each document bears, by id (a draft's is None)."""
    if not events:
        raise ValueError("a case has at least its `open` event")
    first = events[0]
    result = CaseAsOf(first.case_id, first.campaign_key, "", moment)
    asked: dict[str, AwaitedDocument] = {}
    for event in events_until(events, moment):
        _apply(result, event, zone, document_dates or {})
        for cause in caused_by(event.effects, event.payload, announcement_form=announcement_form):
            source = cause.source_key(event.case_id, event.seq)
            asked[source] = AwaitedDocument(event.seq, cause.kind, source)
    issued = {d.source for d in result.documents}
    result.awaited_documents = [a for s, a in asked.items() if s not in issued]
    return result


def _apply(result: CaseAsOf, event: Event, zone: tzinfo, dates: Mapping[int, date | None]) -> None:
    payload, trigger = event.payload, event.trigger
    day = as_utc(event.at).astimezone(zone).date()
    result.state = event.to_state
    result.workflow, result.workflow_version = event.workflow, event.workflow_version
    result.version += 1
    result.last_seq, result.last_hash, result.last_at = event.seq, event.hash, event.at
    assessed = _mapping(payload.get("assessed"))
    if trigger == "open":
        result.unit_code = str(payload.get("unit_code", ""))
    elif trigger == "reschedule":
        planned = _day(payload.get("visit_date"))
        if event.from_state == "reinspection":
            result.reinspection_visit = planned
        else:
            result.planned_visit = planned or result.planned_visit
            if isinstance(payload.get("team"), str):
                result.team = payload["team"]
    elif trigger == "receive_submission":
        sent = _mapping(payload.get("submission"))
        late = assessed.get("late_working_days")
        result.submissions.append(
            Submission(
                event.seq,
                _day(sent.get("received_on")),
                _texts(sent.get("appendices")),
                _texts(sent.get("documents")),
                str(sent.get("note", "")),
                assessed["on_time"] if isinstance(assessed.get("on_time"), bool) else None,
                late if isinstance(late, int) else None,
                _texts(assessed.get("missing_appendices")),
            )
        )
    elif trigger == "mark_submission_late":
        result.submission_marked_late = True
    elif trigger == "approve_conclusion":
        conclusion = _mapping(payload.get("conclusion"))
        remedies = assessed.get("remedies", conclusion.get("remedies", []))
        result.conclusions.append(
            Conclusion(
                event.seq,
                _day(conclusion.get("date")),
                tuple(_mapping(r) for r in remedies) if isinstance(remedies, list) else (),
                _day(assessed.get("remediation_due")),
            )
        )
    elif trigger == "report_remediation":
        result.remediation_reports.append(
            RemediationReport(
                event.seq, day, str(payload.get("summary", "")), _texts(payload.get("documents"))
            )
        )
    elif trigger == ISSUE_TRIGGER:
        _issued(result.documents, _mapping(payload.get("document")), event.seq, day, dates)
    elif trigger == DEADLINE_TRIGGER:
        _fired(result.deadlines, _mapping(payload.get("deadline")), event.seq)
    elif trigger == "cancel":
        result.cancelled_reason = str(payload.get("reason", ""))
    if trigger in VISITS:
        minutes = _mapping(payload.get("minutes"))
        result.visits.append(
            Visit(
                event.seq,
                VISITS[trigger],
                _day(minutes.get("visit_date")),
                str(minutes.get("number", "")),
                _texts(minutes.get("noted")),
            )
        )
    if trigger in FINDINGS_TRIGGERS:
        result.draft_findings, result.draft_seq = _findings(payload), event.seq
    _deadline_effects(result.deadlines, event)


def _issued(
    documents: list[DocumentAsOf],
    doc: Mapping[str, Any],
    seq: int,
    day: date,
    dates: Mapping[int, date | None],
) -> None:
    """An `issue_document` event: a document issued, or a draft the records office numbered
    since (a second event naming the same document, with its number: it replaces the first)."""
    doc_id = doc["id"] if isinstance(doc.get("id"), int) else None
    number = doc["number"] if isinstance(doc.get("number"), str) else None
    issued = DocumentAsOf(
        seq,
        doc_id,
        str(doc.get("kind", "")),
        number,
        # The date a document bears is in its row; a draft has none until it is numbered.
        dates.get(doc_id) if doc_id is not None and number is not None else None,
        day,
        str(doc.get("content_hash", "")),
        str(doc.get("source", "")),
    )
    earlier = next((i for i, d in enumerate(documents) if doc_id and d.id == doc_id), None)
    if earlier is None:
        documents.append(issued)
    else:
        documents[earlier] = issued


def _fired(deadlines: list[DeadlineAsOf], passed: Mapping[str, Any], seq: int) -> None:
    """A `deadline` event: the pending deadline it names (kind and the event that started it)."""
    for deadline in deadlines:
        if (
            deadline.status == PENDING
            and deadline.kind == passed.get("kind")
            and deadline.started_by == passed.get("started_by")
        ):
            deadline.status, deadline.ended_by = FIRED, seq
            return


def _deadline_effects(deadlines: list[DeadlineAsOf], event: Event) -> None:
    """What `EventStore.apply_deadlines` does to the rows, done to the values: a start replaces
    the pending one of its kind, a cancel ends it."""
    for change in changes_of(event.campaign_key, event.case_id, event.seq, event.effects):
        for deadline in deadlines:
            if deadline.kind == change.kind and deadline.status == PENDING:
                deadline.status = SUPERSEDED if change.start else CANCELLED
                deadline.ended_by = event.seq
        if change.start and change.due is not None:
            deadlines.append(DeadlineAsOf(change.kind, change.due, event.seq))
