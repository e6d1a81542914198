"""Stage 2: group the units of an area on one team and on consecutive days (the area terms).

The flow's optimum is one of a huge plateau: visits of one flow class (same conflicts, allowed
days and focus, no current slot) cost the same in every slot the class received, so any
permutation of them among those slots keeps the core cost exactly. `fill` exploits it first:
each class's slots are taken team by team in day order and handed out area by area, so an area
runs in a block on one team (and focus and non-focus blocks line up on the same teams, since
areas are in the same order in every class). Then a deterministic local search (`LocalSearch`)
trades core cost against area terms with moves that keep every hard constraint: a visit to a
free slot, or two visits exchanging slots. It tries, in order, same-day team swaps (free for
the core), filling the gap days inside an area's span on a team, and pulling an area's
stragglers onto the teams that carry most of it; it stops after a pass without improvement or
at `time_limit_s`. Visits with a current slot (re-planning) are left out of `fill`: moving them
costs `move`, which no area gain can repay, so the search moves them only into cheaper slots.

Why not CP-SAT (measured by bench/planner.py, 2 cores shared with other work, even pace): the
alternative, bench/cpsat_lns.py, is a large-neighbourhood search where each step hands CP-SAT
the visits of two teams over 10 working days (0.2 s per step), hinted with the current plan
(`add_hint`). National instance (3,321 visits, 40 teams, 106 days; lower bound 480,725), 5 s
budget, same filled start; full objective with the area terms in brackets:
    flow alone                      1,543,985  (1,063,260)
    flow + fill                       551,225     (70,500)   < 0.1 s
    flow + fill + local search        503,793     (18,120)   5.0 s: 4 passes, 72k evaluations
    flow + fill + CP-SAT LNS          546,257     (65,520)   5.0 s: 37 steps, 9 improving
Building each CP-SAT model in Python costs as much as solving it, so CP-SAT sees few
neighbourhoods; the local search evaluates ~15k moves per second. Measured with the early pace
(before the pace terms), a CP-SAT polish after the converged local search gained 0.06% for more
than doubling the time, so `solve` stops at the local search.
"""

from __future__ import annotations

import time
from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from inspect_engine.domain.planning.flow import Slot, Slots
from inspect_engine.domain.planning.problem import Problem


def fill(problem: Problem, slots: Slots, plan: list[Slot], class_of: list[int]) -> list[Slot]:
    """Re-deal each flow class's slots so areas come in blocks; the core cost is unchanged."""
    visits = problem.visits
    area_rank = {a: k for k, a in enumerate(sorted({v.area for v in visits}))}
    groups: dict[int, list[int]] = defaultdict(list)
    for v in slots.free:
        if slots.current[v] is None and class_of[v] >= 0:
            groups[class_of[v]].append(v)
    out = list(plan)
    for members in groups.values():
        if len(members) < 2:
            continue
        dealt = sorted((plan[v] for v in members), key=lambda s: (s[0], s[1]))
        order = sorted(members, key=lambda v: (area_rank[visits[v].area], v))
        for v, slot in zip(order, dealt, strict=True):
            out[v] = slot
    return out


