"""The working-day calendar: the engine's 2020-2026 table, its sources, the `holidays` fallback,
campaign overrides and the arithmetic on working days.

The expected days off below are written out from the yearly notices, independently of the table
in `inspect_engine/domain/national_days.py`, so a wrong row there fails here:
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

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from inspect_engine.cli.app import app
from inspect_engine.cli.calendar import render_doc
from inspect_engine.domain.calendar import EXTRA_DAY_OFF_REASON, WorkingCalendar, parse_vn_date
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.national_days import (
    CULTURE,
    MAKE_UP_WORKING_DAYS,
    NATIONAL,
    NATIONAL_DAYS,
    SWAPPED_DAYS_OFF,
    TABLE_YEARS,
    NationalDay,
    in_table,
    national_days,
)
from tests.conftest import EXAMPLES, REPO

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


def _days(year: int, text: str) -> set[date]:
    return {parse_vn_date(f"{d}/{year}") for d in text.split()}


# Every weekday off and every worked weekend day of each table year, from the yearly notices:
# 2020 Thông báo 4544/TB-LĐTBXH; 2021 Thông báo 4875/TB-LĐTBXH; 2022 Công văn 245/VPCP-KGVX;
# 2023 Công văn 8056/VPCP-KGVX; 2024 Công văn 8662/VPCP-KGVX and 2450/VPCP-KGVX (29/4 <-> 4/5);
# 2025 Thông báo 6150/TB-BLĐTBXH (2/5 <-> 26/4); 2026 Công văn 12729/VPCP-KGVX (2/1 <-> 10/1),
# Thông báo 9441/TB-BNV (31/8 <-> 22/8) and Nghị quyết 80-NQ/TW (24/11). Weekday holidays and
# "nghỉ bù" otherwise follow the Labour Code (2012 for 2020, 2019 from 2021).
WEEKDAYS_OFF = {
    2020: "1/1 23/1 24/1 27/1 28/1 29/1 2/4 30/4 1/5 2/9",
    2021: "1/1 10/2 11/2 12/2 15/2 16/2 21/4 30/4 3/5 2/9 3/9",
    2022: "3/1 31/1 1/2 2/2 3/2 4/2 11/4 2/5 3/5 1/9 2/9",
    2023: "2/1 20/1 23/1 24/1 25/1 26/1 1/5 2/5 3/5 1/9 4/9",
    2024: "1/1 8/2 9/2 12/2 13/2 14/2 18/4 29/4 30/4 1/5 2/9 3/9",
    2025: "1/1 27/1 28/1 29/1 30/1 31/1 7/4 30/4 1/5 2/5 1/9 2/9",
    2026: "1/1 2/1 16/2 17/2 18/2 19/2 20/2 27/4 30/4 1/5 31/8 1/9 2/9 24/11",
}
WORKED_WEEKEND_DAYS = {2024: "4/5", 2025: "26/4", 2026: "10/1 22/8"}
# Where holidays 0.109 and the table differ (0.109 lacks the New Year 2026 swap). A release that
# learns it passes; one that disagrees on any other day of 2020-2026 fails.
KNOWN_GAPS = {date(2026, 1, 2), date(2026, 1, 10)}


@pytest.mark.parametrize("year", TABLE_YEARS)
def test_table_year_has_exactly_the_notified_days_off(year: int) -> None:
    days = [date(year, 1, 1) + timedelta(days=k) for k in range(366)]
    days = [d for d in days if d.year == year]
    assert {d for d in days if d.weekday() < 5 and not CAL.is_working_day(d)} == _days(
        year, WEEKDAYS_OFF[year]
    )
    assert {d for d in days if d.weekday() >= 5 and CAL.is_working_day(d)} == _days(
        year, WORKED_WEEKEND_DAYS.get(year, "")
    )


@pytest.mark.parametrize("row", NATIONAL_DAYS, ids=lambda row: row.day.isoformat())
def test_every_listed_date_behaves_as_listed(row: NationalDay) -> None:
    assert in_table(row.day.year)
    if row.worked:
        assert row.day.weekday() >= 5, "a make-up day is a weekend day"
        assert CAL.is_working_day(row.day)
        assert CAL.day_off_reason(row.day) is None
    else:
        assert not CAL.is_working_day(row.day)
        assert CAL.day_off_reason(row.day) == row.name


@pytest.mark.parametrize("row", NATIONAL_DAYS, ids=lambda row: row.day.isoformat())
def test_every_listed_date_names_its_legal_source(row: NationalDay) -> None:
    # A law or a numbered decision: "Bộ luật Lao động 2019 ...", "Công văn 245/VPCP-KGVX", ...
    assert re.search(r"Bộ luật Lao động 20(12|19)|[0-9]+(/[0-9]{4})?[-/][A-ZĐ]", row.source)
    assert "holidays" not in row.source


def test_the_culture_day_says_its_status_is_uncertain() -> None:
    (row,) = [r for r in NATIONAL_DAYS if r.day == date(2026, 11, 24)]
    assert row.name == CULTURE
    assert "80-NQ/TW" in row.source and "uncertain" in row.source


def test_swaps_pair_a_weekday_off_with_a_worked_weekend_day() -> None:
    rows = {row.day: row for row in NATIONAL_DAYS}
    swaps = [row for row in NATIONAL_DAYS if row.swap is not None]
    assert len(swaps) == 8
    for row in swaps:
        assert row.swap is not None
        other = rows[row.swap]
        assert other.swap == row.day and other.worked != row.worked
        assert other.source == row.source
        assert abs((other.day - row.day).days) < 21
        off, worked = (other, row) if row.worked else (row, other)
        assert off.day.weekday() < 5 and worked.day.weekday() >= 5
        assert f"{worked.day:%d/%m/%Y}" in off.name and f"{off.day:%d/%m/%Y}" in worked.name
    assert set(MAKE_UP_WORKING_DAYS) == {r.day for r in swaps if r.worked}
    assert set(SWAPPED_DAYS_OFF) == {r.day for r in swaps if not r.worked}


def test_august_to_december_has_no_lunar_holiday() -> None:
    autumn = [row for row in NATIONAL_DAYS if row.day.month >= 8]
    assert {row.name for row in autumn if row.swap is None} == {
        NATIONAL,
        f"{NATIONAL} (nghỉ bù)",
        CULTURE,
    }


def test_one_row_per_date() -> None:
    assert len({row.day for row in NATIONAL_DAYS}) == len(NATIONAL_DAYS)
    assert [row.day for row in NATIONAL_DAYS] == sorted(row.day for row in NATIONAL_DAYS)


@pytest.mark.parametrize("year", TABLE_YEARS)
def test_table_agrees_with_the_installed_holidays_release(year: int) -> None:
    package = holidays.country_holidays("VN", years=(year, year + 1), language="vi")
    theirs = {d: str(name) for d, name in package.items() if d.year == year}
    theirs.update({d: "worked" for d in package.weekend_workdays if d.year == year})
    ours = {row.day: "worked" if row.worked else row.name for row in national_days(year)}
    differ = sorted(d for d in theirs.keys() | ours.keys() if theirs.get(d) != ours.get(d))
    unknown = [d for d in differ if d not in KNOWN_GAPS]
    assert not unknown, f"holidays {holidays.__version__} disagrees with the table: " + ", ".join(
        f"{d:%d/%m/%Y} theirs {theirs.get(d, 'a plain day')!r}, ours {ours.get(d, 'a plain day')!r}"
        for d in unknown
    )


# -- years outside the table -----------------------------------------------------------------------


def test_years_outside_the_table_come_from_holidays() -> None:
    assert not in_table(2027) and not in_table(2019)
    rows = national_days(2027)
    assert all(row.source.startswith(f"holidays {holidays.__version__}") for row in rows)
    assert not CAL.is_working_day(date(2027, 11, 24))  # Ngày Văn hóa Việt Nam, a Wednesday
    assert CAL.day_off_reason(date(2027, 11, 24)) == CULTURE
    # 2019's swaps are known to the package, one across New Year (31/12/2018 off).
    worked = {row.day: row for row in national_days(2019) if row.worked}
    assert {d: row.swap for d, row in worked.items()} == {
        date(2019, 1, 5): date(2018, 12, 31),
        date(2019, 5, 4): date(2019, 4, 29),
    }
    assert worked[date(2019, 1, 5)].name == "Làm bù cho thứ Hai 31/12/2018"
    assert CAL.is_working_day(date(2019, 1, 5)) and not CAL.is_working_day(date(2018, 12, 31))
    assert CAL.is_working_day(date(2014, 12, 27))  # worked for 2/1/2015, registered under 2015


def test_table_years_never_load_holidays() -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from inspect_engine.domain.calendar import WorkingCalendar\n"
        "cal = WorkingCalendar(range(2020, 2027))\n"
        "assert cal.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)\n"
        "assert 'holidays' not in sys.modules\n"
        "cal.is_working_day(date(2027, 1, 1))\n"
        "assert 'holidays' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


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


def test_campaign_overrides_win_over_the_table() -> None:
    example = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
    assert "extra_days_off = []\nextra_working_days = []" in example
    text = example.replace(
        "extra_days_off = []\nextra_working_days = []",
        'extra_days_off = ["9/10/2026", "2026-08-22"]\nextra_working_days = ["24/11/2026"]',
    )
    cal = parse_campaign(text, "hanoi-2026.toml").working_calendar()
    assert cal.is_working_day(date(2026, 11, 24))  # the table has it off
    assert not cal.is_working_day(date(2026, 8, 22))  # the table's make-up Saturday, cancelled
    assert cal.day_off_reason(date(2026, 10, 9)) == EXTRA_DAY_OFF_REASON
    autumn = (date(2026, 8, 1), date(2026, 12, 31))
    assert cal.count_working_days(*autumn) == CAL.count_working_days(*autumn) - 1


def test_overrides_win_in_a_year_outside_the_table() -> None:
    cal = WorkingCalendar([2027], extra_working_days=[date(2027, 9, 2)])
    assert cal.is_working_day(date(2027, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 2))


# -- the calendar page and command ---------------------------------------------------------------


def test_calendar_page_lists_the_table() -> None:
    page = (REPO / "docs" / "calendar.md").read_text(encoding="utf-8")
    assert page == render_doc(), "docs/calendar.md is stale: run `make docs`"
    for row in NATIONAL_DAYS:
        assert f"| {row.day:%d/%m/%Y} |" in page and row.source in page


def test_calendar_command_json() -> None:
    result = CliRunner().invoke(app, ["calendar", "2026", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["year"], data["origin"]) == (2026, "table")
    assert set(data) == {"year", "origin", "working_days", "working_days_per_month", "days"}
    # 261 weekdays in 2026, 14 of them off, 2 Saturdays worked.
    assert data["working_days"] == 249 == sum(data["working_days_per_month"].values())
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-08-22"]["kind"] == "worked" and days["2026-08-22"]["swap"] == "2026-08-31"
    assert days["2026-11-24"]["kind"] == "off" and "80-NQ/TW" in days["2026-11-24"]["source"]
    assert days["2026-04-26"]["kind"] == "weekend"  # Giỗ Tổ on a Sunday; Monday is off instead
    assert set(days["2026-01-01"]) == {"date", "kind", "name", "source", "swap"}


def test_calendar_command_table_and_fallback() -> None:
    result = CliRunner().invoke(app, ["calendar", "2027"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"from holidays {holidays.__version__}" in result.stdout
    assert "24/11/2027" in result.stdout
    assert "working days in 2027" in result.stdout


def test_calendar_command_refuses_a_year_out_of_range() -> None:
    result = CliRunner().invoke(app, ["calendar", "1800"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: field 'YEAR': year 1800 is outside the range of the VN holiday calendar (1901-2100)"
    ]


def test_calendar_command_loads_no_database_solver_or_holidays() -> None:
    code = (
        "import atexit, sys\n"
        "heavy = ('sqlalchemy', 'ortools', 'numpy', 'holidays')\n"
        "atexit.register(lambda: print('loaded:', [m for m in heavy if m in sys.modules],"
        " file=sys.stderr))\n"
        "sys.argv = ['inspect-engine', 'calendar', '2026', '--json']\n"
        "from inspect_engine.cli.app import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout)["origin"] == "table"
    assert done.stderr.strip() == "loaded: []"


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
