"""The workflow engine: fire a trigger on a persisted case, atomically and audited.

One transition is one transaction: role and data checks, the state machine's guards, the state
change with its version bump (optimistic locking), the event appended to both hash chains, and the
entry effects queued. Any error rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from inspect_engine.domain.events import (
    OPEN_TRIGGER,
    Event,
    as_utc,
    replay,
    seal,
    verify_campaign_chain,
    verify_case,
)
from inspect_engine.domain.workflow import WorkflowDefinition
from inspect_engine.domain.workflow_machine import (
    CaseModel,
    check_requirements,
    check_role,
    fire,
)
from inspect_engine.domain.workflow_rules import GuardContext
from inspect_engine.errors import ConflictError, InputError, NotFound
from inspect_engine.services import workflows
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import CaseHead, EventStore, StaleCase
from inspect_engine.storage.uow import UnitOfWork

FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of different machines disagree a little
CHAIN_RETRIES = 8  # another case of the same campaign took our campaign-chain position: retry


@dataclass(frozen=True)
class Request:
    """What an actor asks: fire `trigger` on a case, with data."""

    trigger: str
    actor: str
    role: str
    payload: Mapping[str, Any] | None = None
    at: datetime | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Advanced:
    case_id: int
    unit_code: str
    trigger: str
    from_state: str
    to_state: str
    version: int
    seq: int
    hash: str


class _Batch:
    """Chain heads of the campaigns touched in one transaction, so a bulk run reads each once."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.heads: dict[str, tuple[int, str]] = {}

    def next_link(self, campaign_key: str) -> tuple[int, str]:
        if campaign_key not in self.heads:
            self.heads[campaign_key] = self.store.chain_head(campaign_key)
        seq, hash_ = self.heads[campaign_key]
        return seq + 1, hash_

    def linked(self, event: Event) -> None:
        self.heads[event.campaign_key] = (event.chain_seq, event.chain_hash)


def open_case(store: EventStore, batch: _Batch, head: CaseHead, at: datetime, actor: str) -> None:
    """Append the `open` event that starts every case's chain (the case row exists already)."""
    chain_seq, chain_prev = batch.next_link(head.campaign_key)
    event = seal(
        Event(
            campaign_key=head.campaign_key,
            case_id=head.id,
            seq=1,
            trigger=OPEN_TRIGGER,
            from_state="",
            to_state=head.state,
            actor=actor,
            role="system",
            at=at,
            payload={"unit_code": head.unit_code},
            workflow=head.workflow_name,
            workflow_version=head.workflow_version,
        ),
        prev_hash=head.last_hash,
        chain_seq=chain_seq,
        chain_prev_hash=chain_prev,
    )
    store.append(event, seen_version=None)
    store.set_head(head.id, event.seq, event.hash)
    batch.linked(event)


def open_case_events(uow: UnitOfWork, campaign_key: str, at: datetime) -> int:
    """Open the chains of every not-yet-opened case of a campaign (inside the caller's unit)."""
    store = EventStore(uow.session.connection())
    batch = _Batch(store)
    fresh = [head for head in store.cases(campaign_key) if head.last_seq == 0]
    for head in fresh:
        open_case(store, batch, head, at, actor="inspect-engine")
    return len(fresh)


