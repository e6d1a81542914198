"""The rejected alternative to the local search of `domain/planning/refine.py`, kept so that
bench/planner.py can measure it in the same run: CP-SAT large-neighbourhood search."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from inspect_engine.domain.planning.flow import Slot, Slots
from inspect_engine.domain.planning.problem import Problem
from inspect_engine.domain.planning.refine import LocalSearch


def cpsat_lns(
    problem: Problem,
    slots: Slots,
    plan: list[Slot],
    deadline: float,
    window: int = 10,
    step_s: float = 0.2,
) -> tuple[list[Slot], dict[str, float]]:
    """CP-SAT large-neighbourhood search from `plan`.

    Each step frees the movable visits of two teams within `window` working days, over those
    teams' open slots in the window, keeps each team's load and its load in each bucket (so
    balance, reserve and pace terms are fixed), and minimises visit costs plus the area terms of
    the two teams (visits outside the step stay where they are and count), hinted with the
    current plan.
    """
    from ortools.sat.python import cp_model

    ls = LocalSearch(problem, slots, plan)
    model = slots.model
    n_teams, n_days = len(problem.teams), len(problem.days)
    pairs = sorted(
        ((t1, t2) for t1 in range(n_teams) for t2 in range(t1 + 1, n_teams)),
        key=lambda p: (-sum(min(r[p[0]], r[p[1]]) for r in ls.cnt), p),
    )
    steps = improved = 0
    w = problem.weights.area_split
    for (t1, t2), lo in ((p, lo) for p in pairs for lo in range(0, n_days, window)):
        if time.perf_counter() >= deadline - 0.05:
            break
        steps += 1
        hi = lo + window
        vs = [v for v in slots.free if ls.team[v] in (t1, t2) and lo <= ls.day[v] < hi]
        if not vs:
            continue
        freed = set(vs)
        m = cp_model.CpModel()
        x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        for v in vs:
            options = []
            for t in (t1, t2):
                for i in range(lo, min(hi, n_days)):
                    if slots.cap[t][i] > 0 and slots.eligible(v, t, i):
                        var = m.new_bool_var("")
                        x[(v, t, i)] = var
                        options.append(var)
                        m.add_hint(var, (ls.team[v], ls.day[v]) == (t, i))
            m.add_exactly_one(options)
        by_slot: dict[Slot, list[cp_model.IntVar]] = defaultdict(list)
        for (_, t, i), var in x.items():
            by_slot[(t, i)].append(var)
        for (t, i), group in by_slot.items():
            m.add(sum(group) <= slots.cap[t][i] + sum(1 for u in ls.occ[(t, i)] if u not in freed))
        for t in (t1, t2):
            m.add(
                sum(var for (_, tt, _), var in x.items() if tt == t)
                == sum(1 for v in vs if ls.team[v] == t)
            )
            for b in {model.bucket_of[i] for i in range(lo, min(hi, n_days))}:
                m.add(
                    sum(var for (_, tt, i), var in x.items() if tt == t and model.bucket_of[i] == b)
                    == sum(1 for v in vs if ls.team[v] == t and model.bucket_of[ls.day[v]] == b)
                )
        terms = [model.visit_cost(problem.visits[v], t, i) * var for (v, t, i), var in x.items()]
        for a in sorted({ls.area[v] for v in vs if ls.area[v] >= 0}):
            for t in (t1, t2):
                n_pos = len(model.available[t])
                used: dict[int, list[cp_model.IntVar]] = defaultdict(list)
                for (v, tt, i), var in x.items():
                    if tt == t and ls.area[v] == a:
                        used[ls.posmap[t][i]].append(var)
                mine = Counter(
                    ls.posmap[t][ls.day[v]] for v in vs if ls.team[v] == t and ls.area[v] == a
                )
                fixed_pos = set((Counter(ls.pos[(a, t)]) - mine).keys())
                any_ = m.new_bool_var("")
                first = m.new_int_var(0, n_pos, "")
                last = m.new_int_var(0, n_pos, "")
                days_used = []
                for p, group in used.items():
                    if p in fixed_pos:
                        continue
                    z = m.new_bool_var("")
                    m.add_max_equality(z, group)
                    m.add(first <= p).only_enforce_if(z)
                    m.add(last >= p).only_enforce_if(z)
                    m.add_implication(z, any_)
                    days_used.append(z)
                for p in fixed_pos:
                    m.add(first <= p)
                    m.add(last >= p)
                    m.add(any_ == 1)
                gap = m.new_int_var(0, n_pos, "")
                m.add(gap >= last - first + 1 - sum(days_used) - len(fixed_pos)).only_enforce_if(
                    any_
                )
                terms.append(w * gap + w * any_)
        m.minimize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            0.01, min(step_s, deadline - time.perf_counter())
        )
        solver.parameters.num_workers = 2
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        chosen = {v: (t, i) for (v, t, i), var in x.items() if solver.boolean_value(var)}
        before = ls.total()
        old = {v: (ls.team[v], ls.day[v]) for v in vs}
        for v in vs:
            ls._remove(v)
        for v in vs:
            ls._add(v, *chosen[v])
        if ls.total() >= before:  # keep only strict improvements
            for v in vs:
                ls._remove(v)
            for v in vs:
                ls._add(v, *old[v])
        else:
            improved += 1
    plan_out = [(ls.team[v], ls.day[v]) for v in range(len(plan))]
    return plan_out, {"cpsat_steps": float(steps), "cpsat_improving": float(improved)}
