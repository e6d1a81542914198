"""Unit of work: one database transaction around each command.

Nothing is written unless `commit()` is called; leaving the block without it rolls back, so a
command that fails half-way writes nothing. Handlers use the ORM `session` for ordinary work;
the workflow engine's hot path uses the same transaction's `connection` directly.
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

    @property
    def connection(self) -> Connection:
        if self._connection is None:
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
        if self._connection is not None:
            raise RuntimeError("UnitOfWork is already in a transaction (nested `with`)")
        self._connection = self.engine.connect()
        # Begin explicitly: the engine's hot path writes through the driver connection, and
        # SQLAlchemy only commits a transaction it knows it began.
        self._connection.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed; loaded rows stay readable (detached).
        try:
            if self._session is not None:
                self._session.close()
        finally:
            self._session = None
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()

    def commit(self) -> None:
        if self._session is not None:
            self._session.flush()
        self.connection.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        self.connection.rollback()
        self.connection.begin()
