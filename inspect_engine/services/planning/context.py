"""What the planner needs, read from storage in one go, and the planning problem built from it.

Which cases the planner handles, and how, is the workflow's to say: each state may declare
`planning: movable | locked | fixed` (see workflows/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from inspect_engine.domain import planning
from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.errors import InputError
from inspect_engine.services import workflows
from inspect_engine.services.campaigns import load_campaign
from inspect_engine.storage.tables import CaseRow, TeamUnavailableRow, UnitBlackoutRow, UnitRow


@dataclass(frozen=True)
class PlannedVisit:
    case_id: int
    unit_code: str
    unit_name: str
    area: str
    state: str
    team: str
    date: dt.date
    notice_due: dt.date
    evidence_due: dt.date
    pinned: bool
    address: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "case_id": self.case_id,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "area": self.area,
            "state": self.state,
            "team": self.team,
            "date": self.date.isoformat(),
            "notice_due": self.notice_due.isoformat(),
            "evidence_due": self.evidence_due.isoformat(),
            "pinned": self.pinned,
            "address": self.address,
        }


@dataclass
class PlanningContext:
    """A campaign's plannable cases with everything that constrains them."""

    spec: CampaignSpec
    calendar: WorkingCalendar
    cases: list[CaseRow]
    modes: dict[int, str]  # case id -> its state's planning mode
    units: dict[str, UnitRow]
    team_off: dict[str, set[date]]
    blackout: dict[str, set[date]]

    def due_dates(self, day: date) -> tuple[date, date]:
        """When the notice must go out and when the evidence is due, for a visit on `day`."""
        lead = self.spec.lead_times
        return (
            self.calendar.add_working_days(day, -lead.notice_working_days),
            self.calendar.add_working_days(day, -lead.evidence_working_days),
        )

    def visit(self, case: CaseRow, team: str, day: date) -> PlannedVisit:
        unit = self.units[case.unit_code]
        notice_due, evidence_due = self.due_dates(day)
        return PlannedVisit(
            case_id=case.id or 0,
            unit_code=case.unit_code,
            unit_name=unit.name,
            area=unit.area,
            state=case.state,
            team=team,
            date=day,
            notice_due=notice_due,
            evidence_due=evidence_due,
            pinned=case.pin_date is not None,
            address=unit.address,
        )

    def stored_visits(self, team: str | None = None) -> list[PlannedVisit]:
        """The visits the cases hold now, by date."""
        visits = [
            self.visit(c, c.plan_team, c.visit_date)
            for c in self.cases
            if c.plan_team is not None
            and c.visit_date is not None
            and (team is None or c.plan_team == team)
        ]
        return sorted(visits, key=lambda v: (v.date, v.team, v.unit_code))


def planning_modes(session: Session, key: str) -> dict[tuple[str, int, str], str]:
    """(workflow, version, state) -> planning mode, over the workflow versions the campaign's
    cases run on (a migration can leave cases on several)."""
    versions = session.exec(
        select(CaseRow.workflow_name, CaseRow.workflow_version)
        .where(CaseRow.campaign_key == key)
        .distinct()
    )
    modes: dict[tuple[str, int, str], str] = {}
    for name, version in versions:
        defn = workflows.stored(session.connection(), name, version)
        for state, mode in defn.planning_modes().items():
            modes[(name, version, state)] = mode
    return modes


def load_context(session: Session, key: str) -> PlanningContext:
    _, spec = load_campaign(session, key)
    modes = planning_modes(session, key)
    states = sorted({state for (_, _, state) in modes})
    candidates = session.exec(
        select(CaseRow)
        .where(CaseRow.campaign_key == key, col(CaseRow.state).in_(states))
        .order_by(col(CaseRow.id))
    )
    cases: list[CaseRow] = []
    case_modes: dict[int, str] = {}
    for case in candidates:
        mode = modes.get((case.workflow_name, case.workflow_version, case.state))
        # A fixed case with no date yet cannot be given one: no `reschedule` leaves its state.
        if mode is not None and case.id is not None and (mode != "fixed" or case.visit_date):
            cases.append(case)
            case_modes[case.id] = mode
    codes = [c.unit_code for c in cases]
    units = {u.code: u for u in session.exec(select(UnitRow).where(col(UnitRow.code).in_(codes)))}
    team_off: dict[str, set[date]] = defaultdict(set)
    for team in spec.teams:
        team_off[team.name].update(team.unavailable)
    for row in session.exec(
        select(TeamUnavailableRow).where(TeamUnavailableRow.campaign_key == key)
    ):
        team_off[row.team].add(row.day)
    blackout: dict[str, set[date]] = defaultdict(set)
    for code, days in spec.blackouts.items():
        blackout[code].update(days)
    for b in session.exec(select(UnitBlackoutRow).where(UnitBlackoutRow.campaign_key == key)):
        blackout[b.unit_code].add(b.day)
    return PlanningContext(
        spec, spec.working_calendar(), cases, case_modes, units, team_off, blackout
    )


def require_team(spec: CampaignSpec, team: str) -> None:
    if (problem := spec.team_problem(team)) is not None:
        raise InputError(problem, field="--team")


def earliest_visit(spec: CampaignSpec, calendar: WorkingCalendar, as_of: date) -> date:
    """The first day a visit can be planned as of `as_of`: the notice goes out on the next
    working day and needs `notice_working_days` working days before the visit."""
    return calendar.add_working_days(
        calendar.next_working_day(as_of), spec.lead_times.notice_working_days
    )


def build_problem(
    ctx: PlanningContext, as_of: date, *, replan: bool, force: bool, time_limit: float
) -> planning.Problem:
    spec, calendar = ctx.spec, ctx.calendar
    earliest = earliest_visit(spec, calendar, as_of)
    teams = tuple(
        planning.Team(
            name=t.name,
            visits_per_day=t.visits_per_day,
            unavailable=frozenset(ctx.team_off.get(t.name, ())),
            member_units=t.member_units,
            max_visits_per_week=t.max_visits_per_week,
        )
        for t in spec.teams
    )
    visits = []
    for case in ctx.cases:
        assert case.id is not None
        unit = ctx.units[case.unit_code]
        mode = ctx.modes[case.id]
        current = (
            (case.plan_team, case.visit_date)
            if replan and case.plan_team and case.visit_date
            else None
        )
        pinned = (case.pin_team, case.pin_date) if case.pin_team and case.pin_date else None
        if mode == "fixed" and current is not None:
            pinned = current  # the unit is preparing for that date: it stays
        visits.append(
            planning.Visit(
                case_id=case.id,
                unit_code=case.unit_code,
                area=unit.area,
                focus=spec.is_focus(unit.sectors),
                earliest=earliest,
                blackout=frozenset(ctx.blackout.get(case.unit_code, ())),
                pinned=pinned,
                current=current,
                locked=mode == "locked" and current is not None,
            )
        )
    days = tuple(calendar.working_days(spec.window_start, spec.window_end))
    return planning.Problem(
        days=days,
        teams=teams,
        visits=tuple(visits),
        reserve_share=spec.planning.reserve_share,
        reserve_weeks=spec.planning.reserve_weeks,
        force=force,
        time_limit_s=time_limit,
        pace="early" if spec.planning.pace == "early" else "even",
    )
