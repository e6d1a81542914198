"""Issued documents and their number register, in the caller's transaction (a `UnitOfWork`).

Numbers. A sequence is one issuer's documents of one series in one year: one `number_register`
row. `next_number` takes the next one with an upsert that keeps the row locked until the
transaction ends, so concurrent issuers queue behind each other; a rolled-back transaction
gives its number back and a committed one is never given again: no gap, no repeat. (One upsert
does what "insert the row if missing, then update it" does in two statements, with the same
locks.) On SQLite the transaction takes the write lock first (BEGIN IMMEDIATE), as the event
store does, so two processes cannot both read the same last number; even without it SQLite
refuses a write from a stale snapshot, so the worst case is a `WriteConflict`, never a repeat.

Exactly once. A document's `source_key` (what caused it) is unique: storing it again is
`AlreadyIssued`, and the transaction stays usable (ON CONFLICT DO NOTHING raises nothing inside
the database). A number stored twice is `NumberTaken`; on PostgreSQL that error aborts the
transaction, so roll back. A number taken with `next_number` in a transaction that then finds
its document already issued must be given back: roll back, or the sequence has a gap.

Writes go straight to the driver connection, as in event_store.py: issuing a campaign's
~3,300 documents is one number and one insert each, and the same two statements through
SQLAlchemy Core cost 2-5x as much (bench/document_store.py: 3,300 documents, one transaction each,
in 0.4-0.6 s on SQLite and 2.5-7 s on PostgreSQL, where the commits dominate). Reads go through
SQLAlchemy Core, which turns the stored text back into dates, times and dicts.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, select

from inspect_engine.domain.events import as_utc
from inspect_engine.errors import ConflictError, InputError, NotFound
from inspect_engine.storage.event_store import WriteConflict
from inspect_engine.storage.tables import DocumentRow

ISSUED = "issued"
AWAITING_NUMBER = "awaiting_number"  # a draft: the records office gives its number
STATUSES = (ISSUED, AWAITING_NUMBER)

_document = DocumentRow.__table__  # type: ignore[attr-defined]


class DocumentRecord(NamedTuple):
    """A stored document: the columns of `document`, its content as a dict."""

    id: int
    campaign_key: str
    case_id: int | None
    kind: str
    source_key: str
    source_case_id: int | None
    source_seq: int | None
    issuer_code: str
    year: int
    series: str
    number_seq: int | None
    number: str | None
    issued_on: date | None
    status: str
    content: dict[str, Any]
    content_hash: str
    template: str
    recorded_by: str
    created_at: datetime


_FIELDS = DocumentRecord._fields[1:]  # what `insert` writes, in this order (the id is made)


class AlreadyIssued(ConflictError):
    """The document of this source is stored already (issued, or a draft awaiting its number):
    nothing was written."""

    def __init__(self, source_key: str, message: str | None = None) -> None:
        self.source_key = source_key
        super().__init__(message or f"the document of {source_key} is already issued")


class NumberTaken(InputError):
    """Another document has this number (of its issuer and year, or of its sequence): nothing
    was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="number")