def _apply(
    store: EventStore,
    batch: _Batch,
    defn: WorkflowDefinition,
    head: CaseHead,
    request: Request,
    now: datetime,
) -> Advanced:
    payload = dict(request.payload or {})
    check_role(defn, request.trigger, request.role)
    at = as_utc(request.at) if request.at else now
    if at > now + FUTURE_TOLERANCE:
        raise InputError(f"--at {at.isoformat()} is in the future", field="--at")
    if request.at is not None:
        previous = store.last_event_at(head)
        if previous is not None and at < as_utc(previous):
            raise InputError(
                f"--at {at.isoformat()} is earlier than the case's last event "
                f"({as_utc(previous).isoformat()})",
                field="--at",
            )
    candidates = [
        t for t in defn.transitions if t.trigger == request.trigger and head.state in t.sources
    ]
    needs_history = any(t.guards for t in candidates)
    ctx = GuardContext(
        state=head.state,
        payload=payload,
        history=store.history(head.id) if needs_history else (),
    )
    model = CaseModel(state=head.state)
    transition = fire(defn, model, request.trigger, ctx)
    check_requirements(defn, transition, payload)
    chain_seq, chain_prev = batch.next_link(head.campaign_key)
    event = seal(
        Event(
            campaign_key=head.campaign_key,
            case_id=head.id,
            seq=head.last_seq + 1,
            trigger=request.trigger,
            from_state=head.state,
            to_state=model.state,
            actor=request.actor,
            role=request.role,
            at=at,
            payload=payload,
            workflow=defn.name,
            workflow_version=defn.version,
        ),
        prev_hash=head.last_hash,
        chain_seq=chain_seq,
        chain_prev_hash=chain_prev,
    )
    effects = [
        (call.effect, {**call.args, "trigger": request.trigger})
        for call in defn.state(model.state).on_enter
    ]
    store.append(event, seen_version=head.version, effects=effects)
    batch.linked(event)
    return Advanced(
        head.id,
        head.unit_code,
        request.trigger,
        head.state,
        model.state,
        head.version + 1,
        event.seq,
        event.hash,
    )


def _conflict(case_id: int, seen: int, now_at: int | None) -> ConflictError:
    moved = f" (version {seen} -> {now_at})" if now_at is not None else ""
    return ConflictError(
        f"case {case_id} changed since you read it{moved}: reload it with `case show` and retry"
    )


def advance(uow: UnitOfWork, case_id: int, request: Request, *, clock: Clock = utc_now) -> Advanced:
    """Fire one trigger on one case in one transaction."""
    for _attempt in range(CHAIN_RETRIES):
        with uow:
            store = EventStore(uow.session.connection())
            head = store.case(case_id)
            if head is None:
                raise NotFound(f"no case {case_id}", field="CASE")
            if request.expected_version is not None and head.version != request.expected_version:
                raise _conflict(case_id, request.expected_version, head.version)
            defn = workflows.stored(uow.session, head.workflow_name, head.workflow_version)
            try:
                result = _apply(store, _Batch(store), defn, head, request, clock())
                uow.commit()
                return result
            except StaleCase:
                raise _conflict(case_id, head.version, None) from None
            except (IntegrityError, OperationalError):
                uow.rollback()
                if _version_now(uow, case_id) != head.version:
                    raise _conflict(case_id, head.version, _version_now(uow, case_id)) from None
                # Only the campaign chain moved (another case): take the next position.
    raise ConflictError(f"case {case_id}: the campaign log is too busy, try again")


def _version_now(uow: UnitOfWork, case_id: int) -> int | None:
    head = EventStore(uow.session.connection()).case(case_id)
    return head.version if head else None


