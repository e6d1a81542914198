"""The visit-planning problem, its solution, and the objective every stage minimises.

Hard constraints: each visit gets exactly one (team, day) with the day in `Problem.days`, on or
after `earliest`, outside the visit's `blackout` and the team's `unavailable` days, at most
`visits_per_day` visits per (team, day), and never with a team that has a member from the unit.
A pinned visit sits exactly at its pin; a locked visit stays at `current` unless `force`. The
lead decided those slots, so `earliest` is waived for a pinned visit at its pin and for a locked
visit at its current slot (an announced visit may already be inside the notice lead time); every
other rule still holds there, and a pin that breaks one is an error, not a wish.

The objective (all integers; D = len(days), i = 0-based index of the visit's day):

    Σ_visits  day·i + focus_day·i·[focus] + reserve·[i ≥ D − 5·reserve_weeks]
              + move·[current is set and (team, day) ≠ current]
  + Σ_teams   reserve_excess · max(0, R_t − ⌊(1 − reserve_share) · RC_t⌋)
  + Σ_teams   Σ_{k=1..L_t} balance · ⌊100·k / C_t⌋
  + area_split · Σ_areas (number of teams the area is spread over − 1)
  + area_split · Σ_(area, team) gap days

- C_t: the team's capacity in the window (visits_per_day × its available days); L_t its load.
  The k-th visit of a team costs `balance` per percentage point of C_t already used, so the
  cost is convex and loads come out proportional to capacity ("even load").
- RC_t: the team's capacity in the reserve period (the last 5·reserve_weeks working days); R_t
  the visits it has there. Each reserve visit costs `reserve`; the reserve share is soft: using
  more than (1 − reserve_share) of RC_t costs `reserve_excess` more per visit, so it happens only
  when nothing cheaper exists (reserve_excess < move: re-planning still moves the fewest visits).
- Gap days of an area on a team: the team's available working days strictly between two
  consecutive days on which it visits units of that area (its own days off are not gaps).
  Visits with an empty area have no area terms.

The first three lines are the "core": linear per visit plus convex per team, so a min-cost flow
solves them exactly (flow.py). The area terms are side constraints (refine.py). They are >= 0,
so the core optimum is a lower bound on the full objective.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType


@dataclass(frozen=True)
class Team:
    name: str
    visits_per_day: int
    unavailable: frozenset[date] = frozenset()
    member_units: frozenset[str] = frozenset()  # unit codes its members belong to


@dataclass(frozen=True)
class Visit:
    case_id: int
    unit_code: str
    area: str = ""
    focus: bool = False  # unit in a focus sector: prefer earlier
    earliest: date | None = None  # None = window start
    blackout: frozenset[date] = frozenset()
    pinned: tuple[str, date] | None = None  # (team, day) fixed by the team lead
    current: tuple[str, date] | None = None  # existing assignment: moving it costs `move`
    locked: bool = False  # announced: stays at `current` unless Problem.force


@dataclass(frozen=True)
class Weights:
    """Integer costs of the objective (see the module docstring for the exact formula)."""

    day: int = 1  # per working-day index of the visit (earlier is better, mildly)
    focus_day: int = 4  # extra per day index for focus visits (focus first)
    reserve: int = 50  # per visit placed in the reserve period
    move: int = 100_000  # per moved visit in re-planning (dominates everything else)
    balance: int = 2  # per percentage point of a team's capacity used, for each visit it gets
    area_split: int = 30  # per extra team an area is spread over / per gap day of an area
    reserve_excess: int = 1_000  # per reserve-period visit beyond (1 - reserve_share) of it

    def __post_init__(self) -> None:
        for name in ("day", "focus_day", "reserve", "move", "balance", "area_split"):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be >= 0")
        if self.reserve_excess < 0:
            raise ValueError("weight reserve_excess must be >= 0")


@dataclass(frozen=True)
class Problem:
    days: tuple[date, ...]  # working days of the window, ascending
    teams: tuple[Team, ...]
    visits: tuple[Visit, ...]
    reserve_share: float = 0.15  # share of reserve-period capacity kept free (soft)
    reserve_weeks: int = 3
    weights: Weights = field(default_factory=Weights)
    force: bool = False
    time_limit_s: float = 5.0  # for the side-constraint stage

    def __post_init__(self) -> None:
        if any(a >= b for a, b in zip(self.days, self.days[1:], strict=False)):
            raise ValueError("days must be strictly ascending")
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("team names must be unique")
        if any(t.visits_per_day < 0 for t in self.teams):
            raise ValueError("visits_per_day must be >= 0")
        ids = [v.case_id for v in self.visits]
        if len(set(ids)) != len(ids):
            raise ValueError("case_id must be unique")
        if not 0.0 <= self.reserve_share <= 1.0:
            raise ValueError("reserve_share must be between 0 and 1")
        if self.reserve_weeks < 0 or self.time_limit_s < 0:
            raise ValueError("reserve_weeks and time_limit_s must be >= 0")


@dataclass(frozen=True)
class Assignment:
    case_id: int
    team: str
    day: date


@dataclass(frozen=True)
class Solution:
    assignments: tuple[Assignment, ...]  # one per visit, in the order of Problem.visits
    objective: int  # full objective of the returned plan
    core_objective: int  # the exact min-cost-flow optimum of the core
    lower_bound: int  # valid lower bound on the full objective (the core optimum)
    gap: float  # (objective - lower_bound) / max(1, objective)
    core_gap: float  # 0.0: the flow is solved to optimality
    moved: tuple[int, ...]  # case_ids whose assignment differs from `current`
    stats: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


class Infeasible(Exception):
    """No plan satisfies the hard constraints; `reasons` says what is short, in plain words."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons: list[str] = list(reasons)
        super().__init__("; ".join(self.reasons) or "infeasible")


