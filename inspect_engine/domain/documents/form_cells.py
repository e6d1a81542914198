"""One cell of a filled form, read as its column's type: a value for the audited figures, or
what is wrong with it. Spreadsheets hand back numbers as int or float, dates as datetimes, and
whatever the unit typed into a text-formatted cell as text, so each type accepts the forms a
person is likely to have produced and names the problem otherwise."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import date, datetime

from inspect_engine.domain.calendar import parse_vn_date
from inspect_engine.domain.text import clean, control_character
from inspect_engine.domain.workflow.data_keys import PARAGRAPH_CHARS

FigureValue = str | int | float
# What a reader hands over for a cell: openpyxl's value types (time and bool included).
CellValue = object

_WHOLE_RE = re.compile(r"^-?\d+$")
# A decimal written as text: one separator, a point or the Vietnamese comma.
_DECIMAL_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: CellValue) -> str:
    """A cell as text: a whole float without its `.0`, a date as dd/mm/yyyy, text cleaned."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return clean(str(value))


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _shown(value: CellValue) -> str:
    return repr(as_text(value))


def _number(value: CellValue) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _DECIMAL_RE.match(text := value.strip().replace(" ", "")):
        return float(text.replace(",", "."))
    return None


def to_integer(value: CellValue) -> tuple[int | None, str | None]:
    if isinstance(value, str) and _WHOLE_RE.match(value.strip()):
        number: float | None = float(value.strip())
    else:
        number = _number(value)
    if number is None or not number.is_integer():
        return None, f"{_shown(value)} is not a whole number"
    if number < 0:
        return None, f"{int(number)} is negative: the figures are counts"
    return int(number), None


def to_number(value: CellValue) -> tuple[int | float | None, str | None]:
    number = _number(value)
    if number is None:
        return None, f"{_shown(value)} is not a number"
    if number < 0:
        return None, f"{_plain(number)} is negative: the figures are counts and amounts"
    return _plain(number), None


def to_percent(value: CellValue) -> tuple[int | float | None, str | None]:
    """A percentage from 0 to 100 (`85` or `85%`); a reader scales a cell Excel formatted as
    percent (which holds 0.85) before it comes here."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.endswith("%"):
        text = text[:-1]
    number = _number(text)
    if number is None:
        return None, f"{_shown(value)} is not a percentage (a number from 0 to 100)"
    if not 0 <= number <= 100:
        return None, f"{_plain(number)} is not a percentage from 0 to 100"
    return _plain(round(number, 6)), None


def to_date(value: CellValue) -> tuple[str | None, str | None]:
    """An ISO date: from a date cell, or from text in ISO or dd/mm/yyyy form."""
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    if isinstance(value, str):
        try:
            return parse_vn_date(value).isoformat(), None
        except ValueError:
            pass
    return None, f"{_shown(value)} is not a date (dd/mm/yyyy)"


def to_choice(value: CellValue, choices: Sequence[str]) -> tuple[str | None, str | None]:
    """One of the choices, matched regardless of letter case."""
    text = as_text(value)
    for choice in choices:
        if text.casefold() == choice.casefold():
            return choice, None
    close = difflib.get_close_matches(text, list(choices), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return None, f"{text!r} is not one of the choices: {', '.join(choices)}{hint}"


def to_value(
    kind: str, value: CellValue, choices: Sequence[str] = ()
) -> tuple[FigureValue | None, str | None]:
    """The cell as a figure of `kind` (a column type), or the problem with it."""
    if kind == "integer":
        return to_integer(value)
    if kind == "number":
        return to_number(value)
    if kind == "percent":
        return to_percent(value)
    if kind == "date":
        return to_date(value)
    if kind == "choice":
        return to_choice(value, choices)
    return to_text(value)


def to_text(value: CellValue) -> tuple[str | None, str | None]:
    """Text as typed: no control characters, at most a trigger's paragraph."""
    text = as_text(value)
    if found := control_character(text, multiline=True):
        return None, f"control character {found}: type the text plainly"
    if len(text) > PARAGRAPH_CHARS:
        return None, f"{len(text):,} characters, more than {PARAGRAPH_CHARS:,}"
    return text, None
