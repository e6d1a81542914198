"""The exact core: eligibility, and the min-cost flow that optimises the core objective.

A visit-per-slot network would need visits × teams × days arcs (14M nationally). Instead visits
with the same eligibility and the same cost per day form a *class* (excluded teams E, allowed
days, focus), and the team part of eligibility is shared through per-(E, day) nodes:

    class --(day cost, cap |class|)--> (E, day) --(cap)--> (team, day) --> team --> sink
    visit --(move)--> class                         (only visits whose current slot is eligible)
    visit --(day cost of the current slot)--> (team, current day)
    (team, day) --> (team, bucket) --(convex arcs: reserve excess)--> (team, week)
    (team, week) --(its weekly limit; no week node without one)--> P_k (a pace week) or team
    P_0 --(convex pace arcs)--> P_1 --> ... --> P_K-1 --(free)--> team       (even pace only)
    team --(convex balance arcs: one per capacity step, increasing cost)--> sink

The arc out of P_k carries every visit of the team's pace weeks 0..k, so its convex cost is the
pace term of that prefix. Days, buckets, weeks and prefixes nest (a bucket is a calendar week
cut at the reserve and pace starts), which is what lets one flow carry them all together.

Any integer flow decomposes into a plan (visits of a class are interchangeable, and every team
reachable from (E, day) is open to every class with that E), and every plan is a flow of the
same cost, so the flow optimum is the exact core optimum. Arcs: classes × days + |E| × teams ×
days, where |E| counts distinct sets of conflicted teams (a few dozen nationally).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from ortools.graph.python import min_cost_flow

from inspect_engine.domain.planning.problem import CostModel, Problem, Visit

Slot = tuple[int, int]  # (team index, day index)


@dataclass
class Slots:
    """What the solver may do with each visit: fixed slots, allowed days and teams, capacity."""

    model: CostModel
    fixed: dict[int, Slot]  # visit index -> its pinned or locked slot
    free: list[int]  # visit indices the solver places
    days_of: list[tuple[int, ...]]  # allowed day indices per visit (earliest, blackout)
    excluded: list[frozenset[int]]  # conflicted team indices per visit
    waived: list[Slot | None]  # a locked visit's current slot, allowed despite `earliest`
    current: list[Slot | None]  # the current slot, when it is a slot of the problem
    open_day: list[list[bool]]  # open_day[t][i]: the team works that day
    cap: list[list[int]]  # capacity left per (team, day) once fixed visits are placed
    week_room: dict[tuple[int, int], int]  # (team, week) -> visits left under its weekly limit
    errors: list[str] = field(default_factory=list)  # pins / locked visits that cannot stand

    def eligible(self, v: int, t: int, i: int) -> bool:
        """May free visit v sit at (t, i), capacity aside?"""
        if not self.open_day[t][i]:
            return False
        if self.waived[v] == (t, i):
            return True
        if t in self.excluded[v]:
            return False
        days = self.days_of[v]
        k = bisect_left(days, i)
        return k < len(days) and days[k] == i

    def team_capacity(self, t: int) -> int:
        """What team t can still take: its open slots, within its weekly limit."""
        per_week: dict[int, int] = defaultdict(int)
        for i, c in enumerate(self.cap[t]):
            per_week[self.model.week_of[i]] += c
        return sum(min(c, self.week_room.get((t, w), c)) for w, c in per_week.items())


def _describe(visit: Visit) -> str:
    return f"{visit.unit_code} (case {visit.case_id})"


def build_slots(problem: Problem, model: CostModel) -> Slots:
    """Eligibility of every visit, with the reasons any pin or locked slot is impossible."""
    teams = problem.teams
    n_days = len(problem.days)
    open_day = [[d not in t.unavailable for d in problem.days] for t in teams]
    cap = [
        [t.visits_per_day if open_day[k][i] else 0 for i in range(n_days)]
        for k, t in enumerate(teams)
    ]
    fixed: dict[int, Slot] = {}
    free: list[int] = []
    days_of: list[tuple[int, ...]] = []
    excluded: list[frozenset[int]] = []
    waived: list[Slot | None] = []
    current: list[Slot | None] = []
    errors: list[str] = []
    stuck: list[str] = []  # announced visits whose slot became impossible
    stuck_why: set[str] = set()

    def slot_of(pair: tuple[str, date] | None) -> Slot | None:
        if pair is None or pair[0] not in model.team_index:
            return None
        i = model.day_index.get(pair[1])
        return None if i is None else (model.team_index[pair[0]], i)

    def problems_at(visit: Visit, t: int, i: int) -> list[str]:
        why = []
        if not open_day[t][i]:
            why.append(f"{teams[t].name} is unavailable that day")
        if visit.unit_code in teams[t].member_units:
            why.append(f"{teams[t].name} has a member from {visit.unit_code}")
        if problem.days[i] in visit.blackout:
            why.append("the unit's blackout day")
        return why

    for v, visit in enumerate(problem.visits):
        cur = slot_of(visit.current)
        current.append(cur)
        earliest = 0 if visit.earliest is None else bisect_left(problem.days, visit.earliest)
        days_of.append(
            tuple(i for i in range(earliest, n_days) if problem.days[i] not in visit.blackout)
        )
        excluded.append(
            frozenset(k for k, t in enumerate(teams) if visit.unit_code in t.member_units)
        )
        lock_here = visit.locked and visit.current is not None
        waived.append(
            cur if lock_here and cur is not None and not problems_at(visit, *cur) else None
        )
        if visit.pinned is not None:
            pin = slot_of(visit.pinned)
            if pin is None:
                errors.append(
                    f"pinned visit {_describe(visit)} names team {visit.pinned[0]!r} or day "
                    f"{visit.pinned[1]:%d/%m/%Y} outside the plan: fix the pin"
                )
                continue
            why = problems_at(visit, *pin)
            if why:
                errors.append(
                    f"pinned visit {_describe(visit)} on {visit.pinned[1]:%d/%m/%Y} with "
                    f"{visit.pinned[0]} is impossible ({'; '.join(why)}): fix the pin"
                )
                continue
            fixed[v] = pin
        elif lock_here and not problem.force:
            why = ["its day is outside the window or its team is gone"]
            if cur is not None:
                why = problems_at(visit, *cur)
            if why:
                stuck.append(visit.unit_code)
                stuck_why.update(why)
                continue
            assert cur is not None
            fixed[v] = cur
        else:
            free.append(v)
    if stuck:
        first = ", ".join(stuck[:5]) + (", ..." if len(stuck) > 5 else "")
        errors.append(
            f"{len(stuck)} announced visit{'s' if len(stuck) > 1 else ''} must move ({first}): "
            f"{'; '.join(sorted(stuck_why))}: re-plan with --force"
        )
    over: dict[Slot, int] = defaultdict(int)
    for t, i in fixed.values():
        cap[t][i] -= 1
        if cap[t][i] < 0:
            over[(t, i)] += 1
    for (t, i), _ in sorted(over.items()):
        errors.append(
            f"pinned and announced visits put {teams[t].visits_per_day - cap[t][i]} visits on "
            f"{teams[t].name} on {problem.days[i]:%d/%m/%Y}, which has room for "
            f"{teams[t].visits_per_day}: move a pin"
        )
    for t, i in over:
        cap[t][i] = 0
    week_room: dict[tuple[int, int], int] = {}
    for t, team in enumerate(teams):
        if team.max_visits_per_week is not None:
            for w in range(model.n_weeks):
                week_room[(t, w)] = team.max_visits_per_week
    for t, i in fixed.values():
        key = (t, model.week_of[i])
        if key in week_room:
            week_room[key] -= 1
    for (t, w), room in sorted(week_room.items()):
        limit = teams[t].max_visits_per_week
        if room < 0 and limit is not None:
            errors.append(
                f"pinned and announced visits put {limit - room} visits on {teams[t].name} in "
                f"the week from {model.mondays[w]:%d/%m/%Y}, over its max_visits_per_week of "
                f"{limit}: move a pin"
            )
            week_room[(t, w)] = 0
    return Slots(
        model, fixed, free, days_of, excluded, waived, current, open_day, cap, week_room, errors
    )


@dataclass
class CoreResult:
    """The flow's plan: a slot per visit (None when the flow could not place it)."""

    slots: list[Slot | None]
    optimum: int  # core objective of the plan (fixed visits included)
    class_of: list[int]  # class index per free visit (-1 for fixed); members are interchangeable
    unplaced: list[int]  # free visits the flow could not place (infeasible problem)
    stats: dict[str, float]


