"""An independent check of a plan against every hard constraint.

It re-derives everything from the `Problem` and shares no code with the solver (only the
dataclasses), so a solver bug cannot hide behind a checker bug of the same origin. Each
violation is one plain sentence; an empty list means the plan is valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from inspect_engine.domain.planning.problem import Assignment, Problem


def check(problem: Problem, assignments: Sequence[Assignment]) -> list[str]:
    """Every violated hard constraint of `assignments`, as sentences; [] when valid."""
    out: list[str] = []
    teams = {t.name: t for t in problem.teams}
    visits = {v.case_id: v for v in problem.visits}
    window = set(problem.days)
    seen = Counter(a.case_id for a in assignments)
    for case_id, n in sorted(seen.items()):
        if case_id not in visits:
            out.append(f"case {case_id} is not a visit of this plan")
        elif n > 1:
            out.append(f"case {case_id} is assigned {n} times")
    for visit in problem.visits:
        if visit.case_id not in seen:
            out.append(f"visit of {visit.unit_code} (case {visit.case_id}) has no slot")
    per_slot: Counter[tuple[str, object]] = Counter()
    per_week: Counter[tuple[str, date]] = Counter()  # (team, Monday of the week)
    for a in assignments:
        v = visits.get(a.case_id)
        team = teams.get(a.team)
        who = f"visit of {v.unit_code} (case {a.case_id})" if v else f"case {a.case_id}"
        when = f"{a.day:%d/%m/%Y}"
        if team is None:
            out.append(f"{who} is given to unknown team {a.team!r}")
        if a.day not in window:
            out.append(f"{who} is on {when}, not a working day of the window")
        per_slot[(a.team, a.day)] += 1
        per_week[(a.team, a.day - timedelta(days=a.day.weekday()))] += 1
        if v is None:
            continue
        at_pin = v.pinned is not None and v.pinned == (a.team, a.day)
        at_lock = v.locked and v.current is not None and v.current == (a.team, a.day)
        if v.pinned is not None and not at_pin:
            out.append(f"{who} is pinned to {v.pinned[0]} on {v.pinned[1]:%d/%m/%Y}, got {when}")
        elif v.pinned is None and v.locked and v.current and not at_lock and not problem.force:
            out.append(
                f"{who} was announced for {v.current[0]} on {v.current[1]:%d/%m/%Y} and may not "
                "move without force"
            )
        if v.earliest is not None and a.day < v.earliest and not (at_pin or at_lock):
            out.append(f"{who} is on {when}, before its earliest day {v.earliest:%d/%m/%Y}")
        if a.day in v.blackout:
            out.append(f"{who} is on {when}, a blackout day of the unit")
        if team is not None:
            if a.day in team.unavailable:
                out.append(f"{who} is on {when}, when {team.name} is unavailable")
            if v.unit_code in team.member_units:
                out.append(f"{who} goes to {team.name}, which has a member from that unit")
    for (name, day), n in sorted(per_slot.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        team = teams.get(name)
        if team is not None and n > team.visits_per_day:
            out.append(
                f"{name} has {n} visits on {day:%d/%m/%Y}, more than its "
                f"{team.visits_per_day} per day"
            )
    for (name, week), n in sorted(per_week.items()):
        team = teams.get(name)
        limit = team.max_visits_per_week if team is not None else None
        if limit is not None and n > limit:
            out.append(
                f"{name} has {n} visits in the week from {week:%d/%m/%Y}, more than its "
                f"max_visits_per_week of {limit}"
            )
    return out
