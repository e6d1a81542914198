"""Verifying every campaign of a database, or of an export's: `services.audit.verify_campaign`
for each, a campaign with no case yet counting as verified and empty."""

from __future__ import annotations

from sqlalchemy import text

from inspect_engine.errors import NotFound
from inspect_engine.services.audit import Verification, verify_campaign
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


def campaign_keys(uow: UnitOfWork) -> list[str]:
    with uow:
        rows = uow.connection.execute(text("SELECT key FROM campaign ORDER BY key"))
        return [str(key) for key in rows.scalars()]


def verify_each(uow: UnitOfWork, key: str) -> Verification:
    """`verify_campaign`; a campaign that has no case yet is valid and empty (verify_campaign
    cannot tell it from a key that does not exist, and says so)."""
    try:
        return verify_campaign(uow, key)
    except NotFound:
        with uow:
            if not EventStore(uow.connection).has_campaign(key):
                raise
        return Verification(key, 0, 0, "", [])


def verify_all(uow: UnitOfWork) -> list[Verification]:
    """Every campaign's verification, by key."""
    return [verify_each(uow, key) for key in campaign_keys(uow)]
