"""One case as the portal shows it: its letters, its deadlines, the checklist of the appendices
its unit must send with what arrived and what was returned and why, and its deliveries. Every
read takes the case's id from a checked link or a signed-in account, never from a path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from inspect_engine.domain import submissions
from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.documents.kinds import KINDS
from inspect_engine.domain.events import Event, as_utc
from inspect_engine.domain.vn_labels import DEADLINE_NAMES, STATE_NAMES
from inspect_engine.errors import NotFound
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.deadline_store import DeadlineStore
from inspect_engine.storage.document_store import DocumentRecord, DocumentStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.tables import CaseRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork

DEADLINE_STATUS = {
    "pending": "Đang chờ",
    "fired": "Đã quá hạn",
    "cancelled": "Đã xong",
    "superseded": "Đã thay bằng hạn mới",
}
CHECK_STATE = {
    "missing": "Chưa nhận",
    "received": "Đã nhận, chờ xem xét",
    "accepted": "Đã chấp nhận",
    "returned": "Bị trả lại",
}
RECEIVED = "Đã nhận"  # received, and the case has gone past its review


@dataclass(frozen=True)
class LetterLine:
    id: int
    kind: str
    type_name: str  # Thông báo, Biên bản... ("Công văn" for a letter)
    number: str
    issued_on: date | None
    summary: str


@dataclass(frozen=True)
class DeadlineLine:
    kind: str
    label: str
    due: date
    status: str
    status_label: str


@dataclass(frozen=True)
class CheckLine:
    code: str
    title: str
    state: str
    state_label: str
    delivery: submissions.Delivery | None
    reason: str


@dataclass(frozen=True)
class HistoryLine:
    seq: int
    at: datetime
    what: str
    actor: str
    role: str
    state: str


@dataclass(frozen=True)
class CaseView:
    case_id: int
    campaign_key: str
    campaign_title: str
    unit_code: str
    unit_name: str
    state: str
    state_label: str
    visit_date: date | None
    letters: tuple[LetterLine, ...]
    deadlines: tuple[DeadlineLine, ...]
    checklist: tuple[CheckLine, ...]
    deliveries: tuple[submissions.Delivery, ...]
    history: tuple[HistoryLine, ...]
    can_send: bool  # the workflow takes a delivery in this state
    can_review: bool  # ... and the lead's review of one (v4)
    resubmit_by: date | None  # when a return awaits appendices again

    @property
    def pending(self) -> tuple[submissions.Delivery, ...]:
        return tuple(d for d in self.deliveries if d.review == submissions.PENDING)


def type_name(kind: str) -> str:
    found = KINDS.get(kind)
    return (found.type_name.capitalize() if found and found.type_name else "") or "Công văn"


def _letters(records: list[DocumentRecord]) -> tuple[LetterLine, ...]:
    # A draft awaiting the records office's number is not sent yet: the unit does not see it.
    return tuple(
        LetterLine(
            r.id,
            r.kind,
            type_name(r.kind),
            r.number or "",
            r.issued_on,
            str(r.content.get("summary", "")),
        )
        for r in records
        if r.status == "issued"
    )


def _what(trigger: str, payload: Any, labels: dict[str, str]) -> str:
    if trigger == "open":
        return "Mở hồ sơ kiểm tra"
    if trigger == "issue_document":
        doc = payload.get("document", {}) if isinstance(payload, dict) else {}
        return f"Ban hành văn bản {doc.get('number') or ''}".strip()
    if trigger == "deadline":
        passed = payload.get("deadline", {}) if isinstance(payload, dict) else {}
        kind = str(passed.get("kind", "")) if isinstance(passed, dict) else ""
        return f"Quá hạn: {DEADLINE_NAMES.get(kind, kind or 'hạn')}"
    if trigger == "migrate":
        return "Chuyển phiên bản quy trình"
    return labels.get(trigger, trigger)


def case_view(uow: UnitOfWork, case_id: int) -> CaseView:
    with uow:
        conn = uow.connection
        case = uow.session.get(CaseRow, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        unit = uow.session.get(UnitRow, case.unit_code)
        assert unit is not None
        spec = campaign_spec(conn, case.campaign_key)[0]
        defn = workflows.stored(conn, case.workflow_name, case.workflow_version)
        events = EventStore(conn).events(case_id)
        documents = DocumentStore(conn).list(case.campaign_key, case_id=case_id)
        deadlines = DeadlineStore(conn).list(case.campaign_key, case_id=case_id)
    subs = submissions.fold((e.seq, e.trigger, e.payload, e.actor) for e in events)
    required = appendices_for(spec, unit.code, unit.kind).required
    # Past the review (the team visited, say), what was received stands: no longer "waiting".
    reviewable = defn.has_trigger(submissions.ACCEPT_TRIGGER) and bool(
        defn.transitions_for(submissions.ACCEPT_TRIGGER, case.state)
    )
    checklist = []
    for appendix in required:
        status = subs.status(appendix.code)
        checklist.append(
            CheckLine(
                appendix.code,
                appendix.title,
                status.state,
                RECEIVED
                if status.state == "received" and not reviewable
                else CHECK_STATE[status.state],
                status.delivery,
                status.reason,
            )
        )
    labels = {t.trigger: t.label for t in reversed(defn.transitions) if t.label}
    label = defn.state(case.state).label if defn.has_state(case.state) else case.state
    returned = any(c.state == "returned" for c in checklist)
    again = submissions.latest_resubmit_by(subs) if returned else None
    return CaseView(
        case_id=case_id,
        campaign_key=case.campaign_key,
        campaign_title=spec.title,
        unit_code=unit.code,
        unit_name=unit.name,
        state=case.state,
        state_label=STATE_NAMES.get(case.state, label),
        visit_date=db_date(case.visit_date),
        letters=_letters(documents),
        deadlines=tuple(
            DeadlineLine(
                d.kind,
                DEADLINE_NAMES.get(d.kind, d.kind),
                d.due,
                d.status,
                DEADLINE_STATUS.get(d.status, d.status),
            )
            for d in deadlines
        ),
        checklist=tuple(checklist),
        deliveries=tuple(subs.deliveries),
        history=tuple(_history(events, labels)),
        can_send=bool(defn.has_trigger(submissions.SUBMISSION_TRIGGER))
        and bool(defn.transitions_for(submissions.SUBMISSION_TRIGGER, case.state)),
        can_review=reviewable,
        resubmit_by=date.fromisoformat(again) if again else None,
    )


def _history(events: list[Event], labels: dict[str, str]) -> list[HistoryLine]:
    return [
        HistoryLine(
            e.seq,
            as_utc(e.at).astimezone(DISPLAY_TZ),
            _what(e.trigger, e.payload, labels),
            e.actor,
            e.role,
            STATE_NAMES.get(e.to_state, e.to_state),
        )
        for e in events
    ]


def case_document(uow: UnitOfWork, case_id: int, document_id: int) -> DocumentRecord:
    """A document issued to the case: any other id (another case's, the campaign's own, a
    draft awaiting its number) is not found, the same answer as an id that does not exist."""
    with uow:
        record = DocumentStore(uow.connection).get(document_id)
    if record is None or record.case_id != case_id or record.status != "issued":
        raise NotFound(f"no document {document_id} in case {case_id}")
    return record


def case_file(uow: UnitOfWork, case_id: int, sha256: str) -> dict[str, Any]:
    """The file of one of the case's deliveries with this hash (its name, size and type)."""
    with uow:
        events = EventStore(uow.connection).events(case_id)
    subs = submissions.fold((e.seq, e.trigger, e.payload, e.actor) for e in events)
    for delivery in subs.deliveries:
        for item in delivery.files:
            if item.get("sha256") == sha256:
                return dict(item)
    raise NotFound(f"no file {sha256[:12]} in case {case_id}")


def case_of_unit(uow: UnitOfWork, key: str, unit_code: str) -> int:
    from sqlalchemy import text

    with uow:
        found = uow.connection.execute(
            text("SELECT id FROM inspection_case WHERE campaign_key = :key AND unit_code = :unit"),
            {"key": key, "unit": unit_code},
        ).scalar()
    if found is None:
        raise NotFound(f"{unit_code} has no case in campaign {key}", field="UNIT")
    return int(found)
