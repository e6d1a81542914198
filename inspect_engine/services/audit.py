"""What auditors do: read a case's history, verify the hash chains, replay a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspect_engine.domain.events import (
    Event,
    as_utc,
    replay,
    verify_campaign_chain,
    verify_case,
)
from inspect_engine.errors import NotFound
from inspect_engine.services.clock import shown
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import CaseHead, EventStore
from inspect_engine.storage.uow import UnitOfWork


def case_problems(head: CaseHead, events: list[Event]) -> list[str]:
    """A case's chain must verify, end at the case's recorded head and replay to its state."""
    if not events:
        return [f"case {head.id} ({head.unit_code}): has no events"]
    problems = verify_case(events)
    try:
        replayed = replay(events)
    except ValueError as exc:
        return [*problems, str(exc)]
    if replayed != head.state:
        problems.append(f"case {head.id}: stored state {head.state!r} differs from the replay")
    if (events[-1].seq, events[-1].hash) != (head.last_seq, head.last_hash):
        problems.append(f"case {head.id}: the case's chain head does not match its last event")
    return problems


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
    with uow:
        store = EventStore(uow.connection)
        head = store.case(case_id)
        if head is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        events = store.events(case_id)
    problems = case_problems(head, events)
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


def verify_campaign(uow: UnitOfWork, campaign_key: str) -> Verification:
    """Check every case's chain, the campaign chain, each case's state against its replay, and
    the chain of the decisions forming the teams."""
    # Imported here: it loads the campaign reader and workflows, which `case show` does without.
    from inspect_engine.services.team_decisions import decision_chain_problems

    with uow:
        store = EventStore(uow.connection)
        heads = store.cases(campaign_key)
        events = store.campaign_events(campaign_key)
        if not heads and not events:
            raise NotFound(f"no campaign {campaign_key!r} (or it has no cases)", field="KEY")
        decision_problems = decision_chain_problems(uow.session, campaign_key)
    problems = verify_campaign_chain(events)
    by_case: dict[int, list[Event]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    for head in heads:
        problems += case_problems(head, sorted(by_case.pop(head.id, []), key=lambda e: e.seq))
    problems += [f"events of case {case_id} whose case row is gone" for case_id in by_case]
    problems += decision_problems
    head_hash = max(events, key=lambda e: e.chain_seq).chain_hash if events else ""
    return Verification(campaign_key, len(heads), len(events), head_hash, problems)
