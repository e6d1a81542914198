"""The team lead's side: the deliveries waiting for review, accepting or returning one (workflow
v4's steps, fired as the lead's account in role team_lead), and the reminders the deadlines
call for (what `notices remind` issues)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from inspect_engine.domain import submissions
from inspect_engine.domain.vn_labels import STATE_NAMES
from inspect_engine.errors import NotFound
from inspect_engine.services import workflows
from inspect_engine.services.cases import Advanced, Request, advance
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.notices import issuing, reminders
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

REVIEW_ROLE = "team_lead"


@dataclass(frozen=True)
class Waiting:
    """A delivery waiting for the lead's review."""

    case_id: int
    unit_code: str
    unit_name: str
    team: str
    state: str
    state_label: str
    delivery: submissions.Delivery


@dataclass(frozen=True)
class CaseLine:
    case_id: int
    unit_code: str
    unit_name: str
    team: str
    state: str
    state_label: str


def campaign_cases(uow: UnitOfWork, key: str) -> list[CaseLine]:
    with uow:
        if not EventStore(uow.connection).has_campaign(key):
            raise NotFound(f"no campaign {key!r}", field="KEY")
        rows = uow.connection.execute(
            text(
                "SELECT c.id, u.code, u.name, c.plan_team, c.state FROM inspection_case c "
                "JOIN unit u ON u.code = c.unit_code WHERE c.campaign_key = :key ORDER BY u.name"
            ),
            {"key": key},
        ).all()
    return [
        CaseLine(i, code, name, team or "", state, STATE_NAMES.get(state, state))
        for i, code, name, team, state in rows
    ]


def waiting_for_review(uow: UnitOfWork, key: str) -> list[Waiting]:
    """Every delivery of the campaign not yet reviewed, in a case whose workflow takes the
    review in its state (v4), oldest first."""
    cases = {c.case_id: c for c in campaign_cases(uow, key)}
    with uow:
        conn = uow.connection
        store = EventStore(conn)
        versions = conn.execute(
            text(
                "SELECT id, workflow_name, workflow_version FROM inspection_case "
                "WHERE campaign_key = :key"
            ),
            {"key": key},
        ).all()
        reviewable = set()
        for case_id, name, version in versions:
            defn = workflows.stored(conn, name, version)
            state = cases[case_id].state
            if defn.has_trigger(submissions.ACCEPT_TRIGGER) and defn.transitions_for(
                submissions.ACCEPT_TRIGGER, state
            ):
                reviewable.add(case_id)
        events: dict[int, list[tuple[int, str, Any, str]]] = {}
        wanted = {submissions.SUBMISSION_TRIGGER, *submissions.REVIEW_TRIGGERS}
        for e in store.campaign_events(key):
            if e.case_id in reviewable and e.trigger in wanted:
                events.setdefault(e.case_id, []).append((e.seq, e.trigger, e.payload, e.actor))
    out = []
    for case_id, items in events.items():
        line = cases[case_id]
        for d in submissions.fold(items).pending():
            out.append(
                Waiting(
                    case_id,
                    line.unit_code,
                    line.unit_name,
                    line.team,
                    line.state,
                    line.state_label,
                    d,
                )
            )
    return sorted(out, key=lambda w: (w.delivery.received_on, w.case_id, w.delivery.seq))


def accept(
    uow: UnitOfWork, case_id: int, seq: int, *, actor: str, note: str = "", clock: Clock = utc_now
) -> Advanced:
    review: dict[str, Any] = {"submission": seq}
    if note.strip():
        review["note"] = note.strip()
    request = Request(submissions.ACCEPT_TRIGGER, actor, REVIEW_ROLE, {"accepted": review})
    return advance(uow, case_id, request, clock=clock)


def return_delivery(
    uow: UnitOfWork,
    case_id: int,
    seq: int,
    *,
    appendices: list[str],
    reason: str,
    actor: str,
    resubmit_by: date | None = None,
    clock: Clock = utc_now,
) -> Advanced:
    review: dict[str, Any] = {"submission": seq, "appendices": appendices, "reason": reason}
    if resubmit_by is not None:
        review["resubmit_by"] = resubmit_by.isoformat()
    request = Request(submissions.RETURN_TRIGGER, actor, REVIEW_ROLE, {"returned": review})
    return advance(uow, case_id, request, clock=clock)


def reminders_due(
    uow: UnitOfWork, key: str, *, as_of: date, days_before: int
) -> list[issuing.Pending]:
    return reminders.due_reminders(uow, key, as_of=as_of, days_before=days_before)


def send_reminders(
    uow: UnitOfWork,
    key: str,
    *,
    as_of: date,
    days_before: int,
    actor: str,
    templates: list[Path] | None = None,
    clock: Clock = utc_now,
) -> list[issuing.Issued]:
    """Issue the reminders due, as `notices remind` does, recorded as issued by `actor`."""
    items = reminders.due_reminders(uow, key, as_of=as_of, days_before=days_before)
    return issuing.issue_items(uow, key, items, templates=templates or [], clock=clock, actor=actor)
