"""The hot path of the workflow engine: read a case, append an event.

A transition costs one case read, one campaign-chain head read, one guarded UPDATE (optimistic
locking: `WHERE version = :seen`) and one event INSERT (the event carries its queued effects), in
the unit of work's transaction. These statements go straight to the driver connection of that
transaction: SQLAlchemy's per-statement overhead was several times the cost of the statements
themselves (bench/transitions.py). Everything else reads the same tables through SQLAlchemy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, and_, select

from inspect_engine.domain.events import GENESIS, Event, as_utc
from inspect_engine.errors import ConflictError
from inspect_engine.storage.tables import EventRow

_event = EventRow.__table__  # type: ignore[attr-defined]

_CASE_COLUMNS = (
    "id, campaign_key, unit_code, state, version, workflow_name, workflow_version, "
    "last_seq, last_hash"
)
_EVENT_FIELDS = (
    "case_id",
    "seq",
    "campaign_key",
    "chain_seq",
    "trigger",
    "from_state",
    "to_state",
    "actor",
    "role",
    "at",
    "payload",
    "effects",
    "workflow_name",
    "workflow_version",
    "prev_hash",
    "hash",
    "chain_prev_hash",
    "chain_hash",
)
_JSON_FIELDS = frozenset({"payload", "effects"})
_SQL = {
    "case": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE id = :id",
    # Serialises the appends of one campaign (PostgreSQL; SQLite takes its write lock instead).
    "lock_campaign": "SELECT key FROM campaign WHERE key = :key FOR NO KEY UPDATE",
    "cases": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE campaign_key = :key ORDER BY id",
    "cases_in": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE campaign_key = :key "
    "AND state = :state ORDER BY id",
    "cases_on": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE workflow_name = :name "
    "AND workflow_version = :version ORDER BY id",
    "chain_head": "SELECT chain_seq, chain_hash FROM case_event WHERE campaign_key = :key "
    "ORDER BY chain_seq DESC LIMIT 1",
    "history": "SELECT trigger, payload FROM case_event WHERE case_id = :id ORDER BY seq",
    "move": "UPDATE inspection_case SET state = :state, workflow_version = :workflow_version, "
    "version = :version, last_seq = :seq, last_hash = :hash WHERE id = :id AND version = :seen",
    "set_head": "UPDATE inspection_case SET last_seq = :seq, last_hash = :hash WHERE id = :id",
    "event": f"INSERT INTO case_event ({', '.join(_EVENT_FIELDS)}) VALUES ("
    + ", ".join(f":{f} JSON" if f in _JSON_FIELDS else f":{f}" for f in _EVENT_FIELDS)
    + ")",
}
_PARAM = re.compile(r":(\w+)( JSON)?")
# PostgreSQL errors that mean another transaction won: a serialization failure, a deadlock, a lock
# not granted within the server's lock_timeout. The transaction is lost; a retry can succeed.
_PG_CONFLICTS = frozenset({"40001", "40P01", "55P03"})


@cache
def _statement(name: str, dialect: str) -> str:
    """The statement in the driver's parameter style (`:x` for sqlite3, `%(x)s` for psycopg)."""
    if dialect == "sqlite":
        return _PARAM.sub(lambda m: f":{m.group(1)}", _SQL[name])
    return _PARAM.sub(lambda m: f"%({m.group(1)})s" + ("::json" if m.group(2) else ""), _SQL[name])


class CaseHead(NamedTuple):
    """A case as the engine needs it (a NamedTuple: cheap to build from thousands of rows)."""

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


