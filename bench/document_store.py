"""Documents stored per second: a number from the register and one insert per document.

The store (raw statements on the driver connection) against the same two statements through
SQLAlchemy Core, one transaction per document and all in one, with a two-page Thông báo
(tests/letters.py, 5.5 KB of JSON) as the content. A campaign issues about 3,300 documents.

Run: .venv/bin/python bench/document_store.py [--documents N] [--pg URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)

from sqlalchemy import Connection, Engine, create_engine, text  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.report import record  # noqa: E402
from inspect_engine.domain.events import canonical  # noqa: E402
from inspect_engine.storage.db import make_engine, upgrade  # noqa: E402
from inspect_engine.storage.document_store import DocumentStore  # noqa: E402
from inspect_engine.storage.tables import CampaignRow, DocumentRow, NumberRegisterRow  # noqa: E402
from inspect_engine.storage.uow import UnitOfWork  # noqa: E402
from tests.letters import announcement  # noqa: E402

AT = datetime(2026, 8, 3, 2, 30, tzinfo=UTC)
LETTER = announcement().to_json()
DIGEST = hashlib.sha256(canonical(LETTER)).hexdigest()
Issue = Callable[[Connection, int], None]


def fields(k: int, number_seq: int) -> dict[str, Any]:
    return {
        "campaign_key": "c",
        "case_id": None,
        "kind": "thong-bao-kiem-tra",
        "source_key": f"event:{k}:1:0",
        "source_case_id": k,
        "source_seq": 1,
        "issuer_code": "SNV",
        "year": 2026,
        "series": "TB",
        "number_seq": number_seq,
        "number": f"{number_seq:02d}/TB-SNV",
        "issued_on": date(2026, 8, 5),
        "status": "issued",
        "content": LETTER,
        "content_hash": DIGEST,
        "template": "thong-bao-kiem-tra.xml.j2",
        "recorded_by": "bench",
        "created_at": AT,
    }


def issue_store(conn: Connection, k: int) -> None:
    store = DocumentStore(conn)
    store.insert(**fields(k, store.next_number("SNV", 2026, "TB")))


def issue_core(conn: Connection, k: int) -> None:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    register = NumberRegisterRow.__table__  # type: ignore[attr-defined]
    take = dialect.insert(register).values(issuer_code="SNV", year=2026, series="TB", last_number=1)
    take = take.on_conflict_do_update(
        index_elements=["issuer_code", "year", "series"],
        set_={"last_number": register.c.last_number + 1},
    ).returning(register.c.last_number)
    number = conn.execute(take).scalar_one()
    document = DocumentRow.__table__  # type: ignore[attr-defined]
    row = dialect.insert(document).values(**fields(k, number))
    conn.execute(row.on_conflict_do_nothing(index_elements=["source_key"]).returning(document.c.id))


@contextmanager
def database(url: str | None) -> Iterator[Engine]:
    """A fresh migrated database with one campaign: a SQLite file, or a PostgreSQL schema."""
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
        else:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine = make_engine(
                make_url(url)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False)
            )
        try:
            upgrade(engine)
            with Session(engine) as s:
                s.add(
                    CampaignRow(
                        key="c",
                        title="bench",
                        year=2026,
                        window_start=date(2026, 8, 1),
                        window_end=date(2026, 12, 31),
                        workflow_name="w",
                        workflow_version=1,
                        spec={},
                        source_text="",
                        created_at=AT,
                    )
                )
                s.commit()
            yield engine
        finally:
            engine.dispose()
            if url is not None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def rate(url: str | None, issue: Issue, n: int, *, one_transaction: bool) -> float:
    with database(url) as engine:
        uow = UnitOfWork(engine)
        try:
            start = time.perf_counter()
            if one_transaction:
                with uow:
                    for k in range(n):
                        issue(uow.connection, k)
                    uow.commit()
            else:
                for k in range(n):
                    with uow:
                        issue(uow.connection, k)
                        uow.commit()
            return n / (time.perf_counter() - start)
        finally:
            uow.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3300)
    parser.add_argument("--pg", help="a PostgreSQL URL (a schema is made and dropped)")
    args = parser.parse_args()
    n = args.documents
    for backend, url in [("sqlite", None), *([("postgres", args.pg)] if args.pg else [])]:
        for label, one in (("one transaction each", False), ("all in one transaction", True)):
            store = rate(url, issue_store, n, one_transaction=one)
            core = rate(url, issue_core, n, one_transaction=one)
            record(
                f"storing a document with its number, {label} ({backend}, {n:,}; baseline: "
                "the same statements through SQLAlchemy Core)",
                store,
                "/s",
                baseline=core,
            )


if __name__ == "__main__":
    main()
