"""The working-day calendar: the 2020-2026 facts of docs (domain README §4), overrides, arithmetic.

National Day pins (state agencies; holidays package 0.109 agrees on every one):
- 2020: 2/9 only (the second day starts in 2021, Labour Code 2019).
- 2021: Thu 2/9 + Fri 3/9.
- 2022: Thu 1/9 + Fri 2/9.
- 2023: Fri 1/9 + Sat 2/9, and Mon 4/9 as "nghỉ bù" for the Saturday
  (Công văn 8056/VPCP-KGVX of 1/12/2022: off from 1/9 to 4/9).
- 2024: Mon 2/9 + Tue 3/9.
- 2025: Mon 1/9 + Tue 2/9.
- 2026: Tue 1/9 + Wed 2/9, and Mon 31/8 swapped for Saturday 22/8 (Thông báo 9441/TB-BNV).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_engine.domain.calendar import (
    EXTRA_DAY_OFF_REASON,
    MAKE_UP_WORKING_DAYS,
    SWAPPED_DAYS_OFF,
    WorkingCalendar,
    parse_vn_date,
)

CAL = WorkingCalendar(range(2020, 2027))


def _working_among(*days: date) -> list[date]:
    return [d for d in days if CAL.is_working_day(d)]


def _off_among(*days: date) -> list[date]:
    return [d for d in days if not CAL.is_working_day(d)]


# -- National Day, 2020-2026 ----------------------------------------------------------------------


def test_2020_has_a_single_national_day() -> None:
    assert _working_among(date(2020, 9, 2)) == []
    assert _off_among(date(2020, 9, 1), date(2020, 9, 3), date(2020, 9, 4)) == []
    assert CAL.day_off_reason(date(2020, 9, 2)) == "Quốc khánh"


def test_2021_national_day_is_2_and_3_september() -> None:
    assert _working_among(date(2021, 9, 2), date(2021, 9, 3)) == []
    assert _off_among(date(2021, 9, 1), date(2021, 9, 6)) == []


def test_2022_national_day_is_1_and_2_september() -> None:
    assert _working_among(date(2022, 9, 1), date(2022, 9, 2)) == []
    assert _off_among(date(2022, 8, 31), date(2022, 9, 5)) == []


def test_2023_national_day_on_saturday_gives_monday_off() -> None:
    assert _working_among(date(2023, 9, 1), date(2023, 9, 2), date(2023, 9, 4)) == []
    assert _off_among(date(2023, 8, 31), date(2023, 9, 5)) == []
    # The holiday's name beats "Thứ Bảy"; the Monday says why it is off.
    assert CAL.day_off_reason(date(2023, 9, 2)) == "Quốc khánh"
    assert CAL.day_off_reason(date(2023, 9, 4)) == "Quốc khánh (nghỉ bù)"


def test_2024_national_day_is_2_and_3_september() -> None:
    assert _working_among(date(2024, 9, 2), date(2024, 9, 3)) == []
    assert _off_among(date(2024, 8, 30), date(2024, 9, 4)) == []


def test_2025_national_day_is_1_and_2_september() -> None:
    assert _working_among(date(2025, 9, 1), date(2025, 9, 2)) == []
    assert _off_among(date(2025, 8, 29), date(2025, 9, 3)) == []


def test_2026_national_day_break_and_make_up_saturday() -> None:
    assert _working_among(date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)) == []
    assert _off_among(date(2026, 8, 28), date(2026, 9, 3)) == []
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday, worked in exchange for 31/8
    assert CAL.day_off_reason(date(2026, 8, 22)) is None
    assert "22/08/2026" in (CAL.day_off_reason(date(2026, 8, 31)) or "")
    assert CAL.day_off_reason(date(2026, 9, 1)) == "Quốc khánh"


def test_2026_vietnamese_culture_day_is_off() -> None:
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert CAL.day_off_reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert CAL.is_working_day(date(2025, 11, 24))  # a Monday, before the day existed


# -- other swaps of 2024-2026 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_off", "worked_saturday"),
    [
        (date(2024, 4, 29), date(2024, 5, 4)),  # Công văn 2450/VPCP-KGVX
        (date(2025, 5, 2), date(2025, 4, 26)),  # Thông báo 6150/TB-BLĐTBXH
        (date(2026, 1, 2), date(2026, 1, 10)),  # Công văn 12729/VPCP-KGVX (table only)
    ],
)
def test_swapped_days(day_off: date, worked_saturday: date) -> None:
    assert not CAL.is_working_day(day_off)
    assert f"{worked_saturday:%d/%m/%Y}" in (CAL.day_off_reason(day_off) or "")
    assert CAL.is_working_day(worked_saturday)


def test_swap_tables_are_consistent() -> None:
    assert len(MAKE_UP_WORKING_DAYS) == len(SWAPPED_DAYS_OFF)
    assert all(d.weekday() >= 5 for d in MAKE_UP_WORKING_DAYS)
    assert all(d.weekday() < 5 for d in SWAPPED_DAYS_OFF)
    for label in SWAPPED_DAYS_OFF.values():
        assert parse_vn_date(label.removeprefix("Ngày nghỉ (thay cho ngày ")[:-1]) in (
            MAKE_UP_WORKING_DAYS
        )


def test_only_the_table_adds_to_what_holidays_knows() -> None:
    """Every day on which we disagree with the package is one of the table's swap days."""
    national = holidays.country_holidays("VN", years=range(2020, 2027))
    differ = {
        d
        for d in (date(2020, 1, 1) + timedelta(days=k) for k in range(7 * 366))
        if d.year <= 2026 and CAL.is_working_day(d) != national.is_working_day(d)
    }
    assert differ <= set(MAKE_UP_WORKING_DAYS) | set(SWAPPED_DAYS_OFF)


