"""Fuzzing the importers and loaders: whatever bytes or text they are handed, they return a
value or raise the engine's InputError (one clear line), never another exception.

Each reader is fed both noise and mutations of a real input (the example campaign, the shipped
definition, a real forms workbook), which reach far deeper than noise does. The bigger runs are
marked slow.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_engine.cli.common import read_json_object
from inspect_engine.documents.xlsx_forms import read_form, write_form
from inspect_engine.domain.calendar import parse_date_range, parse_vn_date
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.documents.forms import form_sheet, parse_forms
from inspect_engine.domain.input_limits import payload_problem
from inspect_engine.domain.text import decode_utf8
from inspect_engine.domain.units import parse_units_csv
from inspect_engine.domain.workflow.machine import check_data
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import InputError
from inspect_engine.settings import data_dir
from tests.conftest import EXAMPLES, HANOI, REPO

QUICK = settings(max_examples=200, deadline=None)
BIG = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAMPAIGN = HANOI.read_text(encoding="utf-8")
DEFINITION = (REPO / "workflows" / "cchc-inspection" / "v3.yaml").read_text(encoding="utf-8")
UNITS = (EXAMPLES / "hanoi-units.csv").read_bytes()
KINDS = ("province", "department", "commune")
SPEC = parse_campaign(CAMPAIGN, "hanoi-2026.toml")
FORMS = parse_forms((data_dir("notices") / "forms.toml").read_text(encoding="utf-8"), "forms.toml")
SHEETS = [
    form_sheet(FORMS[code], SPEC, "STP", "Sở Tư pháp") for code in FORMS if code != "Phụ lục 4"
]
WORKBOOK = write_form(SHEETS)

# Text a person or a broken tool might put in a file: Vietnamese, syntax, controls, marks.
_ALPHABET = st.sampled_from(
    list("aăâđeêoôơuưyÀÁẢÃẠĐ") + list("\"'=[]{}:,-.#*&!|>\n\t\r \\/0123456789")
    + ["\x00", "\x1b", "\u202e", "\ufeff", "\u0301", "\ud7ff"]
)  # fmt: skip
NOISE = st.text(_ALPHABET, max_size=200) | st.text(max_size=200)


def returns_or_refuses(read: Callable[[], Any]) -> None:
    """`read()` gives a value, or an InputError with a message; nothing else escapes."""
    try:
        read()
    except InputError as exc:
        assert str(exc).strip(), "an InputError must say what is wrong"


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a slice replaced by noise, deleted or repeated: what a slip of the hand or a
    bad merge makes of a good file."""
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 80)))
    how = draw(st.sampled_from(["replace", "delete", "repeat"]))
    middle = {"replace": draw(NOISE), "delete": "", "repeat": text[start:end] * 3}[how]
    return text[:start] + middle + text[end:]


# --- units CSV ---------------------------------------------------------------------------------


@QUICK
@given(st.binary(max_size=400) | st.builds(lambda t: t.encode("utf-8"), NOISE))
def test_units_csv_noise(data: bytes) -> None:
    returns_or_refuses(
        lambda: parse_units_csv(data, "u.csv", known_kinds=KINDS, existing_parents={})
    )


@QUICK
@given(mutated(UNITS.decode("utf-8")))
def test_units_csv_mutations(text: str) -> None:
    returns_or_refuses(
        lambda: parse_units_csv(
            text.encode("utf-8"), "u.csv", known_kinds=KINDS, existing_parents={}
        )
    )


# --- campaign TOML -----------------------------------------------------------------------------


@QUICK
@given(NOISE)
def test_campaign_toml_noise(text: str) -> None:
    returns_or_refuses(lambda: parse_campaign(text, "c.toml"))


@BIG
@given(mutated(CAMPAIGN))
def test_campaign_toml_mutations(text: str) -> None:
    returns_or_refuses(lambda: parse_campaign(text, "c.toml"))


# --- workflow YAML -----------------------------------------------------------------------------


