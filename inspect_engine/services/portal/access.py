"""Opening the portal on a database in one call (what the demo prints): a lead account, made
if it is not there, and one unit's link."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.portal import accounts, links
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PortalAccess:
    url: str  # the unit's link
    unit_code: str
    unit_name: str
    case_id: int
    lead: str
    lead_created: bool  # False: the account was there (its password unchanged)


def portal_access(
    uow: UnitOfWork,
    key: str,
    unit_code: str,
    *,
    lead: str,
    password: str,
    base_url: str,
    secret: bytes,
    days: int = links.DEFAULT_DAYS,
    actor: str = "inspect-engine",
    clock: Clock = utc_now,
) -> PortalAccess:
    """A lead account `lead` (role lead) with `password` unless one exists, and a new link
    for the unit's case (earlier links of the unit stop working)."""
    known = {a.name for a in accounts.list_accounts(uow)}
    created = lead not in known
    if created:
        accounts.add_account(uow, lead, "lead", password, clock=clock)
    issued = links.issue_link(
        uow, key, unit_code, days=days, actor=actor, secret=secret, clock=clock
    )
    return PortalAccess(
        issued.url(base_url), issued.unit_code, issued.unit_name, issued.case_id, lead, created
    )
