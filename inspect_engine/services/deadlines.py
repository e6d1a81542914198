"""Reading a campaign's deadlines."""

from __future__ import annotations

from typing import Any

from inspect_engine.errors import NotFound
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.storage.deadline_store import DeadlineRecord, DeadlineStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


def list_deadlines(
    uow: UnitOfWork,
    key: str,
    *,
    case_id: int | None = None,
    overdue: bool = False,
    clock: Clock = utc_now,
) -> list[DeadlineRecord]:
    """The campaign's deadlines by due date; `overdue`: only those still pending whose due date
    has passed (today in Vietnam)."""
    with uow:
        if not EventStore(uow.connection).has_campaign(key):
            raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
        today = local_today(clock) if overdue else None
        return DeadlineStore(uow.connection).list(key, case_id=case_id, overdue_on=today)


def deadline_json(record: DeadlineRecord) -> dict[str, Any]:
    """`created_by` and `ended_by` are the positions (`seq`) of those events in the case."""
    return {
        "id": record.id,
        "case_id": record.case_id,
        "kind": record.kind,
        "due": record.due.isoformat(),
        "status": record.status,
        "created_by": record.created_seq,
        "ended_by": record.ended_seq,
    }
