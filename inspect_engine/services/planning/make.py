"""Make a plan (or re-plan one), store each case's slot with its `reschedule` event, report it."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import bindparam, update
from sqlmodel import Session

from inspect_engine.domain import planning
from inspect_engine.domain.workflow.model import RESCHEDULE_TRIGGER
from inspect_engine.errors import CheckFailed, ConflictError, InputError
from inspect_engine.services import workflows
from inspect_engine.services.cases import Batch, Request, apply_request
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.services.planning.context import (
    PlannedVisit,
    PlanningContext,
    build_problem,
    earliest_visit,
    load_context,
)
from inspect_engine.services.planning.views import latest_run
from inspect_engine.services.planning.weeks import TeamWeek, pace_weeks, reserve_start
from inspect_engine.storage.event_store import EventStore, StaleCase, WriteConflict
from inspect_engine.storage.tables import CaseRow, PlanRunRow
from inspect_engine.storage.uow import UnitOfWork

PLANNER_ACTOR = "planner"


@dataclass(frozen=True)
class PlanReport:
    """A plan as made: its visits and how good it is. `objective`, `lower_bound` and `gap` are
    on the preference terms; the moves are `moved` against `min_moves`."""

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
    pace: str = "even"
    min_moves: int = 0
    weeks: list[TeamWeek] = field(default_factory=list)  # the pace span's team weeks
    reserve_start: date | None = None
    reserve_slots: int = 0
    replan: bool = False

    def reserve_visits(self) -> int:
        start = self.reserve_start
        return 0 if start is None else sum(1 for v in self.visits if v.date >= start)

    def busiest_week(self) -> TeamWeek | None:
        """The team week of the pace span with the most visits (fullest first on a tie)."""
        return max(self.weeks, key=lambda w: (w.visits, w.visits / w.slots), default=None)

    def quietest_week(self) -> TeamWeek | None:
        """The team week of the pace span with the fewest visits (emptiest first on a tie)."""
        return min(self.weeks, key=lambda w: (w.visits, w.visits / w.slots), default=None)

    def per_month_and_team(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for v in self.visits:
            table[v.team][f"{v.date:%m/%Y}"] += 1
        return dict(table)

    def utilisation(self) -> dict[str, float]:
        load = Counter(v.team for v in self.visits)
        return {team: load[team] / cap if cap else 0.0 for team, cap in self.capacity.items()}

    def mean_focus_date(self) -> date | None:
        return _mean_date(v.date for v in self.visits if v.unit_code in self.focus_codes)

    def mean_other_date(self) -> date | None:
        return _mean_date(v.date for v in self.visits if v.unit_code not in self.focus_codes)


def _mean_date(days: Iterable[date]) -> date | None:
    ordinals = [d.toordinal() for d in days]
    return date.fromordinal(round(sum(ordinals) / len(ordinals))) if ordinals else None


def problem_for(
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
        ctx = load_context(uow.session, key)
    return build_problem(ctx, as_of, replan=replan, force=force, time_limit=time_limit)


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
    with uow:
        session = uow.session
        ctx = load_context(session, key)
        if not ctx.cases:
            raise InputError(f"campaign {key!r} has no case left to plan", field="KEY")
        already = [c for c in ctx.cases if c.visit_date is not None]
        if already and not replan:
            raise InputError(
                f"campaign {key!r} already has a plan ({len(already)} visits): pass --replan "
                "to change it with as few moves as possible"
            )
        if force and not replan:
            raise InputError("--force only applies with --replan", field="--force")
        planned_from = as_of or local_today(clock)
        problem = build_problem(
            ctx, planned_from, replan=replan, force=force, time_limit=time_limit
        )
        started = time.perf_counter()
        try:
            solution = planning.solve(problem)
        except planning.Infeasible as exc:
            raise CheckFailed(
                f"campaign {key} cannot be planned: "
                + "; ".join(exc.reasons)
                + ("" if as_of else _from_today(session, key, planned_from))
            ) from None
        seconds = time.perf_counter() - started
        moved = _store(uow, ctx, solution, replan=replan, clock=clock)
        session.add(
            PlanRunRow(
                campaign_key=key,
                as_of=planned_from,
                replan=replan,
                forced=force,
                visits=len(solution.assignments),
                moved=len(moved),
                objective=solution.objective,  # the preference terms, as printed
                lower_bound=solution.lower_bound,
                gap=solution.gap,
                seconds=seconds,
                created_at=clock(),
            )
        )
        uow.commit()
    return replace(
        _report(ctx, planned_from, solution, moved, seconds, problem.pace), replan=replan
    )


def _from_today(session: Session, key: str, today: date) -> str:
    """What to say when a plan from today (no --as-of) cannot be made."""
    last = latest_run(session, key)
    hint = f" (the last plan was made as of {last.as_of:%d/%m/%Y})" if last else ""
    return (
        f"; planned from today, {today:%d/%m/%Y}, as --as-of was not given: pass --as-of DATE "
        f"to plan from another day{hint}"
    )


def _store(
    uow: UnitOfWork,
    ctx: PlanningContext,
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
        request = Request(RESCHEDULE_TRIGGER, PLANNER_ACTOR, "system", payload)
        apply_request(store, batch, defn, head, request, now, follow_reschedule=False)
        notice_due, evidence_due = ctx.due_dates(a.day)
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
    ctx: PlanningContext,
    as_of: date,
    solution: planning.Solution,
    moved: list[int],
    seconds: float,
    pace: str,
) -> PlanReport:
    by_id = {c.id: c for c in ctx.cases}
    visits = [ctx.visit(by_id[a.case_id], a.team, a.day) for a in solution.assignments]
    days = ctx.calendar.working_days(ctx.spec.window_start, ctx.spec.window_end)
    capacity = {
        t.name: t.visits_per_day * sum(1 for d in days if d not in ctx.team_off.get(t.name, ()))
        for t in ctx.spec.teams
    }
    reserve = reserve_start(ctx)
    reserve_slots = 0
    if reserve is not None:
        reserve_slots = sum(
            t.visits_per_day
            for t in ctx.spec.teams
            for d in days
            if d >= reserve and d not in ctx.team_off.get(t.name, ())
        )
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
        pace,
        solution.min_moves,
        pace_weeks(ctx, visits, earliest_visit(ctx.spec, ctx.calendar, as_of)),
        reserve,
        reserve_slots,
    )
