"""Vietnam's national days: every day off and make-up working day of 2020-2026, with its source.

The engine keeps its own table, `NATIONAL_DAYS`, each row with the legal text it comes from, so
a plan never depends on what the installed `holidays` release happens to know: releases before
0.109 lack 24/11/2026, and 0.109 still lacks the 2/1 <-> 10/1/2026 swap. `docs/calendar.md`
lists the table; `inspect-engine calendar YEAR` prints any year.

For years outside the table the `holidays` package (VN, Vietnamese names) is the fallback: its
fixed holidays, Labour Code substitutes and the swaps it knows. The tests cross-check the table
against the installed release for every table year, so an upgrade that disagrees is noticed.
`holidays` is imported only when a year outside the table (or a subdivision) is asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
# How `holidays` labels a swapped day off; the fallback reads the make-up day's date from it.
_SUBSTITUTE_RE = re.compile(r"thay cho ngày ([0-9]{2}/[0-9]{2}/[0-9]{4})")


@dataclass(frozen=True, slots=True)
class NationalDay:
    """A day the national calendar changes: a day off, or a weekend day worked (`worked`).

    `name` is what `WorkingCalendar.day_off_reason` shows for a day off; `swap` is the other day
    of a swap (the make-up Saturday of a weekday off, and the other way round).
    """

    day: date
    name: str
    source: str
    worked: bool = False
    swap: date | None = None


# -- the table, 2020-2026 -------------------------------------------------------------------------
# Names follow the wording of `holidays` (VN, "vi") so a day reads the same whichever source gave
# it. Fixed holidays and "nghỉ bù" (a holiday on a weekend moves to the next working day) come
# from the Labour Code; Tết, the day next to National Day and every swap from the yearly decision.

_LC2012 = "Bộ luật Lao động 2012 (10/2012/QH13), Điều 115 khoản 1"
_LC2019 = "Bộ luật Lao động 2019 (45/2019/QH14), Điều 112 khoản 1"
_LC2019_SUB = "Bộ luật Lao động 2019 (45/2019/QH14), Điều 111 khoản 3 (nghỉ bù)"
_Y2020 = "Thông báo 4544/TB-LĐTBXH (25/10/2019), Bộ LĐTBXH"
_Y2021 = "Thông báo 4875/TB-LĐTBXH (12/2020), Bộ LĐTBXH"
_Y2022 = "Công văn 245/VPCP-KGVX (11/1/2022), Văn phòng Chính phủ"
_Y2023 = "Công văn 8056/VPCP-KGVX (1/12/2022), Văn phòng Chính phủ"
_Y2024 = (
    "Công văn 8662/VPCP-KGVX (3/11/2023), Văn phòng Chính phủ; Bộ LĐTBXH's notice of "
    "22/11/2023 (its number is given as 5014 and as 5015/TB-LĐTBXH: not settled)"
)
_SWAP2024 = "Công văn 2450/VPCP-KGVX (12/4/2024), Văn phòng Chính phủ"
_Y2025 = (
    "Thông báo 6150/TB-BLĐTBXH (3/12/2024), Bộ LĐTBXH, per Công văn 8726/VPCP-KGVX (26/11/2024)"
)
_SWAP2026_JAN = (
    "Công văn 12729/VPCP-KGVX (25/12/2025), Văn phòng Chính phủ "
    "(Bộ Nội vụ's notice of the same day: number not found)"
)
_Y2026 = "Thông báo 9441/TB-BNV (16/10/2025), Bộ Nội vụ, per Công văn 9859/VPCP-KGVX (13/10/2025)"
_CULTURE_DAY = (
    "Nghị quyết 80-NQ/TW (7/1/2026) of the Politburo; legal status uncertain: not yet in the "
    "Labour Code (Nghị quyết 30/NQ-CP of 2026 tasks amending Điều 112 khoản 1); "
    "no swap around it announced (source not found)"
)

# Where the text (or a faithful summary) of each source was read, for a user who wants to check.
DOCUMENTS: tuple[tuple[str, str], ...] = (
    (
        "Bộ luật Lao động 2019, Điều 111-112 (link as cited by the holidays package)",
        "https://web.archive.org/web/20250221171552/https://vbpl.vn/TW/Pages/vbpq-van-ban-goc.aspx?ItemID=139264",
    ),
    (
        "Bộ luật Lao động 2012, Điều 115 (link as cited by the holidays package)",
        "https://web.archive.org/web/20240917113133/https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=27615",
    ),
    (
        "Thông báo 4544/TB-LĐTBXH",
        "https://lawnet.vn/thong-tin-phap-luat/en/thong-bao-van-ban-moi/official-lunar-new-year-holiday-schedule-officials-and-public-employees-to-have-07-days-off-144554.html",
    ),
    (
        "Thông báo 4875/TB-LĐTBXH",
        "https://amp.cand.com.vn/Xa-hoi/Chinh-thuc-cong-bo-lich-nghi-Tet-am-lich-2021-cua-cong-chuc-lao-dong-i590977",
    ),
    (
        "Công văn 245/VPCP-KGVX",
        "https://luatvietnam.vn/chinh-sach/cong-van-245-vpcp-kgvx-2022-ve-nghi-tet-nguyen-dan-va-quoc-khanh-nam-2022-cua-cbccvc-va-nguoi-lao-dong-215627-d6.html",
    ),
    (
        "Công văn 8056/VPCP-KGVX",
        "https://truyenhinhnghean.vn/doi-song-xa-hoi/202212/tet-am-lich-2023-duoc-nghi-7-ngay-6290199",
    ),
    (
        "Công văn 8662/VPCP-KGVX",
        "https://binhphuoc.gov.vn/vi/news/tin-tuc-su-kien-421/thu-tuong-chot-phuong-an-nghi-tet-am-lich-7-ngay-nghi-le-quoc-khanh-4-ngay-34244.html",
    ),
    (
        "Bộ LĐTBXH's notice of 22/11/2023 (as 5015/TB-LĐTBXH)",
        "http://huyendakha.kontum.gov.vn/tin-tuc/thong-bao-ve-viec-nghi-tet-am-lich-va-nghi-le-quoc-khanh-nam-2024-doi-voi-can-bo-cong-chuc-vien-chuc-va-nguoi-lao-dong.html",
    ),
    (
        "Công văn 2450/VPCP-KGVX",
        "https://baophapluat.vn/media/thu-tuong-chinh-phu-dong-y-nghi-5-ngay-lien-tiep-dip-304-va-15-post12513.html",
    ),
    (
        "Thông báo 6150/TB-BLĐTBXH",
        "https://lawnet.vn/en/vb/Announcement-6150-TB-BLDTBXH-2024-International-Workers-Day-holidays-in-2025-of-officials-9B075.html",
    ),
    (
        "Công văn 12729/VPCP-KGVX",
        "https://baohiemxahoi.gov.vn/tintuc/audio/Pages/default.aspx?CateID=0&ItemID=25908&OtItem=date",
    ),
    (
        "Thông báo 9441/TB-BNV",
        "https://english.luatvietnam.vn/noticeno9441-tb-bnvdatedoctober162025oftheministryofhomeaffairsonthe2026lunarnewyearholidayandnationaldayholidayschedulefor-415220-doc6.html",
    ),
    (
        "Nghị quyết 80-NQ/TW",
        "https://thanhnien.vn/nguoi-lao-dong-co-the-nghi-le-tet-toi-26-ngay-trong-nam-2026-185260113172347178.htm",
    ),
    (
        "Nghị quyết 30/NQ-CP",
        "https://vneconomy.vn/bo-sung-ngay-van-hoa-viet-nam-2411-vao-danh-muc-ngay-nghi-huong-nguyen-luong.htm",
    ),
)

_TET = (
    "29 Tết",
    "Giao thừa Tết Nguyên Đán",
    "Tết Nguyên Đán",
    "Mùng hai Tết Nguyên Đán",
    "Mùng ba Tết Nguyên Đán",
    "Mùng bốn Tết Nguyên Đán",
    "Mùng năm Tết Nguyên Đán",
)
NEW_YEAR = "Tết Dương lịch"
HUNG_KINGS = "Ngày Giỗ Tổ Hùng Vương"
VICTORY = "Ngày Chiến thắng"
LABOUR = "Ngày Quốc tế Lao động"
NATIONAL = "Quốc khánh"
CULTURE = "Ngày Văn hóa Việt Nam"


def _off(day: date, name: str, source: str) -> NationalDay:
    return NationalDay(day, name, source)


def _sub(day: date, name: str, source: str = _LC2019_SUB) -> NationalDay:
    return NationalDay(day, f"{name} (nghỉ bù)", source)


def _tet(first: date, names: slice, source: str) -> list[NationalDay]:
    """Consecutive Tết days from `first`, named by `names` of `_TET` (weekend days included)."""
    return [
        NationalDay(first + timedelta(days=k), name, source) for k, name in enumerate(_TET[names])
    ]


def _swap(day_off: date, worked: date, source: str) -> list[NationalDay]:
    return [
        NationalDay(day_off, f"Ngày nghỉ (thay cho ngày {worked:%d/%m/%Y})", source, swap=worked),
        NationalDay(
            worked,
            f"Làm bù cho {WEEKDAY_NAMES[day_off.weekday()]} {day_off:%d/%m/%Y}",
            source,
            worked=True,
            swap=day_off,
        ),
    ]


NATIONAL_DAYS: tuple[NationalDay, ...] = tuple(
    sorted(
        [
            # 2020: Labour Code 2012, National Day one day only.
            _off(date(2020, 1, 1), NEW_YEAR, _LC2012),
            *_tet(date(2020, 1, 23), slice(0, 7), _Y2020),  # Thu 23/1 to Wed 29/1
            _off(date(2020, 4, 2), HUNG_KINGS, _LC2012),
            _off(date(2020, 4, 30), VICTORY, _LC2012),
            _off(date(2020, 5, 1), LABOUR, _LC2012),
            _off(date(2020, 9, 2), NATIONAL, _LC2012),
            # 2021: Labour Code 2019 in force; National Day gains an adjacent day.
            _off(date(2021, 1, 1), NEW_YEAR, _LC2019),
            *_tet(date(2021, 2, 10), slice(0, 7), _Y2021),  # Wed 10/2 to Tue 16/2
            _off(date(2021, 4, 21), HUNG_KINGS, _LC2019),
            _off(date(2021, 4, 30), VICTORY, _LC2019),
            _off(date(2021, 5, 1), LABOUR, _LC2019),  # Saturday
            _sub(date(2021, 5, 3), LABOUR),
            _off(date(2021, 9, 2), NATIONAL, _Y2021),
            _off(date(2021, 9, 3), NATIONAL, _Y2021),
            # 2022
            _off(date(2022, 1, 1), NEW_YEAR, _LC2019),  # Saturday
            _sub(date(2022, 1, 3), NEW_YEAR),
            *_tet(date(2022, 1, 31), slice(1, 6), _Y2022),  # Mon 31/1 to Fri 4/2
            _off(date(2022, 4, 10), HUNG_KINGS, _LC2019),  # Sunday
            _sub(date(2022, 4, 11), HUNG_KINGS),
            _off(date(2022, 4, 30), VICTORY, _LC2019),  # Saturday
            _off(date(2022, 5, 1), LABOUR, _LC2019),  # Sunday
            _sub(date(2022, 5, 2), VICTORY),
            _sub(date(2022, 5, 3), LABOUR),
            _off(date(2022, 9, 1), NATIONAL, _Y2022),
            _off(date(2022, 9, 2), NATIONAL, _Y2022),
            # 2023
            _off(date(2023, 1, 1), NEW_YEAR, _LC2019),  # Sunday
            _sub(date(2023, 1, 2), NEW_YEAR),
            *_tet(date(2023, 1, 20), slice(0, 7), _Y2023),  # Fri 20/1 to Thu 26/1
            _off(date(2023, 4, 29), HUNG_KINGS, _LC2019),  # Saturday
            _off(date(2023, 4, 30), VICTORY, _LC2019),  # Sunday
            _off(date(2023, 5, 1), LABOUR, _LC2019),
            _sub(date(2023, 5, 2), HUNG_KINGS),
            _sub(date(2023, 5, 3), VICTORY),
            _off(date(2023, 9, 1), NATIONAL, _Y2023),
            _off(date(2023, 9, 2), NATIONAL, _Y2023),  # Saturday
            _sub(date(2023, 9, 4), NATIONAL, _Y2023),
            # 2024
            _off(date(2024, 1, 1), NEW_YEAR, _LC2019),
            *_tet(date(2024, 2, 8), slice(0, 7), _Y2024),  # Thu 8/2 to Wed 14/2
            _off(date(2024, 4, 18), HUNG_KINGS, _LC2019),
            *_swap(date(2024, 4, 29), date(2024, 5, 4), _SWAP2024),
            _off(date(2024, 4, 30), VICTORY, _LC2019),
            _off(date(2024, 5, 1), LABOUR, _LC2019),
            _off(date(2024, 9, 2), NATIONAL, _Y2024),
            _off(date(2024, 9, 3), NATIONAL, _Y2024),
            # 2025
            _off(date(2025, 1, 1), NEW_YEAR, _LC2019),
            *_tet(date(2025, 1, 27), slice(0, 6), _Y2025),  # Mon 27/1 to Fri 31/1, and Sat 1/2
            _off(date(2025, 4, 7), HUNG_KINGS, _LC2019),
            *_swap(date(2025, 5, 2), date(2025, 4, 26), _Y2025),
            _off(date(2025, 4, 30), VICTORY, _LC2019),
            _off(date(2025, 5, 1), LABOUR, _LC2019),
            _off(date(2025, 9, 1), NATIONAL, _Y2025),
            _off(date(2025, 9, 2), NATIONAL, _Y2025),
            # 2026
            _off(date(2026, 1, 1), NEW_YEAR, _LC2019),
            *_swap(date(2026, 1, 2), date(2026, 1, 10), _SWAP2026_JAN),
            *_tet(date(2026, 2, 16), slice(1, 6), _Y2026),  # Mon 16/2 to Fri 20/2
            _off(date(2026, 4, 26), HUNG_KINGS, _LC2019),  # Sunday
            _sub(date(2026, 4, 27), HUNG_KINGS),
            _off(date(2026, 4, 30), VICTORY, _LC2019),
            _off(date(2026, 5, 1), LABOUR, _LC2019),
            *_swap(date(2026, 8, 31), date(2026, 8, 22), _Y2026),
            _off(date(2026, 9, 1), NATIONAL, _Y2026),
            _off(date(2026, 9, 2), NATIONAL, _Y2026),
            _off(date(2026, 11, 24), CULTURE, _CULTURE_DAY),
        ],
        key=lambda row: row.day,
    )
)
TABLE_YEARS = range(2020, 2027)

# Compatibility views of the table: the swaps' two sides.
MAKE_UP_WORKING_DAYS: dict[date, str] = {r.day: r.name for r in NATIONAL_DAYS if r.worked}
SWAPPED_DAYS_OFF: dict[date, str] = {
    r.day: r.name for r in NATIONAL_DAYS if r.swap is not None and not r.worked
}


def national_days(year: int, *, subdiv: str | None = None) -> tuple[NationalDay, ...]:
    """Every day off (weekend holidays included) and make-up working day of `year`, by date.

    From the table for `TABLE_YEARS`, else from the installed `holidays` release. `subdiv` is
    passed to `holidays` for years outside the table (VN has no subdivisions in 0.109).
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, got {year!r}")
    if year in TABLE_YEARS:
        return _table_year(year)
    first, last = supported_years()[0], supported_years()[-1]
    if not first <= year <= last:
        raise ValueError(
            f"year {year} is outside the range of the VN holiday calendar ({first}-{last})"
        )
    return _package_year(year, subdiv)


