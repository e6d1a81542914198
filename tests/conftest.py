"""Shared fixtures: a migrated database on each backend, and a CLI runner bound to it.

PostgreSQL tests need `INSPECT_TEST_PG_URL` (CI sets it); each test gets its own schema.
Tests marked `slow` are skipped unless asked for: `pytest --run-slow` (what `make test` and CI
run) or a `-m` expression naming them, such as `pytest -m slow`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from inspect_engine.cli import app
from inspect_engine.storage.db import make_engine, upgrade

PG_URL = os.environ.get("INSPECT_TEST_PG_URL")
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
HANOI = EXAMPLES / "hanoi-2026.toml"


def pinned_to_v1(campaign_text: str) -> str:
    """A campaign file on workflow v1, for the tests of v1's own steps (new campaigns take the
    newest version)."""
    return campaign_text + '\n[workflow]\nname = "cchc-inspection"\nversion = 1\n'


@pytest.fixture(scope="session")
def hanoi_v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign, on workflow v1."""
    path = tmp_path_factory.mktemp("campaigns") / "hanoi-2026-v1.toml"
    path.write_text(pinned_to_v1(HANOI.read_text(encoding="utf-8")), encoding="utf-8")
    return path


SLOW_REASON = "slow: run with `pytest --run-slow` (as `make test` does) or `pytest -m slow`"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow (the wheel build, big instances); make test does",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A -m expression that names `slow` decides for itself (`-m slow` runs only them).
    if config.getoption("--run-slow") or "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason=SLOW_REASON)
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def _pg_schema_url(schema: str) -> str:
    assert PG_URL
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    if not PG_URL:
        pytest.skip("INSPECT_TEST_PG_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend (no schema yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database on each backend."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


class Cli:
    """Runs `inspect-engine --db URL ...` in-process and keeps stdout and stderr apart."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str):  # type: ignore[no-untyped-def]
        return self.runner.invoke(app, ["--db", self.url, *args], catch_exceptions=False)


@pytest.fixture
def cli(engine: Engine, db_url: str) -> Cli:
    return Cli(db_url)


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under tmp_path (text as UTF-8, or bytes as given) and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write
