"""The visit-planning problem, its solution, and the objective every stage minimises.

Hard constraints: each visit gets exactly one (team, day) with the day in `Problem.days`, on or
after `earliest`, outside the visit's `blackout` and the team's `unavailable` days, at most
`visits_per_day` visits per (team, day), at most `max_visits_per_week` per (team, calendar week)
when the team has one, and never with a team that has a member from the unit. A pinned visit
sits exactly at its pin; a locked visit stays at `current` unless `force`. The lead decided
those slots, so `earliest` is waived for a pinned visit at its pin and for a locked visit at its
current slot (an announced visit may already be inside the notice lead time); every other rule
still holds there, and a pin that breaks one is an error, not a wish.

Days fall into *buckets*: a calendar week (Monday to Sunday) cut where the reserve period starts
(the last 5·reserve_weeks working days) and where the pace span starts (P = the earliest day any
visit may take; the window's first day when a visit has no `earliest`). A bucket is a reserve
bucket, a pace bucket (from P to the reserve: the pace span) or neither (before P).

The objective (all integers; D = len(days), i = 0-based index of the visit's day):

    Σ_visits  day·i + focus_day·i·[focus] + (reserve + E)·[i in the reserve]
              + move·[current is set and (team, day) ≠ current]
  + Σ_teams   Σ_{k=1..L_t} balance · ⌊100·k / C_t⌋
  + Σ_(team, reserve bucket)  reserve_excess · max(0, R_tb − ⌊(1 − reserve_share) · RC_tb⌋)
  + Σ_teams   Σ_{k=0..K−2} pace_tk(V_tk)                           (pace = "even" only)
  + area_split · Σ_areas (number of teams the area is spread over − 1)
  + area_split · Σ_(area, team) gap days

- C_t: the team's capacity in the window (visits_per_day × its available days); L_t its load.
  The k-th visit of a team costs `balance` per percentage point of C_t already used, so the
  cost is convex and loads come out proportional to capacity ("even load").
- RC_tb: the team's capacity in the reserve days of bucket b; R_tb the visits it has there. Each
  reserve visit costs `reserve`; the reserve share is soft: using more than (1 − reserve_share)
  of RC_tb costs `reserve_excess` more per visit, so it happens only when nothing cheaper exists
  (reserve_excess < move: re-planning still moves the fewest visits). The allowance is counted
  per calendar week so that a weekly limit and the reserve nest (the flow needs that).
- Even pace: the pace weeks 0..K−1 are the calendar weeks holding days of the pace span, from
  P to the reserve. V_tk counts the team's visits in pace weeks 0..k (every day of them), and
  S_tk is where an even pace would have it: B_t + N_P · (c_t0 + ... + c_tk) / Σ c, with c_tj the
  team's capacity in the pace days of week j (capped by its weekly limit), Σ c over every team
  and pace week, N_P the visits not fixed (pinned, or locked without force) outside the pace
  days, and B_t the team's fixed visits before P in week 0. The c-th visit costs
  ⌊pace · (2c − 1 − 2·S_tk)⌋, and pace_tk(V) is the sum of those steps up to V shifted so that
  its minimum is 0: about pace · (V − S_tk)², zero on schedule and growing with the square of
  how far the team runs ahead or behind it. Penalising the running total, not each week, keeps
  rounding from piling up: a share of 2.5 a week comes out 3, 2, 3, 2, not 3, 3, ..., 2, 2.
  The last pace week closes the chain at no cost (the team's total is the balance term's
  business). Focus and area grouping decide which visits fill each week. E (even pace only) is
  one more than the dearest step any pace term can take plus 100·balance: a reserve visit costs
  more than one more visit in the weeks just before the reserve, so the reserve takes what they
  cannot. With pace = "early" the pace terms and E are 0: visits come as early as they can.

The first four lines are the "core": linear per visit plus convex per team and bucket, so a
min-cost flow solves them exactly (flow.py). The area terms are side constraints (refine.py).
They are >= 0, so the core optimum is a lower bound on the full objective. The move term is a
rule more than a preference: `Solution` reports the objective, bound and gap without it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

PACES = ("even", "early")
Pace = Literal["even", "early"]


@dataclass(frozen=True)
class Team:
    name: str
    visits_per_day: int
    unavailable: frozenset[date] = frozenset()
    member_units: frozenset[str] = frozenset()  # unit codes its members belong to
    max_visits_per_week: int | None = None  # hard limit per calendar week (Monday to Sunday)


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
    pace: int = 100  # even pace: about pace × (visits so far − schedule)² per team and week

    def __post_init__(self) -> None:
        for name in (
            "day",
            "focus_day",
            "reserve",
            "move",
            "balance",
            "area_split",
            "reserve_excess",
            "pace",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be >= 0")


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
    pace: Pace = "even"  # "even": spread over the weeks; "early": as early as possible

    def __post_init__(self) -> None:
        if any(a >= b for a, b in zip(self.days, self.days[1:], strict=False)):
            raise ValueError("days must be strictly ascending")
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("team names must be unique")
        if any(t.visits_per_day < 0 for t in self.teams):
            raise ValueError("visits_per_day must be >= 0")
        if any(t.max_visits_per_week is not None and t.max_visits_per_week < 0 for t in self.teams):
            raise ValueError("max_visits_per_week must be >= 0")
        if self.pace not in PACES:
            raise ValueError(f"pace must be one of {', '.join(PACES)}, not {self.pace!r}")
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
    """The plan and how good it is. `objective` and `lower_bound` leave the move term out: it
    is reported as `moved` against `min_moves`, so the gap speaks of the preferences only."""

    assignments: tuple[Assignment, ...]  # one per visit, in the order of Problem.visits
    objective: int  # the plan's preference terms (the full objective without the move term)
    core_objective: int  # the exact min-cost-flow optimum of the core, move term included
    lower_bound: int  # bound on the preference terms of any plan moving no more visits
    gap: float  # (objective - lower_bound) / max(1, objective)
    core_gap: float  # 0.0: the flow is solved to optimality
    moved: tuple[int, ...]  # case_ids whose assignment differs from `current`
    min_moves: int = 0  # fewest visits any valid plan must move (computed on its own)
    stats: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


class Infeasible(Exception):
    """No plan satisfies the hard constraints; `reasons` says what is short, in plain words."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons: list[str] = list(reasons)
        super().__init__("; ".join(self.reasons) or "infeasible")