# -- weekends and reasons -------------------------------------------------------------------------


def test_weekends_are_off_with_their_name() -> None:
    assert not CAL.is_working_day(date(2026, 10, 17))
    assert not CAL.is_working_day(date(2026, 10, 18))
    assert CAL.day_off_reason(date(2026, 10, 17)) == "Thứ Bảy"
    assert CAL.day_off_reason(date(2026, 10, 18)) == "Chủ nhật"
    assert CAL.day_off_reason(date(2026, 10, 16)) is None  # a plain Friday


# -- campaign overrides ---------------------------------------------------------------------------


def test_extra_day_off_removes_a_working_day() -> None:
    thursday = date(2026, 10, 15)
    cal = WorkingCalendar([2026], extra_days_off=[thursday])
    assert not cal.is_working_day(thursday)
    assert cal.day_off_reason(thursday) == EXTRA_DAY_OFF_REASON
    october = (date(2026, 10, 1), date(2026, 10, 31))
    assert cal.count_working_days(*october) == CAL.count_working_days(*october) - 1
    assert thursday not in cal.working_days(*october)


def test_extra_working_saturday_counts() -> None:
    saturday = date(2026, 10, 17)
    cal = WorkingCalendar([2026], extra_working_days=[saturday])
    assert cal.is_working_day(saturday)
    assert cal.day_off_reason(saturday) is None
    october = (date(2026, 10, 1), date(2026, 10, 31))
    assert cal.count_working_days(*october) == CAL.count_working_days(*october) + 1
    assert cal.add_working_days(date(2026, 10, 16), 1) == saturday


def test_extra_working_day_wins_over_a_holiday() -> None:
    cal = WorkingCalendar([2026], extra_working_days=[date(2026, 9, 2)])
    assert cal.is_working_day(date(2026, 9, 2))


def test_extra_day_off_can_cancel_a_make_up_saturday() -> None:
    cal = WorkingCalendar([2026], extra_days_off=[date(2026, 8, 22)])
    assert not cal.is_working_day(date(2026, 8, 22))
    assert cal.day_off_reason(date(2026, 8, 22)) == EXTRA_DAY_OFF_REASON


