"""Working days of Vietnamese state agencies: Monday to Friday, minus days off, plus make-up days.

The days off and make-up days come from `national_days` (the engine's own table for 2020-2026,
the `holidays` package for other years). Days are set each year by a Government decision, often
late, and local bodies differ: a campaign's own `extra_days_off` and `extra_working_days` always
win over both sources.

A planner asks for counts and sums of working days many times, so each year is computed once
into a sorted list; counting and adding are then bisections, never a day-by-day walk.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inspect_engine.domain.national_days import check_subdivision, national_days
from inspect_engine.errors import InputError

EXTRA_DAY_OFF_REASON = "Ngày nghỉ bổ sung"
WEEKEND_REASONS: dict[int, str] = {5: "Thứ Bảy", 6: "Chủ nhật"}

_ISO_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


@dataclass(frozen=True, slots=True)
class _Year:
    working: list[date]  # ascending: the bisect target
    working_set: frozenset[date]
    reasons: dict[date, str]  # every day off of the year -> why


class WorkingCalendar:
    """Working days for one campaign: the national calendar plus the campaign's overrides.

    `years` are computed up front; any other year is computed on first use and cached.
    """

    __slots__ = ("_extra_off", "_extra_working", "_subdiv", "_years")

    def __init__(
        self,
        years: Iterable[int],
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        subdiv: str | None = None,
    ) -> None:
        off = frozenset(_as_date(d, "extra_days_off") for d in extra_days_off)
        work = frozenset(_as_date(d, "extra_working_days") for d in extra_working_days)
        both = sorted(off & work)
        if both:
            listed = ", ".join(f"{d:%d/%m/%Y}" for d in both)
            raise ValueError(
                f"{listed} listed both as an extra day off and as an extra working day; "
                "a day is either off or worked"
            )
        if subdiv is not None:
            check_subdivision(subdiv)
        self._extra_off = off
        self._extra_working = work
        self._subdiv = subdiv
        self._years: dict[int, _Year] = {}
        for year in years:
            self._year(year)

    @property
    def extra_days_off(self) -> frozenset[date]:
        return self._extra_off

    @property
    def extra_working_days(self) -> frozenset[date]:
        return self._extra_working

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(years={sorted(self._years)}, extra_days_off={len(self._extra_off)}, "
            f"extra_working_days={len(self._extra_working)}, subdiv={self._subdiv!r})"
        )

    # -- queries ----------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d, "d")
        return d in self._year(d.year).working_set

    def day_off_reason(self, d: date) -> str | None:
        """Why `d` is off (holiday name, swap, weekday name, campaign override); None if worked.

        A holiday's name wins over "Thứ Bảy"/"Chủ nhật", and the override label is used only when
        the override is what makes the day off.
        """
        d = _as_date(d, "d")
        return self._year(d.year).reasons.get(d)

    def next_working_day(self, d: date, *, include_today: bool = True) -> date:
        d = _as_date(d, "d")
        if include_today and d in self._year(d.year).working_set:
            return d
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date, *, include_today: bool = True) -> date:
        d = _as_date(d, "d")
        if include_today and d in self._year(d.year).working_set:
            return d
        return self.add_working_days(d, -1)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it if n < 0); `d` itself never counts.

        n = 0 gives `d` if it is worked, else the next working day: the earliest day a task that
        starts "on d" can happen.
        """
        d = _as_date(d, "d")
        n = operator.index(n)
        year = d.year
        days = self._year(year).working
        if n == 0:
            i = bisect_left(days, d)
        elif n > 0:
            i = bisect_right(days, d) + n - 1
        else:
            i = bisect_left(days, d) + n
        while i >= len(days):
            i -= len(days)
            year += 1
            days = self._year(year).working
        while i < 0:
            year -= 1
            days = self._year(year).working
            i += len(days)
        return days[i]

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in [start, end], both included; 0 when end < start."""
        start = _as_date(start, "start")
        end = _as_date(end, "end")
        if end < start:
            return 0
        first = self._year(start.year).working
        if start.year == end.year:
            return bisect_right(first, end) - bisect_left(first, start)
        total = len(first) - bisect_left(first, start)
        for year in range(start.year + 1, end.year):
            total += len(self._year(year).working)
        return total + bisect_right(self._year(end.year).working, end)

    def working_days(self, start: date, end: date) -> list[date]:
        """The working days in [start, end], ascending."""
        start = _as_date(start, "start")
        end = _as_date(end, "end")
        if end < start:
            return []
        out: list[date] = []
        for year in range(start.year, end.year + 1):
            days = self._year(year).working
            lo = bisect_left(days, start) if year == start.year else 0
            hi = bisect_right(days, end) if year == end.year else len(days)
            out.extend(days[lo:hi])
        return out

    # -- per-year tables --------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            cached = self._years[year] = self._build_year(year)
        return cached

    def _build_year(self, year: int) -> _Year:
        days = national_days(year, subdiv=self._subdiv)
        names = {row.day: row.name for row in days if not row.worked}
        make_up = {row.day for row in days if row.worked}

        working: list[date] = []
        reasons: dict[date, str] = {}
        first = date(year, 1, 1).toordinal()
        for ordinal in range(first, date(year, 12, 31).toordinal() + 1):
            d = date.fromordinal(ordinal)
            if d in self._extra_working:
                working.append(d)
            else:
                reason = None if d in make_up else names.get(d, WEEKEND_REASONS.get(d.weekday()))
                if reason is None and d in self._extra_off:
                    reason = EXTRA_DAY_OFF_REASON
                if reason is None:
                    working.append(d)
                else:
                    reasons[d] = reason
        return _Year(working=working, working_set=frozenset(working), reasons=reasons)


def _as_date(value: object, what: str) -> date:
    """A plain `date`: a datetime is cut to its day (a datetime never equals a date in a set)."""
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    raise TypeError(f"{what} must be a date, got {value!r}")


class BadDate(InputError, ValueError):
    """Text that is not a date, or a range no one means; a ValueError too, so callers that
    name their own field catch it as before."""


# A range of days off or blackout days is a week or a season, never more than a year.
MAX_RANGE_DAYS = 366


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def parse_vn_date(text: str) -> date:
    """ISO `2026-08-22` or Vietnamese day/month/year `22/8/2026`, `22/08/2026`."""
    stripped = text.strip()
    if m := _ISO_RE.fullmatch(stripped):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DMY_RE.fullmatch(stripped):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise BadDate(f"{_shown(text)} is not a date (use 2026-08-22 or 22/8/2026)")
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(f"{_shown(text)} is not a real date") from None


def parse_date_range(text: str) -> list[date]:
    """One date, or every day of `A..B` (both ends included, at most MAX_RANGE_DAYS), in ISO
    or Vietnamese form."""
    if ".." not in text:
        return [parse_vn_date(text)]
    first_text, _, last_text = text.partition("..")
    first, last = parse_vn_date(first_text.strip()), parse_vn_date(last_text.strip())
    if last < first:
        raise BadDate(f"range {_shown(text)} ends before it starts")
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise BadDate(f"range {_shown(text)} is {days:,} days, more than {MAX_RANGE_DAYS} days")
    return [first + timedelta(n) for n in range(days)]
