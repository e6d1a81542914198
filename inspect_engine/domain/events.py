"""The audited event log: sealing events into hash chains, verifying and replaying them.

Each case has its own chain: an event's hash covers a canonical serialisation of its fields and
the previous event's hash. A second chain runs across the whole campaign (`chain_seq`,
`chain_hash`), so removing a case's entire history still breaks a chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

GENESIS = "0" * 64
OPEN_TRIGGER = "open"  # the first event of every case: it enters the workflow's initial state


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the engine only ever stores UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    """A moment as the hashes take it: ISO 8601 in UTC, to the microsecond. A naive moment is UTC
    already (SQLite's): the offset is appended to its text, rather than an aware copy made
    first (that copy was a sixth of hashing an event: bench/audit_verify.py)."""
    zone = moment.tzinfo
    if zone is None:
        return moment.isoformat(timespec="microseconds") + "+00:00"
    if zone is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def canonical(data: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes every hash is taken over (orjson: 15x faster
    than the json module, and the same bytes for the data the engine stores)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


class Event(NamedTuple):
    """One audited step of a case (a NamedTuple: bulk runs build thousands of them)."""

    campaign_key: str
    case_id: int
    seq: int
    trigger: str
    from_state: str
    to_state: str
    actor: str
    role: str
    at: datetime
    payload: Mapping[str, Any]
    workflow: str
    workflow_version: int
    effects: Sequence[Mapping[str, Any]] = ()  # queued by the transition: {"effect", "args"}
    prev_hash: str = GENESIS
    hash: str = ""
    chain_seq: int = 0
    chain_prev_hash: str = GENESIS
    chain_hash: str = ""

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign_key,
            "case": self.case_id,
            "seq": self.seq,
            "trigger": self.trigger,
            "from": self.from_state,
            "to": self.to_state,
            "actor": self.actor,
            "role": self.role,
            "at": utc_text(self.at),
            "payload": self.payload,
            # Read back from JSON the effects are a list already: no copy of it.
            "effects": effects if (effects := self.effects).__class__ is list else list(effects),
            "workflow": self.workflow,
            "workflow_version": self.workflow_version,
            "prev": self.prev_hash,
        }


_SEALED = Event._fields.index("prev_hash")  # the fields before it are the unsealed event's
assert Event._fields[_SEALED:] == (
    "prev_hash",
    "hash",
    "chain_seq",
    "chain_prev_hash",
    "chain_hash",
)


def event_hash(event: Event) -> str:
    return hashlib.sha256(canonical(event.hashed_fields())).hexdigest()


def link_hash(chain_prev_hash: str, chain_seq: int, hash_: str) -> str:
    return hashlib.sha256(f"{chain_prev_hash}:{chain_seq}:{hash_}".encode()).hexdigest()


def seal(event: Event, *, prev_hash: str, chain_seq: int, chain_prev_hash: str) -> Event:
    """The event with both chains' links filled in."""
    fields = event.hashed_fields()
    fields["prev"] = prev_hash
    own = hashlib.sha256(canonical(fields)).hexdigest()
    # Built from the unsealed fields rather than with `_replace`, which cost a third of `seal`.
    return Event._make(
        (
            *event[:_SEALED],
            prev_hash,
            own,
            chain_seq,
            chain_prev_hash,
            link_hash(chain_prev_hash, chain_seq, own),
        )
    )


class ChainLink(NamedTuple):
    """One record of a hash chain, as the chain check sees it."""

    where: str  # how a problem names the record
    seq: int
    prev_hash: str
    stored_hash: str
    content_hash: str  # recomputed from the record's content


def chain_problems(links: Iterable[ChainLink], noun: str, position: str) -> list[str]:
    """Problems of a chain numbered from 1, each link pointing at the one before: a gap (a
    record removed), a broken link, a record whose content no longer matches its hash."""
    problems = []
    prev = GENESIS
    for expected, link in enumerate(links, start=1):
        if link.seq != expected:
            problems.append(f"{link.where}: expected {position} {expected} (a {noun} is missing)")
        if link.prev_hash != prev:
            problems.append(f"{link.where}: previous hash does not match {noun} {link.seq - 1}")
        if link.content_hash != link.stored_hash:
            problems.append(f"{link.where}: content does not match its hash (altered)")
        prev = link.stored_hash
    return problems


def verify_case(events: Sequence[Event]) -> list[str]:
    """Problems in one case's chain (events in seq order); [] when intact."""
    links = (
        ChainLink(f"case {e.case_id} event {e.seq}", e.seq, e.prev_hash, e.hash, event_hash(e))
        for e in events
    )
    return chain_problems(links, "event", "seq")


def verify_campaign_chain(events: Iterable[Event]) -> list[str]:
    """Problems in the campaign-wide chain (all events of a campaign, any order)."""
    problems = []
    prev = GENESIS
    for expected, event in enumerate(sorted(events, key=lambda e: e.chain_seq), start=1):
        where = f"campaign chain position {event.chain_seq}"
        if event.chain_seq != expected:
            problems.append(f"{where}: expected position {expected} (events were removed)")
        if event.chain_prev_hash != prev:
            problems.append(f"{where}: link to the previous position is broken")
        if link_hash(event.chain_prev_hash, event.chain_seq, event.hash) != event.chain_hash:
            problems.append(f"{where}: link hash does not match (altered)")
        prev = event.chain_hash
    return problems


def replay(events: Sequence[Event], *, until: datetime | None = None) -> str | None:
    """The state a case was in after its events (up to `until`), or None before it existed."""
    state = None
    for event in events:
        if until is not None and as_utc(event.at) > as_utc(until):
            break
        if state is not None and event.from_state != state:
            raise ValueError(
                f"case {event.case_id} event {event.seq} starts from {event.from_state!r} "
                f"but the case was in {state!r}"
            )
        state = event.to_state
    return state