# `?` is a parameter, `?J` a JSON parameter (PostgreSQL casts it from text).
_SQL = {
    "take": "INSERT INTO number_register (issuer_code, year, series, last_number) "
    "VALUES (?, ?, ?, 1) ON CONFLICT (issuer_code, year, series) "
    "DO UPDATE SET last_number = number_register.last_number + 1 RETURNING last_number",
    "raise_to": "INSERT INTO number_register (issuer_code, year, series, last_number) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (issuer_code, year, series) DO UPDATE SET "
    "last_number = {greatest}(number_register.last_number, excluded.last_number)",
    "holder": "SELECT id FROM document "
    "WHERE issuer_code = ? AND year = ? AND series = ? AND number_seq = ?",
    "insert": f"INSERT INTO document ({', '.join(_FIELDS)}) VALUES ("
    + ", ".join("?J" if f == "content" else "?" for f in _FIELDS)
    + ") ON CONFLICT (source_key) DO NOTHING RETURNING id",
    "set_number": "UPDATE document SET number_seq = ?, number = ?, issued_on = ?, content = ?J, "
    f"content_hash = ?, status = '{ISSUED}' WHERE id = ? AND status = '{AWAITING_NUMBER}'",
    "draft": "SELECT source_key, status, number, issuer_code, year, series FROM document "
    "WHERE id = ?",
    "has_source": "SELECT 1 FROM document WHERE source_key = ?",
    "numbers_of_case": "SELECT kind, number, issued_on FROM document "
    "WHERE campaign_key = ? AND case_id = ? ORDER BY id",
}
# Which unique constraint a duplicate broke: PostgreSQL names it, SQLite lists its columns.
_CLASHES = {
    "uq_document_number": "document.issuer_code, document.year, document.number",
    "uq_document_number_seq": "document.issuer_code, document.year, document.series, "
    "document.number_seq",
}
# PostgreSQL errors that mean another transaction won (as in event_store.py): retry.
_PG_CONFLICTS = frozenset({"40001", "40P01", "55P03"})


@cache
def _statements(dialect: str) -> dict[str, str]:
    """The statements in the driver's style: `?` for sqlite3, `%s` for psycopg."""
    if dialect == "sqlite":
        return {k: sql.replace("?J", "?").format(greatest="max") for k, sql in _SQL.items()}
    return {
        k: sql.replace("?J", "%s::json").replace("?", "%s").format(greatest="GREATEST")
        for k, sql in _SQL.items()
    }


