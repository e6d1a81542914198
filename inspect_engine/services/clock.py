"""The engine's notion of now, injectable so tests and simulations can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from inspect_engine.settings import DISPLAY_TZ

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_today(clock: Clock = utc_now) -> date:
    """Today in Vietnam (+07:00), whatever the machine's time zone."""
    return clock().astimezone(DISPLAY_TZ).date()


def shown(moment: datetime) -> str:
    """A moment as messages show it: ISO in Vietnam's time (+07:00), to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    return moment.astimezone(DISPLAY_TZ).isoformat(timespec="seconds")
