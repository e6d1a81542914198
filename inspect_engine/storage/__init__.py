"""Persistence: SQLModel tables, Alembic migrations, engine set-up and the unit of work."""
