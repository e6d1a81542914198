"""The rows that follow from a case's events, checked against them.

The event log is the record; the case row (state, unit, version, head, planned visit), the
deadline rows and the document rows are what the engine derived from it to answer quickly. An
edit to one of them that the log does not explain is tampering (or a bug): each is recomputed
from the events here and compared, and a difference is named by the case and the event that
should explain it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.model import LeadTimes
from inspect_engine.domain.deadlines import (
    CANCELLED,
    FIRED,
    PENDING,
    SUPERSEDED,
    changes_of,
)
from inspect_engine.domain.events import Event, canonical
from inspect_engine.domain.verification import Problem

RESCHEDULE = "reschedule"
DEADLINE = "deadline"
ISSUE_DOCUMENT = "issue_document"


class CaseRowState(NamedTuple):
    """The columns of a case row that derive from its events."""

    id: int
    unit_code: str
    state: str
    version: int
    workflow_name: str
    workflow_version: int
    last_seq: int
    last_hash: str
    plan_team: str | None
    visit_date: date | None
    notice_due: date | None
    evidence_due: date | None


class DeadlineRowState(NamedTuple):
    kind: str
    due: date
    status: str
    created_seq: int
    ended_seq: int | None


class DocumentRowState(NamedTuple):
    id: int
    kind: str
    number: str | None
    content: Mapping[str, Any]
    content_hash: str
    source_key: str


def case_row_problems(
    row: CaseRowState,
    events: Sequence[Event],
    replayed: str | None,
    calendar: WorkingCalendar,
    lead_times: LeadTimes,
) -> list[Problem]:
    """The case row against its events: what it says must be what they say."""
    if not events:
        return [Problem(row.id, None, "has no events (its history was removed)")]
    last = events[-1]
    problems = []

    def bad(what: str, seq: int | None = last.seq) -> None:
        problems.append(Problem(row.id, seq, what))

    opened = events[0].payload.get("unit_code") if events[0].seq == 1 else None
    if opened is not None and opened != row.unit_code:
        bad(f"the case row names unit {row.unit_code!r}, its 'open' event {opened!r}", 1)
    if replayed is not None and replayed != row.state:
        bad(f"the case row says state {row.state!r}, its events lead to {replayed!r}")
    if row.version != last.seq:
        bad(f"the case row says version {row.version}, its events number {last.seq}")
    if (row.workflow_name, row.workflow_version) != (last.workflow, last.workflow_version):
        bad(
            f"the case row runs on {row.workflow_name} v{row.workflow_version}, its last event "
            f"on {last.workflow} v{last.workflow_version}"
        )
    if (row.last_seq, row.last_hash) != (last.seq, last.hash):
        if row.last_seq > last.seq:
            bad(f"the case row's head is event {row.last_seq}: later events were removed")
        else:
            bad("the case row's chain head does not match its last event")
    problems += _slot_problems(row, events, calendar, lead_times)
    return problems


def _slot_problems(
    row: CaseRowState, events: Sequence[Event], calendar: WorkingCalendar, lead: LeadTimes
) -> list[Problem]:
    """The planned visit is the one the last `reschedule` gave (the planner's and a person's
    moves are both recorded so), with its notice and evidence due dates."""
    team: str | None = None
    day: date | None = None
    seq: int | None = None
    for event in events:
        if event.trigger == RESCHEDULE and "visit_date" in event.payload:
            day = date.fromisoformat(str(event.payload["visit_date"]))
            team = event.payload.get("team", team)
            seq = event.seq
    if day is None:
        if row.visit_date is not None or row.plan_team is not None:
            return [Problem(row.id, None, "the case row has a planned visit no event gave it")]
        return []
    problems = []
    if (row.plan_team, row.visit_date) != (team, day):
        problems.append(
            Problem(
                row.id,
                seq,
                f"the case row plans {row.plan_team} on {_day(row.visit_date)}, its events "
                f"{team} on {_day(day)}",
            )
        )
    expected = (
        calendar.add_working_days(day, -lead.notice_working_days),
        calendar.add_working_days(day, -lead.evidence_working_days),
    )
    if (row.notice_due, row.evidence_due) != expected:
        problems.append(
            Problem(
                row.id, seq, "the case row's notice or evidence due date differs from its visit"
            )
        )
    return problems


def _day(day: date | None) -> str:
    return "no day" if day is None else f"{day:%d/%m/%Y}"


def deadline_problems(
    case_id: int, events: Sequence[Event], rows: Sequence[DeadlineRowState]
) -> list[Problem]:
    """The deadline rows are the starts and ends the events' effects recorded, and the firings
    their `deadline` events recorded."""
    expected: list[list[Any]] = []  # [kind, due, status, created_seq, ended_seq]
    for event in events:
        if event.trigger == DEADLINE:
            kind = str(event.payload.get("deadline", {}).get("kind", ""))
            for entry in expected:
                if entry[0] == kind and entry[2] == PENDING:
                    entry[2], entry[4] = FIRED, event.seq
        for change in changes_of(event.campaign_key, case_id, event.seq, event.effects):
            for entry in expected:
                if entry[0] == change.kind and entry[2] == PENDING:
                    entry[2] = SUPERSEDED if change.start else CANCELLED
                    entry[4] = change.seq
            if change.start and change.due is not None:
                expected.append([change.kind, change.due, PENDING, change.seq, None])
    want = Counter(DeadlineRowState(*entry) for entry in expected)
    have = Counter(rows)
    problems = []
    for missing in sorted((want - have).elements(), key=lambda d: d.created_seq):
        problems.append(
            Problem(
                case_id,
                missing.created_seq,
                f"its {missing.kind} deadline row is missing "
                f"or altered (due {_day(missing.due)}, {missing.status})",
            )
        )
    for extra in sorted((have - want).elements(), key=lambda d: d.created_seq):
        if any(p.seq == extra.created_seq for p in problems):
            continue  # the same row, altered: already said
        problems.append(
            Problem(
                case_id,
                extra.created_seq,
                f"a {extra.kind} deadline row no event explains "
                f"(due {_day(extra.due)}, {extra.status})",
            )
        )
    return problems


def document_problems(
    case_id: int, events: Sequence[Event], rows: Sequence[DocumentRowState], content_hash: Any
) -> list[Problem]:
    """Each document of the case is what its last `issue_document` event sealed: the same
    kind, number and content hash, and its letter still hashes to it."""
    sealed: dict[int, tuple[int, Mapping[str, Any]]] = {}
    for event in events:
        if event.trigger == ISSUE_DOCUMENT and isinstance(event.payload.get("document"), dict):
            document = event.payload["document"]
            sealed[int(document.get("id", -1))] = (event.seq, document)
    problems = []
    for row in rows:
        found = sealed.pop(row.id, None)
        if found is None:
            problems.append(
                Problem(
                    case_id,
                    None,
                    f"document {row.id} ({row.kind} "
                    f"{row.number or 'unnumbered'}) has no issue_document event",
                )
            )
            continue
        seq, document = found
        if (document.get("kind"), document.get("number")) != (row.kind, row.number):
            problems.append(
                Problem(
                    case_id,
                    seq,
                    f"document {row.id} is stored as {row.kind} "
                    f"{row.number}, its event sealed {document.get('kind')} "
                    f"{document.get('number')}",
                )
            )
        if document.get("content_hash") != row.content_hash:
            problems.append(
                Problem(
                    case_id,
                    seq,
                    f"document {row.id}'s content hash differs from the one its event sealed",
                )
            )
        elif content_hash(row.content) != row.content_hash:
            problems.append(
                Problem(
                    case_id,
                    seq,
                    f"document {row.id}'s letter does not match its content hash (altered)",
                )
            )
    for document_id, (seq, document) in sealed.items():
        problems.append(
            Problem(case_id, seq, f"document {document_id} ({document.get('number')}) is gone")
        )
    return problems


def letter_hash(content: Mapping[str, Any]) -> str:
    """The content hash of a stored letter, as issuing computes it (services/notices)."""
    import hashlib

    return hashlib.sha256(canonical(dict(content))).hexdigest()
