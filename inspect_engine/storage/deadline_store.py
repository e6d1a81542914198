"""The deadline rows. They are started and ended by the transition that does so, in its
transaction, on the event store's hot path (`EventStore.apply_deadlines`); the worker claims
the due ones and marks them fired here, in the transaction that records their firing.

Claims lock the rows `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers sharing a database never
take the same row; the firing takes the campaign's append lock first (as every transition does,
and before any deadline row), so a transition that cancels a deadline and a worker firing it
wait for each other in one order and cannot deadlock. SQLite has one writer at a time and one
worker per file (services/worker/lock.py).
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Date, and_, bindparam, exists, or_, select, update

from inspect_engine.domain.deadlines import FIRED, PENDING
from inspect_engine.storage.tables import CaseRow, DeadlineRow

_deadline = DeadlineRow.__table__  # type: ignore[attr-defined]
_case = CaseRow.__table__  # type: ignore[attr-defined]


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

    def waited_on(
        self,
        campaign_key: str,
        waiting: Mapping[str, str],
        *,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> builtins.list[tuple[DeadlineRecord, str, int]]:
        """Each case's last deadline of a kind in `waiting` (kind -> the state a case is in
        while it waits on it), pending or fired, of the cases in that state, due in
        [due_from, due_to] (either end open), with the case's workflow name and version. (A
        cancelled or replaced deadline is never the last of a case still waiting on it.)"""
        params = {
            "key": campaign_key,
            "due_from": due_from or date.min,
            "due_to": due_to or date.max,
        }
        rows = self.conn.execute(_waited_statement(tuple(sorted(waiting.items()))), params)
        return [(DeadlineRecord(*row[:-2]), row[-2], row[-1]) for row in rows]

    def claim_due(self, campaign_key: str, before: date, limit: int) -> Sequence[DeadlineRecord]:
        """Up to `limit` pending deadlines of the campaign due before `before`, oldest first,
        locked until the transaction ends (rows another worker holds are skipped)."""
        query = (
            select(_deadline)
            .where(
                _deadline.c.campaign_key == campaign_key,
                _deadline.c.status == PENDING,
                _deadline.c.due < before,
            )
            .order_by(_deadline.c.due, _deadline.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [DeadlineRecord(*row) for row in self.conn.execute(query)]

    def mark_fired(self, fired: Sequence[tuple[int, int]], at: datetime) -> None:
        """Mark the claimed deadlines `(id, seq of the event that fired it)` fired at `at`; a
        row that is no longer pending means the claim was lost, and the transaction must not
        commit."""
        if not fired:
            return
        statement = (
            update(_deadline)
            .where(_deadline.c.id == bindparam("row_id"), _deadline.c.status == PENDING)
            .values(status=FIRED, ended_seq=bindparam("seq"), fired_at=at)
        )
        for row_id, seq in fired:  # one by one: executemany's row count is not portable
            if self.conn.execute(statement, {"row_id": row_id, "seq": seq}).rowcount != 1:
                raise LostClaim(f"deadline {row_id} changed while claimed")


class LostClaim(Exception):
    """A claimed deadline changed under its claim: a bug, or a writer outside the engine."""


@functools.cache
def _waited_statement(waiting: tuple[tuple[str, str], ...]) -> Any:
    """`waited_on`'s statement for one set of kinds and states, built once: a sweep runs it
    twice, and building it cost more than running it."""
    case = _case.alias("c")
    later = _deadline.alias("later")
    waits = or_(*(and_(_deadline.c.kind == k, case.c.state == s) for k, s in waiting))
    return (
        select(_deadline, case.c.workflow_name, case.c.workflow_version)
        .join(case, case.c.id == _deadline.c.case_id)
        .where(
            _deadline.c.campaign_key == bindparam("key"),
            _deadline.c.status.in_((PENDING, FIRED)),
            waits,
            _deadline.c.due >= bindparam("due_from", type_=Date),
            _deadline.c.due <= bindparam("due_to", type_=Date),
            ~exists().where(
                later.c.case_id == _deadline.c.case_id,
                later.c.kind == _deadline.c.kind,
                later.c.id > _deadline.c.id,
            ),
        )
        .order_by(_deadline.c.case_id, _deadline.c.id)
    )
