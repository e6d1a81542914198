"""Visit planning handlers: plan or re-plan a campaign, check a stored plan, pin and block days.

The optimisation itself is pure (`inspect_engine.domain.planning`); this module builds the
problem from the stored campaign, cases and extra constraints, and stores the answer: the slot on
each case, and a `reschedule` event in the history of every case whose slot changed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from inspect_engine.domain import planning
from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.errors import CheckFailed, ConflictError, InputError
from inspect_engine.services import workflows
from inspect_engine.services.campaigns import _campaign
from inspect_engine.services.cases import Batch, Request, apply_request
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import EventStore, StaleCase, WriteConflict
from inspect_engine.storage.tables import (
    CaseRow,
    PlanRunRow,
    TeamUnavailableRow,
    UnitBlackoutRow,
    UnitRow,
)
from inspect_engine.storage.uow import UnitOfWork

PLANNER_ACTOR = "planner"
RESCHEDULE = "reschedule"
# Cases the planner places; later states have had their visit (or are closed).
PLANNABLE = ("planned", "announced", "evidence_requested")
# Announced cases keep their slot unless forced; once evidence is requested the date is final.
LOCKED = frozenset({"announced"})
FINAL = frozenset({"evidence_requested"})


@dataclass(frozen=True)
class PlannedVisit:
    case_id: int
    unit_code: str
    unit_name: str
    area: str
    state: str
    team: str
    date: dt.date
    notice_due: dt.date
    evidence_due: dt.date
    pinned: bool

    def to_json(self) -> dict[str, object]:
        return {
            "case_id": self.case_id,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "area": self.area,
            "state": self.state,
            "team": self.team,
            "date": self.date.isoformat(),
            "notice_due": self.notice_due.isoformat(),
            "evidence_due": self.evidence_due.isoformat(),
            "pinned": self.pinned,
        }


@dataclass(frozen=True)
class PlanReport:
    campaign_key: str
    as_of: date
    visits: list[PlannedVisit]
    moved: list[int]
    objective: int
    lower_bound: int
    gap: float
    seconds: float
    capacity: dict[str, int]
    focus_codes: frozenset[str] = field(default_factory=frozenset)

    def per_month_and_team(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for v in self.visits:
            table[v.team][f"{v.date:%m/%Y}"] += 1
        return dict(table)

    def utilisation(self) -> dict[str, float]:
        load = Counter(v.team for v in self.visits)
        return {team: load[team] / cap if cap else 0.0 for team, cap in self.capacity.items()}

    def mean_focus_date(self) -> date | None:
        days = [v.date.toordinal() for v in self.visits if v.unit_code in self.focus_codes]
        return date.fromordinal(round(sum(days) / len(days))) if days else None

    def mean_other_date(self) -> date | None:
        days = [v.date.toordinal() for v in self.visits if v.unit_code not in self.focus_codes]
        return date.fromordinal(round(sum(days) / len(days))) if days else None


@dataclass
class _Context:
    """What the planner needs, read from the database in one go."""

    spec: CampaignSpec
    calendar: WorkingCalendar
    cases: list[CaseRow]
    units: dict[str, UnitRow]
    team_off: dict[str, set[date]]
    blackout: dict[str, set[date]]


def _due_dates(ctx: _Context, day: date) -> tuple[date, date]:
    """When the notice must go out and when the evidence is due, for a visit on `day`."""
    lead = ctx.spec.lead_times
    return (
        ctx.calendar.add_working_days(day, -lead.notice_working_days),
        ctx.calendar.add_working_days(day, -lead.evidence_working_days),
    )


def _visit(ctx: _Context, case: CaseRow, team: str, day: date) -> PlannedVisit:
    unit = ctx.units[case.unit_code]
    notice_due, evidence_due = _due_dates(ctx, day)
    return PlannedVisit(
        case_id=case.id or 0,
        unit_code=case.unit_code,
        unit_name=unit.name,
        area=unit.area,
        state=case.state,
        team=team,
        date=day,
        notice_due=notice_due,
        evidence_due=evidence_due,
        pinned=case.pin_date is not None,
    )


def _load(session: Session, key: str) -> _Context:
    _, spec = _campaign(session, key)
    cases = list(
        session.exec(
            select(CaseRow)
            .where(CaseRow.campaign_key == key, col(CaseRow.state).in_(PLANNABLE))
            .order_by(col(CaseRow.id))
        )
    )
    codes = [c.unit_code for c in cases]
    units = {u.code: u for u in session.exec(select(UnitRow).where(col(UnitRow.code).in_(codes)))}
    team_off: dict[str, set[date]] = defaultdict(set)
    for team in spec.teams:
        team_off[team.name].update(team.unavailable)
    for row in session.exec(
        select(TeamUnavailableRow).where(TeamUnavailableRow.campaign_key == key)
    ):
        team_off[row.team].add(row.day)
    blackout: dict[str, set[date]] = defaultdict(set)
    for code, days in spec.blackouts.items():
        blackout[code].update(days)
    for b in session.exec(select(UnitBlackoutRow).where(UnitBlackoutRow.campaign_key == key)):
        blackout[b.unit_code].add(b.day)
    return _Context(spec, spec.working_calendar(), cases, units, team_off, blackout)


def earliest_visit(spec: CampaignSpec, calendar: WorkingCalendar, as_of: date) -> date:
    """The first day a visit can be planned as of `as_of`: the notice goes out on the next
    working day and needs `notice_working_days` working days before the visit."""
    return calendar.add_working_days(
        calendar.next_working_day(as_of), spec.lead_times.notice_working_days
    )


def _problem(
    ctx: _Context, as_of: date, *, replan: bool, force: bool, time_limit: float
) -> planning.Problem:
    spec, calendar = ctx.spec, ctx.calendar
    earliest = earliest_visit(spec, calendar, as_of)
    teams = tuple(
        planning.Team(
            name=t.name,
            visits_per_day=t.visits_per_day,
            unavailable=frozenset(ctx.team_off.get(t.name, ())),
            member_units=t.member_units,
        )
        for t in spec.teams
    )
    visits = []
    for case in ctx.cases:
        assert case.id is not None
        unit = ctx.units[case.unit_code]
        current = (
            (case.plan_team, case.visit_date)
            if replan and case.plan_team and case.visit_date
            else None
        )
        pinned = (case.pin_team, case.pin_date) if case.pin_team and case.pin_date else None
        if case.state in FINAL and current is not None:
            pinned = current  # evidence is being prepared for that date: it stays
        visits.append(
            planning.Visit(
                case_id=case.id,
                unit_code=case.unit_code,
                area=unit.area,
                focus=spec.is_focus(unit.sectors),
                earliest=earliest,
                blackout=frozenset(ctx.blackout.get(case.unit_code, ())),
                pinned=pinned,
                current=current,
                locked=case.state in LOCKED and current is not None,
            )
        )
    days = tuple(calendar.working_days(spec.window_start, spec.window_end))
    return planning.Problem(
        days=days,
        teams=teams,
        visits=tuple(visits),
        reserve_share=spec.planning.reserve_share,
        reserve_weeks=spec.planning.reserve_weeks,
        force=force,
        time_limit_s=time_limit,
    )


def build_problem(
    uow: UnitOfWork,
    key: str,
    *,
    as_of: date,
    replan: bool = False,
    force: bool = False,
    time_limit: float = 5.0,
) -> planning.Problem:
    """The planning problem `make_plan` would solve (for benchmarks and inspection)."""
    with uow:
        ctx = _load(uow.session, key)
    return _problem(ctx, as_of, replan=replan, force=force, time_limit=time_limit)


def today(clock: Clock = utc_now) -> date:
    return clock().astimezone(DISPLAY_TZ).date()


def make_plan(
    uow: UnitOfWork,
    key: str,
    *,
    as_of: date | None = None,
    replan: bool = False,
    force: bool = False,
    time_limit: float = 5.0,
    clock: Clock = utc_now,
) -> PlanReport:
    """Plan every plannable case of a campaign (or re-plan, moving as few visits as possible).

    Infeasible input raises CheckFailed with what is short; nothing is stored then.
    """
    as_of = as_of or today(clock)
    with uow:
        session = uow.session
        ctx = _load(session, key)
        if not ctx.cases:
            raise InputError(f"campaign {key!r} has no case left to plan", field="KEY")
        already = [c for c in ctx.cases if c.visit_date is not None]
        if already and not replan:
            raise InputError(
                f"campaign {key!r} already has a plan ({len(already)} visits): "
                "use --replan to change it with as few moves as possible",
                field="--replan",
            )
        if force and not replan:
            raise InputError("--force only applies with --replan", field="--force")
        problem = _problem(ctx, as_of, replan=replan, force=force, time_limit=time_limit)
        started = time.perf_counter()
        try:
            solution = planning.solve(problem)
        except planning.Infeasible as exc:
            raise CheckFailed(
                f"campaign {key} cannot be planned: " + "; ".join(exc.reasons)
            ) from None
        seconds = time.perf_counter() - started
        moved = _store(uow, ctx, solution, replan=replan, clock=clock)
        session.add(
            PlanRunRow(
                campaign_key=key,
                as_of=as_of,
                replan=replan,
                forced=force,
                visits=len(solution.assignments),
                moved=len(moved),
                objective=solution.objective,
                lower_bound=solution.lower_bound,
                gap=solution.gap,
                seconds=seconds,
                created_at=clock(),
            )
        )
        uow.commit()
    return _report(ctx, as_of, solution, moved, seconds)


def _store(
    uow: UnitOfWork,
    ctx: _Context,
    solution: planning.Solution,
    *,
    replan: bool,
    clock: Clock,
) -> list[int]:
    """Write each case's slot; a case whose slot changed gets a `reschedule` event, fired
    through the workflow like any other trigger (an announced case re-issues its notice)."""
    by_id = {c.id: c for c in ctx.cases}
    store = EventStore(uow.connection)
    heads = {head.id: head for head in store.cases(ctx.spec.key)}
    batch = Batch(store)
    now = clock()
    moved = []
    slots = []
    for a in solution.assignments:
        case = by_id[a.case_id]
        if (case.plan_team, case.visit_date) == (a.team, a.day):
            continue
        payload: dict[str, object] = {
            "visit_date": a.day.isoformat(),
            "team": a.team,
            "reason": "replan" if replan else "plan",
        }
        if case.visit_date is not None:
            payload["previous_date"] = case.visit_date.isoformat()
            payload["previous_team"] = case.plan_team
            moved.append(a.case_id)
        head = heads[a.case_id]
        defn = workflows.stored(uow.connection, head.workflow_name, head.workflow_version)
        request = Request(RESCHEDULE, PLANNER_ACTOR, "system", payload)
        apply_request(store, batch, defn, head, request, now)
        notice_due, evidence_due = _due_dates(ctx, a.day)
        slots.append(
            {
                "b_id": a.case_id,
                "b_team": a.team,
                "b_day": a.day,
                "b_notice": notice_due,
                "b_evidence": evidence_due,
            }
        )
    if slots:
        table = CaseRow.__table__  # type: ignore[attr-defined]
        uow.connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                plan_team=bindparam("b_team"),
                visit_date=bindparam("b_day"),
                notice_due=bindparam("b_notice"),
                evidence_due=bindparam("b_evidence"),
            ),
            slots,
        )
    try:
        batch.write()
    except (StaleCase, WriteConflict):
        raise ConflictError("a case changed while planning: nothing stored, plan again") from None
    return moved


def _report(
    ctx: _Context,
    as_of: date,
    solution: planning.Solution,
    moved: list[int],
    seconds: float,
) -> PlanReport:
    by_id = {c.id: c for c in ctx.cases}
    visits = [_visit(ctx, by_id[a.case_id], a.team, a.day) for a in solution.assignments]
    days = ctx.calendar.working_days(ctx.spec.window_start, ctx.spec.window_end)
    capacity = {
        t.name: t.visits_per_day * sum(1 for d in days if d not in ctx.team_off.get(t.name, ()))
        for t in ctx.spec.teams
    }
    focus = frozenset(
        c.unit_code for c in ctx.cases if ctx.spec.is_focus(ctx.units[c.unit_code].sectors)
    )
    return PlanReport(
        ctx.spec.key,
        as_of,
        sorted(visits, key=lambda v: (v.date, v.team, v.unit_code)),
        moved,
        solution.objective,
        solution.lower_bound,
        solution.gap,
        seconds,
        capacity,
        focus,
    )


def _latest_run(session: Session, key: str) -> PlanRunRow | None:
    query = (
        select(PlanRunRow)
        .where(PlanRunRow.campaign_key == key)
        .order_by(col(PlanRunRow.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def check_plan(uow: UnitOfWork, key: str) -> list[str]:
    """Every hard constraint the stored plan breaks, checked independently of the solver."""
    with uow:
        ctx = _load(uow.session, key)
        run = _latest_run(uow.session, key)
    if run is None:
        raise InputError(f"campaign {key!r} has no plan yet: run `inspect-engine plan {key}`")
    problem = _problem(ctx, run.as_of, replan=True, force=False, time_limit=0)
    assignments = []
    problems = []
    for case in ctx.cases:
        assert case.id is not None
        if case.plan_team is None or case.visit_date is None:
            problems.append(f"case {case.id} ({case.unit_code}) has no planned visit")
        else:
            assignments.append(planning.Assignment(case.id, case.plan_team, case.visit_date))
    return problems + planning.check(problem, assignments)


def planned_visits(uow: UnitOfWork, key: str, team: str | None = None) -> list[PlannedVisit]:
    """The stored plan, by date."""
    with uow:
        ctx = _load(uow.session, key)
    if team is not None:
        _require_team(ctx.spec, team)
    visits = [
        _visit(ctx, c, c.plan_team, c.visit_date)
        for c in ctx.cases
        if c.plan_team is not None
        and c.visit_date is not None
        and (team is None or c.plan_team == team)
    ]
    return sorted(visits, key=lambda v: (v.date, v.team, v.unit_code))


def _require_team(spec: CampaignSpec, team: str) -> None:
    if team not in {t.name for t in spec.teams}:
        names = ", ".join(t.name for t in spec.teams)
        raise InputError(f"no team {team!r} in campaign {spec.key}; teams: {names}", field="--team")


def _case_row(session: Session, case_id: int) -> CaseRow:
    case = session.get(CaseRow, case_id)
    if case is None:
        raise InputError(f"no case {case_id}", field="CASE")
    return case


def _check_slot(spec: CampaignSpec, calendar: WorkingCalendar, team: str, day: date) -> None:
    _require_team(spec, team)
    if not spec.window_start <= day <= spec.window_end:
        raise InputError(
            f"{day} is outside the window {spec.window_start} .. {spec.window_end}", field="--date"
        )
    if not calendar.is_working_day(day):
        reason = calendar.day_off_reason(day) or "a day off"
        raise InputError(f"{day:%d/%m/%Y} is not a working day ({reason})", field="--date")


def pin(uow: UnitOfWork, case_id: int, team: str | None, day: date | None) -> CaseRow:
    """Fix a case's visit to a (team, day); without both, fix it where the plan has it now.
    The pin takes effect at the next `plan --replan`."""
    with uow:
        case = _case_row(uow.session, case_id)
        _, spec = _campaign(uow.session, case.campaign_key)
        team = team or case.plan_team
        day = day or case.visit_date
        if team is None or day is None:
            raise InputError(f"case {case_id} has no planned visit yet: give --team and --date")
        _check_slot(spec, spec.working_calendar(), team, day)
        case.pin_team, case.pin_date = team, day
        uow.session.add(case)
        uow.commit()
        return case


def unpin(uow: UnitOfWork, case_id: int) -> None:
    with uow:
        case = _case_row(uow.session, case_id)
        case.pin_team = case.pin_date = None
        uow.session.add(case)
        uow.commit()


def block_team(uow: UnitOfWork, key: str, team: str, days: list[date], reason: str = "") -> int:
    """Record days a team cannot visit (on top of the campaign file); returns how many are new."""
    with uow:
        _, spec = _campaign(uow.session, key)
        _require_team(spec, team)
        stored = set(
            uow.session.exec(
                select(col(TeamUnavailableRow.day)).where(
                    TeamUnavailableRow.campaign_key == key, TeamUnavailableRow.team == team
                )
            )
        )
        new = sorted(set(days) - stored)
        uow.session.add_all(
            TeamUnavailableRow(campaign_key=key, team=team, day=day, reason=reason) for day in new
        )
        uow.commit()
    return len(new)


def block_unit(
    uow: UnitOfWork, key: str, unit_code: str, days: list[date], reason: str = ""
) -> int:
    """Record days a unit asked not to be visited; returns how many are new."""
    with uow:
        _campaign(uow.session, key)
        has_case = uow.session.exec(
            select(CaseRow.id).where(CaseRow.campaign_key == key, CaseRow.unit_code == unit_code)
        ).first()
        if has_case is None:
            raise InputError(f"unit {unit_code!r} is not a target of campaign {key}", field="UNIT")
        stored = set(
            uow.session.exec(
                select(col(UnitBlackoutRow.day)).where(
                    UnitBlackoutRow.campaign_key == key, UnitBlackoutRow.unit_code == unit_code
                )
            )
        )
        new = sorted(set(days) - stored)
        uow.session.add_all(
            UnitBlackoutRow(campaign_key=key, unit_code=unit_code, day=day, reason=reason)
            for day in new
        )
        uow.commit()
    return len(new)