def in_table(year: int) -> bool:
    """Whether `year` comes from the engine's own table (else from `holidays`)."""
    return year in TABLE_YEARS


def holidays_version() -> str:
    return str(_holidays().__version__)


@cache
def supported_years() -> range:
    """The years a calendar can be computed for: what the VN calendar of `holidays` covers."""
    vn = _holidays().country_holidays("VN", years=())
    # getattr: the defaults are the VN values of 0.109, in case a release drops the attributes.
    return range(getattr(vn, "start_year", 1901), getattr(vn, "end_year", 2100) + 1)


def check_subdivision(subdiv: str) -> None:
    try:
        _holidays().country_holidays("VN", years=(), subdiv=subdiv)
    except NotImplementedError:
        raise ValueError(
            f"subdivision {subdiv!r} is unknown to the VN calendar of `holidays`"
        ) from None


@cache
def _table_year(year: int) -> tuple[NationalDay, ...]:
    return tuple(row for row in NATIONAL_DAYS if row.day.year == year)


@cache
def _package_year(year: int, subdiv: str | None) -> tuple[NationalDay, ...]:
    source = f"holidays {holidays_version()} (year outside the engine's table)"
    # The years around too: a swap whose two days straddle New Year is registered under one of
    # them (2/1/2015 off for Saturday 27/12/2014; 31/12/2018 off for Saturday 5/1/2019).
    years = [y for y in (year - 1, year, year + 1) if y in supported_years()]
    vn = _holidays().country_holidays("VN", years=years, language="vi", subdiv=subdiv)
    rows: dict[date, NationalDay] = {}
    swapped: dict[date, date] = {}  # make-up day -> the weekday off it pays for
    for day, name in vn.items():
        found = _SUBSTITUTE_RE.search(str(name))
        swap = datetime.strptime(found.group(1), "%d/%m/%Y").date() if found else None
        if swap is not None:
            swapped[swap] = day
        if day.year == year:
            rows[day] = NationalDay(day, str(name), source, swap=swap)
    for day in getattr(vn, "weekend_workdays", ()):
        if day.year == year:
            off = swapped.get(day)
            name = f"Làm bù cho {WEEKDAY_NAMES[off.weekday()]} {off:%d/%m/%Y}" if off else "Làm bù"
            rows[day] = NationalDay(day, name, source, worked=True, swap=off)
    return tuple(rows[day] for day in sorted(rows))


def _holidays() -> Any:
    # Imported on first use: the table years, which a campaign mostly needs, never load it.
    import holidays

    return holidays
