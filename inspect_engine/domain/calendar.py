"""Working days of Vietnamese state agencies: Monday to Friday, minus holidays and swapped days.

Public holidays and their Vietnamese names come from the `holidays` package (VN, language "vi").
Each year the Government also swaps days: a weekday between a holiday and a weekend becomes a day
off, paid back by working a Saturday. Recent `holidays` releases know most swaps, but not every
one, and the project allows releases as old as 0.60, so `MAKE_UP_WORKING_DAYS` and
`SWAPPED_DAYS_OFF` carry the 2020-2026 swaps with their source. A campaign can still override any
day (`extra_days_off`, `extra_working_days`): decrees come late and local bodies differ.

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

import holidays

# Make-up working days (a weekend day worked in exchange for a weekday off), 2020-2026.
# We know of none in 2020-2023 for state agencies: their long breaks came from the Labour Code's
# "nghỉ bù" rule (a holiday on a weekend moves to the next working day), which `holidays` computes
# (e.g. 29/4-3/5/2023, and 1-4/9/2023 per Công văn 8056/VPCP-KGVX).
MAKE_UP_WORKING_DAYS: dict[date, str] = {
    # Công văn 2450/VPCP-KGVX (12/4/2024): Monday 29/4/2024 off, worked on Saturday 4/5/2024.
    date(2024, 5, 4): "Làm bù cho thứ Hai 29/04/2024 (Công văn 2450/VPCP-KGVX)",
    # Thông báo 6150/TB-BLĐTBXH (2024): Friday 2/5/2025 off, worked on Saturday 26/4/2025.
    date(2025, 4, 26): "Làm bù cho thứ Sáu 02/05/2025 (Thông báo 6150/TB-BLĐTBXH)",
    # Công văn 12729/VPCP-KGVX (25/12/2025): Friday 2/1/2026 off, worked on Saturday 10/1/2026.
    # Not known to holidays 0.109.
    date(2026, 1, 10): "Làm bù cho thứ Sáu 02/01/2026 (Công văn 12729/VPCP-KGVX)",
    # Thông báo 9441/TB-BNV (16/10/2025) on Tết and National Day 2026: Monday 31/8/2026 off,
    # worked on Saturday 22/8/2026 (holidays 0.109 knows this swap too).
    date(2026, 8, 22): "Làm bù cho thứ Hai 31/08/2026 (Thông báo 9441/TB-BNV)",
}

# The weekday off of each swap above. Labels use the same wording as `holidays` ("Ngày nghỉ (thay
# cho ngày …)"), so a day reads the same whichever source knew it.
SWAPPED_DAYS_OFF: dict[date, str] = {
    date(2024, 4, 29): "Ngày nghỉ (thay cho ngày 04/05/2024)",
    date(2025, 5, 2): "Ngày nghỉ (thay cho ngày 26/04/2025)",
    date(2026, 1, 2): "Ngày nghỉ (thay cho ngày 10/01/2026)",
    date(2026, 8, 31): "Ngày nghỉ (thay cho ngày 22/08/2026)",
}

EXTRA_DAY_OFF_REASON = "Ngày nghỉ bổ sung"
WEEKEND_REASONS: dict[int, str] = {5: "Thứ Bảy", 6: "Chủ nhật"}

# The years the VN calendar of `holidays` covers; outside them a "calendar" would be weekends only.
# getattr: an older release may lack the attributes; the defaults are the VN values of 0.109.
_VN = holidays.country_holidays("VN")
MIN_YEAR: int = getattr(_VN, "start_year", 1901)
MAX_YEAR: int = getattr(_VN, "end_year", 2100)

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
            try:
                holidays.country_holidays("VN", years=(), subdiv=subdiv)
            except NotImplementedError:
                raise ValueError(
                    f"subdivision {subdiv!r} is unknown to the VN calendar of `holidays`"
                ) from None
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
        if isinstance(year, bool) or not isinstance(year, int):
            raise TypeError(f"year must be an int, got {year!r}")
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                f"year {year} is outside the range of the VN holiday calendar "
                f"({MIN_YEAR}-{MAX_YEAR})"
            )
        # The next year too: a swap whose two days straddle New Year is registered under the
        # later year (e.g. 2/1/2015 off for Saturday 27/12/2014).
        national = holidays.country_holidays(
            "VN", years=(year, year + 1), language="vi", subdiv=self._subdiv
        )
        names: dict[date, str] = {d: str(name) for d, name in national.items() if d.year == year}
        for d, label in SWAPPED_DAYS_OFF.items():
            if d.year == year:
                names.setdefault(d, label)
        make_up = {d for d in getattr(national, "weekend_workdays", ()) if d.year == year}
        make_up.update(d for d in MAKE_UP_WORKING_DAYS if d.year == year)

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


def parse_vn_date(text: str) -> date:
    """ISO `2026-08-22` or Vietnamese day/month/year `22/8/2026`, `22/08/2026`."""
    stripped = text.strip()
    if m := _ISO_RE.fullmatch(stripped):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DMY_RE.fullmatch(stripped):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise ValueError(f"{text!r} is not a date (use 2026-08-22 or 22/8/2026)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def parse_date_range(text: str) -> list[date]:
    """One date, or every day of `A..B` (both ends included), in ISO or Vietnamese form."""
    if ".." not in text:
        return [parse_vn_date(text)]
    first_text, _, last_text = text.partition("..")
    first, last = parse_vn_date(first_text.strip()), parse_vn_date(last_text.strip())
    if last < first:
        raise ValueError(f"range {text!r} ends before it starts")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
