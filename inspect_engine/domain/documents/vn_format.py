"""How Vietnamese official documents write dates, numbers and amounts (Decree 30/2020/NĐ-CP).

These are the template filters (`documents/templates.py` registers them), so a template says
`{{ visit.date | ngay }}` and never formats a date itself.
"""

from __future__ import annotations

from datetime import date

_BLANK = "\u00a0"  # no-break spaces: a draft's blanks survive the template markup
BLANK_DATE = f"ngày{_BLANK * 6}tháng{_BLANK * 6}năm 20{_BLANK * 4}"
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def day_number(day: int) -> str:
    """Days below 10 take a leading zero (05)."""
    return f"{day:02d}"


def month_number(month: int) -> str:
    """Months 1 and 2 take a leading zero (01, 02), so "tháng 1" cannot be read as "tháng 10"
    or "tháng 11"; the others do not (8, 12)."""
    return f"{month:02d}" if month <= 2 else str(month)


def ngay(value: date) -> str:
    """`ngày 05 tháng 8 năm 2026`, as the date line and the body write a date in full."""
    return f"ngày {day_number(value.day)} tháng {month_number(value.month)} năm {value.year}"


def ngay_ngan(value: date) -> str:
    """`05/8/2026`, the short form used in references ("ngày 05/8/2026") and tables."""
    return f"{day_number(value.day)}/{month_number(value.month)}/{value.year}"


def thu(value: date) -> str:
    """The weekday: `thứ Ba`."""
    return WEEKDAYS[value.weekday()]


def place_date(place: str, value: date | None) -> str:
    """The date line: `Hà Nội, ngày 05 tháng 8 năm 2026`; while a draft awaits the records
    office, blanks for the clerk to write in."""
    if value is None:
        return f"{place}, {BLANK_DATE}"
    return f"{place}, {ngay(value)}"


def so_ky_hieu(number: int | None, code: str) -> str:
    """The number and code: `05/TB-SNV` (a leading zero below 10); a draft awaiting its number
    leaves the space blank (`     /TB-SNV`)."""
    if number is None:
        return f"{_BLANK * 5}/{code}"
    return f"{number:02d}/{code}"


def code_of(type_code: str | None, body_code: str, drafting_unit: str) -> str:
    """The code after the number: `TB-SNV` for a typed document, `SNV-CCHC` for a Công văn
    (no type code: the body's code and the drafting unit's)."""
    return f"{type_code}-{body_code}" if type_code else f"{body_code}-{drafting_unit}"


def so_tien(amount: int | float) -> str:
    """An amount the Vietnamese way: `1.250.000` (dots group thousands, a comma before
    decimals); the template adds the unit (đồng)."""
    whole = int(amount)
    text = f"{abs(whole):,}".replace(",", ".")
    sign = "-" if amount < 0 else ""
    fraction = abs(amount) - abs(whole)
    if fraction:
        text += "," + f"{fraction:.2f}"[2:].rstrip("0")
    return sign + text


def la_ma(value: int) -> str:
    """A Roman numeral, as appendices (Phụ lục I, II, III) and parts (I., II.) are numbered."""
    if value <= 0:
        raise ValueError(f"no Roman numeral for {value}")
    out = []
    for size, letters in _ROMAN:
        count, value = divmod(value, size)
        out.append(letters * count)
    return "".join(out)


def gio(hour: int, minute: int = 0) -> str:
    """A time of day: `08 giờ 00` (`8 giờ 30` reads the same; the leading zero matches the
    day's)."""
    return f"{hour:02d} giờ {minute:02d}"


def phan_tram(share: float) -> str:
    """0.3333 -> `33,3%` (one decimal, a comma as the decimal mark)."""
    return f"{share * 100:.1f}".replace(".", ",") + "%"
