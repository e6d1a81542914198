"""The load of each team in each calendar week against what it could take, for the summary of
`plan` and for the calendar page.

A week runs Monday to Sunday (a make-up Saturday belongs to its week). A team's slots in a week
are its available working days there times its visits a day, capped by its weekly limit. The
pace span is what the planner spreads the visits over: from the first day a visit could be
planned to the start of the re-inspection reserve (the last 5 × reserve_weeks working days).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from inspect_engine.services.planning.context import PlannedVisit, PlanningContext


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class TeamWeek:
    team: str
    monday: date
    visits: int  # visits in the week (in the span, when counted over a span)
    slots: int  # the team's slots in the week (in the span, when counted over a span)
    days: tuple[date, ...]  # the working days of the week counted (in the window or the span)


def window_days(ctx: PlanningContext) -> list[date]:
    return ctx.calendar.working_days(ctx.spec.window_start, ctx.spec.window_end)


def reserve_start(ctx: PlanningContext) -> date | None:
    """The first day of the re-inspection reserve, or None when the campaign keeps none."""
    days = window_days(ctx)
    weeks = ctx.spec.planning.reserve_weeks
    if not weeks or not days:
        return None
    return days[max(0, len(days) - 5 * weeks)]


def team_weeks(
    ctx: PlanningContext, visits: Iterable[PlannedVisit], days: Sequence[date]
) -> list[TeamWeek]:
    """Per team (in the campaign's order) and week, the visits and slots on `days`."""
    by_week: dict[date, list[date]] = {}
    for day in days:
        by_week.setdefault(monday(day), []).append(day)
    counted = set(days)
    load = Counter((v.team, monday(v.date)) for v in visits if v.date in counted)
    out = []
    for team in ctx.spec.teams:
        off = ctx.team_off.get(team.name, set())
        for week, week_days in by_week.items():
            slots = team.visits_per_day * sum(1 for d in week_days if d not in off)
            if team.max_visits_per_week is not None:
                slots = min(slots, team.max_visits_per_week)
            out.append(TeamWeek(team.name, week, load[(team.name, week)], slots, tuple(week_days)))
    return out


def pace_weeks(
    ctx: PlanningContext, visits: Iterable[PlannedVisit], earliest: date
) -> list[TeamWeek]:
    """The team weeks of the pace span that have slots, counted over the span only."""
    reserve = reserve_start(ctx)
    span = [d for d in window_days(ctx) if d >= earliest and (reserve is None or d < reserve)]
    return [w for w in team_weeks(ctx, visits, span) if w.slots > 0]
