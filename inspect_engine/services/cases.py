"""The workflow engine: fire a trigger on a persisted case, atomically and audited.

One transition is one transaction: role and data checks, the state machine's guards, the state
change with its version bump (optimistic locking), and the event appended to both hash chains with
the entry effects it queues. Any error rolls all of it back.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from inspect_engine.domain.deadlines import changes_of
from inspect_engine.domain.events import OPEN_TRIGGER, Event, as_utc, seal
from inspect_engine.domain.input_limits import actor_problem, normalised, payload_problem
from inspect_engine.domain.verification import SEAL_CAMPAIGN, SEAL_WORKFLOW, campaign_seal
from inspect_engine.domain.workflow.machine import (
    CaseModel,
    check_requirements,
    check_role,
    entry_effects,
    fire,
    needs_history,
)
from inspect_engine.domain.workflow.model import (
    RESCHEDULE_TRIGGER,
    SAME_STATE,
    WorkflowDefinition,
)
from inspect_engine.domain.workflow.rules import GuardContext
from inspect_engine.errors import ConflictError, DataError, InputError, NotFound
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import effects_of, load_case_facts
from inspect_engine.services.clock import Clock, shown, utc_now
from inspect_engine.services.visit_moves import follow_visit
from inspect_engine.storage.event_store import CaseHead, EventStore, StaleCase, WriteConflict
from inspect_engine.storage.uow import UnitOfWork

ASSESSED = "assessed"  # what the engine records beside the data (a late submission, due dates)
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of different machines disagree a little
CHAIN_RETRIES = 3  # a lock timeout or an outside writer: read again and retry, a few times


# Request and Advanced are NamedTuples, as CaseHead and Event are: one is built in 0.2 us, a
# frozen dataclass in 0.6 (each single transition builds both).
class Request(NamedTuple):
    """What an actor asks: fire `trigger` on a case, with data."""

    trigger: str
    actor: str
    role: str
    payload: Mapping[str, Any] | None = None
    at: datetime | None = None
    expected_version: int | None = None


class Advanced(NamedTuple):
    """A transition that happened."""

    case_id: int
    unit_code: str
    trigger: str
    from_state: str
    to_state: str
    version: int
    seq: int
    hash: str

    @classmethod
    def of(cls, head: CaseHead, event: Event) -> Advanced:
        """The transition `event` made on the case `head` was read as."""
        return cls(
            head.id,
            head.unit_code,
            event.trigger,
            head.state,
            event.to_state,
            head.version + 1,
            event.seq,
            event.hash,
        )


class Batch:
    """Events prepared in one transaction: links them into the campaign chain in order, reading
    each campaign's chain head once, and writes them all with one statement per table."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.heads: dict[str, tuple[int, str]] = {}
        self.pending: list[tuple[Event, int | None]] = []

    def case(self, case_id: int) -> CaseHead | None:
        """Read a case to fire a trigger on (`EventStore.case_for_append`); a chain head read
        with it is kept for `add`."""
        found = self.store.case_for_append(case_id)
        if found is None:
            return None
        head, link = found
        if link is not None:
            self.heads[head.campaign_key] = link
        return head

    def add(self, draft: Event, *, seen_version: int | None) -> Event:
        key = draft.campaign_key
        if key not in self.heads:
            self.store.lock_campaign(key)
            self.heads[key] = self.store.chain_head(key)
        chain_seq, chain_prev = self.heads[key]
        event = seal(
            draft, prev_hash=draft.prev_hash, chain_seq=chain_seq + 1, chain_prev_hash=chain_prev
        )
        self.heads[key] = (event.chain_seq, event.chain_hash)
        self.pending.append((event, seen_version))
        return event

    def write(self) -> None:
        """Append the events, and start and end the deadlines their effects name, in the same
        transaction: a deadline exists exactly when the event that started it does."""
        self.store.append_many(self.pending)
        changes = [
            change
            for event, _ in self.pending
            if event.effects
            for change in changes_of(event.campaign_key, event.case_id, event.seq, event.effects)
        ]
        if changes:
            self.store.apply_deadlines(changes)
        self.pending = []


