"""Bounds on what a person may hand a trigger: who acts and the data they send.

Each bound is far past anything a real inspection sends (a submission lists a few appendices,
minutes run a few pages), so only a mistake or an attack reaches it, and it is refused with one
line before anything is read into the history.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import orjson

from inspect_engine.domain.text import clean, control_character

MAX_ACTOR = 120  # characters: a name or an account
MAX_PAYLOAD_BYTES = 256 * 1024  # a trigger's data as canonical JSON
MAX_DEPTH = 16  # nesting of objects and lists in that data
MAX_TEXT = 64 * 1024  # one text value in it (a page of minutes is ~4 KB)

# Files a user hands the engine, refused before they are read when larger: each is many times
# the largest real one (Hà Nội's 142 units are 12 KB of CSV, the whole country's ~3,500 units
# about 300 KB; a campaign file is 10 KB; a definition 12 KB; a filled form 40 KB).
MAX_UNITS_FILE_BYTES = 16 * 1024 * 1024
MAX_UNITS = 20_000  # rows of one units file
MAX_CAMPAIGN_FILE_BYTES = 1024 * 1024
MAX_WORKFLOW_FILE_BYTES = 1024 * 1024
MAX_WORKBOOK_BYTES = 10 * 1024 * 1024
# An edXML reply package carries its attachments in base64: ten forms and scans of 10 MB each.
MAX_PACKAGE_BYTES = 160 * 1024 * 1024
MAX_STATUS_FILE_BYTES = 16 * 1024 * 1024  # the document axis's status messages
# What a workbook unpacks to (an XLSX is a zip: 100 KB can unpack to gigabytes).
MAX_WORKBOOK_UNPACKED_BYTES = 32 * 1024 * 1024


def actor_problem(actor: str) -> str | None:
    """Why `actor` cannot be recorded as who acted, or None."""
    if not clean(actor):
        return "the actor is empty: say who acts"
    if len(actor) > MAX_ACTOR:
        return f"the actor is {len(actor)} characters, more than {MAX_ACTOR}"
    if found := control_character(actor):
        return f"the actor has a control character {found}"
    return None


def payload_problem(payload: Mapping[str, Any]) -> str | None:
    """Why `payload` is too big, too deep or carries hidden characters, or None."""
    try:
        size = len(orjson.dumps(payload))
    except (TypeError, orjson.JSONEncodeError) as exc:
        return f"the data is not plain JSON: {exc}"
    if size > MAX_PAYLOAD_BYTES:
        return f"the data is {size:,} bytes, more than {MAX_PAYLOAD_BYTES:,}"
    return _value_problem(payload, "data", 1)


def _value_problem(value: Any, where: str, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"{where} is nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return f"{where} is {len(value):,} characters, more than {MAX_TEXT:,}"
        if found := control_character(value, multiline=True):
            return f"{where} has a control character {found}"
        return None
    items: Any = ()
    if isinstance(value, Mapping):
        items = ((f"{where}.{k}", v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    for inner_where, inner in items:
        if problem := _value_problem(inner, inner_where, depth + 1):
            return problem
    return None


def normalised(value: Any) -> Any:
    """`value` with every text in it, keys too, NFC-normalised: `Phụ lục 1` typed with combining
    marks is the appendix the campaign names. Texts are not trimmed (minutes keep their
    layout)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Mapping):
        return {unicodedata.normalize("NFC", str(k)): normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalised(v) for v in value]
    return value
