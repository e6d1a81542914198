"""Reading the deadline rows. They are written by the transition that starts or ends them, in
its transaction, on the event store's hot path (`EventStore.apply_deadlines`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection, select

from inspect_engine.domain.deadlines import PENDING
from inspect_engine.storage.tables import DeadlineRow

_deadline = DeadlineRow.__table__  # type: ignore[attr-defined]


class DeadlineRecord(NamedTuple):
    id: int
    campaign_key: str
    case_id: int
    kind: str
    due: date
    status: str
    created_seq: int
    ended_seq: int | None
    fired_at: datetime | None


class DeadlineStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list(
        self,
        campaign_key: str,
        *,
        case_id: int | None = None,
        overdue_on: date | None = None,
    ) -> list[DeadlineRecord]:
        """The campaign's deadlines by due date; `overdue_on`: only those still pending with a
        due date before that day."""
        query = select(_deadline).where(_deadline.c.campaign_key == campaign_key)
        if case_id is not None:
            query = query.where(_deadline.c.case_id == case_id)
        if overdue_on is not None:
            query = query.where(_deadline.c.status == PENDING, _deadline.c.due < overdue_on)
        query = query.order_by(_deadline.c.due, _deadline.c.id)
        return [DeadlineRecord(*row) for row in self.conn.execute(query)]