class CostModel:
    """The per-problem constants of the objective, computed once and shared by every stage."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.weights = problem.weights
        n_days = len(problem.days)
        self.n_days = n_days
        self.day_index: dict[date, int] = {d: i for i, d in enumerate(problem.days)}
        self.team_index: dict[str, int] = {t.name: k for k, t in enumerate(problem.teams)}
        self.reserve_start = max(0, n_days - 5 * problem.reserve_weeks)
        # Available day indices per team, for capacities and gap positions.
        self.available: list[list[int]] = [
            [i for i, d in enumerate(problem.days) if d not in t.unavailable] for t in problem.teams
        ]
        self.capacity: list[int] = [
            t.visits_per_day * len(av) for t, av in zip(problem.teams, self.available, strict=True)
        ]
        self.reserve_capacity: list[int] = [
            t.visits_per_day * sum(1 for i in av if i >= self.reserve_start)
            for t, av in zip(problem.teams, self.available, strict=True)
        ]
        share = 1.0 - problem.reserve_share
        # The tiny epsilon keeps 0.85 * 20 = 17, not 16.999...
        self.reserve_allowance: list[int] = [int(share * rc + 1e-9) for rc in self.reserve_capacity]

    def day_cost(self, focus: bool, day: int) -> int:
        """The per-visit linear cost of a day index, without the move term."""
        w = self.weights
        cost = (w.day + w.focus_day) * day if focus else w.day * day
        return cost + w.reserve if day >= self.reserve_start else cost

    def visit_cost(self, visit: Visit, team: int, day: int) -> int:
        """The per-visit linear part of the objective for `visit` at (team, day index)."""
        cost = self.day_cost(visit.focus, day)
        if visit.current is not None and (
            visit.current[0] != self.problem.teams[team].name
            or visit.current[1] != self.problem.days[day]
        ):
            cost += self.weights.move
        return cost

    def balance_step(self, team: int, k: int) -> int:
        """Marginal balance cost of the k-th visit (k >= 1) of `team`: convex in k."""
        cap = self.capacity[team]
        return self.weights.balance * (100 * k // cap) if cap > 0 else 0

    def balance_cost(self, team: int, load: int) -> int:
        return sum(self.balance_step(team, k) for k in range(1, load + 1))

    def reserve_excess_cost(self, team: int, reserve_load: int) -> int:
        return self.weights.reserve_excess * max(0, reserve_load - self.reserve_allowance[team])

    def position(self, team: int, day: int) -> int:
        """Index of `day` among the team's available days (for gap days)."""
        return bisect_left(self.available[team], day)


def gap_days(positions: Iterable[int]) -> int:
    """Gap days of a set of day positions: span minus the days used."""
    distinct = set(positions)
    if not distinct:
        return 0
    return max(distinct) - min(distinct) + 1 - len(distinct)


def _indexed(
    problem: Problem, model: CostModel, assignments: Iterable[Assignment]
) -> list[tuple[Visit, int, int]]:
    by_id = {v.case_id: v for v in problem.visits}
    out: list[tuple[Visit, int, int]] = []
    for a in assignments:
        if a.case_id not in by_id:
            raise ValueError(f"case {a.case_id} is not a visit of the problem")
        if a.team not in model.team_index or a.day not in model.day_index:
            raise ValueError(f"case {a.case_id}: team or day outside the problem")
        out.append((by_id[a.case_id], model.team_index[a.team], model.day_index[a.day]))
    return out


def core_cost(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """The core (flow-representable) part of the objective of a plan, possibly partial."""
    model = CostModel(problem)
    rows = _indexed(problem, model, assignments)
    n_teams = len(problem.teams)
    load = [0] * n_teams
    reserve_load = [0] * n_teams
    total = 0
    for visit, t, i in rows:
        total += model.visit_cost(visit, t, i)
        load[t] += 1
        if i >= model.reserve_start:
            reserve_load[t] += 1
    for t in range(n_teams):
        total += model.balance_cost(t, load[t]) + model.reserve_excess_cost(t, reserve_load[t])
    return total


def area_cost(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """The side-constraint part: teams an area is spread over, and its gap days per team."""
    model = CostModel(problem)
    groups: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for visit, t, i in _indexed(problem, model, assignments):
        if visit.area:
            groups[visit.area][t].append(model.position(t, i))
    split = sum(len(teams) - 1 for teams in groups.values())
    gaps = sum(gap_days(pos) for teams in groups.values() for pos in teams.values())
    return problem.weights.area_split * (split + gaps)


def objective(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """The full objective of any plan (a partial plan is costed on its assigned visits)."""
    rows = list(assignments)
    return core_cost(problem, rows) + area_cost(problem, rows)