class DocumentStore:
    """Documents and numbers, read and written inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        driver = conn.connection.driver_connection
        assert driver is not None, "the unit of work's connection is open"
        self._driver = driver
        self._dbapi = conn.dialect.loaded_dbapi
        self._sqlite = conn.dialect.name == "sqlite"
        self._sql = _statements(conn.dialect.name)

    # -- numbers ----------------------------------------------------------------------------------

    def next_number(self, issuer_code: str, year: int, series: str) -> int:
        """The next number of the sequence, 1 for its first document. The sequence stays locked
        to other transactions until this one ends (so take it just before the insert, and
        commit soon after); rolling back gives the number back."""
        self._write_lock()
        return int(self._run("take", (issuer_code, year, series)).fetchone()[0])

    def record_number(self, issuer_code: str, year: int, series: str, number_seq: int) -> None:
        """Record a number given outside the register (the records office numbered a draft),
        before a document is stored with it (`set_number`, `insert`).

        A number that a document of the sequence already has is refused (`NumberTaken`). A
        number above the register's last moves the register up to it, so the register never
        hands it out; the numbers skipped on the way are never handed out either (the office's
        own book used them). A lower number is accepted only if no document has it, and leaves
        the register where it was (the office filled a number it had kept back).
        """
        if number_seq < 1:
            raise InputError(f"a register number counts from 1, not {number_seq}", field="number")
        self._write_lock()
        # Lock the sequence before looking: a concurrent issuer of this number commits first.
        self._run("raise_to", (issuer_code, year, series, number_seq))
        holder = self._run("holder", (issuer_code, year, series, number_seq)).fetchone()
        if holder is not None:
            raise NumberTaken(
                f"number {number_seq} of {_sequence(issuer_code, year, series)} is already "
                f"used by document {holder[0]}"
            )

    # -- documents --------------------------------------------------------------------------------

    def insert(
        self,
        *,
        campaign_key: str,
        case_id: int | None,
        kind: str,
        source_key: str,
        source_case_id: int | None,
        source_seq: int | None,
        issuer_code: str,
        year: int,
        series: str,
        number_seq: int | None,
        number: str | None,
        issued_on: date | None,
        status: str,
        content: Mapping[str, Any],
        content_hash: str,
        template: str,
        recorded_by: str,
        created_at: datetime,
    ) -> int:
        """Store a document; its id. `AlreadyIssued` if its source's document is stored
        already, `NumberTaken` if its number is. An issued document has a number (its
        `number_seq` is None when the number came from outside the register); a draft awaiting
        its number has neither. A `number_seq` not taken from `next_number` is recorded with
        `record_number` first, or the register may hand it out again (and meet `NumberTaken`).
        """
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        if (status == ISSUED) != (number is not None):
            raise ValueError("an issued document has a number, a draft awaiting one has none")
        if number is None and number_seq is not None:
            raise ValueError("a register number without the document's number")
        params = (
            campaign_key,
            case_id,
            kind,
            source_key,
            source_case_id,
            source_seq,
            issuer_code,
            year,
            series,
            number_seq,
            number,
            self._day(issued_on),
            status,
            orjson.dumps(dict(content)).decode(),
            content_hash,
            template,
            recorded_by,
            self._moment(created_at),
        )
        try:
            row = self._run("insert", params).fetchone()
        except self._dbapi.IntegrityError as exc:
            self._raise_clash(exc, issuer_code, year, series, number_seq, number)
            raise
        if row is None:
            raise AlreadyIssued(source_key)
        return int(row[0])

    def set_number(
        self,
        document_id: int,
        number_seq: int | None,
        number: str,
        issued_on: date,
        content: Mapping[str, Any],
        content_hash: str,
    ) -> None:
        """Issue a draft the records office numbered: its number, date and final content.
        Only a draft awaiting its number (else `AlreadyIssued`; `NotFound` for no document).
        Record a register number with `record_number` first."""
        draft = self._run("draft", (document_id,)).fetchone()
        if draft is None:
            raise NotFound(f"no document {document_id}", field="document")
        source_key, status, issued_as, issuer_code, year, series = draft
        if status != AWAITING_NUMBER:
            message = f"document {document_id} is already issued as {issued_as}"
            raise AlreadyIssued(source_key, message)
        params = (
            number_seq,
            number,
            self._day(issued_on),
            orjson.dumps(dict(content)).decode(),
            content_hash,
            document_id,
        )
        try:
            changed = self._run("set_number", params).rowcount
        except self._dbapi.IntegrityError as exc:
            self._raise_clash(exc, issuer_code, year, series, number_seq, number)
            raise
        if changed != 1:  # another command numbered it since the read (PostgreSQL)
            raise AlreadyIssued(source_key, f"document {document_id} was issued meanwhile")

    def issued_source_keys(self, campaign_key: str) -> set[str]:
        """The source keys of the campaign's documents, drafts awaiting a number included:
        every cause whose document must not be made again."""
        query = select(_document.c.source_key).where(_document.c.campaign_key == campaign_key)
        return set(self.conn.execute(query).scalars())

    def issued_among(self, source_keys: Iterable[str]) -> set[str]:
        """Those of `source_keys` whose document is stored (issued or a draft): the check of a
        few causes, without reading every source key of the campaign."""
        keys = sorted(set(source_keys))
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # bound the statement's parameters
            chunk = keys[start : start + 500]
            query = select(_document.c.source_key).where(_document.c.source_key.in_(chunk))
            found.update(self.conn.execute(query).scalars())
        return found

    def has_source(self, source_key: str) -> bool:
        """Whether the document of this cause is stored (issued or a draft)."""
        return self._run("has_source", (source_key,)).fetchone() is not None

    def get(self, document_id: int) -> DocumentRecord | None:
        row = self.conn.execute(_select().where(_document.c.id == document_id)).first()
        return _record(row) if row else None

    def list(
        self, campaign_key: str, case_id: int | None = None, kind: str | None = None
    ) -> builtins.list[DocumentRecord]:
        """The campaign's documents in the order they were stored; `case_id` and `kind` narrow
        them to one case's (None: every case's and the campaign's own) or to one kind."""
        query = _select().where(_document.c.campaign_key == campaign_key)
        if case_id is not None:
            query = query.where(_document.c.case_id == case_id)
        if kind is not None:
            query = query.where(_document.c.kind == kind)
        return [_record(row) for row in self.conn.execute(query.order_by(_document.c.id))]

    def with_number(self, number: str) -> builtins.list[DocumentRecord]:
        """The issued documents numbered `number` ("128/TB-SNV"), of every campaign and year:
        how an answer from outside (an edXML status or reply) finds what it answers."""
        query = _select().where(_document.c.number == number, _document.c.status == ISSUED)
        return [_record(row) for row in self.conn.execute(query.order_by(_document.c.id))]

    def numbers_of_case(
        self, campaign_key: str, case_id: int
    ) -> builtins.list[tuple[str, str | None, date | None]]:
        """(kind, number, issued_on) of one case's documents in the order they were stored: what a
        later letter cites, without reading the letters themselves."""
        rows = self._run("numbers_of_case", (campaign_key, case_id)).fetchall()
        return [(kind, number, _day(issued)) for kind, number, issued in rows]

    # -- the driver -------------------------------------------------------------------------------

    def _run(self, name: str, params: Sequence[Any]) -> Any:
        try:
            return self._driver.execute(self._sql[name], params)
        except self._dbapi.OperationalError as exc:
            self._raise_conflict(exc)
            raise

    def _write_lock(self) -> None:
        # SQLite has one writer at a time: take the write lock before reading the register.
        if self._sqlite and not self._driver.in_transaction:
            try:
                self._driver.execute("BEGIN IMMEDIATE")
            except self._dbapi.OperationalError as exc:
                self._raise_conflict(exc)
                raise

    def _raise_conflict(self, exc: Exception) -> None:
        """A lock not granted in time, or a deadlock, as a `WriteConflict` (retry)."""
        if self._sqlite and ("locked" in str(exc) or "busy" in str(exc)):
            raise WriteConflict(str(exc)) from exc
        if getattr(exc, "sqlstate", None) in _PG_CONFLICTS:
            raise WriteConflict(str(exc).splitlines()[0]) from exc

    def _raise_clash(
        self,
        exc: Exception,
        issuer_code: str,
        year: int,
        series: str,
        number_seq: int | None,
        number: str | None,
    ) -> None:
        """A duplicate number as `NumberTaken`; any other integrity error is the caller's."""
        diag = getattr(exc, "diag", None)  # psycopg names the constraint
        name = getattr(diag, "constraint_name", None)
        text = str(exc)
        broke = {k for k, cols in _CLASHES.items() if k == name or text.endswith(f": {cols}")}
        if "uq_document_number" in broke:
            raise NumberTaken(
                f"number {number} is already used by another document of {issuer_code} in {year}"
            ) from exc
        if broke:
            raise NumberTaken(
                f"number {number_seq} of {_sequence(issuer_code, year, series)} is already "
                "used by another document"
            ) from exc

    def _day(self, day: date | None) -> Any:
        # SQLAlchemy's SQLite Date reads back this text; PostgreSQL takes the value.
        return day.isoformat() if self._sqlite and day is not None else day

    def _moment(self, moment: datetime) -> Any:
        # As event_store.py stores times: UTC, as SQLAlchemy's SQLite DateTime reads them back.
        utc = as_utc(moment)
        return utc.replace(tzinfo=None).isoformat(" ", "microseconds") if self._sqlite else utc


def _sequence(issuer_code: str, year: int, series: str) -> str:
    """A sequence in words: "the TB-SNV sequence of 2026"."""
    name = f"{series}-{issuer_code}" if series else issuer_code
    return f"the {name} sequence of {year}"


def _select() -> Any:
    return select(*(_document.c[f] for f in DocumentRecord._fields))


def _record(row: Any) -> DocumentRecord:
    values = dict(row._mapping)
    values["created_at"] = as_utc(values["created_at"])
    values["content"] = dict(values["content"])
    return DocumentRecord(**values)


def _day(value: Any) -> date | None:
    """A date column read on the driver (SQLite hands back its text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value
