"""`audit verify --export FILE`: verify an export without the database it came from.

The export is loaded into a fresh SQLite database that the engine's own migrations build (up to
the schema revision the export was written at, then on to this engine's), and the very same
`services.audit.verify_campaign` runs there: offline and online verification cannot drift
apart. On top, the file itself is checked: every line readable, the closing line present (a cut
file has none) with the row counts and the SHA-256 of what precedes it, and each campaign's
chain heads and counts in the header equal to what the loaded rows verify to.

Rows are loaded as they are read (memory does not grow with the file), with the foreign keys
off: a row whose parent is missing must reach the verification, which names it, rather than
stop the load.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import JSON, Boolean, Date, DateTime, Engine, MetaData, Table, text

from inspect_engine.domain.events import as_utc
from inspect_engine.errors import InputError
from inspect_engine.services.audit import Verification, verify_campaign
from inspect_engine.services.audit_export import FORMAT, FORMAT_VERSION
from inspect_engine.services.audit_verify import campaign_keys
from inspect_engine.storage.db import alembic_config, make_engine, upgrade
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

BATCH = 1_000  # rows inserted per statement
MAX_LINE_PROBLEMS = 20  # then one line saying how many more: a garbled file is not 1M lines


@dataclass(frozen=True)
class ExportHeader:
    format_version: int
    engine_version: str
    schema_revision: str
    exported_at: str
    scope: str | None
    campaigns: tuple[Mapping[str, Any], ...]


@dataclass
class ExportCheck:
    """What verifying an export found: problems of the file itself, and each campaign's
    verification as `audit verify KEY` reports it."""

    path: Path
    header: ExportHeader
    problems: list[str] = field(default_factory=list)
    campaigns: list[Verification] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and not any(v.problems for v in self.campaigns)


def verify_export(path: Path, *, anchor: Mapping[str, Any] | None = None) -> ExportCheck:
    """What verifying the export at `path` finds; with `anchor` (read and its signature checked
    by `services.anchors.read_anchor`), also whether the exported history extends it."""
    with _open(path) as stream:
        lines = _numbered(stream)
        first = next(lines, None)
        header = _header(path, first)
        with tempfile.TemporaryDirectory(prefix="inspect-audit-") as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'export.db'}")
            try:
                _schema_at(engine, path, header.schema_revision)
                check = ExportCheck(path, header)
                assert first is not None
                _load(engine, first[1], lines, check)
                upgrade(engine)  # the rows of an older engine, brought to this one's schema
                _verify(engine, check, anchor)
            finally:
                engine.dispose()
    return check


def _open(path: Path) -> IO[bytes]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path)) from None
    if raw.read(2) == b"\x1f\x8b":  # gzip's magic number, whatever the file's name
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _numbered(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    try:
        yield from enumerate(stream, start=1)
    except (OSError, EOFError) as exc:  # a gzip file cut short or damaged
        yield 0, f"unreadable: {exc}".encode()


def _header(path: Path, first: tuple[int, bytes] | None) -> ExportHeader:
    def bad(why: str) -> InputError:
        return InputError(f"not an inspect-engine audit export: {why}", source=str(path), line=1)

    if first is None or first[0] != 1:
        raise bad("the file is empty")
    try:
        data = orjson.loads(first[1])
    except orjson.JSONDecodeError:
        raise bad("its first line is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad(f"its first line does not name the format {FORMAT!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"export format version {data.get('format_version')!r}; this engine reads "
            f"version {FORMAT_VERSION}",
            source=str(path),
            line=1,
        )
    campaigns = data.get("campaigns")
    if not isinstance(campaigns, list) or not all(isinstance(c, dict) for c in campaigns):
        raise bad("its header has no list of campaigns")
    return ExportHeader(
        FORMAT_VERSION,
        str(data.get("engine_version", "")),
        str(data.get("schema_revision", "")),
        str(data.get("exported_at", "")),
        data.get("scope") if isinstance(data.get("scope"), str) else None,
        tuple(campaigns),
    )


def _schema_at(engine: Engine, path: Path, revision: str) -> None:
    """The empty schema at the export's revision, built by the migrations."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    known = {r.revision for r in ScriptDirectory.from_config(config).walk_revisions()}
    if revision not in known:
        raise InputError(
            f"the export was written at schema revision {revision!r}, which this engine does "
            "not know (a newer engine wrote it?): verify it with that version",
            source=str(path),
            line=1,
        )
    command.upgrade(config, revision)