RESERVE, PACE, BEFORE = "reserve", "pace", "before"  # the kinds of bucket


def monday(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


class CostModel:
    """The per-problem constants of the objective, computed once and shared by every stage."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.weights = problem.weights
        days = problem.days
        n_days = len(days)
        self.n_days = n_days
        self.day_index: dict[date, int] = {d: i for i, d in enumerate(days)}
        self.team_index: dict[str, int] = {t.name: k for k, t in enumerate(problem.teams)}
        self.reserve_start = max(0, n_days - 5 * problem.reserve_weeks)
        self.pace_start = min(
            (0 if v.earliest is None else bisect_left(days, v.earliest) for v in problem.visits),
            default=n_days,
        )
        # Calendar weeks and the buckets that cut them (see the module docstring).
        mondays = sorted({monday(d) for d in days})
        week_no = {m: k for k, m in enumerate(mondays)}
        self.week_of: list[int] = [week_no[monday(d)] for d in days]
        self.bucket_of: list[int] = []
        self.bucket_kind: list[str] = []
        self.bucket_week: list[int] = []
        for i in range(n_days):
            kind = RESERVE if i >= self.reserve_start else PACE if i >= self.pace_start else BEFORE
            if not self.bucket_kind or (self.bucket_week[-1], self.bucket_kind[-1]) != (
                self.week_of[i],
                kind,
            ):
                self.bucket_kind.append(kind)
                self.bucket_week.append(self.week_of[i])
            self.bucket_of.append(len(self.bucket_kind) - 1)
        self.n_weeks = len(mondays)
        self.mondays = mondays
        # Available day indices per team, for capacities and gap positions.
        self.available: list[list[int]] = [
            [i for i, d in enumerate(days) if d not in t.unavailable] for t in problem.teams
        ]
        self.capacity: list[int] = [
            t.visits_per_day * len(av) for t, av in zip(problem.teams, self.available, strict=True)
        ]
        self.bucket_capacity: list[list[int]] = []
        for t, av in zip(problem.teams, self.available, strict=True):
            row = [0] * len(self.bucket_kind)
            for i in av:
                row[self.bucket_of[i]] += t.visits_per_day
            self.bucket_capacity.append(row)
        share = 1.0 - problem.reserve_share
        # The tiny epsilon keeps 0.85 * 20 = 17, not 16.999...
        self.reserve_allowance: list[list[int]] = [
            [int(share * cap + 1e-9) for cap in row] for row in self.bucket_capacity
        ]
        self.pace_weeks: list[int] = []  # weeks with days of the pace span, in order
        self.pace_pos: dict[int, int] = {}  # week -> its position in pace_weeks
        self.pace_table: dict[tuple[int, int], list[int]] = {}
        self.reserve_premium = 0
        if problem.pace == "even":
            self._pace_tables()

    def _pace_tables(self) -> None:
        """pace_table[(t, k)][C]: the pace term of team t having C visits in the pace weeks
        up to the k-th (k < K − 1; the last pace week closes the chain at no cost)."""
        problem, w = self.problem, self.weights
        for i, kind in enumerate(self.bucket_kind):
            if kind == PACE and self.bucket_week[i] not in self.pace_pos:
                self.pace_pos[self.bucket_week[i]] = len(self.pace_weeks)
                self.pace_weeks.append(self.bucket_week[i])
        room = [[0] * len(self.pace_weeks) for _ in problem.teams]  # c_tk, capped by limits
        held = [[0] * len(self.pace_weeks) for _ in problem.teams]  # all slots of the weeks
        for t, team in enumerate(problem.teams):
            for b, kind in enumerate(self.bucket_kind):
                k = self.pace_pos.get(self.bucket_week[b])
                if k is None:
                    continue
                held[t][k] += self.bucket_capacity[t][b]
                if kind == PACE:
                    room[t][k] += self.bucket_capacity[t][b]
            if team.max_visits_per_week is not None:
                room[t] = [min(c, team.max_visits_per_week) for c in room[t]]
        total = sum(map(sum, room))
        if not total:
            return
        n_pace, before = self._fixed_counts()
        dearest = 0
        for t in range(len(problem.teams)):
            # share = before + n_pace · rooms / total, kept as the integer numerator over total
            # so that each step ⌊pace · (2c − 1 − 2·share)⌋ is exact integer arithmetic.
            share_num, cap = before[t] * total, 0
            for k in range(len(self.pace_weeks) - 1):
                share_num += n_pace * room[t][k]
                cap += held[t][k]
                table = [0]
                for c in range(1, cap + 1):
                    step = (w.pace * ((2 * c - 1) * total - 2 * share_num)) // total
                    table.append(table[-1] + step)
                    dearest = max(dearest, step)
                low = min(table)
                self.pace_table[(t, k)] = [x - low for x in table]
        self.reserve_premium = dearest + 100 * w.balance + 1

    def _fixed_counts(self) -> tuple[int, list[int]]:
        """N_P, and per team B_t: the visits fixed before P in the first pace week."""
        problem = self.problem
        n_pace = len(problem.visits)
        before = [0] * len(problem.teams)
        for v in problem.visits:
            slot = v.pinned
            if slot is None and v.locked and not problem.force:
                slot = v.current
            if slot is None:
                continue
            i = self.day_index.get(slot[1])
            kind = None if i is None else self.bucket_kind[self.bucket_of[i]]
            if kind != PACE:
                n_pace -= 1
            t = self.team_index.get(slot[0])
            if (
                i is not None
                and t is not None
                and kind == BEFORE
                and self.week_of[i] == (self.pace_weeks[0])
            ):
                before[t] += 1
        return n_pace, before

    def pace_cost(self, team: int, k: int, visits: int) -> int:
        """The pace term of the team's first k + 1 pace weeks holding `visits`: convex."""
        table = self.pace_table.get((team, k))
        if table is None:
            return 0
        if visits < len(table):
            return table[visits]
        # Only a plan over capacity gets here (the checker reports it): extend the last step.
        last = table[-1] - table[-2] if len(table) > 1 else 0
        return table[-1] + (visits - len(table) + 1) * last

    def pace_of_loads(self, team: int, week_load: Sequence[int]) -> int:
        """The team's pace terms from its visits per week (indexed like `mondays`)."""
        if not self.pace_table:
            return 0
        total, held = 0, 0
        for k, week in enumerate(self.pace_weeks[:-1]):
            held += week_load[week]
            total += self.pace_cost(team, k, held)
        return total

    def day_cost(self, focus: bool, day: int) -> int:
        """The per-visit linear cost of a day index, without the move term."""
        w = self.weights
        cost = (w.day + w.focus_day) * day if focus else w.day * day
        return cost + w.reserve + self.reserve_premium if day >= self.reserve_start else cost

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

    def bucket_cost(self, team: int, bucket: int, load: int) -> int:
        """The reserve-excess term of `load` visits of `team` in `bucket`: convex."""
        if self.bucket_kind[bucket] != RESERVE:
            return 0
        excess = load - self.reserve_allowance[team][bucket]
        return self.weights.reserve_excess * excess if excess > 0 else 0

    def bucket_step(self, team: int, bucket: int, k: int) -> int:
        """Marginal cost of the k-th visit (k >= 1) of `team` in `bucket`."""
        return self.bucket_cost(team, bucket, k) - self.bucket_cost(team, bucket, k - 1)

    def position(self, team: int, day: int) -> int:
        """Index of `day` among the team's available days (for gap positions)."""
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


def core_cost(
    problem: Problem, assignments: Iterable[Assignment], model: CostModel | None = None
) -> int:
    """The core (flow-representable) part of the objective of a plan, possibly partial."""
    model = model or CostModel(problem)
    rows = _indexed(problem, model, assignments)
    n_teams = len(problem.teams)
    load = [0] * n_teams
    week_load = [[0] * model.n_weeks for _ in range(n_teams)]
    bucket_load: dict[tuple[int, int], int] = defaultdict(int)
    total = 0
    for visit, t, i in rows:
        total += model.visit_cost(visit, t, i)
        load[t] += 1
        week_load[t][model.week_of[i]] += 1
        bucket_load[(t, model.bucket_of[i])] += 1
    for t in range(n_teams):
        total += model.balance_cost(t, load[t]) + model.pace_of_loads(t, week_load[t])
    for (t, b), n in bucket_load.items():
        total += model.bucket_cost(t, b, n)
    return total


def area_cost(
    problem: Problem, assignments: Iterable[Assignment], model: CostModel | None = None
) -> int:
    """The side-constraint part: teams an area is spread over, and its gap days per team."""
    model = model or CostModel(problem)
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