def test_extra_day_off_on_a_holiday_keeps_the_holiday_name() -> None:
    cal = WorkingCalendar([2026], extra_days_off=[date(2026, 9, 2)])
    assert cal.day_off_reason(date(2026, 9, 2)) == "Quốc khánh"


def test_same_day_both_off_and_worked_is_refused() -> None:
    with pytest.raises(ValueError, match="22/08/2026"):
        WorkingCalendar(
            [2026], extra_days_off=[date(2026, 8, 22)], extra_working_days=[date(2026, 8, 22)]
        )


def test_nonsense_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="subdivision"):
        WorkingCalendar([2026], subdiv="XX")
    with pytest.raises(ValueError, match="outside"):
        WorkingCalendar([1800])
    with pytest.raises(TypeError):
        WorkingCalendar([2026], extra_days_off=["2026-08-22"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="outside"):
        CAL.add_working_days(date(2100, 12, 1), 40)


def test_datetime_is_read_as_its_day() -> None:
    assert not CAL.is_working_day(datetime(2026, 9, 2, 9, 30))
    cal = WorkingCalendar([2026], extra_days_off=[datetime(2026, 10, 15, 8, 0)])
    assert not cal.is_working_day(date(2026, 10, 15))


# -- arithmetic -----------------------------------------------------------------------------------


def test_add_across_the_national_day_gap() -> None:
    assert CAL.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)  # Fri -> Thu
    assert CAL.add_working_days(date(2026, 8, 28), 2) == date(2026, 9, 4)
    assert CAL.add_working_days(date(2026, 8, 29), 0) == date(2026, 9, 3)  # Sat: next worked


def test_add_around_the_make_up_saturday() -> None:
    assert CAL.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)  # Fri -> Sat (worked)
    assert CAL.add_working_days(date(2026, 8, 22), 0) == date(2026, 8, 22)
    assert CAL.add_working_days(date(2026, 8, 22), 1) == date(2026, 8, 24)
    assert CAL.add_working_days(date(2026, 8, 22), 5) == date(2026, 8, 28)
    assert CAL.add_working_days(date(2026, 8, 22), 6) == date(2026, 9, 3)


def test_negative_additions() -> None:
    assert CAL.add_working_days(date(2026, 9, 3), -1) == date(2026, 8, 28)
    assert CAL.add_working_days(date(2026, 8, 24), -1) == date(2026, 8, 22)
    assert CAL.add_working_days(date(2026, 8, 24), -2) == date(2026, 8, 21)
    assert CAL.add_working_days(date(2026, 9, 2), -1) == date(2026, 8, 28)  # from a holiday
    assert CAL.add_working_days(date(2026, 1, 5), -1) == date(2025, 12, 31)  # 1-4/1/2026 off


def test_next_and_previous_working_day() -> None:
    assert CAL.next_working_day(date(2026, 8, 31)) == date(2026, 9, 3)
    assert CAL.next_working_day(date(2026, 9, 3)) == date(2026, 9, 3)
    assert CAL.next_working_day(date(2026, 9, 3), include_today=False) == date(2026, 9, 4)
    assert CAL.previous_working_day(date(2026, 9, 2)) == date(2026, 8, 28)
    assert CAL.previous_working_day(date(2026, 8, 28)) == date(2026, 8, 28)
    assert CAL.previous_working_day(date(2026, 8, 28), include_today=False) == date(2026, 8, 27)


def test_years_outside_the_constructor_are_computed_on_demand() -> None:
    cal = WorkingCalendar([2026])
    # 1/1/2027 is a Friday holiday, then a weekend.
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert not cal.is_working_day(date(2027, 9, 2))
    assert cal.is_working_day(date(2019, 1, 5))  # Saturday worked for 31/12/2018 (holidays)
    assert not cal.is_working_day(date(2018, 12, 31))