def open_case_events(uow: UnitOfWork, campaign_key: str, at: datetime) -> int:
    """Start the chain of every not-yet-opened case of a campaign with its `open` event."""
    store = EventStore(uow.connection)
    batch = Batch(store)
    fresh = [head for head in store.cases(campaign_key) if head.last_seq == 0]
    # The first event seals what the case runs on: the campaign file as stored and the
    # definition's fingerprint, so an edit to either shows in `audit verify`.
    source = uow.connection.execute(
        text("SELECT source_text FROM campaign WHERE key = :key"), {"key": campaign_key}
    ).scalar_one()
    seals = {
        (head.workflow_name, head.workflow_version): workflows.stored(
            uow.connection, head.workflow_name, head.workflow_version
        ).fingerprint()
        for head in fresh
    }
    opened = [
        batch.add(
            Event(
                campaign_key=head.campaign_key,
                case_id=head.id,
                seq=1,
                trigger=OPEN_TRIGGER,
                from_state="",
                to_state=head.state,
                actor="inspect-engine",
                role="system",
                at=at,
                payload={
                    "unit_code": head.unit_code,
                    SEAL_CAMPAIGN: campaign_seal(source),
                    SEAL_WORKFLOW: seals[(head.workflow_name, head.workflow_version)],
                },
                workflow=head.workflow_name,
                workflow_version=head.workflow_version,
                prev_hash=head.last_hash,
            ),
            seen_version=None,
        )
        for head in fresh
    ]
    batch.write()
    store.set_heads([(e.case_id, e.seq, e.hash) for e in opened])
    return len(opened)


def _check_time(store: EventStore, head: CaseHead, request: Request, now: datetime) -> datetime:
    if request.at is None:
        return now
    at = as_utc(request.at)
    if at > now + FUTURE_TOLERANCE:
        raise InputError(f"--at {shown(at)} is in the future", field="--at")
    previous = store.last_event_at(head)
    if previous is not None and at < as_utc(previous):
        raise InputError(
            f"--at {shown(at)} is earlier than the case's last event ({shown(previous)})",
            field="--at",
        )
    return at


def apply_request(
    store: EventStore,
    batch: Batch,
    defn: WorkflowDefinition,
    head: CaseHead,
    request: Request,
    now: datetime,
    *,
    follow_reschedule: bool = True,
) -> Advanced:
    """Check and fire one trigger on one case; the event joins the batch (not yet written).

    A `reschedule` moves the case's planned visit too (the plan follows), unless the caller
    stores the slots itself (`follow_reschedule=False`: the planner).
    """
    if problem := actor_problem(request.actor):
        raise InputError(problem, field="--actor")
    payload = dict(request.payload or {})
    if problem := payload_problem(payload):
        raise DataError(problem, field="data")
    payload = normalised(payload)
    if ASSESSED in payload:
        raise DataError(f"{ASSESSED!r} is recorded by the engine: leave it out of the data")
    check_role(defn, request.trigger, request.role)
    at = _check_time(store, head, request, now)
    guarded = needs_history(defn, request.trigger, head.state)
    ctx = GuardContext(
        state=head.state,
        payload=payload,
        history=store.history(head.id) if guarded else (),
        load_facts=lambda: load_case_facts(store.conn, head, now),
    )
    model = CaseModel(state=head.state)
    transition = fire(defn, model, request.trigger, ctx)
    assessed = check_requirements(defn, transition, ctx)
    if assessed:
        payload[ASSESSED] = assessed
    # A transition that stays (`dest: "="`) does not enter its state again: it queues its own
    # effects only, so a partial delivery or a moved date does not restart the state's deadlines.
    stays = transition.dest == SAME_STATE
    effects: Sequence[Mapping[str, Any]] = () if stays else entry_effects(defn, model.state)
    if transition.effects or (not stays and defn.counts_deadlines(model.state)):
        calls = (*transition.effects, *(() if stays else defn.state(model.state).on_enter))
        effects = effects_of(calls, lambda: ctx.facts, payload, at)
    if follow_reschedule and transition.trigger == RESCHEDULE_TRIGGER:
        # The campaign's append lock before the case row's, the order every writer takes
        # (tests/test_load.py: an issuer holding it deadlocked with a move that updated the row
        # first), and before the slot is checked, so that two moves to one day take turns and
        # the second sees the first (PostgreSQL reads each statement's snapshot after the lock).
        store.lock_campaign(head.campaign_key)
        follow_visit(store.conn, head, payload, ctx.facts)
    event = batch.add(
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
            effects=effects,
            workflow=defn.name,
            workflow_version=defn.version,
            prev_hash=head.last_hash,
        ),
        seen_version=head.version,
    )
    return Advanced.of(head, event)