class _Net:
    """Arc lists built in Python, handed to OR-Tools as numpy arrays in one call."""

    def __init__(self) -> None:
        self.n_nodes = 1  # node 0 is the sink
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []

    def node(self) -> int:
        self.n_nodes += 1
        return self.n_nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)
        return len(self.tails) - 1


def _convex_arcs(
    net: _Net, tail: int, head: int, model: CostModel, t: int, b: int, fixed: int, room: int
) -> None:
    """Arcs carrying the k-th visit of team t in bucket b at its marginal cost, for k beyond
    the fixed visits; runs of equal cost share one arc."""
    run_cost, run_len = 0, 0
    for k in range(fixed + 1, fixed + room + 1):
        step = model.bucket_step(t, b, k)
        if run_len and step != run_cost:
            net.arc(tail, head, run_len, run_cost)
            run_len = 0
        run_cost = step
        run_len += 1
    if run_len:
        net.arc(tail, head, run_len, run_cost)


def _chain_arcs(
    net: _Net, tail: int, head: int, model: CostModel, t: int, k: int, fixed: int, room: int
) -> None:
    """Arcs carrying the c-th visit of team t's first k + 1 pace weeks at its marginal cost."""
    run_cost, run_len = 0, 0
    for c in range(fixed + 1, fixed + room + 1):
        step = model.pace_cost(t, k, c) - model.pace_cost(t, k, c - 1)
        if run_len and step != run_cost:
            net.arc(tail, head, run_len, run_cost)
            run_len = 0
        run_cost = step
        run_len += 1
    if run_len:
        net.arc(tail, head, run_len, run_cost)


