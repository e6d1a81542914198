"""The naive baseline: earliest fit, visit by visit in input order.

It is what a person does with a spreadsheet, and what the benchmark measures the solver against
(time, and the visits it fails to place). Pins and locked slots are taken as given first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta

from inspect_engine.domain.planning.problem import Assignment, Problem


def greedy(problem: Problem) -> list[Assignment]:
    """Each visit at its earliest day, first team with room; unplaceable ones are left out."""
    used: dict[tuple[str, object], int] = defaultdict(int)
    weekly: dict[tuple[str, date], int] = defaultdict(int)  # (team, Monday) -> visits

    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    out: dict[int, Assignment] = {}
    for visit in problem.visits:
        fixed = visit.pinned
        if fixed is None and visit.locked and not problem.force:
            fixed = visit.current
        if fixed is not None:
            used[fixed] += 1
            weekly[(fixed[0], monday(fixed[1]))] += 1
            out[visit.case_id] = Assignment(visit.case_id, fixed[0], fixed[1])
    for visit in problem.visits:
        if visit.case_id in out:
            continue
        start = 0 if visit.earliest is None else bisect_left(problem.days, visit.earliest)
        placed = False
        for day in problem.days[start:]:
            if day in visit.blackout:
                continue
            for team in problem.teams:
                limit = team.max_visits_per_week
                if (
                    day not in team.unavailable
                    and visit.unit_code not in team.member_units
                    and used[(team.name, day)] < team.visits_per_day
                    and (limit is None or weekly[(team.name, monday(day))] < limit)
                ):
                    used[(team.name, day)] += 1
                    weekly[(team.name, monday(day))] += 1
                    out[visit.case_id] = Assignment(visit.case_id, team.name, day)
                    placed = True
                    break
            if placed:
                break
    return [out[v.case_id] for v in problem.visits if v.case_id in out]