def conflict(case_id: int | None, seen: int | None = None, now: int | None = None) -> ConflictError:
    moved = f" (version {seen} -> {now})" if seen is not None and now is not None else ""
    which = f"case {case_id}" if case_id is not None else "a case of the batch"
    return ConflictError(
        f"{which} changed since you read it{moved}: reload it with `case show` and retry"
    )


def advance(uow: UnitOfWork, case_id: int, request: Request, *, clock: Clock = utc_now) -> Advanced:
    """Fire one trigger on one case in one transaction."""
    for _attempt in range(CHAIN_RETRIES):
        with uow:
            store = EventStore(uow.connection)
            batch = Batch(store)
            head = None
            try:
                head = batch.case(case_id)
                if head is None:
                    raise NotFound(f"no case {case_id}", field="CASE")
                seen = request.expected_version
                if seen is not None and head.version != seen:
                    raise conflict(case_id, seen, head.version)
                defn = workflows.stored(uow.connection, head.workflow_name, head.workflow_version)
                result = apply_request(store, batch, defn, head, request, clock())
                batch.write()
                uow.commit()
                return result
            except StaleCase:
                raise conflict(case_id) from None
            except (WriteConflict, IntegrityError, OperationalError):
                # Appends of a campaign are serialised, so this is rare (a lock timeout, a
                # writer outside the engine): start again from a fresh read.
                uow.rollback()
                if head is None:  # the write lock stayed busy before the case was read
                    continue
                now = EventStore(uow.connection).case(case_id)
                if now is None or now.version != head.version:
                    raise conflict(case_id, head.version, now.version if now else None) from None
    raise ConflictError(f"case {case_id}: the campaign's log stayed busy, try again")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A batch builds tens of thousands of small objects that hold no cycles: the cyclic
    collector's passes over the whole heap took a quarter of `advance_all` (bench/transitions.py,
    cpu 44 -> 32 us a transition)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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

    The batch is one transaction: if one case refuses (a role, a guard, missing data), nothing is
    written and the error names that case.
    """
    with uow, _collector_paused():
        store = EventStore(uow.connection)
        heads = store.cases(campaign_key, state)
        if not heads and not store.has_campaign(campaign_key):
            raise NotFound(
                f"no campaign {campaign_key!r}; see `inspect-engine campaign list`", field="KEY"
            )
        batch = Batch(store)
        now = clock()
        results = []
        for i, head in enumerate(heads, start=1):
            defn = workflows.stored(uow.connection, head.workflow_name, head.workflow_version)
            try:
                results.append(apply_request(store, batch, defn, head, request, now))
            except InputError as exc:
                kind = DataError if isinstance(exc, DataError) else InputError
                raise kind(f"case {head.id} ({head.unit_code}): {exc}") from None
            if progress:
                progress(i, len(heads))
        try:
            batch.write()
            uow.commit()
        except StaleCase:
            raise conflict(None) from None
        except (WriteConflict, IntegrityError):
            raise ConflictError(
                f"campaign {campaign_key} changed during the batch: nothing written, retry"
            ) from None
        return results
