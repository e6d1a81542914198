"""The stored plan as the calendar page a team lead works from (`plan show --html`).

Every day of every calendar week that touches the window is on the page, marked with what
makes it special for the team: a public holiday or an extra day off, a make-up working
Saturday, a day the team cannot visit (with its reason), a day one of its units asked not to
be visited. An area is shown by its name: an area that is the code of a stored unit (a
province code, say) is shown as that unit's name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlmodel import col, select

from inspect_engine.documents.plan_calendar import (
    HOLIDAY,
    MAKE_UP,
    OUTSIDE,
    WEEKEND,
    WORK,
    CalendarDay,
    CalendarPage,
    CalendarVisit,
    CalendarWeek,
    TeamCalendar,
    render_calendar,
)
from inspect_engine.domain.calendar import WEEKEND_REASONS
from inspect_engine.domain.national_days import national_days
from inspect_engine.services.planning.context import (
    PlannedVisit,
    PlanningContext,
    load_context,
    require_team,
)
from inspect_engine.services.planning.views import latest_run
from inspect_engine.services.planning.weeks import monday, reserve_start, team_weeks, window_days
from inspect_engine.storage.tables import TeamUnavailableRow, UnitBlackoutRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork

EXTRA_WORKING_DAY = "Ngày làm việc bổ sung"


def calendar_page(uow: UnitOfWork, key: str, team: str | None = None) -> str:
    """The plan of campaign `key` (or of one team) as a self-contained HTML page."""
    with uow:
        session = uow.session
        ctx = load_context(session, key)
        if team is not None:
            require_team(ctx.spec, team)
        run = latest_run(session, key)
        off_reasons = {
            (r.team, r.day): r.reason
            for r in session.exec(
                select(TeamUnavailableRow).where(TeamUnavailableRow.campaign_key == key)
            )
        }
        blackout_reasons = {
            (r.unit_code, r.day): r.reason
            for r in session.exec(
                select(UnitBlackoutRow).where(UnitBlackoutRow.campaign_key == key)
            )
        }
        visits = ctx.stored_visits(team)
        areas = {v.area for v in visits if v.area}
        area_names = {
            u.code: u.name
            for u in session.exec(select(UnitRow).where(col(UnitRow.code).in_(sorted(areas))))
        }
    as_of = run.as_of if run else None
    return render_calendar(
        _page(ctx, visits, team, as_of, off_reasons, blackout_reasons, area_names)
    )


def _day_kind(ctx: PlanningContext, day: date, make_up: dict[date, str]) -> tuple[str, str]:
    spec, calendar = ctx.spec, ctx.calendar
    if not spec.window_start <= day <= spec.window_end:
        return OUTSIDE, ""
    if calendar.is_working_day(day):
        if day.weekday() >= 5:
            return MAKE_UP, make_up.get(day, EXTRA_WORKING_DAY)
        return WORK, ""
    reason = calendar.day_off_reason(day) or ""
    if day.weekday() >= 5 and reason == WEEKEND_REASONS[day.weekday()]:
        return WEEKEND, ""
    return HOLIDAY, reason


def _page(
    ctx: PlanningContext,
    visits: list[PlannedVisit],
    team: str | None,
    as_of: date | None,
    off_reasons: dict[tuple[str, date], str],
    blackout_reasons: dict[tuple[str, date], str],
    area_names: dict[str, str],
) -> CalendarPage:
    spec = ctx.spec
    make_up = {
        row.day: row.name
        for year in range(spec.window_start.year, spec.window_end.year + 1)
        for row in national_days(year)
        if row.worked
    }
    reserve = reserve_start(ctx)
    days = window_days(ctx)
    first, last = monday(spec.window_start), monday(spec.window_end)
    mondays = [first + timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]
    slots = {(w.team, w.monday): w.slots for w in team_weeks(ctx, visits, days)}
    on_day: dict[tuple[str, date], list[PlannedVisit]] = defaultdict(list)
    for v in visits:
        on_day[(v.team, v.date)].append(v)
    working = set(days)
    teams = []
    for t in spec.teams:
        if team is not None and t.name != team:
            continue
        mine = [v for v in visits if v.team == t.name]
        unit_blackouts: dict[date, list[str]] = defaultdict(list)
        for code, name in sorted({(v.unit_code, v.unit_name) for v in mine}):
            for day in sorted(ctx.blackout.get(code, ())):
                reason = blackout_reasons.get((code, day), "")
                unit_blackouts[day].append(f"{name} ({reason})" if reason else name)
        off = ctx.team_off.get(t.name, set())
        weeks = []
        for week in mondays:
            cells = []
            for k in range(7):
                day = week + timedelta(days=k)
                kind, label = _day_kind(ctx, day, make_up)
                counted = kind in (WORK, MAKE_UP)
                cells.append(
                    CalendarDay(
                        day=day,
                        kind=kind,
                        label=label,
                        team_off=off_reasons.get((t.name, day), "")
                        if counted and day in off
                        else None,
                        blackouts=tuple(unit_blackouts.get(day, ())) if counted else (),
                        visits=tuple(_visit(v, area_names) for v in on_day.get((t.name, day), ())),
                        reserve=reserve is not None and day >= reserve and day in working,
                    )
                )
            weeks.append(
                CalendarWeek(
                    monday=week,
                    number=week.isocalendar().week,
                    days=tuple(cells),
                    visits=sum(len(c.visits) for c in cells),
                    slots=slots.get((t.name, week), 0),
                )
            )
        months = Counter(f"{v.date:%m/%Y}" for v in mine)
        teams.append(
            TeamCalendar(
                name=t.name,
                lead=t.lead,
                visits_per_day=t.visits_per_day,
                max_visits_per_week=t.max_visits_per_week,
                weeks=tuple(weeks),
                months=tuple(sorted(months.items(), key=lambda kv: (kv[0][3:], kv[0][:2]))),
                visits=len(mine),
                slots=sum(w.slots for w in weeks),
            )
        )
    window_months = sorted({f"{d:%m/%Y}" for d in days}, key=lambda m: (m[3:], m[:2]))
    return CalendarPage(
        key=spec.key,
        title=spec.title,
        body=spec.issuer.body,
        window_start=spec.window_start,
        window_end=spec.window_end,
        as_of=as_of,
        pace=spec.planning.pace,
        reserve_start=reserve,
        months=tuple(window_months),
        teams=tuple(teams),
        one_team=team is not None,
    )


def _visit(v: PlannedVisit, area_names: dict[str, str]) -> CalendarVisit:
    area = area_names.get(v.area, v.area)
    return CalendarVisit(
        v.case_id, v.unit_code, v.unit_name, area, v.notice_due, v.evidence_due, v.pinned, v.address
    )