class _Loader:
    """Rows into the tables, a batch per statement; a batch that fails is retried row by row,
    so the problem names its line."""

    def __init__(self, engine: Engine, check: ExportCheck) -> None:
        self.check = check
        meta = MetaData()
        meta.reflect(engine)
        self.tables: dict[str, Table] = {
            name: table for name, table in meta.tables.items() if name != "alembic_version"
        }
        self.conn = engine.raw_connection()
        driver = self.conn.driver_connection
        assert driver is not None
        self.db: Any = driver
        self.db.execute("PRAGMA foreign_keys=OFF")
        self.db.execute("BEGIN")
        for table in self.tables:  # what the migrations seed (unit kinds): the export says it
            self.db.execute(f'DELETE FROM "{table}"')
        self.pending: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
        self.columns: dict[str, tuple[tuple[str, Callable[[Any], Any]], ...]] = {}
        self.counts: dict[str, int] = {}
        self.line_problems = 0

    def problem(self, number: int, why: str) -> None:
        self.line_problems += 1
        if self.line_problems <= MAX_LINE_PROBLEMS:
            self.check.problems.append(f"{self.check.path.name}:{number}: {why}")

    def add(self, number: int, table: str, row: Mapping[str, Any]) -> None:
        if table not in self.tables:
            self.problem(number, f"table {table!r} is not part of the schema")
            return
        columns = self._columns(table)
        unknown = set(row) - {name for name, _ in columns}
        if unknown:
            self.problem(number, f"{table} has no column {sorted(unknown)[0]!r}")
            return
        try:
            values = tuple(convert(row.get(name)) for name, convert in columns)
        except (TypeError, ValueError) as exc:
            self.problem(number, f"{table}: a value cannot be stored ({exc})")
            return
        self.counts[table] = self.counts.get(table, 0) + 1
        batch = self.pending.setdefault(table, [])
        batch.append((number, values))
        if len(batch) >= BATCH:
            self.flush(table)

    def _columns(self, table: str) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        if table not in self.columns:
            self.columns[table] = tuple(
                (c.name, _converter(c.type)) for c in self.tables[table].columns
            )
        return self.columns[table]

    def flush(self, table: str) -> None:
        batch = self.pending.pop(table, [])
        if not batch:
            return
        names = [name for name, _ in self._columns(table)]
        quoted = ", ".join(f'"{n}"' for n in names)
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
        self.db.execute("SAVEPOINT batch")
        try:
            self.db.executemany(sql, [values for _, values in batch])
        except sqlite3.Error:
            self.db.execute("ROLLBACK TO SAVEPOINT batch")
            for number, values in batch:  # one statement each: a failed one stores nothing
                try:
                    self.db.execute(sql, values)
                except sqlite3.Error as exc:  # a duplicate key, a value SQLite refuses
                    self.counts[table] -= 1
                    self.problem(number, f"{table}: the row cannot be stored ({exc})")
        self.db.execute("RELEASE SAVEPOINT batch")

    def finish(self) -> None:
        for table in list(self.pending):
            self.flush(table)
        self.db.execute("COMMIT")
        self.conn.close()


def _converter(kind: Any) -> Callable[[Any], Any]:
    """How a JSON value becomes what the engine stores in SQLite (storage/event_store.py writes
    the same: ISO dates, naive UTC times, orjson text)."""
    if isinstance(kind, DateTime):
        return _moment
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v).isoformat()
    if isinstance(kind, JSON):
        return lambda v: None if v is None else orjson.dumps(v).decode()
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return _plain


def _moment(item: Any) -> str | None:
    if item is None:
        return None
    utc = as_utc(datetime.fromisoformat(item))
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds")


def _plain(item: Any) -> Any:
    if isinstance(item, dict | list):
        raise TypeError("an object where the column holds a plain value")
    return item


