"""What the demo does once the campaign is planned, before it simulates the rest: the teams
are formed by decisions and the team leads announce their visits.

The demo's clock is its own: it starts on the plan's date and moves forward with the story (the
simulation then carries it on), so the history reads like a real round of inspections whatever
day the demo is run, and every run writes the same events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from inspect_engine.settings import DISPLAY_TZ, data_dir

if TYPE_CHECKING:
    from inspect_engine.domain.calendar import WorkingCalendar
    from inspect_engine.domain.campaign.model import CampaignSpec
    from inspect_engine.services.planning.context import PlannedVisit
    from inspect_engine.storage.uow import UnitOfWork


@dataclass
class StoryClock:
    """The demo's notion of now: set to a day and hour in Vietnam, then read by the services."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int) -> None:
        moment = datetime.combine(day, time(hour), DISPLAY_TZ).astimezone(UTC)
        self.now = max(moment, self.now + timedelta(minutes=1))  # never back in time


def start_of(day: date) -> StoryClock:
    return StoryClock(datetime.combine(day, time(8), DISPLAY_TZ).astimezone(UTC))


@dataclass
class Story:
    uow: UnitOfWork
    spec: CampaignSpec
    calendar: WorkingCalendar
    clock: StoryClock
    say: Callable[[str], None]

    def fire(self, case_id: int, trigger: str, role: str, actor: str, data: Any = None) -> None:
        from inspect_engine.services import cases

        request = cases.Request(trigger, actor, role, data or {})
        cases.advance(self.uow, case_id, request, clock=self.clock)

    def form_teams(self) -> None:
        import json

        from inspect_engine.services.team_decisions import record_decision

        self.clock.at(self.spec.plan.date, 14)
        numbers = []
        for team in self.spec.teams:
            path = data_dir("examples") / "decisions" / f"doan-{team.name.split()[-1]}.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            decision = record_decision(
                self.uow, self.spec.key, data, actor="van-thu", clock=self.clock, source=str(path)
            )
            numbers.append(f"{decision.team} {decision.number}")
        self.say(f"teams formed by decision: {', '.join(numbers)}")

    def announce(self, visits: list[PlannedVisit]) -> None:
        """Each team lead announces the team's visits the working day after the plan."""
        self.clock.at(self.calendar.next_working_day(self.spec.plan.date, include_today=False), 8)
        leads = {t.name: t.lead for t in self.spec.teams}
        for visit in visits:
            self.fire(visit.case_id, "announce", "team_lead", leads[visit.team])
