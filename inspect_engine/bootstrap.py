"""The composition root: settings, the database engine, the unit of work and the clock.

The CLI, the demo and the benchmarks all get their unit of work here, so there is one place
that decides how a database is opened. Storage modules are imported inside the functions:
the CLI imports this module at start-up, and `--help` must not pay for SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inspect_engine.errors import InputError
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.settings import Settings

if TYPE_CHECKING:
    from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Runtime:
    """What every command runs with: where the data is, and what time it is."""

    settings: Settings = field(default_factory=Settings)
    clock: Clock = utc_now

    @contextmanager
    def unit_of_work(self, *, schema: str = "require") -> Iterator[UnitOfWork]:
        """A unit of work on the configured database; the handler opens its transaction(s).

        `schema="require"`: the database must exist and be at this version (a missing SQLite
        file is reported, not created). `schema="upgrade"`: create or upgrade it first.
        """
        from inspect_engine.storage.db import make_engine, require_schema, upgrade
        from inspect_engine.storage.uow import UnitOfWork

        if schema == "require":
            _require_sqlite_file(self.settings.db_url)
        engine = make_engine(self.settings.db_url)
        try:
            if schema == "upgrade":
                upgrade(engine)
            else:
                require_schema(engine)
            uow = UnitOfWork(engine)
            try:
                yield uow
            finally:
                uow.close()
        finally:
            engine.dispose()

    @contextmanager
    def database(self) -> Iterator[Callable[[], UnitOfWork]]:
        """For a server: one engine for its whole life, the schema checked once; yields what
        makes a unit of work (one per request; each gives its connection back when done)."""
        from inspect_engine.storage.db import make_engine, require_schema
        from inspect_engine.storage.uow import UnitOfWork

        _require_sqlite_file(self.settings.db_url)
        engine = make_engine(self.settings.db_url)
        try:
            require_schema(engine)
            yield lambda: UnitOfWork(engine)
        finally:
            engine.dispose()


def _require_sqlite_file(url: str) -> None:
    """Opening a SQLite file that is not there creates an empty one: refuse before that."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or url[len(prefix) :].startswith(":memory:"):
        return
    path = Path(url[len(prefix) :].split("?", 1)[0])
    if not path.exists():
        raise InputError(
            f"no database at {path}: run `inspect-engine init` first, "
            "or point --db / INSPECT_DB_URL at an existing one",
            field="--db",
        )


def bootstrap(db_url: str | None = None, *, clock: Clock = utc_now) -> Runtime:
    """The runtime for a database URL (default: `INSPECT_DB_URL`, else ./inspect.db)."""
    settings = Settings() if db_url is None else Settings(db_url=db_url)
    return Runtime(settings, clock)
