"""The portal's accounts (team leads and auditors) and their sessions.

Passwords are hashed with scrypt (hashlib, OpenSSL's), a memory-hard KDF, with a 16-byte random
salt per password; the stored text names its parameters, so they can be raised later and old
hashes still verify. A session is a random token in an httponly cookie; the database keeps its
SHA-256 only, with its CSRF token and its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from inspect_engine.domain.events import as_utc
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.tables import PortalAccountRow, PortalSessionRow
from inspect_engine.storage.uow import UnitOfWork

ROLES = ("lead", "auditor")
# The role a lead account acts in on a case (the workflow's roles); auditors only read.
ENGINE_ROLE = {"lead": "team_lead"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10
SESSION_HOURS = 12
# scrypt: N=2^15, r=8, p=1 (32 MiB, about 0.1 s a check), as OWASP's password storage sheet.
_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created_at: datetime
    disabled: bool

    @property
    def engine_role(self) -> str | None:
        """The role it fires triggers in; None: it may not (an auditor)."""
        return ENGINE_ROLE.get(self.role)


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str
    token: str = ""  # the cookie's value: only known when the session is opened


class LoginFailed(Exception):
    """A wrong name or password (which one is not said)."""


def nfc(text: str) -> str:
    """A password as typed, NFC (not trimmed: its spaces are part of it)."""
    return unicodedata.normalize("NFC", text)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        nfc(password).encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32
    )
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        given = hashlib.scrypt(
            nfc(password).encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(given, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# Checked against when the name is unknown, so a wrong name costs what a wrong password does.
_DUMMY = hash_password("not a password of anyone")


def check_password(password: str) -> str:
    password = nfc(password)
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"a password has at least {MIN_PASSWORD} characters (this one has {len(password)})",
            field="password",
        )
    return password


def add_account(
    uow: UnitOfWork, name: str, role: str, password: str, *, clock: Clock = utc_now
) -> Account:
    if not NAME_RE.match(name):
        raise InputError(
            f"{name!r} is not an account name: 2-80 lowercase letters, digits, '.', '_', '-' "
            "(e.g. binh.tt)",
            field="NAME",
        )
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="--role")
    hashed = hash_password(check_password(password))
    with uow:
        if uow.session.get(PortalAccountRow, name) is not None:
            raise InputError(f"account {name!r} exists; see `portal user list`", field="NAME")
        row = PortalAccountRow(name=name, role=role, password_hash=hashed, created_at=clock())
        uow.session.add(row)
        uow.commit()
    return _account(row)


def set_password(uow: UnitOfWork, name: str, password: str) -> None:
    """A new password; the account's open sessions end."""
    hashed = hash_password(check_password(password))
    with uow:
        row = _row(uow, name)
        row.password_hash = hashed
        uow.session.execute(delete(PortalSessionRow).where(PortalSessionRow.account == name))  # type: ignore[arg-type]
        uow.commit()


def disable_account(uow: UnitOfWork, name: str, *, clock: Clock = utc_now) -> None:
    """The account can no longer sign in; its open sessions end. Its name stays in the cases'
    histories."""
    with uow:
        row = _row(uow, name)
        if row.disabled_at is None:
            row.disabled_at = clock()
        uow.session.execute(delete(PortalSessionRow).where(PortalSessionRow.account == name))  # type: ignore[arg-type]
        uow.commit()


def list_accounts(uow: UnitOfWork) -> list[Account]:
    with uow:
        rows = uow.session.execute(select(PortalAccountRow).order_by(PortalAccountRow.name))
        return [_account(r) for r in rows.scalars()]


def _row(uow: UnitOfWork, name: str) -> PortalAccountRow:
    row = uow.session.get(PortalAccountRow, name)
    if row is None:
        raise NotFound(f"no account {name!r}; see `portal user list`", field="NAME")
    return row


def _account(row: PortalAccountRow) -> Account:
    return Account(row.name, row.role, as_utc(row.created_at), row.disabled_at is not None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(uow: UnitOfWork, name: str, password: str, *, clock: Clock = utc_now) -> Session:
    """Sign in: a new session, or `LoginFailed`."""
    with uow:
        row = uow.session.get(PortalAccountRow, name)
        stored = row.password_hash if row is not None else _DUMMY
        if not verify_password(password, stored) or row is None or row.disabled_at is not None:
            raise LoginFailed()
        now = clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        uow.session.add(
            PortalSessionRow(
                token_hash=_token_hash(token),
                account=name,
                csrf=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
        # Sessions that ended are of no use: they go when someone signs in.
        uow.session.execute(delete(PortalSessionRow).where(PortalSessionRow.expires_at < now))  # type: ignore[arg-type]
        uow.commit()
        return Session(_account(row), csrf, token)


def session_of(uow: UnitOfWork, token: str, *, clock: Clock = utc_now) -> Session | None:
    """The open session of a cookie's token, if any (expired or disabled: none)."""
    if not token or len(token) > 200:
        return None
    with uow:
        found = uow.session.get(PortalSessionRow, _token_hash(token))
        if found is None or as_utc(found.expires_at) <= clock():
            return None
        row = uow.session.get(PortalAccountRow, found.account)
        if row is None or row.disabled_at is not None:
            return None
        return Session(_account(row), found.csrf)


def close_session(uow: UnitOfWork, token: str) -> None:
    with uow:
        uow.session.execute(
            delete(PortalSessionRow).where(PortalSessionRow.token_hash == _token_hash(token))  # type: ignore[arg-type]
        )
        uow.commit()
