"""The entry point: check, solve the core exactly, refine, and explain infeasibility.

Re-planning is the same call with `current` set on the visits: every moved visit costs `move`
(100,000 by default, more than any other term can save), so the optimum moves as few visits as
possible, and `Solution.moved` lists them. Cheap counting checks run before the flow so the
common shortages get precise figures; whatever they miss, the flow finds, and its unplaced
visits are reported with the limits that hemmed them in.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType

from inspect_engine.domain.planning.flow import Slots, build_slots, solve_core
from inspect_engine.domain.planning.problem import (
    Assignment,
    CostModel,
    Infeasible,
    Problem,
    Solution,
    Weights,
    area_cost,
    core_cost,
)
from inspect_engine.domain.planning.refine import refine


def _codes(problem: Problem, vs: Sequence[int], limit: int = 5) -> str:
    codes = [problem.visits[v].unit_code for v in vs[:limit]]
    return ", ".join(codes) + (", ..." if len(vs) > limit else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def precheck(problem: Problem, slots: Slots) -> list[str]:
    """Shortages visible by counting: no slot at all for a visit, too few slots overall or late."""
    reasons: list[str] = []
    days = problem.days
    n_teams = len(problem.teams)
    no_team, too_late, blacked, no_match = [], [], [], []
    for v in slots.free:
        visit = problem.visits[v]
        allowed_teams = [t for t in range(n_teams) if t not in slots.excluded[v]]
        if slots.waived[v] is not None:
            continue  # its announced slot stays open to it
        if not allowed_teams:
            no_team.append(v)
        elif visit.earliest is not None and (not days or visit.earliest > days[-1]):
            too_late.append(v)
        elif not slots.days_of[v]:
            blacked.append(v)
        elif not any(slots.cap[t][i] > 0 for t in allowed_teams for i in slots.days_of[v]):
            no_match.append(v)
    if no_team:
        reasons.append(
            f"{_plural(len(no_team), 'visit')} ({_codes(problem, no_team)}) "
            f"{_verb(len(no_team), 'has', 'have')} every team "
            "conflicted (a member comes from the unit): add a team without such members"
        )
    if too_late:
        reasons.append(
            f"{_plural(len(too_late), 'visit')} ({_codes(problem, too_late)}) cannot start "
            "before the window ends (earliest day after the last working day): widen the window"
        )
    if blacked:
        reasons.append(
            f"{_plural(len(blacked), 'visit')} ({_codes(problem, blacked)}) "
            f"{_verb(len(blacked), 'is', 'are')} blacked out on "
            "every remaining working day of the window: shorten the blackout or widen the window"
        )
    if no_match:
        reasons.append(
            f"{_plural(len(no_match), 'visit')} ({_codes(problem, no_match)}) "
            f"{_verb(len(no_match), 'has', 'have')} no day on "
            "which a team they may get is available: add a team or change unavailability"
        )
    capacity = sum(
        t.visits_per_day * sum(o) for t, o in zip(problem.teams, slots.open_day, strict=True)
    )
    limited = len(slots.fixed) + sum(slots.team_capacity(t) for t in range(n_teams))
    if len(problem.visits) > capacity:
        reasons.append(
            f"needs {len(problem.visits)} visit slots (team-days × visits per day), {capacity} "
            "available in window after team unavailability: add a team or widen the window"
        )
    elif len(problem.visits) > limited:
        reasons.append(
            f"needs {len(problem.visits)} visit slots, {limited} available in window under the "
            "teams' max_visits_per_week: raise a limit, add a team or widen the window"
        )
    elif days:
        # Visits that cannot happen before day k need the slots from k on (Hall's condition).
        per_day = [sum(slots.cap[t][i] for t in range(n_teams)) for i in range(len(days))]
        starts = [  # a locked visit may keep its earlier slot: leave it out (conservative)
            slots.days_of[v][0] for v in slots.free if slots.days_of[v] and slots.waived[v] is None
        ]
        need = [0] * (len(days) + 1)
        for k in starts:
            need[k] += 1
        worst, worst_k, have, needed = 0, -1, 0, 0
        for k in range(len(days) - 1, -1, -1):
            have += per_day[k]
            needed += need[k]
            if needed - have > worst:
                worst, worst_k, w_need, w_have = needed - have, k, needed, have
        if worst_k >= 0:
            reasons.append(
                f"{w_need} visits cannot happen before {days[worst_k]:%d/%m/%Y}, but only {w_have} "
                "visit slots are left from then to the window end: add a team, widen the window "
                "or shorten the lead times"
            )
    return reasons


def _diagnose(problem: Problem, slots: Slots, unplaced: list[int]) -> list[str]:
    """Explain visits the flow could not place: the slots open to them are all taken."""
    groups: dict[tuple[frozenset[int], int], list[int]] = {}
    for v in unplaced:
        first = slots.days_of[v][0] if slots.days_of[v] else 0
        groups.setdefault((slots.excluded[v], first), []).append(v)
    reasons = []
    for (excl, first), vs in sorted(groups.items(), key=lambda kv: kv[1][0]):
        limits = []
        if first > 0:
            limits.append(f"days from {problem.days[first]:%d/%m/%Y}")
        if excl:
            limits.append(
                "teams other than " + ", ".join(problem.teams[t].name for t in sorted(excl))
            )
        where = f" ({'; '.join(limits)})" if limits else ""
        reasons.append(
            f"{_plural(len(vs), 'visit')} ({_codes(problem, vs)}) could not be placed: every slot "
            f"open to them{where} is needed by other visits: add a team or widen the window"
        )
    return reasons


def fewest_moves(problem: Problem) -> int:
    """The fewest visits any valid plan must move: the same exact flow, costing 1 per move and
    nothing else (so the figure does not depend on how the preferences are weighed)."""
    weights = Weights(0, 0, 0, 1, 0, 0, 0, 0)
    counting = replace(problem, weights=weights, pace="early")
    model = CostModel(counting)
    return solve_core(counting, build_slots(counting, model)).optimum


def solve(problem: Problem) -> Solution:
    """Plan every visit: exact core by min-cost flow, then area grouping within time_limit_s."""
    started = time.perf_counter()
    model = CostModel(problem)
    slots = build_slots(problem, model)
    reasons = slots.errors + precheck(problem, slots)
    if reasons:
        raise Infeasible(reasons)
    core = solve_core(problem, slots)
    if core.unplaced:
        raise Infeasible(_diagnose(problem, slots, core.unplaced))
    flow_plan = [s for s in core.slots if s is not None]
    flow_done = time.perf_counter()
    plan, refine_stats = refine(
        problem, slots, flow_plan, core.class_of, flow_done + problem.time_limit_s
    )
    refined = time.perf_counter()
    assignments = tuple(
        Assignment(v.case_id, problem.teams[t].name, problem.days[i])
        for v, (t, i) in zip(problem.visits, plan, strict=True)
    )
    core_part = core_cost(problem, assignments, model)
    full = core_part + area_cost(problem, assignments, model)
    flow_assignments = [
        Assignment(v.case_id, problem.teams[t].name, problem.days[i])
        for v, (t, i) in zip(problem.visits, flow_plan, strict=True)
    ]
    flow_core = core_cost(problem, flow_assignments, model)
    if flow_core != core.optimum:  # the decomposition must reproduce the flow's cost
        raise RuntimeError(f"flow cost {core.optimum} != plan core cost {flow_core}")
    moved = tuple(
        a.case_id
        for v, a in zip(problem.visits, assignments, strict=True)
        if v.current is not None and v.current != (a.team, a.day)
    )
    min_moves = fewest_moves(problem) if any(v.current for v in problem.visits) else 0
    capacity = sum(model.capacity)
    stats = dict(core.stats)
    stats.update(refine_stats)
    stats.update(
        {
            "total_s": time.perf_counter() - started,
            "refine_s": refined - flow_done,
            "flow_area_terms": float(area_cost(problem, flow_assignments, model)),
            "area_terms": float(full - core_part),
            "utilisation": len(problem.visits) / capacity if capacity else 0.0,
        }
    )
    # The move term is a rule, reported as `moved` against `min_moves`; the bound stays valid
    # without it for every plan that moves no more visits than this one.
    moves = problem.weights.move * len(moved)
    preferences, bound = full - moves, core.optimum - moves
    return Solution(
        assignments=assignments,
        objective=preferences,
        core_objective=core.optimum,
        lower_bound=bound,
        gap=(preferences - bound) / max(1, preferences),
        core_gap=0.0,
        moved=moved,
        min_moves=min_moves,
        stats=MappingProxyType(stats),
    )
