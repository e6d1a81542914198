"""What each chart of the report and the board draws, computed from the figures (the drawing
itself is in `inspect_engine.documents.charts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from inspect_engine.domain.reporting.figures import SHORTCOMING_SEVERITIES, Figures

SUBMISSION_OUTCOMES = ("on_time", "late", "missing")


@dataclass(frozen=True)
class ChartData:
    weeks: tuple[date, ...]  # the Mondays of the weeks with a visit, and those between
    visits: dict[str, tuple[int, ...]]  # team -> visits in each week (re-inspections too)
    findings: dict[str, dict[str, int]]  # content area -> severity -> shortcomings
    burndown: tuple[tuple[date, int, int], ...]  # (day, remediations open, of them overdue)
    submissions: dict[str, dict[str, int]]  # unit kind label -> on_time / late / missing


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def chart_data(figures: Figures) -> ChartData:
    counted = figures.inspected
    visits: list[tuple[str, date]] = []
    for case in counted:
        team = case.team or "—"
        assert case.visited_on is not None
        visits.append((team, case.visited_on))
        visits += [(team, day) for day, _ in case.reinspections]
    weeks: list[date] = []
    if visits:
        week, last = _monday(min(d for _, d in visits)), _monday(max(d for _, d in visits))
        while week <= last:
            weeks.append(week)
            week += timedelta(days=7)
    teams = sorted({t for t, _ in visits})
    per_team = {
        team: tuple(sum(1 for t, d in visits if t == team and _monday(d) == w) for w in weeks)
        for team in teams
    }
    findings = {
        area: {s: len(items) for s, items in severities.items() if s in SHORTCOMING_SEVERITIES}
        for area, severities in figures.by_area().items()
    }
    burndown: list[tuple[date, int, int]] = []
    owed = [c for c in counted if c.remediation_due is not None and c.concluded_on is not None]
    if owed:
        day = min(c.concluded_on for c in owed if c.concluded_on is not None)
        while day <= figures.as_of:
            open_cases = [
                c
                for c in owed
                if c.concluded_on is not None
                and c.concluded_on <= day
                and (c.remediated_on is None or c.remediated_on > day)
            ]
            overdue = sum(1 for c in open_cases if c.remediation_due and c.remediation_due < day)
            burndown.append((day, len(open_cases), overdue))
            day += timedelta(days=1)
    submissions: dict[str, dict[str, int]] = {}
    for case in figures.cases:
        outcome = case.submission
        if outcome is None:
            continue
        row = submissions.setdefault(case.unit.kind_label, dict.fromkeys(SUBMISSION_OUTCOMES, 0))
        row[outcome] += 1
    return ChartData(tuple(weeks), per_team, findings, tuple(burndown), submissions)
