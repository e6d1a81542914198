"""The hot path of the workflow engine, in SQLAlchemy Core: read a case, append an event.

A transition costs one case read, one campaign-chain head read, one guarded UPDATE (optimistic
locking: `WHERE version = :seen`), one event INSERT and the effect INSERTs, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from inspect_engine.domain.events import GENESIS, Event
from inspect_engine.storage.tables import CaseRow, EffectRow, EventRow

_case = CaseRow.__table__  # type: ignore[attr-defined]
_event = EventRow.__table__  # type: ignore[attr-defined]
_effect = EffectRow.__table__  # type: ignore[attr-defined]

_LOAD_CASE = select(
    _case.c.id,
    _case.c.campaign_key,
    _case.c.unit_code,
    _case.c.state,
    _case.c.version,
    _case.c.workflow_name,
    _case.c.workflow_version,
    _case.c.last_seq,
    _case.c.last_hash,
)


@dataclass(frozen=True)
class CaseHead:
    id: int
    campaign_key: str
    unit_code: str
    state: str
    version: int
    workflow_name: str
    workflow_version: int
    last_seq: int
    last_hash: str


class StaleCase(Exception):
    """The case's version moved between our read and our write."""


class EventStore:
    """Reads and appends on one connection; the caller owns the transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def case(self, case_id: int) -> CaseHead | None:
        row = self.conn.execute(_LOAD_CASE.where(_case.c.id == case_id)).first()
        return CaseHead(*row) if row else None

    def cases(self, campaign_key: str, state: str | None = None) -> list[CaseHead]:
        query = _LOAD_CASE.where(_case.c.campaign_key == campaign_key).order_by(_case.c.id)
        if state is not None:
            query = query.where(_case.c.state == state)
        return [CaseHead(*row) for row in self.conn.execute(query)]

    def cases_on(
        self, workflow: str, version: int, campaign_key: str | None = None
    ) -> list[CaseHead]:
        query = (
            _LOAD_CASE.where(_case.c.workflow_name == workflow)
            .where(_case.c.workflow_version == version)
            .order_by(_case.c.id)
        )
        if campaign_key is not None:
            query = query.where(_case.c.campaign_key == campaign_key)
        return [CaseHead(*row) for row in self.conn.execute(query)]

    def chain_head(self, campaign_key: str) -> tuple[int, str]:
        row = self.conn.execute(
            select(_event.c.chain_seq, _event.c.chain_hash)
            .where(_event.c.campaign_key == campaign_key)
            .order_by(_event.c.chain_seq.desc())
            .limit(1)
        ).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    def history(self, case_id: int) -> list[tuple[str, Mapping[str, Any]]]:
        rows = self.conn.execute(
            select(_event.c.trigger, _event.c.payload)
            .where(_event.c.case_id == case_id)
            .order_by(_event.c.seq)
        )
        return [(trigger, payload) for trigger, payload in rows]

    def last_event_at(self, case: CaseHead) -> datetime | None:
        return self.conn.execute(
            select(_event.c.at).where(
                and_(_event.c.case_id == case.id, _event.c.seq == case.last_seq)
            )
        ).scalar()

    def events(self, case_id: int) -> list[Event]:
        rows = self.conn.execute(
            select(_event).where(_event.c.case_id == case_id).order_by(_event.c.seq)
        )
        return [to_event(dict(row._mapping)) for row in rows]

    def campaign_events(self, campaign_key: str) -> list[Event]:
        rows = self.conn.execute(
            select(_event).where(_event.c.campaign_key == campaign_key).order_by(_event.c.chain_seq)
        )
        return [to_event(dict(row._mapping)) for row in rows]

    def count_events(self, campaign_key: str) -> int:
        return int(
            self.conn.execute(
                select(func.count()).where(_event.c.campaign_key == campaign_key)
            ).scalar_one()
        )

    def append(
        self,
        event: Event,
        *,
        seen_version: int | None,
        effects: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> None:
        """Move the case to the event's state and append the event (and its effects).

        `seen_version` None means the case is being opened (its row was inserted just now).
        """
        if seen_version is not None:
            moved = self.conn.execute(
                update(_case)
                .where(and_(_case.c.id == event.case_id, _case.c.version == seen_version))
                .values(
                    state=event.to_state,
                    workflow_version=event.workflow_version,
                    version=seen_version + 1,
                    last_seq=event.seq,
                    last_hash=event.hash,
                )
            )
            if moved.rowcount != 1:
                raise StaleCase(event.case_id)
        self.conn.execute(insert(_event).values(**event_row(event)))
        if effects:
            self.conn.execute(
                insert(_effect),
                [
                    {
                        "case_id": event.case_id,
                        "event_seq": event.seq,
                        "effect": name,
                        "args": dict(args),
                        "status": "pending",
                        "created_at": event.at,
                    }
                    for name, args in effects
                ],
            )

    def set_head(self, case_id: int, seq: int, hash_: str) -> None:
        """Record the head of a just-opened case's chain (no version bump: nothing moved)."""
        self.conn.execute(
            update(_case).where(_case.c.id == case_id).values(last_seq=seq, last_hash=hash_)
        )


def event_row(event: Event) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "seq": event.seq,
        "campaign_key": event.campaign_key,
        "chain_seq": event.chain_seq,
        "trigger": event.trigger,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor,
        "role": event.role,
        "at": event.at,
        "payload": dict(event.payload),
        "workflow_name": event.workflow,
        "workflow_version": event.workflow_version,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "chain_prev_hash": event.chain_prev_hash,
        "chain_hash": event.chain_hash,
    }


def to_event(row: Mapping[str, Any]) -> Event:
    return Event(
        campaign_key=row["campaign_key"],
        case_id=row["case_id"],
        seq=row["seq"],
        trigger=row["trigger"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        actor=row["actor"],
        role=row["role"],
        at=row["at"],
        payload=row["payload"],
        workflow=row["workflow_name"],
        workflow_version=row["workflow_version"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        chain_seq=row["chain_seq"],
        chain_prev_hash=row["chain_prev_hash"],
        chain_hash=row["chain_hash"],
    )
