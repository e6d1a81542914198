"""What auditors do: read a case's history, verify the hash chains, replay a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspect_engine.domain.events import Event, as_utc, replay
from inspect_engine.domain.verification import Problem
from inspect_engine.errors import NotFound
from inspect_engine.services.clock import shown
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class CaseView:
    """A case with its full history, as `case show` presents it."""

    id: int
    campaign_key: str
    unit_code: str
    state: str
    version: int
    workflow: str
    workflow_version: int
    events: list[Event]
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "campaign": self.campaign_key,
            "unit_code": self.unit_code,
            "state": self.state,
            "version": self.version,
            "workflow": self.workflow,
            "workflow_version": self.workflow_version,
            "chain_valid": not self.problems,
            "events": [event_json(e) for e in self.events],
        }


def event_json(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "actor": event.actor,
        "role": event.role,
        "at": as_utc(event.at).astimezone(DISPLAY_TZ).isoformat(),
        "payload": dict(event.payload),
        "effects": [dict(e) for e in event.effects],
        "workflow_version": event.workflow_version,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def show_case(uow: UnitOfWork, case_id: int, *, as_of: datetime | None = None) -> CaseView:
    """A case with its history, its chain verified in full; with `as_of`, the case as it stood
    at that moment (the replay of the events up to it)."""
    from inspect_engine.services.verify_campaign import check_case

    with uow:
        store = EventStore(uow.connection)
        head = store.case(case_id)
        if head is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        events = store.events(case_id)
        found, _ = check_case(uow, case_id)
    problems = [p.line() for p in found]
    state, version, workflow_version = head.state, head.version, head.workflow_version
    if as_of is not None:
        events = [e for e in events if as_utc(e.at) <= as_utc(as_of)]
        if not events:
            raise NotFound(f"case {case_id} did not exist yet at {shown(as_of)}", field="--as-of")
        state, version = replay(events) or "", len(events)
        workflow_version = events[-1].workflow_version
    return CaseView(
        head.id,
        head.campaign_key,
        head.unit_code,
        state,
        version,
        head.workflow_name,
        workflow_version,
        events,
        problems,
    )


@dataclass(frozen=True)
class Verification:
    campaign_key: str
    cases: int
    events: int
    head: str
    problems: list[str]
    chain_seq: int = 0
    notes: tuple[str, ...] = ()
    found: tuple[Problem, ...] = ()  # the problems with the case and seq each concerns


def verify_campaign(uow: UnitOfWork, campaign_key: str) -> Verification:
    """Everything stored about a campaign against its events: both hash chains, each case's
    replay through its workflow, every row derived from the events (case rows, deadlines,
    documents), the stored campaign file and workflow definitions against the fingerprints
    sealed in the chain, and the chain of the decisions forming the teams."""
    from inspect_engine.services.verify_campaign import check_campaign

    with uow:
        checked = check_campaign(uow, campaign_key)
    return Verification(
        campaign_key,
        checked.cases,
        checked.events,
        checked.head,
        [p.line() for p in checked.problems],
        checked.chain_seq,
        checked.notes,
        tuple(checked.problems),
    )
