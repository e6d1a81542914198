"""Verifying every campaign of a database (or of an export loaded into one)."""

from __future__ import annotations

from sqlalchemy import text

from inspect_engine.services.audit import Verification, verify_campaign
from inspect_engine.storage.uow import UnitOfWork


def campaign_keys(uow: UnitOfWork) -> list[str]:
    with uow:
        rows = uow.connection.execute(text("SELECT key FROM campaign ORDER BY key"))
        return [str(key) for key in rows.scalars()]


def verify_all(uow: UnitOfWork) -> list[Verification]:
    """Every campaign's verification, by key."""
    return [verify_campaign(uow, key) for key in campaign_keys(uow)]
