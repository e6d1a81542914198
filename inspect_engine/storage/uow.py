"""Unit of work: one database transaction around each command.

Nothing is written unless `commit()` is called; leaving the block without it rolls back, so a
command that fails half-way writes nothing.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("UnitOfWork is already in a transaction (nested `with`)")
        self._session = Session(self.engine, expire_on_commit=False, autoflush=False)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded rows intact
        # (rollback() would expire them, and a read-only handler returns them).
        try:
            self.session.close()
        finally:
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
