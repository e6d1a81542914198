"""Visit planner on random tiny instances: valid plans, sound bounds, and an exact core.

Exactness is proven against a brute force that enumerates every plan, with eligibility
re-derived here from the rules in the problem's docstring (not from the solver's code).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_engine.domain.planning import (
    Assignment,
    Infeasible,
    Problem,
    Team,
    Visit,
    check,
    core_cost,
    greedy,
    objective,
    solve,
)
from inspect_engine.domain.planning.problem import CostModel

# Thursday to Monday: two calendar weeks, so weekly limits, pace and reserve buckets all split.
DAYS = tuple(date(2026, 9, 10) + timedelta(k) for k in range(5))
CODES = ["U1", "U2", "U3", "U4", "U5"]


@st.composite
def problems(draw: st.DrawFn, max_visits: int = 4, replan: bool = True) -> Problem:
    n_days = draw(st.integers(1, 5))
    days = DAYS[:n_days]
    day = st.sampled_from(days)
    teams = []
    for k in range(draw(st.integers(1, 2))):
        teams.append(
            Team(
                f"T{k}",
                draw(st.integers(0, 2)),
                frozenset(draw(st.sets(day, max_size=2))),
                frozenset(draw(st.sets(st.sampled_from(CODES), max_size=1))),
                draw(st.none() | st.integers(0, 3)),
            )
        )
    names = [t.name for t in teams]
    slot = st.tuples(st.sampled_from(names), day)
    visits = []
    for k in range(draw(st.integers(0, max_visits))):
        current = draw(st.none() | slot) if replan else None
        visits.append(
            Visit(
                k + 1,
                draw(st.sampled_from(CODES)),
                draw(st.sampled_from(["", "N", "S"])),
                draw(st.booleans()),
                draw(st.none() | day),
                frozenset(draw(st.sets(day, max_size=1))),
                draw(st.none() | slot) if replan and draw(st.integers(0, 2)) == 0 else None,
                current,
                current is not None and draw(st.booleans()),
            )
        )
    return Problem(
        days=days,
        teams=tuple(teams),
        visits=tuple(visits),
        reserve_weeks=draw(st.integers(0, 1)) if n_days == 5 else 0,
        force=draw(st.booleans()),
        time_limit_s=0.2,
        pace=draw(st.sampled_from(["even", "early"])),
    )


def options(p: Problem, v: Visit) -> list[tuple[str, date]]:
    """Slots allowed to v by the documented rules, capacity aside."""

    def valid(team: Team, d: date) -> bool:
        return (
            d not in team.unavailable
            and d not in v.blackout
            and v.unit_code not in team.member_units
            and team.visits_per_day > 0
        )

    teams = {t.name: t for t in p.teams}
    if v.pinned is not None:
        return [v.pinned] if valid(teams[v.pinned[0]], v.pinned[1]) else []
    out = []
    if v.locked and v.current is not None and valid(teams[v.current[0]], v.current[1]):
        out.append(v.current)
    if v.locked and v.current is not None and not p.force:
        return out
    for t in p.teams:
        for d in p.days:
            if (v.earliest is None or d >= v.earliest) and valid(t, d) and (t.name, d) not in out:
                out.append((t.name, d))
    return out


def brute_force(p: Problem) -> tuple[int, int] | None:
    """The core optimum over every plan and the fewest moves of any plan; None when no plan
    exists. Capacities and weekly limits are counted here, not by the solver's code."""
    model = CostModel(p)
    cap: dict[tuple[str, date], int] = {
        (t.name, d): t.visits_per_day for t in p.teams for d in p.days
    }
    week_left: dict[tuple[str, date], float] = {
        (t.name, d - timedelta(d.weekday())): (
            float("inf") if t.max_visits_per_week is None else t.max_visits_per_week
        )
        for t in p.teams
        for d in p.days
    }
    opts = [options(p, v) for v in p.visits]
    best: list[int | None] = [None]
    fewest: list[int | None] = [None]
    chosen: list[tuple[str, date]] = []

    def go(k: int) -> None:
        if k == len(p.visits):
            plan = [Assignment(v.case_id, t, d) for v, (t, d) in zip(p.visits, chosen, strict=True)]
            cost = core_cost(p, plan, model)
            moves = sum(
                v.current is not None and v.current != s
                for v, s in zip(p.visits, chosen, strict=True)
            )
            if best[0] is None or cost < best[0]:
                best[0] = cost
            if fewest[0] is None or moves < fewest[0]:
                fewest[0] = moves
            return
        for s in opts[k]:
            week = (s[0], s[1] - timedelta(s[1].weekday()))
            if cap[s] > 0 and week_left[week] > 0:
                cap[s] -= 1
                week_left[week] -= 1
                chosen.append(s)
                go(k + 1)
                chosen.pop()
                week_left[week] += 1
                cap[s] += 1

    go(0)
    return None if best[0] is None or fewest[0] is None else (best[0], fewest[0])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_core_is_exact_and_infeasibility_is_real(p: Problem) -> None:
    found = brute_force(p)
    try:
        sol = solve(p)
    except Infeasible as exc:
        assert found is None, exc.reasons
        assert exc.reasons and all(isinstance(r, str) and r for r in exc.reasons)
        return
    assert found is not None
    optimum, fewest = found
    assert sol.core_objective == optimum
    assert check(p, sol.assignments) == []
    assert sol.core_gap == 0.0
    # The reported objective and bound leave out the move term; the plan moves the fewest.
    moves = p.weights.move * len(sol.moved)
    assert sol.objective + moves == objective(p, sol.assignments)
    assert sol.objective >= sol.lower_bound == optimum - moves
    assert len(sol.moved) == sol.min_moves == fewest
    assert [a.case_id for a in sol.assignments] == [v.case_id for v in p.visits]
    assert set(sol.moved) == {
        v.case_id
        for v, a in zip(p.visits, sol.assignments, strict=True)
        if v.current is not None and v.current != (a.team, a.day)
    }


@settings(max_examples=100, deadline=None)
@given(problems(max_visits=10, replan=False))
def test_plans_are_valid_and_never_worse_than_greedy(p: Problem) -> None:
    try:
        sol = solve(p)
    except Infeasible:
        return
    assert check(p, sol.assignments) == []
    assert 0.0 <= sol.gap < 1.0 and sol.objective >= sol.lower_bound
    plan = greedy(p)
    if len(plan) == len(p.visits) and not check(p, plan):
        assert sol.core_objective <= core_cost(p, plan) <= objective(p, plan)
