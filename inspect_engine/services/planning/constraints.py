"""Constraints a team lead adds between plans: pin a visit, block days of a team or a unit.

They take effect at the next `plan KEY --replan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlmodel import Session, col, select

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.errors import InputError
from inspect_engine.services.campaigns import load_campaign
from inspect_engine.services.planning.context import require_team
from inspect_engine.storage.tables import CaseRow, TeamUnavailableRow, UnitBlackoutRow
from inspect_engine.storage.uow import UnitOfWork

BlockKind = Literal["team", "unit"]


def _case_row(session: Session, case_id: int) -> CaseRow:
    case = session.get(CaseRow, case_id)
    if case is None:
        raise InputError(f"no case {case_id}", field="CASE")
    return case


def _check_slot(spec: CampaignSpec, calendar: WorkingCalendar, team: str, day: date) -> None:
    require_team(spec, team)
    if (problem := spec.day_problem(calendar, day)) is not None:
        raise InputError(problem, field="--date")


def pin(uow: UnitOfWork, case_id: int, team: str | None, day: date | None) -> CaseRow:
    """Fix a case's visit to a (team, day); without both, fix it where the plan has it now."""
    with uow:
        case = _case_row(uow.session, case_id)
        _, spec = load_campaign(uow.session, case.campaign_key)
        team = team or case.plan_team
        day = day or case.visit_date
        if team is None or day is None:
            raise InputError(f"case {case_id} has no planned visit yet: give --team and --date")
        _check_slot(spec, spec.working_calendar(), team, day)
        case.pin_team, case.pin_date = team, day
        uow.session.add(case)
        uow.commit()
        return case


def unpin(uow: UnitOfWork, case_id: int) -> None:
    with uow:
        case = _case_row(uow.session, case_id)
        case.pin_team = case.pin_date = None
        uow.session.add(case)
        uow.commit()


def block_days(
    uow: UnitOfWork,
    key: str,
    kind: BlockKind,
    name: str,
    days: Sequence[date],
    reason: str = "",
) -> int:
    """Record days a team cannot visit, or a unit asked not to be visited (on top of the
    campaign file); returns how many are new."""
    row_type: type[TeamUnavailableRow] | type[UnitBlackoutRow]
    with uow:
        session = uow.session
        _, spec = load_campaign(session, key)
        # The round's year and the next: re-inspections may run into January.
        for day in days:
            if day.year not in (spec.year, spec.year + 1):
                raise InputError(
                    f"{day:%d/%m/%Y} is not in the campaign's year {spec.year} "
                    f"or the next (re-inspections)",
                    field="DATES",
                )
        if kind == "team":
            require_team(spec, name)
            row_type, owner = TeamUnavailableRow, TeamUnavailableRow.team
        else:
            has_case = session.exec(
                select(CaseRow.id).where(CaseRow.campaign_key == key, CaseRow.unit_code == name)
            ).first()
            if has_case is None:
                raise InputError(f"unit {name!r} is not a target of campaign {key}", field="UNIT")
            row_type, owner = UnitBlackoutRow, UnitBlackoutRow.unit_code
        stored = set(
            session.exec(
                select(col(row_type.day)).where(row_type.campaign_key == key, owner == name)
            )
        )
        new = sorted(set(days) - stored)
        field = "team" if kind == "team" else "unit_code"
        session.add_all(
            row_type(campaign_key=key, day=day, reason=reason, **{field: name}) for day in new
        )
        uow.commit()
    return len(new)
