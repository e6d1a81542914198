"""Storage contract, run on SQLite and PostgreSQL: schema, locking, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from inspect_engine.errors import InputError
from inspect_engine.storage.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    require_schema,
    upgrade,
)
from inspect_engine.storage.tables import CampaignRow, CaseRow, UnitRow
from tests.conftest import Cli

NOW = datetime(2026, 8, 1, tzinfo=UTC)


def _case(engine: Engine) -> int:
    with Session(engine) as s:
        s.add(UnitRow(code="U1", name="Xã Một", kind="commune", updated_at=NOW))
        s.add(
            CampaignRow(
                key="c",
                title="t",
                year=2026,
                window_start=date(2026, 8, 1),
                window_end=date(2026, 12, 31),
                workflow_name="w",
                workflow_version=1,
                spec={},
                source_text="",
                created_at=NOW,
            )
        )
        s.flush()
        row = CaseRow(
            campaign_key="c",
            unit_code="U1",
            state="planned",
            workflow_name="w",
            workflow_version=1,
            created_at=NOW,
        )
        s.add(row)
        s.commit()
        assert row.id is not None and row.version == 1
        return row.id


def test_init_creates_then_reports_up_to_date(db_url: str) -> None:
    cli = Cli(db_url)
    first = cli("init")
    assert first.exit_code == 0 and "schema created" in first.stdout
    second = cli("init")
    assert second.exit_code == 0 and "up to date" in second.stdout
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_commands_refuse_a_database_without_schema(db_url: str) -> None:
    result = Cli(db_url)("units", "list")
    assert result.exit_code == 2
    assert "run `inspect-engine init` first" in result.stderr


def test_require_schema_refuses_a_missing_or_old_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(InputError, match="has no schema: run `inspect-engine init` first"):
            require_schema(engine)
        command.upgrade(alembic_config(engine), "0002")
        with pytest.raises(
            InputError, match=f"schema is at 0002, this version needs {head_revision()}: run"
        ):
            require_schema(engine)
        upgrade(engine)
        require_schema(engine)  # the newest schema is accepted: this raised twice above
    finally:
        engine.dispose()


def test_optimistic_locking_rejects_a_stale_write(engine: Engine) -> None:
    case_id = _case(engine)
    with Session(engine) as first, Session(engine) as second:
        a = first.get(CaseRow, case_id)
        b = second.get(CaseRow, case_id)
        assert a is not None and b is not None
        a.state = "announced"
        first.add(a)
        first.commit()
        b.state = "cancelled"
        second.add(b)
        with pytest.raises(StaleDataError):
            second.commit()
    with Session(engine) as s:
        row = s.get(CaseRow, case_id)
        assert row is not None and (row.state, row.version) == ("announced", 2)


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as s:
        s.add(UnitRow(code="U2", name="Xã Hai", kind="no-such-kind", updated_at=NOW))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            s.commit()


def test_sqlite_connection_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    engine.dispose()


def test_bad_database_url_is_bad_input() -> None:
    with pytest.raises(InputError, match="not a database URL"):
        make_engine("no-such-scheme")


def test_database_url_from_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from inspect_engine.cli import app

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("INSPECT_DB_URL", url)
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0 and "env.db" in result.stdout
    assert (tmp_path / "env.db").exists()


def test_migrations_match_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