def solve_core(problem: Problem, slots: Slots) -> CoreResult:
    """Solve the core exactly; visits it cannot place are returned in `unplaced`."""
    started = time.perf_counter()
    model = slots.model
    visits = problem.visits
    n_teams, n_days = len(problem.teams), len(problem.days)
    net = _Net()
    constant = 0
    load = [0] * n_teams
    bucket_load: dict[tuple[int, int], int] = defaultdict(int)
    for v, (t, i) in slots.fixed.items():
        constant += model.visit_cost(visits[v], t, i)
        load[t] += 1
        bucket_load[(t, model.bucket_of[i])] += 1

    # Team side: team-day nodes, bucket, week and pace-chain nodes, team nodes, convex arcs.
    team_node = [net.node() for _ in range(n_teams)]
    team_day: dict[Slot, int] = {}
    week_load: dict[tuple[int, int], int] = defaultdict(int)
    for t, i in slots.fixed.values():
        week_load[(t, model.week_of[i])] += 1
    n_pace = len(model.pace_weeks)
    for t in range(n_teams):
        left = sum(slots.cap[t])
        for k in range(load[t] + 1, load[t] + left + 1):
            net.arc(team_node[t], 0, 1, model.balance_step(t, k))
        constant += model.balance_cost(t, load[t])
        for b in range(len(model.bucket_kind)):
            constant += model.bucket_cost(t, b, bucket_load[(t, b)])
        room_of_week: dict[int, int] = defaultdict(int)
        for i in range(n_days):
            room_of_week[model.week_of[i]] += slots.cap[t][i]
        # The pace chain: the arc out of P_k carries the team's visits of pace weeks 0..k.
        chain = [net.node() for _ in range(n_pace)] if model.pace_table else []
        held, room = 0, 0
        for k, week in enumerate(model.pace_weeks if chain else ()):
            held += week_load[(t, week)]
            room += room_of_week[week]
            if k + 1 < n_pace:
                constant += model.pace_cost(t, k, held)
                _chain_arcs(net, chain[k], chain[k + 1], model, t, k, held, room)
            else:
                net.arc(chain[k], team_node[t], room, 0)
        exit_of: dict[int, int] = {}  # week -> where its visits go on
        week_node: dict[int, int] = {}
        bucket_node: dict[int, int] = {}
        for i in range(n_days):
            if slots.cap[t][i] <= 0:
                continue
            b, w = model.bucket_of[i], model.week_of[i]
            if w not in exit_of:
                pos = model.pace_pos.get(w)
                exit_of[w] = chain[pos] if chain and pos is not None else team_node[t]
                if (t, w) in slots.week_room:
                    week_node[w] = net.node()
                    net.arc(week_node[w], exit_of[w], slots.week_room[(t, w)], 0)
            if b not in bucket_node:
                head = week_node.get(w, exit_of[w])
                bucket_node[b] = net.node()
                room_b = sum(slots.cap[t][j] for j in range(i, n_days) if model.bucket_of[j] == b)
                _convex_arcs(net, bucket_node[b], head, model, t, b, bucket_load[(t, b)], room_b)
            node = net.node()
            team_day[(t, i)] = node
            net.arc(node, bucket_node[b], slots.cap[t][i], 0)

    # Visit side: classes of interchangeable visits, (E, day) nodes shared by a conflict set.
    class_key: dict[tuple[frozenset[int], tuple[int, ...], bool], int] = {}
    class_of = [-1] * len(visits)
    members: list[list[int]] = []
    for v in slots.free:
        key = (slots.excluded[v], slots.days_of[v], visits[v].focus)
        c = class_key.setdefault(key, len(class_key))
        if c == len(members):
            members.append([])
        members[c].append(v)
        class_of[v] = c
    class_node = [net.node() for _ in members]
    e_day: dict[tuple[frozenset[int], int], int] = {}
    class_arcs: list[tuple[int, int, int]] = []  # (arc, class, day)
    for (excl, days, focus), c in class_key.items():
        for i in days:
            if (excl, i) not in e_day:
                e_day[(excl, i)] = net.node()
            node = e_day[(excl, i)]
            class_arcs.append(
                (net.arc(class_node[c], node, len(members[c]), model.day_cost(focus, i)), c, i)
            )
    share_arcs: list[tuple[int, frozenset[int], int, int]] = []  # (arc, E, team, day)
    for (excl, i), node in e_day.items():
        for t in range(n_teams):
            td = team_day.get((t, i))
            if td is not None and t not in excl:
                share_arcs.append((net.arc(node, td, slots.cap[t][i], 0), excl, t, i))
    supplies: dict[int, int] = defaultdict(int)
    direct_arcs: list[tuple[int, int, Slot]] = []  # (arc, visit, slot)
    move = model.weights.move
    for c, group in enumerate(members):
        for v in group:
            cur = slots.current[v]
            td = None if cur is None or not slots.eligible(v, *cur) else team_day.get(cur)
            if cur is None:
                supplies[class_node[c]] += 1
            elif td is None:  # its current slot is gone: the move is unavoidable
                supplies[class_node[c]] += 1
                constant += move
            else:
                vn = net.node()
                supplies[vn] = 1
                net.arc(vn, class_node[c], 1, move)
                direct_arcs.append((net.arc(vn, td, 1, model.visit_cost(visits[v], *cur)), v, cur))
    supplies[0] = -len(slots.free)
    built = time.perf_counter()

    smcf = min_cost_flow.SimpleMinCostFlow()
    all_arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.asarray(net.tails, dtype=np.int32),
        np.asarray(net.heads, dtype=np.int32),
        np.asarray(net.caps, dtype=np.int64),
        np.asarray(net.costs, dtype=np.int64),
    )
    nodes = np.fromiter(supplies.keys(), dtype=np.int32)
    smcf.set_nodes_supplies(nodes, np.fromiter(supplies.values(), dtype=np.int64))
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = smcf.flows(all_arcs)
    solved = time.perf_counter()

    # Decompose the flow into a slot per visit.
    result: list[Slot | None] = [None] * len(visits)
    for v, slot in slots.fixed.items():
        result[v] = slot
    direct = set()
    for arc, v, slot in direct_arcs:
        if flows[arc]:
            result[v] = slot
            direct.add(v)
    tokens: dict[tuple[frozenset[int], int], list[int]] = defaultdict(list)  # classes per (E, day)
    class_excl = [key[0] for key in class_key]  # dicts keep insertion order: index == class
    for arc, c, i in class_arcs:
        tokens[(class_excl[c], i)].extend([c] * int(flows[arc]))
    class_slots: list[list[Slot]] = [[] for _ in members]
    teams_at: dict[tuple[frozenset[int], int], list[int]] = defaultdict(list)
    for arc, excl, t, i in share_arcs:
        teams_at[(excl, i)].extend([t] * int(flows[arc]))
    for (excl, i), cs in tokens.items():
        for c, t in zip(cs, teams_at[(excl, i)], strict=True):
            class_slots[c].append((t, i))
    unplaced: list[int] = []
    for c, group in enumerate(members):
        pool = [v for v in group if v not in direct]
        got = sorted(class_slots[c], key=lambda s: (s[1], s[0]))
        for v, slot in zip(pool, got, strict=False):
            result[v] = slot
        unplaced.extend(pool[len(got) :])
    optimum = int(smcf.optimal_cost()) + constant
    return CoreResult(
        slots=result,
        optimum=optimum,
        class_of=class_of,
        unplaced=unplaced,
        stats={
            "flow_build_s": built - started,
            "flow_solve_s": solved - built,
            "flow_decompose_s": time.perf_counter() - solved,
            "flow_arcs": float(len(net.tails)),
            "flow_nodes": float(net.n_nodes),
            "flow_classes": float(len(members)),
            "flow_conflict_sets": float(len({k[0] for k in class_key})),
        },
    )
