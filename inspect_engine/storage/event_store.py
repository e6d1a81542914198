"""The hot path of the workflow engine: read a case, append an event.

A transition costs one case read, one campaign-chain head read (on SQLite both in one statement,
under the write lock), one guarded UPDATE (optimistic locking: `WHERE version = :seen`) and one
event INSERT (the event carries its queued effects), in the unit of work's transaction. These
statements go straight to the driver connection of that transaction: SQLAlchemy's per-statement
overhead was several times the cost of the statements themselves (bench/transitions.py).
Everything else reads the same tables through SQLAlchemy.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, and_, select

from inspect_engine.domain.deadlines import (
    CANCELLED,
    SUPERSEDED,
    DeadlineChange,
    in_groups,
)
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
    # The single-transition path on SQLite, under the write lock: the case and its campaign's
    # chain head in one statement (bench/transitions.py: -3 us of 45 us of database work).
    "case_and_link": f"SELECT {_CASE_COLUMNS}, "
    "(SELECT chain_seq FROM case_event e WHERE e.campaign_key = c.campaign_key "
    "ORDER BY chain_seq DESC LIMIT 1), "
    "(SELECT chain_hash FROM case_event e WHERE e.campaign_key = c.campaign_key "
    "ORDER BY chain_seq DESC LIMIT 1) "
    "FROM inspection_case c WHERE id = :id",
    # Serialises the appends of one campaign (PostgreSQL; SQLite takes its write lock instead).
    "lock_campaign": "SELECT key FROM campaign WHERE key = :key FOR NO KEY UPDATE",
    "campaign": "SELECT key FROM campaign WHERE key = :key",
    "cases": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE campaign_key = :key ORDER BY id",
    "cases_in": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE campaign_key = :key "
    "AND state = :state ORDER BY id",
    "cases_on": f"SELECT {_CASE_COLUMNS} FROM inspection_case WHERE workflow_name = :name "
    "AND workflow_version = :version ORDER BY id",
    "chain_head": "SELECT chain_seq, chain_hash FROM case_event WHERE campaign_key = :key "
    "ORDER BY chain_seq DESC LIMIT 1",
    "history": "SELECT trigger, payload FROM case_event WHERE case_id = :id ORDER BY seq",
    # What the rules of a case need of its plan and unit, and its team's current decision.
    "plan": "SELECT c.visit_date, c.notice_due, c.evidence_due, c.plan_team, u.kind "
    "FROM inspection_case c JOIN unit u ON u.code = c.unit_code WHERE c.id = :id",
    "slot": "SELECT state, version, last_seq, plan_team, visit_date, evidence_due "
    "FROM inspection_case WHERE id = :id",
    "decision_number": "SELECT number FROM team_decision WHERE campaign_key = :key "
    "AND team = :team ORDER BY seq DESC LIMIT 1",
    # Whole events, read on the driver (SQLAlchemy's JSON and DateTime processing was 3/4 of
    # reading a case's history for its documents: bench/simulate.py).
    "events": f"SELECT {', '.join(_EVENT_FIELDS)} FROM case_event WHERE case_id = :id ORDER BY seq",
    "campaign_events": f"SELECT {', '.join(_EVENT_FIELDS)} FROM case_event "
    "WHERE campaign_key = :key AND chain_seq > :after ORDER BY chain_seq",
    "move": "UPDATE inspection_case SET state = :state, workflow_version = :workflow_version, "
    "version = :version, last_seq = :seq, last_hash = :hash WHERE id = :id AND version = :seen",
    "set_head": "UPDATE inspection_case SET last_seq = :seq, last_hash = :hash WHERE id = :id",
    # The deadlines a transition starts and ends (domain/deadlines.py), in its transaction.
    "end_deadline": "UPDATE deadline SET status = :status, ended_seq = :seq "
    "WHERE case_id = :case_id AND kind = :kind AND status = 'pending'",
    "start_deadline": "INSERT INTO deadline (campaign_key, case_id, kind, due, status, "
    "created_seq) VALUES (:campaign_key, :case_id, :kind, :due, 'pending', :seq)",
    "event": f"INSERT INTO case_event ({', '.join(_EVENT_FIELDS)}) VALUES ("
    + ", ".join(f":{f} JSON" if f in _JSON_FIELDS else f":{f}" for f in _EVENT_FIELDS)
    + ")",
}
_PARAM = re.compile(r":(\w+)( JSON)?")
# Parameters are positional, in the order they appear in the statement: binding a tuple is
# cheaper in the driver than looking up names in a dict (bench/transitions.py: -2 us a transition).
_ORDER = {name: tuple(m.group(1) for m in _PARAM.finditer(sql)) for name, sql in _SQL.items()}
assert _ORDER["event"] == _EVENT_FIELDS
assert _ORDER["move"] == ("state", "workflow_version", "version", "seq", "hash", "id", "seen")
assert _ORDER["set_head"] == ("seq", "hash", "id")
# PostgreSQL errors that mean another transaction won: a serialization failure, a deadlock, a lock
# not granted within the server's lock_timeout. The transaction is lost; a retry can succeed.
_PG_CONFLICTS = frozenset({"40001", "40P01", "55P03"})


@cache
def _statements(dialect: str) -> dict[str, str]:
    """The statements in the driver's positional style (`?` for sqlite3, `%s` for psycopg)."""
    if dialect == "sqlite":
        return {name: _PARAM.sub("?", sql) for name, sql in _SQL.items()}
    return {
        name: _PARAM.sub(lambda m: "%s::json" if m.group(2) else "%s", sql)
        for name, sql in _SQL.items()
    }


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
        self._sql = _statements(self.dialect)

    def _run(self, name: str, params: Sequence[Any]) -> Any:
        # try/except, not a generator context manager: that cost 1 us a statement (4 a transition).
        try:
            return self._driver.execute(self._sql[name], params)
        except (self._dbapi.IntegrityError, self._dbapi.OperationalError) as exc:
            self._raise_conflict(exc)
            raise

    def _many(self, name: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            if len(rows) == 1:  # the common case of one transition: execute is cheaper
                cursor = self._driver.execute(self._sql[name], rows[0])
            else:
                cursor = self._driver.cursor()
                cursor.executemany(self._sql[name], rows)
        except (self._dbapi.IntegrityError, self._dbapi.OperationalError) as exc:
            self._raise_conflict(exc)
            raise
        return int(cursor.rowcount)

    def _raise_conflict(self, exc: Exception) -> None:
        """The driver's own exception (SQLAlchemy does not see these statements) as ours, when
        it means another transaction won; otherwise the caller re-raises it."""
        if isinstance(exc, self._dbapi.IntegrityError):
            raise WriteConflict(str(exc)) from exc
        if self._sqlite and ("locked" in str(exc) or "busy" in str(exc)):
            raise WriteConflict(str(exc)) from exc
        if getattr(exc, "sqlstate", None) in _PG_CONFLICTS:
            raise WriteConflict(str(exc).splitlines()[0]) from exc

    def case(self, case_id: int) -> CaseHead | None:
        row = self._run("case", (case_id,)).fetchone()
        return CaseHead(*row) if row else None

    def case_for_append(self, case_id: int) -> tuple[CaseHead, tuple[int, str] | None] | None:
        """A case about to get an event, and its campaign's chain head when already known.

        SQLite takes its write lock first and reads both in one statement; PostgreSQL reads the
        case optimistically and the head later, once `lock_campaign` holds the campaign row.
        """
        if not self._sqlite:
            head = self.case(case_id)
            return (head, None) if head else None
        self._write_lock()
        row = self._run("case_and_link", (case_id,)).fetchone()
        if row is None:
            return None
        link = (int(row[-2]), str(row[-1])) if row[-2] is not None else (0, GENESIS)
        return CaseHead(*row[:-2]), link

    def cases(self, campaign_key: str, state: str | None = None) -> list[CaseHead]:
        if state is None:
            rows = self._run("cases", (campaign_key,)).fetchall()
        else:
            rows = self._run("cases_in", (campaign_key, state)).fetchall()
        return [CaseHead(*row) for row in rows]

    def cases_on(
        self, workflow: str, version: int, campaign_key: str | None = None
    ) -> list[CaseHead]:
        rows = self._run("cases_on", (workflow, version)).fetchall()
        heads = [CaseHead(*row) for row in rows]
        return [h for h in heads if campaign_key is None or h.campaign_key == campaign_key]

    def lock_campaign(self, campaign_key: str) -> None:
        """Take the campaign's append lock before reading its chain head, so two transactions
        never both claim the next position (optimistic retries starved under load)."""
        if self._sqlite:
            self._write_lock()
        else:
            self._run("lock_campaign", (campaign_key,))

    def _write_lock(self) -> None:
        # SQLite has one writer at a time: take the write lock now rather than at the first
        # write, after the head was read. Reads made before it stay optimistic.
        if not self._driver.in_transaction:
            try:
                self._driver.execute("BEGIN IMMEDIATE")
            except self._dbapi.OperationalError as exc:
                self._raise_conflict(exc)
                raise

    def read_snapshot(self) -> None:
        """Have the rest of this transaction read one snapshot of the database, for a check that
        reads a case row, then its events, then its deadlines: a transition committed between two
        of those reads made an intact case look damaged (tests/test_load.py). PostgreSQL's READ
        COMMITTED gives each statement a snapshot of its own, and so does SQLite outside a
        transaction. Call it before the transaction's first statement; it only reads after."""
        if self._sqlite:
            if not self._driver.in_transaction:
                self._driver.execute("BEGIN")  # deferred: the snapshot is the first read's
        else:
            self._driver.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def has_campaign(self, campaign_key: str) -> bool:
        return self._run("campaign", (campaign_key,)).fetchone() is not None

    def chain_head(self, campaign_key: str) -> tuple[int, str]:
        row = self._run("chain_head", (campaign_key,)).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def history(self, case_id: int) -> list[tuple[str, Mapping[str, Any]]]:
        rows = self._run("history", (case_id,)).fetchall()
        return [(trigger, _json_value(payload)) for trigger, payload in rows]

    def last_event_at(self, case: CaseHead) -> datetime | None:
        query = select(_event.c.at).where(
            and_(_event.c.case_id == case.id, _event.c.seq == case.last_seq)
        )
        return self.conn.execute(query).scalar()

    def plan_of(self, case_id: int) -> tuple[Any, ...] | None:
        """(visit_date, notice_due, evidence_due, plan_team, unit kind) of a case; the dates as
        the driver gives them (SQLite: text)."""
        row = self._run("plan", (case_id,)).fetchone()
        return tuple(row) if row else None

    def slot_of(self, case_id: int) -> tuple[Any, ...] | None:
        """(state, version, last_seq, plan_team, visit_date, evidence_due) of a case: where it
        stands and its planned visit; dates as the driver gives them."""
        row = self._run("slot", (case_id,)).fetchone()
        return tuple(row) if row else None

    def decision_number(self, campaign_key: str, team: str) -> str | None:
        """The number of the team's current decision (its newest), if any."""
        row = self._run("decision_number", (campaign_key, team)).fetchone()
        return str(row[0]) if row else None

    def events(self, case_id: int) -> list[Event]:
        return [self._event(row) for row in self._run("events", (case_id,)).fetchall()]

    def campaign_events(self, campaign_key: str, *, after: int = 0) -> list[Event]:
        """The campaign's events in chain order; `after`: only those past that chain position."""
        cursor = self._run("campaign_events", (campaign_key, after))
        # A million events are a million tuples that hold no cycles: the cyclic collector's
        # passes over the growing heap took a third of reading them (bench/audit_verify.py:
        # 13.2 -> 8.6 s of CPU for 1,000,000 events). Rows are turned into events as they come,
        # not all fetched first (a second copy of the log in memory).
        paused = gc.isenabled()
        gc.disable()
        try:
            return [self._event(row) for row in cursor]
        finally:
            if paused:
                gc.enable()

    def _event(self, row: Sequence[Any]) -> Event:
        """An event from a row of `_EVENT_FIELDS`, as `to_event` makes it from SQLAlchemy's.
        Built positionally, in `Event`'s field order: keywords cost a third of it."""
        case_id, seq, campaign_key, chain_seq, trigger, from_state, to_state, actor = row[:8]
        role, at, payload, effects, workflow, version, prev_hash, digest = row[8:16]
        chain_prev, chain_hash = row[16:]
        if at.__class__ is str:  # SQLite: the text `_moment` wrote, UTC without its offset
            at = _from_iso(at)
        return _new_tuple(
            Event,
            (
                campaign_key,
                case_id,
                seq,
                trigger,
                from_state,
                to_state,
                actor,
                role,
                at,
                _json_value(payload),
                workflow,
                version,
                _json_value(effects),
                prev_hash,
                digest,
                chain_seq,
                chain_prev,
                chain_hash,
            ),
        )

    def append_many(self, items: Iterable[tuple[Event, int | None]]) -> None:
        """Move each case to its event's state and append the events, in two statements.

        A `None` version means the case is being opened (its row was inserted just now). Any
        case whose version moved fails the whole batch.
        """
        moves, events = [], []
        for event, seen in items:
            if seen is not None:
                moves.append(
                    (
                        event.to_state,
                        event.workflow_version,
                        seen + 1,
                        event.seq,
                        event.hash,
                        event.case_id,
                        seen,
                    )
                )
            events.append(self._event_params(event))
        if moves and self._many("move", moves) != len(moves):
            raise StaleCase(moves[0][5] if len(moves) == 1 else None)
        if events:
            self._many("event", events)

    def apply_deadlines(self, changes: Sequence[DeadlineChange]) -> None:
        """Open, replace and cancel deadlines as the changes say, in their order: one UPDATE
        and one INSERT statement per run that touches each (case, kind) once."""
        for group in in_groups(changes):
            ends = [(SUPERSEDED if c.start else CANCELLED, c.seq, c.case_id, c.kind) for c in group]
            self._many("end_deadline", ends)
            starts = [
                (c.campaign_key, c.case_id, c.kind, self._day(c.due), c.seq)
                for c in group
                if c.start
            ]
            if starts:
                self._many("start_deadline", starts)

    def _day(self, day: date | None) -> Any:
        # sqlite3's date adapter is deprecated (Python 3.12): the ISO text SQLAlchemy reads back.
        return day.isoformat() if self._sqlite and day is not None else day

    def set_heads(self, heads: Sequence[tuple[int, int, str]]) -> None:
        """Record the chain heads of just-opened cases (no version bump: nothing moved)."""
        self._many("set_head", [(s, h, i) for i, s, h in heads])

    def _moment(self, moment: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime reads back exactly this text; PostgreSQL takes the value.
        utc = as_utc(moment)
        return utc.replace(tzinfo=None).isoformat(" ", "microseconds") if self._sqlite else utc

    def _event_params(self, event: Event) -> tuple[Any, ...]:
        """The event's values in the order of `_EVENT_FIELDS`."""
        return (
            event.case_id,
            event.seq,
            event.campaign_key,
            event.chain_seq,
            event.trigger,
            event.from_state,
            event.to_state,
            event.actor,
            event.role,
            self._moment(event.at),
            orjson.dumps(_plain(event.payload)).decode(),
            orjson.dumps(_plain(event.effects)).decode(),
            event.workflow,
            event.workflow_version,
            event.prev_hash,
            event.hash,
            event.chain_prev_hash,
            event.chain_hash,
        )


def _plain(value: Any) -> Any:
    """What orjson takes as is (a dict, list or tuple); other mappings and sequences copied."""
    if type(value) in (dict, list, tuple):
        return value
    return dict(value) if isinstance(value, Mapping) else list(value)


def _json_value(value: Any) -> Any:
    # SQLite hands back the stored text (written by orjson, so orjson reads it), psycopg a value.
    # A tuple of types, not `str | bytes`: that builds a union object on every call.
    return orjson.loads(value) if isinstance(value, _TEXT) else value


_TEXT = (str, bytes)
_from_iso = datetime.fromisoformat
_new_tuple = tuple.__new__
# `_event` builds events by position: it must follow the order of Event's fields.
assert Event._fields[:14] == (
    "campaign_key", "case_id", "seq", "trigger", "from_state", "to_state", "actor", "role", "at",
    "payload", "workflow", "workflow_version", "effects", "prev_hash",
)  # fmt: skip


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
