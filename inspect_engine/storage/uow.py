"""Unit of work: one database transaction around each command.

Nothing is written unless `commit()` is called; leaving the block without it rolls back, so a
command that fails half-way writes nothing. Handlers use the ORM `session` for ordinary work;
the workflow engine's hot path uses the same transaction's `connection` directly.

A unit of work keeps its connection between blocks (each block is its own transaction), so a
caller that runs many short transactions does not pay a pool checkout for each; `close()` gives
the connection back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlmodel import Session


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._active = False

    @property
    def connection(self) -> Connection:
        if not self._active or self._connection is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._connection

    @property
    def session(self) -> Session:
        """An ORM session joined to this unit's transaction, created on first use."""
        if self._session is None:
            self._session = Session(
                bind=self.connection,
                expire_on_commit=False,
                autoflush=False,
                join_transaction_mode="rollback_only",
            )
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._active:
            raise RuntimeError("UnitOfWork is already in a transaction (nested `with`)")
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
        # Begin explicitly: the engine's hot path writes through the driver connection, and
        # SQLAlchemy only commits a transaction it knows it began.
        self._connection.begin()
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is rolled back; loaded rows stay readable (detached).
        self._active = False
        try:
            if self._session is not None:
                self._session.close()
        finally:
            self._session = None
            if self._connection is not None and self._connection.in_transaction():
                self._connection.rollback()

    def commit(self) -> None:
        if self._session is not None:
            self._session.flush()
        self.connection.commit()

    def rollback(self) -> None:
        """Roll back and start a fresh transaction inside the same block."""
        if self._session is not None:
            self._session.close()
            self._session = None
        self.connection.rollback()
        self.connection.begin()

    def close(self) -> None:
        """Give the connection back to the pool."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
