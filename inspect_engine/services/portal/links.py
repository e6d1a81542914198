"""A unit's link to the portal: one per unit and campaign, signed, expiring and revocable.

The link is `BASE/u/TOKEN`; the token carries the campaign, the unit, the link's version and
its expiry, signed with HMAC-SHA256 under the server secret (services/portal/secret.py). The
database keeps one row per (campaign, unit) with the current version: issuing a new link or
revoking bumps it, so every earlier link stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from inspect_engine.domain.events import as_utc
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.tables import CampaignRow, CaseRow, PortalLinkRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork

DEFAULT_DAYS = 60
MAX_DAYS = 366
_DOMAIN = b"inspect-engine portal link v1\x00"  # what the signature is for: a link, nothing else


class LinkRefused(Exception):
    """A link that opens nothing: `reason` is invalid, expired, revoked or replaced."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkAccess:
    """What a valid link opens: one unit's case in one campaign."""

    campaign_key: str
    unit_code: str
    version: int
    case_id: int
    expires_at: datetime
    token: str


@dataclass(frozen=True)
class IssuedLink:
    campaign_key: str
    unit_code: str
    unit_name: str
    case_id: int
    version: int
    expires_at: datetime
    token: str

    def url(self, base_url: str) -> str:
        return link_url(base_url, self.token)


@dataclass(frozen=True)
class LinkStatus:
    campaign_key: str
    unit_code: str
    version: int
    expires_at: datetime
    issued_at: datetime
    issued_by: str
    revoked_at: datetime | None
    revoked_by: str | None


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/u/{token}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, _DOMAIN + body.encode("ascii"), hashlib.sha256).digest())


def make_token(secret: bytes, key: str, unit: str, version: int, expires_at: datetime) -> str:
    claims = [key, unit, version, int(as_utc(expires_at).timestamp())]
    body = _b64(json.dumps(claims, ensure_ascii=True, separators=(",", ":")).encode("ascii"))
    return f"{body}.{_signature(secret, body)}"


def read_token(secret: bytes, token: str) -> tuple[str, str, int, datetime]:
    """The claims of a well-signed token: (campaign, unit, version, expiry). Anything else,
    however malformed, is `invalid` (and says no more)."""
    body, dot, signature = token.partition(".")
    if not dot or len(token) > 600 or not body.isascii() or not signature.isascii():
        raise LinkRefused("invalid")
    if not hmac.compare_digest(_signature(secret, body), signature):
        raise LinkRefused("invalid")
    try:
        claims: Any = json.loads(_unb64(body))
    except ValueError:
        raise LinkRefused("invalid") from None
    if not (
        isinstance(claims, list)
        and len(claims) == 4
        and isinstance(claims[0], str)
        and isinstance(claims[1], str)
        and type(claims[2]) is int
        and type(claims[3]) is int
    ):
        raise LinkRefused("invalid")
    return claims[0], claims[1], claims[2], datetime.fromtimestamp(claims[3], UTC)


def _case_of(uow: UnitOfWork, key: str, unit: str) -> CaseRow | None:
    query = select(CaseRow).where(CaseRow.campaign_key == key, CaseRow.unit_code == unit)  # type: ignore[arg-type]
    return uow.session.execute(query).scalar_one_or_none()


def resolve(uow: UnitOfWork, token: str, secret: bytes, *, clock: Clock = utc_now) -> LinkAccess:
    """The case a link opens, or `LinkRefused` saying why not."""
    key, unit, version, expires_at = read_token(secret, token)
    if expires_at <= clock():
        raise LinkRefused("expired")
    with uow:
        row = uow.session.get(PortalLinkRow, (key, unit))
        case = _case_of(uow, key, unit)
        if row is None or case is None or case.id is None:
            raise LinkRefused("invalid")
        if row.revoked_at is not None:
            raise LinkRefused("revoked")
        if row.version != version:
            raise LinkRefused("replaced")
        return LinkAccess(key, unit, version, case.id, expires_at, token)


def issue_link(
    uow: UnitOfWork,
    key: str,
    unit_code: str,
    *,
    days: int = DEFAULT_DAYS,
    actor: str,
    secret: bytes,
    clock: Clock = utc_now,
) -> IssuedLink:
    """A new link for the unit's case, valid to the end of the `days`th day from today (in
    Vietnam); every earlier link of that unit and campaign stops working."""
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"a link lasts 1 to {MAX_DAYS} days, not {days}", field="--days")
    now = clock()
    last_day = local_today(clock) + timedelta(days=days)
    expires_at = datetime.combine(last_day, time(23, 59, 59), DISPLAY_TZ).astimezone(UTC)
    with uow:
        unit, case = _unit_case(uow, key, unit_code)
        row = uow.session.get(PortalLinkRow, (key, unit.code))
        if row is None:
            row = PortalLinkRow(
                campaign_key=key,
                unit_code=unit.code,
                version=1,
                expires_at=expires_at,
                issued_at=now,
                issued_by=actor,
            )
            uow.session.add(row)
        else:
            row.version += 1
            row.expires_at = expires_at
            row.issued_at = now
            row.issued_by = actor
            row.revoked_at = None
            row.revoked_by = None
        version = row.version
        uow.commit()
    token = make_token(secret, key, unit.code, version, expires_at)
    assert case.id is not None
    return IssuedLink(key, unit.code, unit.name, case.id, version, expires_at, token)


def revoke_link(
    uow: UnitOfWork, key: str, unit_code: str, *, actor: str, clock: Clock = utc_now
) -> LinkStatus:
    """The unit's link stops working now (its version is bumped); a new one may be issued."""
    with uow:
        unit, _ = _unit_case(uow, key, unit_code)
        row = uow.session.get(PortalLinkRow, (key, unit.code))
        if row is None:
            raise NotFound(f"{unit.code} has no portal link in campaign {key}", field="UNIT")
        if row.revoked_at is not None:
            when = as_utc(row.revoked_at).astimezone(DISPLAY_TZ)
            raise InputError(
                f"the link of {unit.code} in {key} was already revoked on "
                f"{when:%d/%m/%Y %H:%M} by {row.revoked_by}",
                field="UNIT",
            )
        row.version += 1
        row.revoked_at = clock()
        row.revoked_by = actor
        status = _status(row)
        uow.commit()
    return status


def link_statuses(uow: UnitOfWork, key: str) -> dict[str, LinkStatus]:
    """The link row of each unit of the campaign that has one, by unit code."""
    with uow:
        query = select(PortalLinkRow).where(PortalLinkRow.campaign_key == key)  # type: ignore[arg-type]
        return {r.unit_code: _status(r) for r in uow.session.execute(query).scalars()}


def _status(row: PortalLinkRow) -> LinkStatus:
    return LinkStatus(
        row.campaign_key,
        row.unit_code,
        row.version,
        as_utc(row.expires_at),
        as_utc(row.issued_at),
        row.issued_by,
        as_utc(row.revoked_at) if row.revoked_at else None,
        row.revoked_by,
    )


def _unit_case(uow: UnitOfWork, key: str, unit_code: str) -> tuple[UnitRow, CaseRow]:
    if uow.session.get(CampaignRow, key) is None:
        raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    unit = uow.session.get(UnitRow, unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code!r}; see `inspect-engine units list`", field="UNIT")
    case = _case_of(uow, key, unit.code)
    if case is None:
        raise NotFound(f"{unit.code} has no case in campaign {key}", field="UNIT")
    return unit, case
