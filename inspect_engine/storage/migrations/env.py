"""Alembic environment: the engine comes from `inspect_engine.storage.db.alembic_config`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import inspect_engine.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

engine = context.config.attributes.get("engine")
assert isinstance(engine, Engine), "run migrations through inspect_engine.storage.db.upgrade"

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
