"""The campaign's facts about one case, for the workflow rules that need them (v2's submissions,
minutes, conclusion, team decision), and the due dates of the deadlines a transition starts.

Facts cost a query, so a rule loads them only when it asks (`GuardContext.facts`); a campaign's
parsed file is cached per database, since a stored campaign never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, text

from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.campaign.model import CampaignSpec, LeadTimes
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.text import clean
from inspect_engine.domain.workflow.context import CaseFacts
from inspect_engine.domain.workflow.model import EffectCall
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import CaseHead, EventStore

_specs: WeakKeyDictionary[Engine, dict[str, tuple[CampaignSpec, Any]]] = WeakKeyDictionary()


def campaign_spec(conn: Connection, key: str) -> tuple[CampaignSpec, Any]:
    """The stored campaign's spec and its working calendar (cached per database)."""
    cache = _specs.setdefault(conn.engine, {})
    if key not in cache:
        source = conn.execute(
            text("SELECT source_text FROM campaign WHERE key = :key"), {"key": key}
        ).scalar()
        if source is None:
            raise InputError(f"no campaign {key!r}", field="KEY")
        spec = parse_campaign(source, f"campaign {key}")
        cache[key] = (spec, spec.working_calendar())
    return cache[key]


def db_date(value: Any) -> date | None:
    """A date column read on the raw connection (SQLite hands dates back as text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_case_facts(conn: Connection, head: CaseHead, now: datetime) -> CaseFacts:
    spec, calendar = campaign_spec(conn, head.campaign_key)
    # On the driver: through SQLAlchemy these two reads cost more than the rules that use them.
    store = EventStore(conn)
    row = store.plan_of(head.id)
    if row is None:
        raise InputError(f"no case {head.id}", field="CASE")
    visit_date, notice_due, evidence_due, team, kind = row
    decision = None
    if team is not None:
        decision = store.decision_number(head.campaign_key, clean(team))
    unit = appendices_for(spec, head.unit_code, kind)
    return CaseFacts(
        content_areas=spec.content_areas,
        calendar=calendar,
        today=now.astimezone(DISPLAY_TZ).date(),
        visit_date=db_date(visit_date),
        notice_due=db_date(notice_due),
        evidence_due=db_date(evidence_due),
        appendix_codes=tuple(a.code for a in spec.appendices),
        required_appendices=tuple(a.code for a in unit.required),
        visit_with_missing_appendices=spec.rules.visit_with_missing_appendices,
        lead_times={f.name: getattr(spec.lead_times, f.name) for f in fields(LeadTimes)},
        team=team,
        team_decision=decision,
    )


def _data_value(payload: Mapping[str, Any], path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def deadline_due(
    call: EffectCall, facts: CaseFacts, payload: Mapping[str, Any], at: datetime
) -> date:
    """The due date a `start_deadline` effect says how to compute (see workflows/README.md)."""
    anchor = call.args["from"]
    start: Any
    if anchor == "event":
        start = at.astimezone(DISPLAY_TZ).date()
    elif anchor.startswith("data."):
        start = _data_value(payload, anchor.removeprefix("data."))
        start = date.fromisoformat(start) if isinstance(start, str) else None
    else:
        start = getattr(facts, anchor)
    if start is None:
        raise InputError(
            f"deadline {call.args['deadline']!r} counts from {anchor}, which this case has not "
            "got yet (plan the campaign first?)"
        )
    days = 0
    if "working_days" in call.args:
        days = int(call.args["working_days"])
    elif "setting" in call.args:
        setting = call.args["setting"]
        days = facts.lead_times[setting.removeprefix("-")] * (-1 if setting[0] == "-" else 1)
    return facts.calendar.add_working_days(start, days) if days else start


def effects_of(
    calls: Sequence[EffectCall],
    load: Callable[[], CaseFacts],
    payload: Mapping[str, Any],
    at: datetime,
) -> list[dict[str, Any]]:
    """The effects a transition queues, as recorded in its event: a deadline that says where it
    counts from gets its `due` date, so whoever fires it needs to know nothing of the workflow;
    a notice names the decision that formed the case's team, which it cites."""
    effects = []
    for call in calls:
        args: dict[str, Any] = dict(call.args)
        if call.effect == "start_deadline" and "from" in args:
            args["due"] = deadline_due(call, load(), payload, at).isoformat()
        elif call.effect == "issue_notice" and (decision := load().team_decision) is not None:
            args["team_decision"] = decision
        effects.append({"effect": call.effect, "args": args})
    return effects
