"""The read-only PostgreSQL account of docs/audit-readonly.md, created by the SQL in that page:
it verifies, replays, exports and reads a timeline; its writes fail with one line, exit 2, and
nothing is written; a table added after the grants is readable too."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, announce_on_own_dates
from tests.conftest import PG_URL, REPO, Cli

pytestmark = pytest.mark.postgres
DOC = REPO / "docs" / "audit-readonly.md"


def documented_sql() -> str:
    """The first ```sql block of the page: what an administrator runs."""
    found = re.search(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/audit-readonly.md has no SQL block"
    return found.group(1)


@pytest.fixture
def auditor(pg_url: str) -> Iterator[tuple[Cli, Cli]]:
    """(the owner's CLI, the auditor's CLI) on a fresh schema with an announced campaign."""
    assert PG_URL
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    announce_on_own_dates(pg_url)
    schema = str(make_url(pg_url).query["options"]).removeprefix("-csearch_path=")
    role, password = f"inspect_auditor_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    database = make_url(PG_URL).database
    sql = (
        documented_sql()
        .replace("inspect_auditor", role)
        .replace("'change-me'", f"'{password}'")
        .replace("DATABASE inspect", f'DATABASE "{database}"')
        .replace("SCHEMA public", f'SCHEMA "{schema}"')
        .replace(
            "ON portal_account, portal_session",
            f'ON "{schema}".portal_account, "{schema}".portal_session',
        )
    )
    owner = create_engine(pg_url)
    with owner.begin() as conn:
        for statement in (s for s in sql.split(";") if s.strip()):
            conn.execute(text(statement))
    url = make_url(pg_url).set(username=role, password=password)
    try:
        yield Cli(pg_url), Cli(url.render_as_string(hide_password=False))
    finally:
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def refused(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return str(lines[0])


def counts(cli: Cli) -> tuple[int, ...]:
    engine = make_engine(cli.url)
    try:
        with engine.connect() as conn:
            return tuple(
                int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in ("case_event", "unit", "deadline", "document")
            )
    finally:
        engine.dispose()


def test_the_auditor_reads_everything_and_writes_nothing(
    auditor: tuple[Cli, Cli], tmp_path: Path
) -> None:
    owner, reader = auditor
    verified = reader("audit", "verify", "--json")
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(verified.stdout)["valid"] is True
    replayed = reader("audit", "replay", "1", "--at", "2026-07-28T12:00", "--json")
    assert replayed.exit_code == 0, replayed.stderr
    assert json.loads(replayed.stdout)["state"] == "announced"
    out = tmp_path / "audit.jsonl"
    exported = reader("audit", "export", KEY, "--out", str(out))
    assert exported.exit_code == 0, exported.stderr
    assert reader("audit", "verify", "--export", str(out)).exit_code == 0
    page = tmp_path / "t.html"
    assert reader("audit", "timeline", "1", "--html", str(page)).exit_code == 0
    assert "Diễn biến hồ sơ kiểm tra" in page.read_text(encoding="utf-8")
    assert reader("case", "show", "1").exit_code == 0

    before = counts(owner)
    why = tmp_path / "why.json"
    why.write_text('{"reason": "Đơn vị sáp nhập"}', encoding="utf-8")
    lead = ("--actor", "lan", "--role", "team_lead")
    said = refused(reader("case", "advance", "1", "cancel", "--data-file", str(why), *lead))
    assert said.startswith("error: database: this database account may only read")
    csv = tmp_path / "units.csv"
    csv.write_text(
        "code,name,kind,parent_code,sectors,area,agency_code\nZZ1,Xã Thử Nghiệm,commune,01,,,\n",
        encoding="utf-8",
    )
    said = refused(reader("units", "import", str(csv)))
    assert said.startswith("error: database: this database account may only read")
    assert counts(owner) == before
    # The owner can do both: the refusals were the account's, not the data's.
    assert owner("case", "advance", "1", "cancel", "--data-file", str(why), *lead).exit_code == 0


def test_the_portal_credentials_are_not_readable(auditor: tuple[Cli, Cli]) -> None:
    _, reader = auditor
    engine = create_engine(reader.url)
    try:
        for table in ("portal_account", "portal_session"):
            with (
                engine.connect() as conn,
                pytest.raises(ProgrammingError, match="permission denied"),
            ):
                conn.execute(text(f"SELECT count(*) FROM {table}"))
        with engine.connect() as conn:  # what an auditor reads, still readable
            assert conn.execute(text("SELECT count(*) FROM case_event")).scalar_one() > 0
    finally:
        engine.dispose()


def test_a_table_created_after_the_grants_is_readable(auditor: tuple[Cli, Cli]) -> None:
    owner, reader = auditor
    with create_engine(owner.url).begin() as conn:
        conn.execute(text("CREATE TABLE later_table (id integer)"))
        conn.execute(text("INSERT INTO later_table VALUES (1)"))
    engine = create_engine(reader.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM later_table")).scalar_one() == 1
    finally:
        engine.dispose()
