"""The document axis's status packages (edXMLStatus) in the case histories: what the recipient's
e-office system did with a document the engine sent (arrived, refused with a reason, accepted,
assigned, in progress, done).

Each status is an `axis_status` event on the document's case that leaves its state as it is
(like `issue_document`). The same status imported again (same document, sender, code and
timestamp) is recorded once. Every file is read and every status checked before anything is
written: a bad one writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_engine.documents.edxml_xml import read_statuses
from inspect_engine.domain.documents.edxml import Status
from inspect_engine.domain.events import Event
from inspect_engine.domain.input_limits import MAX_STATUS_FILE_BYTES, actor_problem, payload_problem
from inspect_engine.domain.workflow.model import AXIS_STATUS_TRIGGER
from inspect_engine.errors import InputError
from inspect_engine.services.cases import Batch
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.notices.answered import answered_document
from inspect_engine.services.units import read_file
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import CaseHead, EventStore
from inspect_engine.storage.tables import UnitRow
from inspect_engine.storage.uow import UnitOfWork

ROLE = "system"  # the recipient's e-office system reports it, not a person in the engine


@dataclass(frozen=True)
class StatusImported:
    file: str
    case_id: int
    unit_code: str
    number: str  # the document's, "128/TB-SNV"
    code: str  # "03"
    status: str  # "accepted"
    name: str  # "Đã tiếp nhận"
    description: str
    seq: int  # the event that records it (an earlier one when it was already recorded)
    new: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_statuses(
    uow: UnitOfWork, paths: Sequence[Path], *, clock: Clock = utc_now
) -> list[StatusImported]:
    """Record each status of the files in its document's case, once; all or nothing."""
    read = [(str(path), status) for path in paths for status in _statuses(path)]
    with uow:
        conn = uow.connection
        store = EventStore(conn)
        batch = Batch(store)
        heads: dict[int, CaseHead] = {}
        seen: dict[int, dict[tuple[Any, ...], int]] = {}
        out = []
        for source, status in read:
            record = answered_document(conn, status.response_for, source=source, line=status.line)
            assert record.case_id is not None and record.number is not None
            case_id = record.case_id
            if case_id not in heads:
                head = batch.case(case_id)
                assert head is not None  # a document's case outlives nothing
                heads[case_id] = head
                seen[case_id] = {
                    _key(e.payload.get("axis_status", {})): e.seq
                    for e in store.events(case_id)
                    if e.trigger == AXIS_STATUS_TRIGGER
                }
            head = heads[case_id]
            _check_sender(uow, status, head, record.number, source)
            payload = _payload(status, record.id, record.kind, record.number, source)
            problem = actor_problem(status.sender.organ_id) or payload_problem(payload)
            if problem:
                raise InputError(problem, source=source, line=status.line)
            key = _key(payload["axis_status"])
            if key in seen[case_id]:
                earlier = seen[case_id][key]
                out.append(_imported(source, head, record.number, status, earlier, False))
                continue
            event = batch.add(
                Event(
                    campaign_key=head.campaign_key,
                    case_id=head.id,
                    seq=head.last_seq + 1,
                    trigger=AXIS_STATUS_TRIGGER,
                    from_state=head.state,
                    to_state=head.state,
                    actor=status.sender.organ_id,
                    role=ROLE,
                    at=clock(),
                    payload=payload,
                    workflow=head.workflow_name,
                    workflow_version=head.workflow_version,
                    prev_hash=head.last_hash,
                ),
                seen_version=head.version,
            )
            heads[case_id] = head._replace(
                version=head.version + 1, last_seq=event.seq, last_hash=event.hash
            )
            seen[case_id][key] = event.seq
            out.append(_imported(source, head, record.number, status, event.seq, True))
        batch.write()
        uow.commit()
    return out


def _statuses(path: Path) -> list[Status]:
    return read_statuses(read_file(path, max_bytes=MAX_STATUS_FILE_BYTES), str(path))


def _check_sender(
    uow: UnitOfWork, status: Status, head: CaseHead, number: str, source: str
) -> None:
    """A status comes from the unit the document went to."""
    unit = uow.session.get(UnitRow, head.unit_code)
    assert unit is not None
    if status.sender.organ_id != unit.agency_code:
        sent_to = f"{unit.code} ({unit.name}, {unit.agency_code or 'no agency code'})"
        raise InputError(
            f"the status is from {status.sender.organ_id}, but {number} went to {sent_to}",
            source=source,
            line=status.line,
        )


def _payload(status: Status, doc_id: int, kind: str, number: str, source: str) -> dict[str, Any]:
    answered = status.response_for
    return {
        "axis_status": {
            "document": {"id": doc_id, "kind": kind, "number": number},
            "document_id": answered.document_id,
            "code": status.code,
            "status": status.status,
            "name": status.name,
            "description": status.description,
            "timestamp": status.timestamp.astimezone(DISPLAY_TZ).isoformat(),
            "from": {"organ_id": status.sender.organ_id, "name": status.sender.name},
            "staff": {"department": status.department, "name": status.staff},
            "file": Path(source).name,
        }
    }


def _key(recorded: Any) -> tuple[Any, ...]:
    """What makes a status the same status: its document, sender, code and time."""
    document = recorded.get("document", {})
    sender = recorded.get("from", {})
    return (document.get("id"), sender.get("organ_id"), recorded.get("code"),
            recorded.get("timestamp"))  # fmt: skip


def _imported(
    source: str, head: CaseHead, number: str, status: Status, seq: int, new: bool
) -> StatusImported:
    return StatusImported(
        source, head.id, head.unit_code, number, status.code, status.status, status.name,
        status.description, seq, new,
    )  # fmt: skip
