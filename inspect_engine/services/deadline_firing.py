"""Firing the deadlines that passed: what the worker does with the deadline rows.

A deadline passes when its due day ends with nothing done; it fires on the first working day
after (a submission due on Friday fires on Monday: letters are not dated on a Sunday). Firing
one is a `deadline` event on its case with the actions the case's workflow declares for it
(domain/workflow/firing.py), then the trigger it declares, fired as role `system`; the row is
marked fired in the same transaction, so a firing is recorded exactly when its row says so.

Each transaction takes the campaign's append lock, claims a batch of due rows (skipping rows
another worker holds) and fires them, one per case (a second deadline of the same case waits
for the next transaction, which reads the case afresh). A kill loses at most the transaction
in progress, whose rows are still pending for the next worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.events import Event, as_utc
from inspect_engine.domain.workflow.firing import (
    SYSTEM_ROLE,
    deadline_payload,
    recorded_actions,
)
from inspect_engine.domain.workflow.model import (
    DEADLINE_TRIGGER,
    DeadlineDef,
    WorkflowDefinition,
)
from inspect_engine.errors import InputError
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec, db_date, effects_of, load_case_facts
from inspect_engine.services.cases import Batch, Request, apply_request
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.storage.deadline_store import DeadlineRecord, DeadlineStore
from inspect_engine.storage.event_store import CaseHead, EventStore
from inspect_engine.storage.uow import UnitOfWork

ACTOR = "inspect-engine"
BATCH = 50  # deadlines a transaction fires: small enough that a stop waits little


@dataclass(frozen=True)
class Fired:
    """One deadline fired: the `deadline` event at `seq` and what it did."""

    deadline_id: int
    case_id: int
    unit_code: str
    kind: str
    due: date
    seq: int
    triggered: str | None  # the trigger fired after it, if any
    refused: str | None  # why the declared trigger could not fire, if it could not
    escalated_to: str | None  # the team lead the case was put before
    notices: tuple[str, ...]  # the documents it asks for


def fire_cutoff(calendar: WorkingCalendar, today: date) -> date:
    """Deadlines due before this day have passed: the last working day up to today (a deadline
    due on Friday passes on Monday, the next working day after it)."""
    return calendar.previous_working_day(today)


def fire_due(
    uow: UnitOfWork,
    key: str,
    *,
    clock: Clock = utc_now,
    actor: str = ACTOR,
    batch: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[Fired]:
    """Fire every deadline of campaign `key` that has passed, `batch` (default `BATCH`) per
    transaction, until none is left or `should_stop()` says so between transactions."""
    out: list[Fired] = []
    while not should_stop():
        fired = _fire_batch(uow, key, clock, actor, batch or BATCH)
        if not fired:
            break
        out += fired
    return out


def _fire_batch(uow: UnitOfWork, key: str, clock: Clock, actor: str, limit: int) -> list[Fired]:
    with uow:
        conn = uow.connection
        store = EventStore(conn)
        store.lock_campaign(key)  # before any deadline row: the order every transition takes
        spec, calendar = campaign_spec(conn, key)
        rows = DeadlineStore(conn).claim_due(key, fire_cutoff(calendar, local_today(clock)), limit)
        if not rows:
            return []
        leads = {team.name: team.lead for team in spec.teams}
        batch = Batch(store)
        now = clock()
        fired: list[Fired] = []
        touched: set[int] = set()
        for row in rows:
            if row.case_id in touched:
                continue  # its head moved: the next transaction fires it
            touched.add(row.case_id)
            fired.append(_fire_one(store, batch, row, leads, now, actor))
        DeadlineStore(conn).mark_fired([(f.deadline_id, f.seq) for f in fired], now)
        batch.write()
        uow.commit()
        return fired


def _fire_one(
    store: EventStore,
    batch: Batch,
    row: DeadlineRecord,
    leads: dict[str, str],
    now: datetime,
    actor: str,
) -> Fired:
    # Not `batch.case`: its chain link, read from the table, would forget this batch's events.
    head = store.case(row.case_id)
    if head is None:  # a deadline row outlives no case: the schema's foreign key says so
        raise InputError(f"deadline {row.id} names case {row.case_id}, which does not exist")
    defn = workflows.stored(store.conn, head.workflow_name, head.workflow_version)
    spec = defn.deadline(row.kind)
    last = store.last_event_at(head)  # a worker's clock a little behind the writer's
    now = max(now, as_utc(last)) if last is not None else now
    payload = deadline_payload(row.id, row.kind, db_date(row.due) or row.due, row.created_seq)
    trigger = _declared_trigger(spec)
    refused = None
    if trigger is not None:
        refused = _refusal(
            store, batch, defn, head, Request(trigger, actor, SYSTEM_ROLE, payload), now
        )
    facts = load_case_facts(store.conn, head, now)
    team = facts.team
    lead = leads.get(team) if team is not None else None
    effects = recorded_actions(spec, team=team, lead=lead, refused=refused)
    if spec is not None:  # an issue_notice cites the team's decision, as in a transition
        cited = effects_of(spec.on_due, lambda: facts, payload, now)
        for effect, with_decision in zip(effects, cited, strict=True):
            effect["args"] = with_decision["args"] | effect["args"]
    event = batch.add(
        Event(
            campaign_key=head.campaign_key,
            case_id=head.id,
            seq=head.last_seq + 1,
            trigger=DEADLINE_TRIGGER,
            from_state=head.state,
            to_state=head.state,
            actor=actor,
            role=SYSTEM_ROLE,
            at=now,
            payload=payload,
            effects=effects,
            workflow=head.workflow_name,
            workflow_version=head.workflow_version,
            prev_hash=head.last_hash,
        ),
        seen_version=head.version,
    )
    triggered = None
    if trigger is not None and refused is None:
        after = _after(head, event)
        apply_request(store, batch, defn, after, Request(trigger, actor, SYSTEM_ROLE, payload), now)
        triggered = trigger
    escalated = any(e["effect"] == "escalate" for e in effects)
    return Fired(
        row.id,
        head.id,
        head.unit_code,
        row.kind,
        db_date(row.due) or row.due,
        event.seq,
        triggered,
        refused,
        (lead or f"the lead of {team or 'its team'}") if escalated else None,
        tuple(str(e["args"]["notice"]) for e in effects if e["effect"] == "issue_notice"),
    )


def _declared_trigger(spec: DeadlineDef | None) -> str | None:
    if spec is None:
        return None
    return next((c.args["trigger"] for c in spec.on_due if c.effect == "trigger"), None)


def _refusal(
    store: EventStore,
    batch: Batch,
    defn: WorkflowDefinition,
    head: CaseHead,
    request: Request,
    now: datetime,
) -> str | None:
    """Why the declared trigger cannot fire on the case as it is, or None: tried on a scratch
    batch, so that the `deadline` event, which comes first, can say it."""
    scratch = Batch(store)
    scratch.heads = dict(batch.heads)
    try:
        apply_request(store, scratch, defn, head, request, now)
    except InputError as exc:
        return str(exc)
    return None


def _after(head: CaseHead, event: Event) -> CaseHead:
    """The case as it is once `event` is appended (in this batch, not yet written)."""
    return head._replace(
        state=event.to_state,
        version=head.version + 1,
        last_seq=event.seq,
        last_hash=event.hash,
    )


def describe(fired: Fired) -> str:
    """ "case 12 (U01): submission_due of 01/09/2026 passed: mark_submission_late; escalated to
    Nguyễn Văn An" — one worker log line."""
    did = []
    if fired.triggered:
        did.append(fired.triggered)
    if fired.refused:
        did.append(f"not {fired.refused}")
    did += [f"issue {notice}" for notice in fired.notices]
    if fired.escalated_to:
        did.append(f"escalated to {fired.escalated_to}")
    what = "; ".join(did) if did else "recorded"
    return (
        f"case {fired.case_id} ({fired.unit_code}): {fired.kind} of {fired.due:%d/%m/%Y} "
        f"passed: {what}"
    )
