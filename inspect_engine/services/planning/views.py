"""Read the stored plan: its visits, and an independent check of every hard constraint."""

from __future__ import annotations

from sqlmodel import Session, col, select

from inspect_engine.domain import planning
from inspect_engine.errors import InputError
from inspect_engine.services.planning.context import (
    PlannedVisit,
    build_problem,
    load_context,
    require_team,
)
from inspect_engine.storage.tables import PlanRunRow
from inspect_engine.storage.uow import UnitOfWork


def planned_visits(uow: UnitOfWork, key: str, team: str | None = None) -> list[PlannedVisit]:
    """The stored plan, by date."""
    with uow:
        ctx = load_context(uow.session, key)
    if team is not None:
        require_team(ctx.spec, team)
    return ctx.stored_visits(team)


def latest_run(session: Session, key: str) -> PlanRunRow | None:
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
        ctx = load_context(uow.session, key)
        run = latest_run(uow.session, key)
    if run is None:
        raise InputError(f"campaign {key!r} has no plan yet: run `inspect-engine plan {key}`")
    problem = build_problem(ctx, run.as_of, replan=True, force=False, time_limit=0)
    assignments = []
    problems = []
    for case in ctx.cases:
        assert case.id is not None
        if case.plan_team is None or case.visit_date is None:
            problems.append(f"case {case.id} ({case.unit_code}) has no planned visit")
        else:
            assignments.append(planning.Assignment(case.id, case.plan_team, case.visit_date))
    return problems + planning.check(problem, assignments)