@QUICK
@given(NOISE)
def test_workflow_yaml_noise(text: str) -> None:
    returns_or_refuses(lambda: parse_definition(text, "w.yaml"))


@BIG
@given(mutated(DEFINITION))
def test_workflow_yaml_mutations(text: str) -> None:
    returns_or_refuses(lambda: parse_definition(text, "w.yaml"))


# --- the XLSX form reader ----------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600) | st.binary(max_size=64).map(lambda b: b"PK\x03\x04" + b))
def test_form_reader_noise(data: bytes) -> None:
    returns_or_refuses(lambda: read_form(data, "f.xlsx", SHEETS))


def _repacked(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == part:
                body = change(body.decode("utf-8")).encode("utf-8")
            dst.writestr(item, body)
    return out.getvalue()


_PARTS = sorted(n for n in zipfile.ZipFile(BytesIO(WORKBOOK)).namelist() if n.endswith(".xml"))


@st.composite
def mutated_workbook(draw: st.DrawFn) -> bytes:
    """A real forms workbook with one of its XML parts mutated, or its bytes flipped."""
    if draw(st.booleans()):
        part = draw(st.sampled_from(_PARTS))
        text = zipfile.ZipFile(BytesIO(WORKBOOK)).read(part).decode("utf-8")
        changed = draw(mutated(text))
        return _repacked(WORKBOOK, part, lambda _: changed)
    data = bytearray(WORKBOOK)
    for at, value in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)),
                                   min_size=1, max_size=8)):  # fmt: skip
        data[at] = value
    return bytes(data)


@settings(max_examples=60, deadline=None)
@given(mutated_workbook())
def test_form_reader_mutations(data: bytes) -> None:
    returns_or_refuses(lambda: read_form(data, "f.xlsx", SHEETS))


@pytest.mark.slow
@BIG
@given(mutated_workbook())
def test_form_reader_many_mutations(data: bytes) -> None:
    returns_or_refuses(lambda: read_form(data, "f.xlsx", SHEETS))


# --- the data-file reader and a trigger's data -------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NOISE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NOISE, inner, max_size=4),
    max_leaves=20,
)


def _read_data(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.json"
        path.write_bytes(data)
        read_json_object(path)


@QUICK
@given(
    st.binary(max_size=300)
    | st.builds(lambda t: t.encode("utf-8"), NOISE)
    | JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8"))
    | st.builds(lambda t: ("{" + t + "}").encode("utf-8"), NOISE)
)
def test_data_file_reader(data: bytes) -> None:
    returns_or_refuses(lambda: _read_data(data))


_V3 = parse_definition(DEFINITION, "v3.yaml")
_KEYS = st.sampled_from(
    ["reason", "visit_date", "team", "note", "minutes", "findings", "submission", "conclusion",
     "summary", "documents", "deadline", "previous_date", "x"]
)  # fmt: skip


@QUICK
@given(st.sampled_from(_V3.transitions), st.dictionaries(_KEYS, JSON_VALUES, max_size=4))
def test_trigger_data_checks(transition: Any, payload: dict[str, Any]) -> None:
    """What `case advance` hands the domain: the payload bounds, then the schema."""
    problem = payload_problem(payload)
    if problem is None:
        returns_or_refuses(lambda: check_data(_V3, transition, payload))


# --- dates ---------------------------------------------------------------------------------


DATES = st.from_regex(r"\A[0-9]{1,5}[-/][0-9]{1,3}[-/][0-9]{1,5}\Z") | NOISE


@QUICK
@given(DATES, st.sampled_from(["", "..", " .. "]), DATES)
def test_date_parser(first: str, between: str, last: str) -> None:
    returns_or_refuses(lambda: parse_vn_date(first))
    returns_or_refuses(lambda: parse_date_range(first + between + last))


@QUICK
@given(st.binary(max_size=200))
def test_decoding(data: bytes) -> None:
    returns_or_refuses(lambda: decode_utf8(data, "f.txt"))
