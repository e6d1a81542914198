"""Anchors: signed checkpoints of a campaign's history, kept outside the database.

A hash chain proves that nothing before a head changed only to someone who holds that head from
before: whoever can write the database can also re-seal every later link, or cut the last
events off and roll the case rows back. An anchor is that head kept elsewhere: the campaign
chain's position and hash, each case's last seq and hash, the decision chain's head, signed
with an Ed25519 key that is not in the database. `verify_against` then proves the history as
stored still extends the anchored one: re-sealed, truncated or inserted history fails.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import text

from inspect_engine.domain.events import as_utc, canonical
from inspect_engine.domain.verification import Problem
from inspect_engine.errors import InputError
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.settings import user_data_dir
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

FORMAT = "inspect-engine-anchor/1"
KEY_ENV = "INSPECT_ANCHOR_KEY"
KEY_FILE = "anchor-key.pem"


@dataclass(frozen=True)
class AnchorKey:
    private: Ed25519PrivateKey
    path: Path
    created: bool  # made just now, so the command says where

    @property
    def public_b64(self) -> str:
        return _public_b64(self.private.public_key())


def load_key(given: Path | None = None) -> AnchorKey:
    """The signing key: `given`, else the file `INSPECT_ANCHOR_KEY` names, else the user's
    own (created on first use, readable by the user only)."""
    path = given or (Path(os.environ[KEY_ENV]) if os.environ.get(KEY_ENV) else None)
    if path is not None:
        return AnchorKey(_read_key(path), path, created=False)
    path = user_data_dir() / KEY_FILE
    if path.exists():
        return AnchorKey(_read_key(path), path, created=False)
    return create_key(path)


def create_key(path: Path, *, seed: bytes | None = None) -> AnchorKey:
    """A new Ed25519 key in a new file that only its owner can read; random, or derived from
    `seed` (the demo's, so that its output repeats: never for real anchors)."""
    if seed is None:
        key = Ed25519PrivateKey.generate()
    else:
        key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return AnchorKey(key, path, created=True)


def _read_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the anchor key: {exc.strerror}", source=str(path)) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InputError("not an unencrypted PEM private key", source=str(path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("the anchor key must be an Ed25519 key", source=str(path))
    return key


def _public_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def make_anchor(
    uow: UnitOfWork, campaign_key: str, key: AnchorKey, *, clock: Clock = utc_now
) -> dict[str, Any]:
    """The campaign's heads as they are now, signed."""
    with uow:
        store = EventStore(uow.connection)
        if not store.has_campaign(campaign_key):
            raise InputError(f"no campaign {campaign_key!r}", field="KEY")
        seq, head = store.chain_head(campaign_key)
        cases = {str(c.id): [c.last_seq, c.last_hash] for c in store.cases(campaign_key)}
        decisions = uow.connection.execute(
            text("SELECT decision_seq, decision_hash FROM campaign WHERE key = :key"),
            {"key": campaign_key},
        ).one()
    body = {
        "format": FORMAT,
        "campaign": campaign_key,
        "taken_at": as_utc(clock()).isoformat(timespec="seconds"),
        "chain": {"seq": seq, "hash": head},
        "decisions": {"seq": decisions[0], "hash": decisions[1]},
        "cases": cases,
    }
    signature = key.private.sign(canonical(body))
    return {
        **body,
        "public_key": key.public_b64,
        "signature": base64.b64encode(signature).decode(),
    }


def write_anchor(anchor: Mapping[str, Any], out: Path) -> None:
    data = orjson.dumps(anchor, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def read_anchor(path: Path, *, trusted_key: str | None = None) -> dict[str, Any]:
    """An anchor file, its signature checked (against `trusted_key`, base64, when given)."""
    try:
        anchor = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read the anchor: {exc.strerror}", source=str(path)) from None
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not an anchor (JSON): {exc}", source=str(path)) from None
    if not isinstance(anchor, dict) or anchor.get("format") != FORMAT:
        raise InputError(f"not an anchor: expected format {FORMAT!r}", source=str(path))
    body = {k: v for k, v in anchor.items() if k not in ("public_key", "signature")}
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(anchor["public_key"]))
        public.verify(base64.b64decode(anchor["signature"]), canonical(body))
    except (KeyError, ValueError, TypeError, InvalidSignature):
        raise InputError(
            "the anchor's signature does not verify: it was altered", source=str(path)
        ) from None
    if trusted_key is not None and anchor["public_key"] != trusted_key:
        raise InputError(
            "the anchor is signed by another key than the trusted one", source=str(path)
        )
    return anchor


def key_id(public_b64: str) -> str:
    """A short name for a public key, to compare by eye."""
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def verify_against(uow: UnitOfWork, anchor: Mapping[str, Any]) -> list[Problem]:
    """Does the stored history still extend the anchored one? The event at the anchored chain
    position must carry the anchored hash (the chain links each position to all before it),
    every anchored case must still have its anchored event, and the decision chain its head."""
    key = str(anchor["campaign"])
    problems = []
    with uow:
        conn = uow.connection
        chain = conn.execute(
            text(
                "SELECT chain_hash, case_id, seq FROM case_event "
                "WHERE campaign_key = :key AND chain_seq = :seq"
            ),
            {"key": key, "seq": anchor["chain"]["seq"]},
        ).first()
        events = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                text("SELECT case_id, seq, hash FROM case_event WHERE campaign_key = :key"),
                {"key": key},
            )
        }
        decisions = conn.execute(
            text("SELECT hash FROM team_decision WHERE campaign_key = :key AND seq = :seq"),
            {"key": key, "seq": anchor["decisions"]["seq"]},
        ).scalar()
    taken = anchor["taken_at"]
    for case_id, (seq, digest) in sorted(anchor["cases"].items(), key=lambda kv: int(kv[0])):
        if seq == 0:
            continue
        now = events.get((int(case_id), seq))
        if now is None:
            problems.append(Problem(int(case_id), seq, f"removed since the anchor of {taken}"))
        elif now != digest:
            problems.append(
                Problem(
                    int(case_id),
                    seq,
                    f"differs from the anchor of {taken}: it or an event before it was re-sealed",
                )
            )
    anchored = anchor["chain"]
    if problems:
        pass  # the cases named explain the campaign chain's difference: one finding each
    elif anchored["seq"] and chain is None:
        problems.append(
            Problem(
                None,
                None,
                f"the campaign chain is shorter than at the anchor of {taken} "
                f"(position {anchored['seq']}): history was cut off",
            )
        )
    elif chain is not None and chain[0] != anchored["hash"]:
        problems.append(
            Problem(
                chain[1],
                chain[2],
                f"the campaign chain at position {anchored['seq']} "
                f"differs from the anchor of {taken}: history before it was re-written",
            )
        )
    if anchor["decisions"]["seq"] and decisions != anchor["decisions"]["hash"]:
        problems.append(
            Problem(None, None, f"the team decisions differ from the anchor of {taken}")
        )
    return problems


def anchor_time(anchor: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(anchor["taken_at"]))


@dataclass(frozen=True)
class AnchorSchedule:
    """The worker's anchoring: a new anchor of each campaign in `folder/<key>/` once the last
    one is `every` old and the chain has moved since."""

    folder: Path
    every: timedelta
    key: AnchorKey


def anchor_if_due(uow: UnitOfWork, campaign_key: str, schedule: AnchorSchedule,
                  *, clock: Clock = utc_now) -> Path | None:  # fmt: skip
    """Write the campaign's anchor when one is due; the file written, or None."""
    folder = schedule.folder / campaign_key
    now = as_utc(clock())
    latest = max(folder.glob("*.json"), default=None)  # named by time: the last sorts last
    if latest is not None:
        previous = orjson.loads(latest.read_bytes())
        if now - anchor_time(previous) < schedule.every:
            return None
        with uow:
            head = EventStore(uow.connection).chain_head(campaign_key)
        if head[0] == previous["chain"]["seq"]:
            return None  # nothing happened since: the last anchor still covers all
    made = make_anchor(uow, campaign_key, schedule.key, clock=clock)
    out = folder / f"{now:%Y%m%dT%H%M%SZ}.json"
    write_anchor(made, out)
    return out
