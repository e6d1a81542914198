"""Engine set-up for SQLite and PostgreSQL, and schema creation/upgrade through Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from inspect_engine.errors import InputError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The newest migration. Every command checks the database against it; reading it from Alembic's
# scripts would cost each command 0.2 s (bench/startup.py), so it is written here, and
# tests/test_startup.py fails when a new migration is added without updating it.
SCHEMA_REVISION = "0009"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r}", field="--db") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise InputError(f"unsupported database {parsed.get_backend_name()!r}", field="--db")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint every ~40 MB of WAL instead of 4 MB: a case row rewritten by many transitions is
    # copied to the database once per checkpoint (bench/transitions.py: +25% single throughput).
    cur.execute("PRAGMA wal_autocheckpoint=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    after = current_revision(engine)
    assert after is not None
    return before, after


def current_revision(engine: Engine) -> str | None:
    """The revision Alembic recorded in the database (None: no schema yet)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if rev is None else str(rev)
    except DatabaseError as exc:
        where = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        raise InputError(
            f"cannot open database: {exc.orig}",
            source=where or engine.url.render_as_string(hide_password=True),
            field="--db",
        ) from None


def head_revision() -> str:
    """The newest revision among the migration scripts (what `upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(
        alembic_config(create_engine("sqlite://"))
    ).get_current_head()
    assert head is not None
    return head


def require_schema(engine: Engine) -> None:
    """Refuse to work on a database that `inspect-engine init` has not brought up to date."""
    rev = current_revision(engine)
    if rev is None:
        raise InputError(
            f"database {engine.url.render_as_string(hide_password=True)} has no schema: "
            "run `inspect-engine init` first",
            field="--db",
        )
    if rev != SCHEMA_REVISION:
        raise InputError(
            f"database schema is at {rev}, this version needs {SCHEMA_REVISION}: "
            "run `inspect-engine init` to upgrade",
            field="--db",
        )