def _load(
    engine: Engine, header: bytes, lines: Iterator[tuple[int, bytes]], check: ExportCheck
) -> None:
    loader = _Loader(engine, check)
    digest = hashlib.sha256(header)
    end: Mapping[str, Any] | None = None
    last = 1
    try:
        for number, raw in lines:
            last = number
            if number == 0:
                loader.problem(last, raw.decode())
                break
            if end is not None:
                loader.problem(number, "a line after the closing line")
                continue
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                cut = not raw.endswith(b"\n")
                loader.problem(number, "the line is cut short" if cut else "not a JSON line")
                digest.update(raw)
                continue
            if isinstance(data, dict) and set(data) == {"end"} and isinstance(data["end"], dict):
                end = data["end"]
                continue
            digest.update(raw)
            if (
                not isinstance(data, dict)
                or not isinstance(data.get("table"), str)
                or not isinstance(data.get("row"), dict)
            ):
                loader.problem(number, "not a row ({table, row})")
                continue
            loader.add(number, data["table"], data["row"])
    finally:
        loader.finish()
    if loader.line_problems > MAX_LINE_PROBLEMS:
        more = loader.line_problems - MAX_LINE_PROBLEMS
        check.problems.append(f"{check.path.name}: {more} more lines with problems")
    _closing(check, end, digest.hexdigest(), loader.counts, last)


def _closing(
    check: ExportCheck,
    end: Mapping[str, Any] | None,
    digest: str,
    counts: Mapping[str, int],
    last: int,
) -> None:
    name = check.path.name
    if end is None:
        check.problems.append(
            f"{name}: ends at line {last} without its closing line: the export was cut short"
        )
        return
    if end.get("sha256") != digest:
        check.problems.append(
            f"{name}: the lines do not match the SHA-256 on the closing line: the file was "
            "changed after it was written"
        )
    said_rows = end.get("rows")
    rows: Mapping[str, Any] = said_rows if isinstance(said_rows, dict) else {}
    for table in sorted(set(rows) | set(counts)):
        said, found = rows.get(table, 0), counts.get(table, 0)
        if said != found:
            check.problems.append(f"{name}: {table} has {found} rows; the closing line says {said}")


def _verify(engine: Engine, check: ExportCheck, anchor: Mapping[str, Any] | None) -> None:
    """The same verification as online, per campaign, and the header's heads against it."""
    uow = UnitOfWork(engine)
    try:
        stored = campaign_keys(uow)
        said = {str(c.get("key")): c for c in check.header.campaigns}
        for key in sorted(set(stored) - set(said)):
            check.problems.append(f"{key}: in the export's rows but not in its header")
        for key, recorded in said.items():
            if key not in stored:
                check.problems.append(f"{key}: in the export's header but none of its rows")
                continue
            result = verify_campaign(uow, key)
            if anchor is not None and anchor.get("campaign") == key:
                result = _with_anchor(uow, result, anchor)
            check.campaigns.append(result)
            check.problems += _head_problems(uow, key, recorded, result)
        if anchor is not None and anchor.get("campaign") not in stored:
            check.problems.append(f"the anchor's campaign {anchor.get('campaign')!r} is not in it")
    finally:
        uow.close()


def _with_anchor(uow: UnitOfWork, result: Verification, anchor: Mapping[str, Any]) -> Verification:
    """The verification with what the anchor shows of the exported history (as online)."""
    from inspect_engine.domain.verification import merged
    from inspect_engine.services.anchors import verify_against

    found = merged([*result.found, *verify_against(uow, anchor)])
    return replace(result, problems=[p.line() for p in found], found=tuple(found))


def _head_problems(
    uow: UnitOfWork, key: str, recorded: Mapping[str, Any], result: Verification
) -> list[str]:
    with uow:
        conn = uow.connection
        chain = EventStore(conn).chain_head(key)
        decisions = conn.execute(
            text("SELECT decision_seq, decision_hash FROM campaign WHERE key = :key"),
            {"key": key},
        ).one()
    said_chain = _pair(recorded.get("chain"))
    said_decisions = _pair(recorded.get("decisions"))
    problems = []
    if said_chain != chain:
        problems.append(
            f"{key}: the export's header records the campaign chain at {_shown(said_chain)}; "
            f"its events end at {_shown(chain)}"
        )
    if said_decisions != (int(decisions[0]), str(decisions[1])):
        problems.append(
            f"{key}: the export's header records the decision chain at "
            f"{_shown(said_decisions)}; its campaign row says {_shown(tuple(decisions))}"
        )
    for noun, count in (("cases", result.cases), ("events", result.events)):
        if recorded.get(noun) != count:
            problems.append(
                f"{key}: the export's header counts {recorded.get(noun)} {noun}; it holds {count}"
            )
    return problems


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, Mapping):
        return value.get("seq"), value.get("hash")
    return None, None


def _shown(head: Sequence[Any]) -> str:
    seq, digest = head
    return f"position {seq} ({str(digest)[:16]})"
