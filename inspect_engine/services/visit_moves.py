"""A visit moved by a person (`reschedule`): the case's planned slot follows, and the plan's
hard constraints hold for the new slot as they do for the planner's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, text

from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.workflow.context import CaseFacts
from inspect_engine.errors import InputError
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.storage.event_store import CaseHead

_MOVE_SQL = text(
    "UPDATE inspection_case SET visit_date = :day, plan_team = :team, notice_due = :notice, "
    "evidence_due = :evidence WHERE id = :id"
)


def follow_visit(
    conn: Connection, head: CaseHead, payload: Mapping[str, Any], facts: CaseFacts
) -> None:
    """A `reschedule` fired by a person moves the case's planned visit (and its team, if given)
    and the notice and evidence due dates with it, as the planner would have stored them."""
    day = date.fromisoformat(str(payload["visit_date"]))
    calendar = facts.calendar
    spec, _ = campaign_spec(conn, head.campaign_key)
    if (problem := spec.day_problem(calendar, day)) is not None:
        raise InputError(problem, field="visit_date")
    team = payload.get("team", facts.team)
    if team is not None:
        _check_slot(conn, spec, head, team, day)
    lead = spec.lead_times
    conn.execute(
        _MOVE_SQL,
        {
            "id": head.id,
            "day": day,
            "team": team,
            "notice": calendar.add_working_days(day, -lead.notice_working_days),
            "evidence": calendar.add_working_days(day, -lead.evidence_working_days),
        },
    )


def _check_slot(conn: Connection, spec: CampaignSpec, head: CaseHead, team: str, day: date) -> None:
    """The planner's hard constraints hold for a moved visit too: the team's days off, its
    visits per day and per week, the unit's blackout days (the window and working days are
    checked first)."""
    if (problem := spec.team_problem(team)) is not None:
        raise InputError(problem, field="team")
    by_name = {t.name: t for t in spec.teams}
    key = {
        "key": head.campaign_key,
        "team": team,
        "day": day,
        "id": head.id,
        "unit": head.unit_code,
    }
    off = (
        day in by_name[team].unavailable
        or conn.execute(
            text(
                "SELECT 1 FROM team_unavailable WHERE campaign_key = :key AND team = :team "
                "AND day = :day"
            ),
            key,
        ).first()
    )
    if off:
        raise InputError(f"{team} cannot visit on {day:%d/%m/%Y} (a day off of the team)")
    blackout = (
        day in spec.blackouts.get(head.unit_code, ())
        or conn.execute(
            text(
                "SELECT 1 FROM unit_blackout WHERE campaign_key = :key AND unit_code = :unit "
                "AND day = :day"
            ),
            key,
        ).first()
    )
    if blackout:
        raise InputError(f"unit {head.unit_code} asked not to be visited on {day:%d/%m/%Y}")
    taken = (
        conn.execute(
            text(
                "SELECT count(*) FROM inspection_case WHERE campaign_key = :key "
                "AND plan_team = :team AND visit_date = :day AND id != :id"
            ),
            key,
        ).scalar()
        or 0
    )
    if taken >= by_name[team].visits_per_day:
        raise InputError(
            f"{team} already has {taken} visit{'s' * (taken > 1)} on {day:%d/%m/%Y}, its "
            f"{by_name[team].visits_per_day} a day: choose another day or team"
        )
    limit = by_name[team].max_visits_per_week
    if limit is not None:
        monday = day - timedelta(days=day.weekday())
        in_week = (
            conn.execute(
                text(
                    "SELECT count(*) FROM inspection_case WHERE campaign_key = :key "
                    "AND plan_team = :team AND visit_date >= :monday AND visit_date <= :sunday "
                    "AND id != :id"
                ),
                {**key, "monday": monday, "sunday": monday + timedelta(days=6)},
            ).scalar()
            or 0
        )
        if in_week >= limit:
            raise InputError(
                f"{team} already has {in_week} visits in the week from {monday:%d/%m/%Y}, its "
                f"max_visits_per_week of {limit}: choose another week or team"
            )
