"""A moment an auditor names: `2026-10-15`, `2026-10-15T14:00`, `15/10/2026`, `15/10/2026 14:00`,
with an optional offset (`+07:00`, `Z`); the local time of the given zone without one.

A day alone means the end of that day: "as of 15/10" counts what was recorded on the 15th, as
the reports' cut-off does (domain/reporting/figures.py).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
_OFFSET = r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?"
_ISO = re.compile(
    rf"(?P<year>\d{{4}})-(?P<month>\d{{2}})-(?P<day>\d{{2}})(?:[T ]{_TIME}{_OFFSET})?"
)
_DMY = re.compile(
    rf"(?P<day>\d{{1,2}})/(?P<month>\d{{1,2}})/(?P<year>\d{{4}})(?:[ T]{_TIME}{_OFFSET})?"
)
END_OF_DAY = time(23, 59, 59, 999999)
FORMS = "2026-10-15, 2026-10-15T14:00, 15/10/2026 or 15/10/2026 14:00"


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """The aware moment `text` names (see the module's docstring); a ValueError saying which
    forms are understood when it names none."""
    stripped = text.strip()
    match = _ISO.fullmatch(stripped) or _DMY.fullmatch(stripped)
    if match is None:
        raise ValueError(
            f"{text!r} is not a moment (use {FORMS}; Vietnam time unless an offset such as "
            "+07:00 is given)"
        )
    parts = match.groupdict()
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    if parts["hour"] is None:
        return datetime.combine(day, END_OF_DAY, zone)
    try:
        clock = time(
            int(parts["hour"]),
            int(parts["minute"]),
            int(parts["second"] or 0),
            int((parts["fraction"] or "0").ljust(6, "0")),
        )
    except ValueError:
        raise ValueError(f"{text!r} is not a real time of day") from None
    return datetime.combine(day, clock, _offset(text, parts["offset"], zone))


def _offset(text: str, offset: str | None, zone: tzinfo) -> tzinfo:
    if offset is None:
        return zone
    if offset == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise ValueError(f"{text!r} has no real UTC offset ({offset})")
    sign = -1 if offset[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
