"""`audit export [KEY] --out FILE`: every stored row that verification needs, as JSON lines an
auditor can keep and verify offline (`audit verify --export FILE`, services/audit_offline.py).

The format (docs/audit-export.md): a header line (format, engine and schema versions, when, and
each campaign's chain heads and counts), then one line per row, table by table in a fixed order,
each table's rows by primary key, then a closing line with the row counts and the SHA-256 of
every byte before it. Keys are sorted and values canonical (dates ISO, times UTC to the
microsecond), so one database exports the same bytes every time (the header's `exported_at`
aside). The rows are read in one snapshot and streamed: memory does not grow with the log.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    String,
    Table,
    Text,
    cast,
    select,
    text,
    type_coerce,
)

from inspect_engine import __version__
from inspect_engine.domain.events import as_utc
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.db import SCHEMA_REVISION
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

FORMAT = "inspect-engine-audit-export"
FORMAT_VERSION = 1
# The tables an export holds, in its order: each after those it refers to. A table the schema
# gains must be named here or in NOT_EXPORTED (tests/test_audit_export.py fails until it is).
TABLE_ORDER = (
    "unit_kind",
    "unit",
    "workflow_definition",
    "campaign",
    "inspection_case",
    "case_event",
    "team_decision",
    "document",
    "number_register",
    "deadline",
    "plan_run",
    "team_unavailable",
    "unit_blackout",
)
# What verification does not need, and an export must not carry.
NOT_EXPORTED = {
    "alembic_version": "the schema's revision is in the header",
    "portal_account": "the portal's accounts: password hashes",
    "portal_session": "the portal's sessions: token hashes",
    "portal_link": "who may open the portal, not what happened",
}
# Rows go by primary key, but the events in the order they were sealed: each campaign's chain
# (a cut export then lacks the newest, which the header's chain head shows).
ORDER_BY = {"case_event": ("campaign_key", "chain_seq")}
BATCH = 2_000  # rows fetched at a time


@dataclass(frozen=True)
class CampaignHead:
    """What the header records of one campaign: the heads of its two chains and its counts."""

    key: str
    chain_seq: int
    chain_hash: str
    decision_seq: int
    decision_hash: str
    cases: int
    events: int

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "chain": {"seq": self.chain_seq, "hash": self.chain_hash},
            "decisions": {"seq": self.decision_seq, "hash": self.decision_hash},
            "cases": self.cases,
            "events": self.events,
        }


@dataclass
class Exported:
    path: Path
    campaigns: list[CampaignHead]
    rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""


def tables() -> list[Table]:
    """The tables an export holds, in its order."""
    from sqlmodel import SQLModel

    import inspect_engine.storage.tables  # noqa: F401  (registers the tables)

    by_name = {str(t.name): t for t in SQLModel.metadata.sorted_tables}
    return [by_name[name] for name in TABLE_ORDER if name in by_name]


def value(item: Any) -> Any:
    """A column's value as the export writes it."""
    if isinstance(item, datetime):
        return as_utc(item).isoformat(timespec="microseconds")
    if isinstance(item, date):
        return item.isoformat()
    return item


def _moment_text(item: str | None) -> str | None:
    """SQLite's stored text of a time (UTC, naive), as `value` writes a time."""
    return None if item is None else value(datetime.fromisoformat(item))


def _day_text(item: str | None) -> str | None:
    return None if item is None else date.fromisoformat(item).isoformat()


def _json_text(item: str | None) -> Any:
    return None if item is None else orjson.loads(item)


def _columns(conn: Connection, table: Table) -> tuple[list[Any], list[Callable[[Any], Any]]]:
    """What to select of each column and how to write it. JSON is read as its text and parsed
    by orjson, SQLite's dates and times as their text: SQLAlchemy's own processing (the json
    module, regular expressions) was 3/4 of an export's time."""
    sqlite = conn.dialect.name == "sqlite"
    selected: list[Any] = []
    writers: list[Callable[[Any], Any]] = []
    for column in table.columns:
        if isinstance(column.type, JSON):
            selected.append(cast(column, Text).label(column.name))
            writers.append(_json_text)
        elif sqlite and isinstance(column.type, DateTime):
            selected.append(type_coerce(column, String).label(column.name))
            writers.append(_moment_text)
        elif sqlite and isinstance(column.type, Date):
            selected.append(type_coerce(column, String).label(column.name))
            writers.append(_day_text)
        else:
            selected.append(column)
            writers.append(value)
    return selected, writers