class WriteConflict(ConflictError):
    """Another transaction wrote first: it took a unique position (the campaign chain's next
    link), held a lock past the wait limit (SQLite's busy timeout, PostgreSQL's lock_timeout)
    or deadlocked with this one."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the database changed or stayed locked under this command ({detail}): retry"
        )


class EventStore:
    """Reads and appends inside the caller's transaction (a `UnitOfWork.connection`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        driver = conn.connection.driver_connection
        assert driver is not None, "the unit of work's connection is open"
        self._driver = driver
        self._dbapi = conn.dialect.loaded_dbapi
        self._sqlite = self.dialect == "sqlite"

    def _run(self, name: str, params: Mapping[str, Any]) -> Any:
        cursor = self._driver.cursor()
        with self._conflicts():
            cursor.execute(_statement(name, self.dialect), params)
        return cursor

    def _many(self, name: str, rows: Sequence[Mapping[str, Any]]) -> int:
        cursor = self._driver.cursor()
        with self._conflicts():
            if len(rows) == 1:  # the common case of one transition: execute is cheaper
                cursor.execute(_statement(name, self.dialect), rows[0])
            else:
                cursor.executemany(_statement(name, self.dialect), rows)
        return int(cursor.rowcount)

    @contextmanager
    def _conflicts(self) -> Iterator[None]:
        """The driver's own exceptions (SQLAlchemy does not see these statements) as ours."""
        try:
            yield
        except self._dbapi.IntegrityError as exc:
            raise WriteConflict(str(exc)) from exc
        except self._dbapi.OperationalError as exc:
            if self._sqlite and ("locked" in str(exc) or "busy" in str(exc)):
                raise WriteConflict(str(exc)) from exc
            if getattr(exc, "sqlstate", None) in _PG_CONFLICTS:
                raise WriteConflict(str(exc).splitlines()[0]) from exc
            raise

    def case(self, case_id: int) -> CaseHead | None:
        row = self._run("case", {"id": case_id}).fetchone()
        return CaseHead(*row) if row else None

    def cases(self, campaign_key: str, state: str | None = None) -> list[CaseHead]:
        if state is None:
            rows = self._run("cases", {"key": campaign_key}).fetchall()
        else:
            rows = self._run("cases_in", {"key": campaign_key, "state": state}).fetchall()
        return [CaseHead(*row) for row in rows]

    def cases_on(
        self, workflow: str, version: int, campaign_key: str | None = None
    ) -> list[CaseHead]:
        rows = self._run("cases_on", {"name": workflow, "version": version}).fetchall()
        heads = [CaseHead(*row) for row in rows]
        return [h for h in heads if campaign_key is None or h.campaign_key == campaign_key]

    def lock_campaign(self, campaign_key: str) -> None:
        """Take the campaign's append lock before reading its chain head, so two transactions
        never both claim the next position (optimistic retries starved under load)."""
        if self._sqlite:
            # SQLite has one writer at a time: take the write lock now rather than at the first
            # write, after the head was read. Reads made before it stay optimistic.
            if not self._driver.in_transaction:
                with self._conflicts():
                    self._driver.execute("BEGIN IMMEDIATE")
        else:
            self._run("lock_campaign", {"key": campaign_key})

    def chain_head(self, campaign_key: str) -> tuple[int, str]:
        row = self._run("chain_head", {"key": campaign_key}).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def history(self, case_id: int) -> list[tuple[str, Mapping[str, Any]]]:
        rows = self._run("history", {"id": case_id}).fetchall()
        return [(trigger, _json_value(payload)) for trigger, payload in rows]

    def last_event_at(self, case: CaseHead) -> datetime | None:
        query = select(_event.c.at).where(
            and_(_event.c.case_id == case.id, _event.c.seq == case.last_seq)
        )
        return self.conn.execute(query).scalar()

    def events(self, case_id: int) -> list[Event]:
        query = select(_event).where(_event.c.case_id == case_id).order_by(_event.c.seq)
        return [to_event(dict(row._mapping)) for row in self.conn.execute(query)]

    def campaign_events(self, campaign_key: str) -> list[Event]:
        query = (
            select(_event).where(_event.c.campaign_key == campaign_key).order_by(_event.c.chain_seq)
        )
        return [to_event(dict(row._mapping)) for row in self.conn.execute(query)]

    def append_many(self, items: Iterable[tuple[Event, int | None]]) -> None:
        """Move each case to its event's state and append the events, in two statements.

        A `None` version means the case is being opened (its row was inserted just now). Any
        case whose version moved fails the whole batch.
        """
        moves, events = [], []
        for event, seen in items:
            if seen is not None:
                moves.append(
                    {
                        "id": event.case_id,
                        "seen": seen,
                        "version": seen + 1,
                        "state": event.to_state,
                        "workflow_version": event.workflow_version,
                        "seq": event.seq,
                        "hash": event.hash,
                    }
                )
            events.append(self._event_params(event))
        if moves and self._many("move", moves) != len(moves):
            raise StaleCase(moves[0]["id"] if len(moves) == 1 else None)
        if events:
            self._many("event", events)

    def set_heads(self, heads: Sequence[tuple[int, int, str]]) -> None:
        """Record the chain heads of just-opened cases (no version bump: nothing moved)."""
        self._many("set_head", [{"id": i, "seq": s, "hash": h} for i, s, h in heads])

    def _moment(self, moment: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime reads back exactly this text; PostgreSQL takes the value.
        utc = as_utc(moment)
        return utc.replace(tzinfo=None).isoformat(" ", "microseconds") if self._sqlite else utc

    def _event_params(self, event: Event) -> dict[str, Any]:
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
            "at": self._moment(event.at),
            "payload": orjson.dumps(dict(event.payload)).decode(),
            "effects": orjson.dumps(list(event.effects)).decode(),
            "workflow_name": event.workflow,
            "workflow_version": event.workflow_version,
            "prev_hash": event.prev_hash,
            "hash": event.hash,
            "chain_prev_hash": event.chain_prev_hash,
            "chain_hash": event.chain_hash,
        }


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


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
        effects=row["effects"],
        workflow=row["workflow_name"],
        workflow_version=row["workflow_version"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        chain_seq=row["chain_seq"],
        chain_prev_hash=row["chain_prev_hash"],
        chain_hash=row["chain_hash"],
    )