def advance_all(
    uow: UnitOfWork,
    campaign_key: str,
    state: str,
    request: Request,
    *,
    clock: Clock = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> list[Advanced]:
    """Fire a trigger on every case of a campaign in `state`, all or nothing.

    The batch is one transaction: if one case refuses (a guard, missing data), nothing is written
    and the error names that case.
    """
    with uow:
        store = EventStore(uow.session.connection())
        heads = store.cases(campaign_key, state)
        batch = _Batch(store)
        now = clock()
        results = []
        for i, head in enumerate(heads, start=1):
            defn = workflows.stored(uow.session, head.workflow_name, head.workflow_version)
            try:
                results.append(_apply(store, batch, defn, head, request, now))
            except InputError as exc:
                raise InputError(f"case {head.id} ({head.unit_code}): {exc}") from None
            except StaleCase:
                raise _conflict(head.id, head.version, None) from None
            if progress:
                progress(i, len(heads))
        try:
            uow.commit()
        except IntegrityError:
            raise ConflictError(
                f"campaign {campaign_key} changed during the batch: nothing written, retry"
            ) from None
        return results


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
        "workflow_version": event.workflow_version,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def show_case(uow: UnitOfWork, case_id: int) -> CaseView:
    with uow:
        store = EventStore(uow.session.connection())
        head = store.case(case_id)
        if head is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        events = store.events(case_id)
    problems = verify_case(events)
    if replay(events) != head.state:
        problems.append(f"case {case_id}: stored state {head.state!r} differs from the replay")
    if events and (events[-1].seq, events[-1].hash) != (head.last_seq, head.last_hash):
        problems.append(f"case {case_id}: the case's chain head does not match its last event")
    return CaseView(
        head.id,
        head.campaign_key,
        head.unit_code,
        head.state,
        head.version,
        head.workflow_name,
        head.workflow_version,
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
    """Check every case's chain, the campaign chain, and each case's state against its replay."""
    with uow:
        store = EventStore(uow.session.connection())
        heads = store.cases(campaign_key)
        events = store.campaign_events(campaign_key)
    if not heads and not events:
        raise NotFound(f"no campaign {campaign_key!r} (or it has no cases)", field="KEY")
    problems = verify_campaign_chain(events)
    by_case: dict[int, list[Event]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    for head in heads:
        history = sorted(by_case.pop(head.id, []), key=lambda e: e.seq)
        if not history:
            problems.append(f"case {head.id} ({head.unit_code}): has no events")
            continue
        problems += verify_case(history)
        if replay(history) != head.state:
            problems.append(f"case {head.id}: stored state {head.state!r} differs from the replay")
        if (history[-1].seq, history[-1].hash) != (head.last_seq, head.last_hash):
            problems.append(f"case {head.id}: chain head does not match its last event")
    problems += [f"events of case {case_id} whose case row is gone" for case_id in by_case]
    head_hash = max(events, key=lambda e: e.chain_seq).chain_hash if events else ""
    return Verification(campaign_key, len(heads), len(events), head_hash, problems)


MIGRATE_TRIGGER = "migrate"
MIGRATE_ROLES = frozenset({"team_lead", "system"})


def migrate(
    uow: UnitOfWork,
    name: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
    *,
    actor: str,
    role: str,
    workflows_dirs: Sequence[Path],
    campaign_key: str | None = None,
    clock: Clock = utc_now,
) -> list[Advanced]:
    """Move the in-flight cases of a workflow version to another, with an explicit state mapping.

    A state missing from `mapping` keeps its name, which must exist in the new version. Each moved
    case gets a `migrate` event; all cases move in one transaction, or none.
    """
    if role not in MIGRATE_ROLES:
        raise InputError(f"role {role!r} may not migrate cases; allowed: team_lead, system")
    with uow:
        old = workflows.stored(uow.session, name, from_version)
        new = workflows.register(uow.session, name, to_version, workflows_dirs, clock=clock)
        states = {s.name for s in new.states}
        for source, target in mapping.items():
            if source not in {s.name for s in old.states}:
                raise InputError(
                    f"{source!r} is not a state of {name} v{from_version}", field="--map"
                )
            if target not in states:
                raise InputError(
                    f"{target!r} is not a state of {name} v{to_version}", field="--map"
                )
        store = EventStore(uow.session.connection())
        batch = _Batch(store)
        now = clock()
        moved = []
        for head in store.cases_on(name, from_version, campaign_key):
            if old.is_terminal(head.state):
                continue
            target = mapping.get(head.state, head.state)
            if target not in states:
                raise InputError(
                    f"case {head.id} is in {head.state!r}, which {name} v{to_version} lacks: "
                    f"map it with --map {head.state}=STATE",
                    field="--map",
                )
            chain_seq, chain_prev = batch.next_link(head.campaign_key)
            event = seal(
                Event(
                    campaign_key=head.campaign_key,
                    case_id=head.id,
                    seq=head.last_seq + 1,
                    trigger=MIGRATE_TRIGGER,
                    from_state=head.state,
                    to_state=target,
                    actor=actor,
                    role=role,
                    at=now,
                    payload={"from_version": from_version, "to_version": to_version},
                    workflow=name,
                    workflow_version=to_version,
                ),
                prev_hash=head.last_hash,
                chain_seq=chain_seq,
                chain_prev_hash=chain_prev,
            )
            store.append(event, seen_version=head.version)
            batch.linked(event)
            moved.append(
                Advanced(
                    head.id,
                    head.unit_code,
                    MIGRATE_TRIGGER,
                    head.state,
                    target,
                    head.version + 1,
                    event.seq,
                    event.hash,
                )
            )
        uow.commit()
    return moved