def line(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + b"\n"


def export(
    uow: UnitOfWork, out: Path, *, campaign_key: str | None = None, clock: Clock = utc_now
) -> Exported:
    """Write the export of one campaign (or of all) to `out` (gzip-compressed when the name ends
    in `.gz`); the file appears only once it is complete."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        handle, partial = tempfile.mkstemp(prefix=f".{out.name}.", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", source=str(out)) from None
    try:
        with os.fdopen(handle, "wb") as raw:
            if out.name.endswith(".gz"):
                # mtime 0 and no name: the same rows compress to the same bytes.
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                    done = _write(uow, packed, out, campaign_key, clock)  # type: ignore[arg-type]
            else:
                done = _write(uow, raw, out, campaign_key, clock)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)  # as an ordinary file would be, not mkstemp's 0600
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return done


def _write(uow: UnitOfWork, sink: BinaryIO, out: Path, key: str | None, clock: Clock) -> Exported:
    digest = hashlib.sha256()

    def emit(data: dict[str, Any]) -> None:
        encoded = line(data)
        digest.update(encoded)
        sink.write(encoded)

    with uow:
        conn = uow.connection
        _snapshot(conn)
        keys = _campaign_keys(conn, key)
        heads = [_head(conn, k) for k in keys]
        done = Exported(out, heads)
        emit(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "engine_version": __version__,
                "schema_revision": SCHEMA_REVISION,
                "exported_at": as_utc(clock()).isoformat(timespec="seconds"),
                "scope": key,
                "campaigns": [h.to_json() for h in heads],
                "tables": [str(t.name) for t in tables()],
            }
        )
        for table in tables():
            name, count = str(table.name), 0
            for row in _rows(conn, table, key):
                emit({"table": name, "row": row})
                count += 1
            done.rows[name] = count
    done.sha256 = digest.hexdigest()
    sink.write(line({"end": {"rows": done.rows, "sha256": done.sha256}}))
    return done


def _snapshot(conn: Connection) -> None:
    """Read every table as of one moment, while others write on."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        return
    # pysqlite begins a transaction only before a write; a deferred BEGIN makes the first read
    # take the snapshot that the rest of the transaction sees (WAL).
    driver = conn.connection.driver_connection
    assert driver is not None
    if not driver.in_transaction:
        driver.execute("BEGIN")


def _campaign_keys(conn: Connection, key: str | None) -> list[str]:
    if key is not None:
        if not EventStore(conn).has_campaign(key):
            raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
        return [key]
    return [str(k) for k in conn.execute(text("SELECT key FROM campaign ORDER BY key")).scalars()]


def _head(conn: Connection, key: str) -> CampaignHead:
    chain_seq, chain_hash = EventStore(conn).chain_head(key)
    decision = conn.execute(
        text("SELECT decision_seq, decision_hash FROM campaign WHERE key = :key"), {"key": key}
    ).one()
    cases = conn.execute(
        text("SELECT count(*) FROM inspection_case WHERE campaign_key = :key"), {"key": key}
    ).scalar_one()
    events = conn.execute(
        text("SELECT count(*) FROM case_event WHERE campaign_key = :key"), {"key": key}
    ).scalar_one()
    return CampaignHead(
        key, chain_seq, chain_hash, int(decision[0]), str(decision[1]), int(cases), int(events)
    )


def _rows(conn: Connection, table: Table, key: str | None) -> Iterator[dict[str, Any]]:
    """The table's rows in the scope, by primary key, streamed."""
    order = [table.c[name] for name in ORDER_BY.get(str(table.name), ())]
    selected, writers = _columns(conn, table)
    query = select(*selected).order_by(*(order or table.primary_key.columns))
    keep = None
    if key is not None:
        if table.name == "campaign":
            query = query.where(table.c.key == key)
        elif "campaign_key" in table.c:
            query = query.where(table.c.campaign_key == key)
        else:
            keep = _referenced(conn, str(table.name), key)
    result = conn.execution_options(stream_results=True, max_row_buffer=BATCH).execute(query)
    names = [str(c.name) for c in table.columns]  # plain str: orjson refuses subclasses as keys
    fields = list(zip(names, writers, strict=True))
    for chunk in result.partitions(BATCH):
        for row in chunk:
            data = {name: write(item) for (name, write), item in zip(fields, row, strict=True)}
            if keep is None or keep(data):
                yield data


def _referenced(conn: Connection, table: str, key: str) -> Any:
    """Which rows of a table shared by the campaigns one campaign's export needs: the units its
    cases and blackouts name (with their parents), the workflow versions its cases ran on, the
    number sequences of its documents; every row of any other."""
    if table == "unit":
        codes = set(
            conn.execute(
                text(
                    "SELECT unit_code FROM inspection_case WHERE campaign_key = :key UNION "
                    "SELECT unit_code FROM unit_blackout WHERE campaign_key = :key"
                ),
                {"key": key},
            ).scalars()
        )
        parents: dict[str, str | None] = dict(
            conn.execute(text("SELECT code, parent_code FROM unit")).all()
        )
        todo = list(codes)
        while todo:
            parent = parents.get(todo.pop())
            if parent is not None and parent not in codes:
                codes.add(parent)
                todo.append(parent)
        return lambda row: row["code"] in codes
    if table == "workflow_definition":
        versions = set(
            conn.execute(
                text(
                    "SELECT workflow_name, workflow_version FROM campaign WHERE key = :key UNION "
                    "SELECT workflow_name, workflow_version FROM inspection_case "
                    "WHERE campaign_key = :key UNION "
                    "SELECT workflow_name, workflow_version FROM case_event "
                    "WHERE campaign_key = :key"
                ),
                {"key": key},
            )
        )
        return lambda row: (row["name"], row["version"]) in versions
    if table == "number_register":
        sequences = set(
            conn.execute(
                text(
                    "SELECT DISTINCT issuer_code, year, series FROM document "
                    "WHERE campaign_key = :key"
                ),
                {"key": key},
            )
        )
        return lambda row: (row["issuer_code"], row["year"], row["series"]) in sequences
    return None
