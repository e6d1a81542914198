"""The example campaign driven through the services on a clock of its own, so that its events
carry the campaign's dates (planned on 27/07/2026, announced the next day) whatever day the
tests run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from inspect_engine.bootstrap import bootstrap
from inspect_engine.settings import DISPLAY_TZ
from tests.conftest import EXAMPLES, HANOI, REPO

KEY = "hanoi-2026"
PLAN_DAY = date(2026, 7, 27)
LEAD = "Trần Thị Bình"


class Clock:
    """A clock the test sets: `clock.now = at(day, hour)`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: date, hour: int = 8) -> datetime:
    """`hour` o'clock in Vietnam on `day`, in UTC as every clock of the engine gives it."""
    return datetime.combine(day, time(hour), DISPLAY_TZ).astimezone(UTC)


def announce_on_own_dates(db_url: str, *, campaign: Path = HANOI, announce: bool = True) -> Clock:
    """Import, create, plan on 27/07, form the teams; announce every case on 28/07."""
    from inspect_engine.services import campaigns, cases, units
    from inspect_engine.services.planning.make import make_plan
    from inspect_engine.services.team_decisions import record_decision

    clock = Clock(at(PLAN_DAY))
    with bootstrap(db_url, clock=clock).unit_of_work() as uow:
        units.import_units(uow, EXAMPLES / "hanoi-units.csv", clock=clock)
        campaigns.create_campaign(uow, campaign, workflows_dirs=[REPO / "workflows"], clock=clock)
        make_plan(uow, KEY, as_of=PLAN_DAY, clock=clock)
        for team in (1, 2, 3):
            path = EXAMPLES / "decisions" / f"doan-{team}.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            record_decision(uow, KEY, data, actor="van-thu", clock=clock, source=str(path))
        if announce:
            clock.now = at(date(2026, 7, 28))
            request = cases.Request("announce", LEAD, "team_lead")
            cases.advance_all(uow, KEY, "planned", request, clock=clock)
    return clock
