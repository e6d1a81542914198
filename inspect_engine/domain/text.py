"""Text rules shared by every input: UTF-8, NFC, trimmed, no control characters."""

from __future__ import annotations

import codecs
import unicodedata

from inspect_engine.errors import InputError

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
    # Nearly every text is printable (Python's test, in C): only the others are walked.
    plain = text.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else text
    if plain.isprintable():
        return None
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


# What to tell a user whose file is not UTF-8: the usual culprits in a Vietnamese office.
LEGACY_ENCODINGS = "files from older Vietnamese software are often TCVN3 (ABC) or Windows-1258"


def decode_utf8(data: bytes, source: str) -> str:
    """The text of a file that must be UTF-8; a UTF-8 byte order mark (Notepad, Excel's "CSV
    UTF-8") is allowed and dropped. UTF-16 (Excel's "Unicode Text") and bytes that are not UTF-8
    are bad input naming the file and the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            "the file is UTF-16 (Excel's Unicode Text): save the file as UTF-8", source=source
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as "
            f"UTF-8 ({LEGACY_ENCODINGS})",
            source=source,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None
    return text.removeprefix("\ufeff")
