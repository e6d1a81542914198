"""Text rules shared by every input: UTF-8, NFC, trimmed, no control characters."""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are allowed where a text may span lines (a reason, a note); everything
# else in Unicode's Cc and Cf categories (NUL, escape, bidi overrides, zero-width marks) is never
# typed on purpose and would hide text in a letter or a log.
_MULTILINE_OK = frozenset("\n\r\t")


def clean(text: str) -> str:
    """NFC-normalised and stripped: `Hòa` typed with combining marks equals the precomposed one."""
    return unicodedata.normalize("NFC", text).strip()


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """A description of the first control character in `text` (`U+0000 at position 4`), or
    None when there is none."""
    for position, char in enumerate(text, 1):
        if unicodedata.category(char) in ("Cc", "Cf") and not (multiline and char in _MULTILINE_OK):
            return f"U+{ord(char):04X} at position {position}"
    return None


# A spreadsheet reads a cell starting with one of these as a formula (`=HYPERLINK(...)` in a
# unit's name would run when a clerk opens the export); OWASP's advice is a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value` as a CSV cell a spreadsheet shows as text: a string that would start a formula
    gets a leading `'`; numbers and other values pass as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