def test_count_august_to_december_2026() -> None:
    """Derived by hand: weekdays per month minus the weekdays off, plus the worked Saturday."""
    weekdays = {8: 21, 9: 22, 10: 22, 11: 21, 12: 23}  # Aug 2026 starts on a Saturday, ...
    for month, expected in weekdays.items():
        first = date(2026, month, 1)
        days = [first + timedelta(days=k) for k in range(31)]
        assert sum(d.month == month and d.weekday() < 5 for d in days) == expected
    weekdays_off = [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24)]
    worked_weekend_days = [date(2026, 8, 22)]
    expected = sum(weekdays.values()) - len(weekdays_off) + len(worked_weekend_days)
    assert expected == 106
    assert CAL.count_working_days(date(2026, 8, 1), date(2026, 12, 31)) == expected
    assert len(CAL.working_days(date(2026, 8, 1), date(2026, 12, 31))) == expected


def test_count_edges() -> None:
    assert CAL.count_working_days(date(2026, 9, 3), date(2026, 9, 3)) == 1
    assert CAL.count_working_days(date(2026, 9, 2), date(2026, 9, 2)) == 0
    assert CAL.count_working_days(date(2026, 9, 4), date(2026, 9, 3)) == 0
    assert CAL.working_days(date(2026, 9, 4), date(2026, 9, 3)) == []
    assert CAL.working_days(date(2026, 8, 27), date(2026, 9, 4)) == [
        date(2026, 8, 27),
        date(2026, 8, 28),
        date(2026, 9, 3),
        date(2026, 9, 4),
    ]
    # Across a year end: 29-31/12/2025 (Mon-Wed), 1/1 off, 2/1 swapped off, 3-4/1 weekend.
    assert CAL.count_working_days(date(2025, 12, 29), date(2026, 1, 5)) == 4


# -- properties -----------------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))


@given(d=_DAYS, n=st.integers(min_value=0, max_value=600))
def test_add_then_count_round_trips(d: date, n: int) -> None:
    later = CAL.add_working_days(d, n)
    assert CAL.is_working_day(later)
    assert later >= d
    if n > 0:
        assert CAL.count_working_days(d + timedelta(days=1), later) == n
    else:
        assert later == CAL.next_working_day(d)


@given(d=_DAYS, n=st.integers(min_value=1, max_value=600))
def test_subtract_then_count_round_trips(d: date, n: int) -> None:
    earlier = CAL.add_working_days(d, -n)
    assert CAL.is_working_day(earlier)
    assert CAL.count_working_days(earlier, d - timedelta(days=1)) == n


@given(start=_DAYS, span=st.integers(min_value=0, max_value=800))
def test_working_days_agrees_with_is_working_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    listed = CAL.working_days(start, end)
    walked = [
        start + timedelta(days=k)
        for k in range(span + 1)
        if CAL.is_working_day(start + timedelta(days=k))
    ]
    assert listed == walked
    assert CAL.count_working_days(start, end) == len(walked)


# -- parse_vn_date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-08-22", "22/8/2026", "22/08/2026", " 22/8/2026 ", "22/08/2026\n"]
)
def test_parse_vn_date_accepts(text: str) -> None:
    assert parse_vn_date(text) == date(2026, 8, 22)


def test_parse_vn_date_single_digit_day_and_month() -> None:
    assert parse_vn_date("2/9/2026") == date(2026, 9, 2)
    assert parse_vn_date("02/09/2026") == date(2026, 9, 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026/08/22",
        "22-8-2026",
        "20260822",
        "2026-8-22",
        "22/8/26",
        "22/8/2026 extra",
        "２２/８/２０２６",  # full-width digits
        "31/2/2026",
        "2026-13-01",
        "0/1/2026",
    ],
)
def test_parse_vn_date_refuses_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_vn_date(text)
    assert repr(text) in str(err.value)
