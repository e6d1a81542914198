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