class LocalSearch:
    """Incremental evaluation of the full objective under moves and swaps."""

    def __init__(self, problem: Problem, slots: Slots, plan: list[Slot]) -> None:
        model = slots.model
        self.problem, self.slots, self.model = problem, slots, model
        self.w = problem.weights.area_split
        n_teams = len(problem.teams)
        self.team = [s[0] for s in plan]
        self.day = [s[1] for s in plan]
        self.movable = [False] * len(plan)
        for v in slots.free:
            self.movable[v] = True
        self.vpd = [t.visits_per_day for t in problem.teams]
        self.occ: dict[Slot, list[int]] = defaultdict(list)
        self.load = [0] * n_teams
        n_buckets, n_weeks = len(model.bucket_kind), model.n_weeks
        self.bload = [[0] * n_buckets for _ in range(n_teams)]  # visits per (team, bucket)
        self.wload = [[0] * n_weeks for _ in range(n_teams)]  # visits per (team, week)
        self.wlimit = [t.max_visits_per_week for t in problem.teams]
        areas = sorted({v.area for v in problem.visits if v.area})
        aid = {a: k for k, a in enumerate(areas)}
        self.area = [aid.get(v.area, -1) for v in problem.visits]
        self.cnt = [[0] * n_teams for _ in areas]
        self.pos: dict[Slot, list[int]] = defaultdict(list)  # (area, team) -> sorted positions
        self.dist: dict[Slot, Counter[int]] = defaultdict(Counter)
        # Cumulative balance cost per team and load, so a load change is a lookup.
        self.bal = []
        for t in range(n_teams):
            acc = [0]
            for k in range(1, model.capacity[t] + 1):
                acc.append(acc[-1] + model.balance_step(t, k))
            self.bal.append(acc)
        self.posmap = [{i: p for p, i in enumerate(model.available[t])} for t in range(n_teams)]
        for v in range(len(plan)):
            self._add(v, self.team[v], self.day[v])
        self.evaluations = 0

    # -- bookkeeping ------------------------------------------------------------------------------

    def _add(self, v: int, t: int, i: int) -> None:
        self.team[v], self.day[v] = t, i
        self.occ[(t, i)].append(v)
        self.load[t] += 1
        self.bload[t][self.model.bucket_of[i]] += 1
        self.wload[t][self.model.week_of[i]] += 1
        a = self.area[v]
        if a >= 0:
            self.cnt[a][t] += 1
            p = self.posmap[t].get(i, 0)
            insort(self.pos[(a, t)], p)
            self.dist[(a, t)][p] += 1

    def _remove(self, v: int) -> None:
        t, i = self.team[v], self.day[v]
        self.occ[(t, i)].remove(v)
        self.load[t] -= 1
        self.bload[t][self.model.bucket_of[i]] -= 1
        self.wload[t][self.model.week_of[i]] -= 1
        a = self.area[v]
        if a >= 0:
            self.cnt[a][t] -= 1
            p = self.posmap[t].get(i, 0)
            self.pos[(a, t)].remove(p)
            d = self.dist[(a, t)]
            d[p] -= 1
            if not d[p]:
                del d[p]

    def pair_cost(self, a: int, t: int) -> int:
        """Area terms of (area, team): one per team used (minus one per area, a constant)."""
        p = self.pos[(a, t)]
        if not p:
            return 0
        return self.w * (p[-1] - p[0] + 2 - len(self.dist[(a, t)]))

    def team_cost(self, t: int) -> int:
        """Balance and pace terms of team t (they change only when a move changes its loads)."""
        return self.bal[t][self.load[t]] + self.model.pace_of_loads(t, self.wload[t])

    def bucket_cost(self, t: int, b: int) -> int:
        return self.model.bucket_cost(t, b, self.bload[t][b])

    def visit_cost(self, v: int) -> int:
        return self.model.visit_cost(self.problem.visits[v], self.team[v], self.day[v])

    def total(self) -> int:
        n_areas = sum(1 for row in self.cnt if any(row))
        n_buckets = len(self.model.bucket_kind)
        return (
            sum(self.visit_cost(v) for v in range(len(self.team)))
            + sum(self.team_cost(t) for t in range(len(self.load)))
            + sum(self.bucket_cost(t, b) for t in range(len(self.load)) for b in range(n_buckets))
            + sum(self.pair_cost(a, t) for a, t in list(self.pos))
            - self.w * n_areas
        )

    def _local(self, vs: list[int], teams: set[int], buckets: set[Slot] | None = None) -> int:
        """The terms a change of `vs` can touch (a swap keeps every bucket's load)."""
        pairs = {(self.area[v], t) for v in vs for t in teams if self.area[v] >= 0}
        return (
            sum(self.visit_cost(v) for v in vs)
            + (sum(self.team_cost(t) for t in teams) if buckets else 0)
            + sum(self.bucket_cost(t, b) for t, b in buckets or ())
            + sum(self.pair_cost(a, t) for a, t in pairs)
        )

    # -- moves ------------------------------------------------------------------------------------

    def try_move(self, v: int, t: int, i: int) -> bool:
        """Move v to (t, i) if it is eligible, has room and lowers the objective."""
        if not self.movable[v] or len(self.occ[(t, i)]) >= self.vpd[t]:
            return False
        if not self.slots.eligible(v, t, i):
            return False
        old = (self.team[v], self.day[v])
        week = self.model.week_of[i]
        limit = self.wlimit[t]
        same_week = (old[0], self.model.week_of[old[1]]) == (t, week)
        if limit is not None and not same_week and self.wload[t][week] >= limit:
            return False
        self.evaluations += 1
        teams = {old[0], t}
        bucket_of = self.model.bucket_of
        buckets = {(old[0], bucket_of[old[1]]), (t, bucket_of[i])}
        before = self._local([v], teams, buckets)
        self._remove(v)
        self._add(v, t, i)
        if self._local([v], teams, buckets) < before:
            return True
        self._remove(v)
        self._add(v, *old)
        return False

    def try_swap(self, v: int, w: int) -> bool:
        """Exchange the slots of v and w if both are eligible and it lowers the objective."""
        sv = (self.team[v], self.day[v])
        sw = (self.team[w], self.day[w])
        if v == w or sv == sw or not (self.movable[v] and self.movable[w]):
            return False
        if (
            self.area[v] == self.area[w]
            and self.problem.visits[v].focus == self.problem.visits[w].focus
            and self.slots.current[v] is None
            and self.slots.current[w] is None
        ):
            return False  # same area and cost: nothing to gain
        if not (self.slots.eligible(v, *sw) and self.slots.eligible(w, *sv)):
            return False
        self.evaluations += 1
        teams = {sv[0], sw[0]}
        before = self._local([v, w], teams)
        self._remove(v)
        self._remove(w)
        self._add(v, *sw)
        self._add(w, *sv)
        if self._local([v, w], teams) < before:
            return True
        self._remove(v)
        self._remove(w)
        self._add(v, *sv)
        self._add(w, *sw)
        return False

    # -- neighbourhoods ---------------------------------------------------------------------------

    def same_day(self) -> Iterator[bool]:
        """Swap visits of one day between teams (core-neutral), or move to a free slot that day."""
        n_teams = len(self.load)
        by_day: dict[int, list[int]] = defaultdict(list)
        for v in self.slots.free:
            by_day[self.day[v]].append(v)
        for i in sorted(by_day):
            vs = by_day[i]
            for x, v in enumerate(vs):
                for w in vs[x + 1 :]:
                    if self.day[v] != i or self.day[w] != i:
                        continue
                    a, b = self.area[v], self.area[w]
                    tv, tw = self.team[v], self.team[w]
                    if tv == tw or a == b:
                        continue
                    if (a >= 0 and self.cnt[a][tw]) or (b >= 0 and self.cnt[b][tv]):
                        yield self.try_swap(v, w)
                a = self.area[v]
                if a >= 0 and self.day[v] == i:
                    for t in range(n_teams):
                        if t != self.team[v] and self.cnt[a][t] > self.cnt[a][self.team[v]]:
                            yield self.try_move(v, t, i)

    def _at(self, t: int, p: int) -> Slot | None:
        avail = self.model.available[t]
        return (t, avail[p]) if 0 <= p < len(avail) else None

    def _into(self, v: int, slot: Slot) -> Iterator[bool]:
        """Move v into `slot`, or swap it with each visit there."""
        yield self.try_move(v, *slot)
        for w in list(self.occ[slot]):
            if self.area[w] != self.area[v]:
                yield self.try_swap(v, w)

    def fill_gaps(self) -> Iterator[bool]:
        """Bring an area's extreme visits on a team into the holes of its span."""
        for a, t in sorted(self.pos):
            p = self.pos[(a, t)]
            if not p or p[-1] - p[0] + 1 == len(self.dist[(a, t)]):
                continue
            used = set(self.dist[(a, t)])
            for hole in range(p[0] + 1, p[-1]):
                if hole in used or not p:
                    continue
                target = self._at(t, hole)
                if target is None:
                    continue
                for end in (p[0], p[-1]):
                    src = self._at(t, end)
                    if src is None:
                        continue
                    for v in [u for u in self.occ[src] if self.area[u] == a]:
                        yield from self._into(v, target)
                    break
                p = self.pos[(a, t)]
                used = set(self.dist[(a, t)])

    def stragglers(self) -> Iterator[bool]:
        """Move visits of an area away from teams that carry little of it, next to its block."""
        n_teams = len(self.load)
        for a, row in enumerate(self.cnt):
            teams = sorted((t for t in range(n_teams) if row[t]), key=lambda t: (-row[t], t))
            for t in teams[1:][::-1]:
                vs = [v for v in self.slots.free if self.area[v] == a and self.team[v] == t]
                for v in vs:
                    for t2 in teams[:3]:
                        if t2 == self.team[v] or not self.cnt[a][t2]:
                            continue
                        p = self.pos[(a, t2)]
                        used = set(self.dist[(a, t2)])
                        spots = [p[0] - 1, p[-1] + 1]
                        spots += [q for q in range(p[0] + 1, p[-1]) if q not in used][:8]
                        for q in spots:
                            target = self._at(t2, q)
                            if target is not None and self.team[v] != t2:
                                yield from self._into(v, target)

    def run(self, deadline: float) -> dict[str, float]:
        passes = 0
        improved = True
        hoods: list[Callable[[], Iterator[bool]]] = [self.same_day, self.fill_gaps, self.stragglers]
        while improved and time.perf_counter() < deadline:
            improved = False
            passes += 1
            for hood in hoods:
                for k, gain in enumerate(hood()):
                    improved |= gain
                    if k % 64 == 0 and time.perf_counter() >= deadline:
                        break
        return {"ls_passes": float(passes), "ls_evaluations": float(self.evaluations)}


def refine(
    problem: Problem, slots: Slots, plan: list[Slot], class_of: list[int], deadline: float
) -> tuple[list[Slot], dict[str, float]]:
    """Stage 2 as used by `solve`: fill, then local search until `deadline` (perf_counter)."""
    started = time.perf_counter()
    ls = LocalSearch(problem, slots, fill(problem, slots, plan, class_of))
    if ls.total() > LocalSearch(problem, slots, plan).total():  # fill only reorders: rare
        ls = LocalSearch(problem, slots, plan)
    filled_at = time.perf_counter()
    stats = ls.run(deadline)
    stats["fill_s"] = filled_at - started
    stats["local_search_s"] = time.perf_counter() - filled_at
    return [(ls.team[v], ls.day[v]) for v in range(len(plan))], stats
