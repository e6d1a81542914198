"""The periodic CCHC reporting windows (kỳ báo cáo): the days whose data a period's report
counts. Nationally Q1 runs from 15/12 of the previous year to 14/3, the half year to 14/6, Q3
from 15/6 to 14/9 and the year to 14/12; provinces differ, so a campaign may set its own
(`[reporting]` in its file, docs/campaign-format.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspect_engine.errors import InputError

PERIODS = ("q1", "h1", "q3", "year")
PERIOD_LABELS = {
    "q1": "quý I",
    "h1": "6 tháng đầu năm",
    "q3": "quý III",
    "year": "năm",
}
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")


@dataclass(frozen=True)
class ReportingWindow:
    """From (`start_day`/`start_month`) to (`end_day`/`end_month`) inclusive; a start later in
    the year than the end falls in the previous year (15/12 .. 14/3)."""

    name: str
    start_day: int
    start_month: int
    end_day: int
    end_month: int

    @property
    def crosses_year(self) -> bool:
        return (self.start_month, self.start_day) > (self.end_month, self.end_day)

    def dates(self, year: int) -> tuple[date, date]:
        """The first and last day of the window of the report for `year`."""
        start_year = year - 1 if self.crosses_year else year
        return (
            date(start_year, self.start_month, self.start_day),
            date(year, self.end_month, self.end_day),
        )

    def text(self) -> str:
        return (
            f"{self.start_day:02d}/{self.start_month:02d}..{self.end_day:02d}/{self.end_month:02d}"
        )


DEFAULT_WINDOWS: Mapping[str, ReportingWindow] = {
    "q1": ReportingWindow("q1", 15, 12, 14, 3),
    "h1": ReportingWindow("h1", 15, 12, 14, 6),
    "q3": ReportingWindow("q3", 15, 6, 14, 9),
    "year": ReportingWindow("year", 15, 12, 14, 12),
}


def _day_month(value: Any, where: str, fail: Callable[[str, str], InputError]) -> tuple[int, int]:
    if not isinstance(value, str) or not (found := _DAY_MONTH.match(value.strip())):
        raise fail(where, f"must be a day and month DD/MM (15/12), got {value!r}")
    day, month = int(found.group(1)), int(found.group(2))
    try:
        date(2001, month, day)  # not a leap year: 29/02 would not exist every year
    except ValueError:
        raise fail(where, f"{value!r} is not a day of every year") from None
    return day, month


def parse_windows(
    data: Mapping[str, Any], fail: Callable[[str, str], InputError]
) -> dict[str, ReportingWindow]:
    """`[reporting]`: `q1 = { from = "15/12", to = "14/3" }` and so on; a window not given
    keeps the national one."""
    out = dict(DEFAULT_WINDOWS)
    for name, value in data.items():
        where = f"reporting.{name}"
        if name not in PERIODS:
            raise fail(where, f"unknown period {name!r}; periods: {', '.join(PERIODS)}")
        if not isinstance(value, Mapping):
            raise fail(where, 'must be a table { from = "DD/MM", to = "DD/MM" }')
        unknown = sorted(set(value) - {"from", "to"})
        if unknown:
            raise fail(f"{where}.{unknown[0]}", "unknown field; expected from and to")
        for key in ("from", "to"):
            if key not in value:
                raise fail(f"{where}.{key}", f"missing field {key!r}")
        start = _day_month(value["from"], f"{where}.from", fail)
        end = _day_month(value["to"], f"{where}.to", fail)
        # A start after the end in the year falls in the previous year: never over a year.
        out[name] = ReportingWindow(name, start[0], start[1], end[0], end[1])
    return out
