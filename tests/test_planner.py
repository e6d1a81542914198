"""Visit planner: hand-made instances with known answers, infeasibility reasons, the checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from inspect_engine.domain.planning import (
    Assignment,
    Infeasible,
    Problem,
    Team,
    Visit,
    area_cost,
    check,
    core_cost,
    greedy,
    objective,
    solve,
)
from tests.pace_checks import month_shares, uneven_months

DAYS = tuple(date(2026, 8, 3) + timedelta(k) for k in range(10))


def mk(
    visits: list[Visit],
    teams: list[Team] | None = None,
    n_days: int = 10,
    **kw: object,
) -> Problem:
    teams = teams or [Team("A", 1), Team("B", 1)]
    kw.setdefault("reserve_weeks", 0)
    kw.setdefault("time_limit_s", 1.0)
    return Problem(days=DAYS[:n_days], teams=tuple(teams), visits=tuple(visits), **kw)  # type: ignore[arg-type]


def units(n: int, **kw: object) -> list[Visit]:
    return [Visit(k + 1, f"U{k + 1:02d}", **kw) for k in range(n)]  # type: ignore[arg-type]


def slot(sol_assignments: tuple[Assignment, ...], case_id: int) -> tuple[str, date]:
    a = next(a for a in sol_assignments if a.case_id == case_id)
    return a.team, a.day


def reasons(problem: Problem) -> list[str]:
    with pytest.raises(Infeasible) as info:
        solve(problem)
    return info.value.reasons


# -- solving --------------------------------------------------------------------------------------


def test_capacity_exactly_enough_fills_every_slot() -> None:
    p = mk(units(6), n_days=3)
    sol = solve(p)
    assert check(p, sol.assignments) == []
    assert {(a.team, a.day) for a in sol.assignments} == {(t, d) for t in "AB" for d in DAYS[:3]}
    assert sol.core_gap == 0.0 and sol.objective >= sol.lower_bound


def test_conflict_of_interest_forces_the_other_team() -> None:
    p = mk(units(2), [Team("A", 1, member_units=frozenset({"U01"})), Team("B", 1)], n_days=1)
    sol = solve(p)
    assert slot(sol.assignments, 1) == ("B", DAYS[0])
    assert slot(sol.assignments, 2) == ("A", DAYS[0])


def test_earliest_pushes_a_visit_later() -> None:
    p = mk([Visit(1, "U01", earliest=DAYS[4])], pace="early")
    assert slot(solve(p).assignments, 1)[1] == DAYS[4]
    # Even: one visit over the 3 + 3 days left of two weeks keeps its earliest day too.
    assert slot(solve(replace(p, pace="even")).assignments, 1)[1] >= DAYS[4]


def test_blackout_and_unavailability_are_avoided() -> None:
    p = mk(
        [Visit(1, "U01", blackout=frozenset({DAYS[0]}))],
        [Team("A", 1, unavailable=frozenset({DAYS[1]}))],
    )
    assert slot(solve(p).assignments, 1) == ("A", DAYS[2])


def test_focus_visits_come_first() -> None:
    vs = [Visit(k + 1, f"U{k}", focus=k % 2 == 1) for k in range(10)]
    p = mk(vs, [Team("A", 1)])
    sol = solve(p)
    day = {a.case_id: a.day for a in sol.assignments}
    focus = sorted(day[v.case_id] for v in vs if v.focus)
    other = sorted(day[v.case_id] for v in vs if not v.focus)
    assert focus == list(DAYS[:5]) and other == list(DAYS[5:])


def test_loads_are_balanced_across_teams() -> None:
    p = mk(units(6), [Team("A", 3), Team("B", 3)])
    loads = [sum(a.team == t for a in solve(p).assignments) for t in "AB"]
    assert loads == [3, 3]


def test_reserve_period_is_used_only_when_needed() -> None:
    # Reserve: the last 5 of 10 days, in two calendar weeks (Sat-Sun 8-9/8, Mon-Wed 10-12/8),
    # each keeping 15% free: 1 of 2 and 2 of 3 days may be used before the excess cost.
    for pace in ("even", "early"):
        p = mk(units(8), [Team("A", 1)], reserve_weeks=1, pace=pace)
        days = sorted(a.day for a in solve(p).assignments)
        assert days[:5] == list(DAYS[:5]), "every day before the reserve is used first"
        reserve = days[5:]
        assert sum(d <= DAYS[6] for d in reserve) == 1 and sum(d > DAYS[6] for d in reserve) == 2


def test_objective_matches_the_documented_formula() -> None:
    # 1 team, 10 days, last 5 reserved (Sat-Sun 8-9/8 and Mon-Wed 10-12/8): days 0+...+9 = 45,
    # balance 2 x 10% steps: 2 x 10 x (1+...+10) = 1100, one visit over 85% of each reserve
    # week (1 of 2, 2 of 3): 2 x 1000. Early: 5 reserve visits x 50 = 250.
    p = mk(units(10), [Team("A", 1)], reserve_weeks=1, pace="early")
    sol = solve(p)
    assert sol.core_objective == sol.lower_bound == 45 + 250 + 1100 + 2000
    assert sol.objective == objective(p, sol.assignments) == 3395
    # Even: the pace week (days 0-4) holds its whole share of 10 visits' worth at its capacity
    # 5 (pace term 0); every step is negative, so a reserve visit costs 50 + 0 + 100 x 2 + 1.
    p = replace(p, pace="even")
    sol = solve(p)
    assert sol.core_objective == sol.lower_bound == 45 + 5 * (50 + 201) + 1100 + 2000
    assert sol.objective == objective(p, sol.assignments) == 4400


def test_even_pace_spreads_each_team_over_its_weeks() -> None:
    # 2 teams of 1 a day over 4 Monday-to-Friday weeks, 8 visits each: 2 a week, not 5-5-5-1.
    days = tuple(date(2026, 8, 3) + timedelta(7 * w + d) for w in range(4) for d in range(5))
    vs = [Visit(k + 1, f"U{k:02d}", area=f"R{k % 4}", focus=k % 3 == 0) for k in range(16)]
    even = Problem(days=days, teams=(Team("A", 1), Team("B", 1)), visits=tuple(vs), reserve_weeks=0)
    for pace, expected in (("even", [2, 2, 2, 2]), ("early", [5, 3, 0, 0])):
        sol = solve(replace(even, pace=pace))
        assert check(even, sol.assignments) == []
        for team in "AB":
            weeks = [0, 0, 0, 0]
            for a in sol.assignments:
                if a.team == team:
                    weeks[(a.day - days[0]).days // 7] += 1
            assert weeks == expected, (pace, team, weeks)
    # Focus visits still come first: without areas, they take the first slots of the spread.
    plain = replace(even, visits=tuple(replace(v, area="") for v in vs))
    day = {a.case_id: a.day for a in solve(plain).assignments}
    focus = sorted(day[v.case_id] for v in vs if v.focus)
    other = sorted(day[v.case_id] for v in vs if not v.focus)
    assert focus[-1] <= other[0], (focus, other)


def test_weekly_limit_is_hard_and_checked() -> None:
    days = tuple(date(2026, 8, 3) + timedelta(7 * w + d) for w in range(2) for d in range(5))
    team = Team("A", 2, max_visits_per_week=3)
    p = Problem(days=days, teams=(team,), visits=tuple(units(6)), reserve_weeks=0, pace="early")
    sol = solve(p)
    per_week = sorted(
        sum((a.day - days[0]).days // 7 == w for a in sol.assignments) for w in (0, 1)
    )
    assert per_week == [3, 3] and check(p, sol.assignments) == []
    crammed = [Assignment(k + 1, "A", days[k // 2]) for k in range(6)]
    (problem,) = check(p, crammed)
    assert (
        "6 visits in the week from 03/08/2026" in problem and "max_visits_per_week of 3" in problem
    )
    assert "under the teams' max_visits_per_week" in reasons(replace(p, visits=tuple(units(7))))[0]
    pins = [Visit(k + 1, f"U{k}", pinned=("A", days[k % 2])) for k in range(4)]
    assert any(
        "over its max_visits_per_week of 3" in r for r in reasons(replace(p, visits=tuple(pins)))
    )


def test_areas_are_grouped_on_one_team_and_consecutive_days() -> None:
    vs = [Visit(k + 1, f"U{k}", area="north" if k % 2 else "south") for k in range(8)]
    p = mk(vs, n_days=4)
    sol = solve(p)
    assert check(p, sol.assignments) == []
    assert area_cost(p, sol.assignments) == 0
    assert sol.objective == sol.lower_bound and sol.gap == 0.0


def test_pinned_visit_stays_even_before_its_earliest_day() -> None:
    pin = ("B", DAYS[3])
    p = mk([*units(3), Visit(9, "U09", earliest=DAYS[6], pinned=pin)])
    sol = solve(p)
    assert slot(sol.assignments, 9) == pin
    assert check(p, sol.assignments) == []


def test_pin_on_an_unavailable_day_is_an_error() -> None:
    p = mk([Visit(1, "U01", pinned=("A", DAYS[2]))], [Team("A", 1, frozenset({DAYS[2]}))])
    (reason,) = reasons(p)
    assert "U01" in reason and "unavailable" in reason


def test_pins_over_capacity_are_an_error() -> None:
    p = mk([Visit(k, f"U{k}", pinned=("A", DAYS[0])) for k in (1, 2)])
    assert any("2 visits on A" in r and "room for 1" in r for r in reasons(p))


def test_locked_visit_stays_put_even_inside_the_lead_time() -> None:
    cur = ("A", DAYS[1])
    p = mk([Visit(1, "U01", earliest=DAYS[5], current=cur, locked=True)])
    sol = solve(p)
    assert slot(sol.assignments, 1) == cur and sol.moved == ()


def test_locked_visit_is_not_moved_without_force_and_moved_with_it() -> None:
    cur = ("A", DAYS[1])
    teams = [Team("A", 1, unavailable=frozenset({DAYS[1]})), Team("B", 1)]
    p = mk([Visit(1, "HN-001", current=cur, locked=True)], teams)
    (reason,) = reasons(p)
    assert reason.startswith("1 announced visit must move (HN-001)")
    assert reason.endswith("re-plan with --force")
    sol = solve(replace(p, force=True))
    assert sol.moved == (1,) and slot(sol.assignments, 1) != cur
    assert check(replace(p, force=True), sol.assignments) == []


def test_replan_moves_only_the_visits_of_the_unavailable_week() -> None:
    teams = [Team("A", 1), Team("B", 1), Team("C", 1)]
    vs = [Visit(k + 1, f"U{k:02d}", area=f"R{k % 3}", focus=k % 4 == 0) for k in range(21)]
    first = solve(mk(vs, teams))
    by_id = {a.case_id: (a.team, a.day) for a in first.assignments}
    week = frozenset(DAYS[:5])
    pinned = next(v.case_id for v in vs if by_id[v.case_id][0] == "B")
    pin = ("B", by_id[pinned][1] + timedelta(0))
    replanned = [
        replace(v, current=by_id[v.case_id], pinned=pin if v.case_id == pinned else None)
        for v in vs
    ]
    teams2 = [replace(teams[0], unavailable=week), *teams[1:]]
    p = mk(replanned, teams2)
    sol = solve(p)
    assert check(p, sol.assignments) == []
    assert slot(sol.assignments, pinned) == pin
    affected = {cid for cid, (t, d) in by_id.items() if t == "A" and d in week}
    assert affected and set(sol.moved) == affected
    assert sol.moved == tuple(sorted(sol.moved))


def test_replan_without_changes_moves_nothing() -> None:
    vs = [Visit(k + 1, f"U{k:02d}", area=f"R{k % 2}", focus=k % 3 == 0) for k in range(12)]
    first = solve(mk(vs))
    by_id = {a.case_id: (a.team, a.day) for a in first.assignments}
    sol = solve(mk([replace(v, current=by_id[v.case_id]) for v in vs]))
    assert sol.moved == ()


# -- infeasibility --------------------------------------------------------------------------------


def test_too_little_capacity_gives_the_exact_figures() -> None:
    p = mk(units(7), [Team("A", 2, unavailable=frozenset({DAYS[0]}))], n_days=4)
    assert reasons(p) == [
        "needs 7 visit slots (team-days × visits per day), 6 available in window after team "
        "unavailability: add a team or widen the window"
    ]


def test_all_teams_unavailable() -> None:
    p = mk(units(2), [Team("A", 1, frozenset(DAYS))])
    rs = reasons(p)
    assert any("needs 2 visit slots" in r and ", 0 available" in r for r in rs)
    assert any("2 visits (U01, U02) have no day on which a team" in r for r in rs)


def test_all_teams_conflicted() -> None:
    teams = [Team(t, 1, member_units=frozenset({"U02"})) for t in "AB"]
    (reason,) = reasons(mk(units(3), teams))
    assert reason.startswith("1 visit (U02) has every team conflicted")


def test_earliest_after_the_window() -> None:
    (reason,) = reasons(mk([Visit(1, "U01", earliest=DAYS[-1] + timedelta(1))]))
    assert "U01" in reason and "cannot start before the window ends" in reason


def test_late_visits_exceed_the_late_capacity() -> None:
    p = mk(units(5, earliest=DAYS[8]), n_days=10)
    (reason,) = reasons(p)
    assert reason.startswith("5 visits cannot happen before 11/08/2026, but only 4 visit slots")


def test_shortage_found_only_by_the_flow_names_the_visits() -> None:
    teams = [Team("A", 1, member_units=frozenset({"U01", "U02"})), Team("B", 1)]
    (reason,) = reasons(mk(units(2), teams, n_days=1))
    assert "could not be placed" in reason and "teams other than A" in reason


# -- baseline and objective -----------------------------------------------------------------------


def test_greedy_is_never_better_than_the_core_optimum() -> None:
    vs = [Visit(k + 1, f"U{k:02d}", area=f"R{k % 4}", focus=k % 3 == 0) for k in range(15)]
    p = mk(vs)
    plan = greedy(p)
    sol = solve(p)
    assert len(plan) == 15 and check(p, plan) == []
    assert sol.core_objective <= core_cost(p, plan) <= objective(p, plan)
    assert sol.objective == objective(p, sol.assignments)


def test_greedy_leaves_out_what_it_cannot_place() -> None:
    p = mk(units(3), [Team("A", 1)], n_days=2)
    assert len(greedy(p)) == 2


# -- the checker: one hand-broken plan per kind of violation --------------------------------------

TEAMS = [
    Team("A", 1, unavailable=frozenset({DAYS[5]}), member_units=frozenset({"U03"})),
    Team("B", 1),
]
VISITS = [
    Visit(1, "U01", earliest=DAYS[2]),
    Visit(2, "U02", blackout=frozenset({DAYS[4]})),
    Visit(3, "U03"),
    Visit(4, "U04", pinned=("B", DAYS[7])),
    Visit(5, "U05", current=("B", DAYS[8]), locked=True),
]
GOOD = [
    Assignment(1, "A", DAYS[2]),
    Assignment(2, "A", DAYS[3]),
    Assignment(3, "B", DAYS[0]),
    Assignment(4, "B", DAYS[7]),
    Assignment(5, "B", DAYS[8]),
]


def broken(case_id: int, team: str, day: date) -> list[Assignment]:
    return [Assignment(case_id, team, day) if a.case_id == case_id else a for a in GOOD]


def test_checker_accepts_the_good_plan() -> None:
    assert check(mk(VISITS, TEAMS), GOOD) == []


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (GOOD[1:], "has no slot"),
        ([*GOOD, Assignment(1, "B", DAYS[2])], "assigned 2 times"),
        ([*GOOD, Assignment(99, "A", DAYS[0])], "not a visit of this plan"),
        (broken(2, "Z", DAYS[3]), "unknown team"),
        (broken(2, "A", date(2026, 8, 1)), "not a working day of the window"),
        (broken(1, "A", DAYS[1]), "before its earliest day"),
        (broken(2, "A", DAYS[4]), "blackout day"),
        (broken(2, "A", DAYS[5]), "when A is unavailable"),
        (broken(3, "A", DAYS[0]), "has a member from that unit"),
        (broken(2, "B", DAYS[0]), "more than its 1 per day"),
        (broken(4, "B", DAYS[6]), "is pinned to B"),
        (broken(5, "B", DAYS[9]), "may not move without force"),
    ],
)
def test_checker_catches_each_violation(plan: list[Assignment], words: str) -> None:
    found = check(mk(VISITS, TEAMS), plan)
    assert len(found) == 1 and words in found[0], found


def test_checker_lets_a_forced_locked_visit_move() -> None:
    assert check(mk(VISITS, TEAMS, force=True), broken(5, "B", DAYS[9])) == []


@pytest.mark.slow
def test_national_instance_gets_a_valid_even_plan_better_than_greedy() -> None:
    """Its speed is measured by bench/planner.py, not asserted here. With the default even
    pace every month before the reserve holds half to twice its share of the visits, overall
    and for every one of the 40 teams."""
    import importlib
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parent.parent / "bench"
    if not (bench / "data" / "vn-communes-2025.csv").exists():
        pytest.skip("bench/data/vn-communes-2025.csv is missing")
    sys.path.insert(0, str(bench))
    p: Problem = importlib.import_module("planner").national()
    assert p.pace == "even"
    sol = solve(p)
    assert check(p, sol.assignments) == []
    assert sol.core_gap == 0.0 and sol.lower_bound <= sol.objective
    assert sol.objective < objective(p, greedy(p))
    span = p.days[: len(p.days) - 5 * p.reserve_weeks]
    for team in [None, *p.teams]:
        teams = p.teams if team is None else (team,)

        def slots(day: date, teams: tuple[Team, ...] = teams) -> int:
            return sum(t.visits_per_day for t in teams if day not in t.unavailable)

        days = [a.day for a in sol.assignments if team is None or a.team == team.name]
        assert not uneven_months(month_shares(span, slots, days)), team
