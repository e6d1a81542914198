"""The fillable forms of the appendices (Phụ lục) as values: their definitions, read from a
template folder's `forms.toml` (docs/evidence.md), one form made for one unit, and the checks of
what the unit filled in.

A layout (`inspect_engine.documents.xlsx_forms`) draws a `FormSheet` and reads the cells back;
the rules of what a cell may hold are here, so they do not depend on the spreadsheet library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from inspect_engine.domain.campaign.appendices import leads_of
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.documents.form_cells import (
    CellValue,
    FigureValue,
    as_text,
    is_empty,
    to_value,
)
from inspect_engine.domain.documents.toml_fields import (
    choice_field,
    flag_field,
    known_fields,
    text_field,
)
from inspect_engine.domain.text import clean
from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.errors import InputError

ColumnType = Literal["text", "integer", "number", "percent", "date", "choice"]
RowSource = Literal["content_areas", "tasks", "leads", "blank"]
Prefill = Literal["number", "subject"]
COLUMN_TYPES: tuple[str, ...] = ("text", "integer", "number", "percent", "date", "choice")
ROW_SOURCES: tuple[str, ...] = ("content_areas", "tasks", "leads", "blank")
# Row sources whose rows each have a subject: a content area, or an area or task led.
SUBJECT_ROWS = frozenset({"content_areas", "leads"})
DEFAULT_WIDTHS = {"text": 30, "integer": 12, "number": 14, "percent": 12, "date": 13, "choice": 18}
SHEET_NAME_MAX = 31  # Excel's limit
# Excel refuses these in a sheet name; an in-cell list of choices cannot hold a comma or quote
# and is at most 255 characters long.
_SHEET_FORBIDDEN = set("[]:*?/\\")
CHOICES_MAX = 255
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Column:
    key: str  # names the value in the recorded figures
    header: str
    type: ColumnType = "text"
    choices: tuple[str, ...] = ()
    width: float = 30
    required: bool = False
    fixed: bool = False  # filled by the form and locked
    prefill: Prefill | None = None  # of a fixed column: the row's number or its subject


@dataclass(frozen=True)
class FormDef:
    code: str  # the campaign's appendix code, e.g. "Phụ lục 1"
    title: str
    sheet: str
    rows: RowSource
    columns: tuple[Column, ...]
    blank_rows: int = 0


@dataclass(frozen=True)
class FormSheet:
    """A form made for one unit: what its sheet shows, and the values the form fills in."""

    code: str
    title: str
    sheet: str
    campaign_key: str
    campaign_title: str
    unit_code: str
    unit_name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]  # per row, per column: the prefilled text, or ""

    def locked(self, row: int, column: int) -> bool:
        """A cell the form filled in (0-based row and column): the unit may not change it."""
        return row < len(self.rows) and bool(self.rows[row][column])


def column_letter(index: int) -> str:
    """Excel's letters of a 0-based column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- the definitions ----------------------------------------------------------------------


def parse_forms(text: str, source: str) -> dict[str, FormDef]:
    """The forms of a `forms.toml`, by appendix code; InputError names the line and field."""
    toml = TomlSource(text, source)
    known_fields(toml, toml.data, "", ("forms",))
    items = toml.data.get("forms")
    if not isinstance(items, list) or not items or not all(isinstance(f, dict) for f in items):
        raise toml.error("forms", "declare at least one form as [[forms]]")
    forms: dict[str, FormDef] = {}
    sheets: dict[str, int] = {}
    for i, item in enumerate(items):
        form = _form(toml, item, f"forms[{i}]")
        if form.code in forms:
            raise toml.error(f"forms[{i}].code", f"a form for {form.code!r} is already declared")
        if (other := sheets.get(form.sheet.casefold())) is not None:
            raise toml.error(
                f"forms[{i}].sheet", f"sheet name {form.sheet!r} is already used by forms[{other}]"
            )
        forms[form.code] = form
        sheets[form.sheet.casefold()] = i
    return forms


def _form(toml: TomlSource, data: Mapping[str, Any], path: str) -> FormDef:
    known_fields(toml, data, path, ("code", "title", "sheet", "rows", "blank_rows", "columns"))
    sheet = text_field(toml, data, path, "sheet")
    bad = sorted(set(sheet) & _SHEET_FORBIDDEN)
    if len(sheet) > SHEET_NAME_MAX or bad or sheet.startswith("'") or sheet.endswith("'"):
        raise toml.error(
            f"{path}.sheet",
            f"sheet name {sheet!r} must be at most {SHEET_NAME_MAX} characters, without "
            "[ ] : * ? / \\ and not start or end with an apostrophe",
        )
    rows = choice_field(toml, data, path, "rows", ROW_SOURCES)
    blank_rows = data.get("blank_rows", 0)
    if isinstance(blank_rows, bool) or not isinstance(blank_rows, int) or blank_rows < 0:
        raise toml.error(f"{path}.blank_rows", "blank_rows must be a whole number, 0 or more")
    if rows not in SUBJECT_ROWS and blank_rows < 1:
        raise toml.error(f"{path}.blank_rows", f"rows = {rows!r} needs blank_rows of at least 1")
    items = data.get("columns")
    if not isinstance(items, list) or not items or not all(isinstance(c, dict) for c in items):
        raise toml.error(f"{path}.columns", "declare the form's columns as [[forms.columns]]")
    columns = [_column(toml, c, f"{path}.columns[{j}]", rows) for j, c in enumerate(items)]
    keys = [c.key for c in columns]
    for j, key in enumerate(keys):
        if keys.index(key) != j:
            raise toml.error(f"{path}.columns[{j}].key", f"duplicate column key {key!r}")
    if all(c.fixed for c in columns):
        raise toml.error(f"{path}.columns", "every column is fixed: the unit has nothing to fill")
    return FormDef(
        code=text_field(toml, data, path, "code"),
        title=text_field(toml, data, path, "title"),
        sheet=sheet,
        rows=cast(RowSource, rows),
        columns=tuple(columns),
        blank_rows=blank_rows,
    )


def _column(toml: TomlSource, data: Mapping[str, Any], path: str, rows: str) -> Column:
    known = ("key", "header", "type", "choices", "width", "required", "fixed", "prefill")
    known_fields(toml, data, path, known)
    key = text_field(toml, data, path, "key")
    if not _KEY_RE.match(key):
        raise toml.error(f"{path}.key", f"key {key!r} must be lowercase letters, digits and '_'")
    kind = choice_field(toml, data, path, "type", COLUMN_TYPES)
    choices = _choices(toml, data, path, kind)
    width = data.get("width", DEFAULT_WIDTHS[kind])
    if isinstance(width, bool) or not isinstance(width, int | float) or not 3 <= width <= 120:
        raise toml.error(f"{path}.width", f"width must be a number from 3 to 120, got {width!r}")
    fixed = flag_field(toml, data, path, "fixed")
    required = flag_field(toml, data, path, "required")
    prefill = None
    if fixed:
        if required:
            problem = "a fixed column is filled by the form: drop required"
            raise toml.error(f"{path}.required", problem)
        prefill = choice_field(toml, data, path, "prefill", ("number", "subject"))
        if prefill == "number" and kind != "integer":
            raise toml.error(f"{path}.type", 'a column with prefill = "number" is an integer')
        if prefill == "subject" and (kind != "text" or rows not in SUBJECT_ROWS):
            raise toml.error(
                f"{path}.prefill",
                'prefill = "subject" needs type = "text" and rows = "content_areas" or "leads"',
            )
    elif "prefill" in data:
        raise toml.error(f"{path}.prefill", "only a fixed column is prefilled: set fixed = true")
    return Column(
        key=key,
        header=text_field(toml, data, path, "header"),
        type=cast(ColumnType, kind),
        choices=choices,
        width=float(width),
        required=required,
        fixed=fixed,
        prefill=cast(Prefill | None, prefill),
    )


def _choices(toml: TomlSource, data: Mapping[str, Any], path: str, kind: str) -> tuple[str, ...]:
    values = data.get("choices")
    if kind != "choice":
        if values is not None:
            raise toml.error(f"{path}.choices", 'only a column of type = "choice" has choices')
        return ()
    if not isinstance(values, list) or not values:
        raise toml.error(f"{path}.choices", "a choice column lists its choices")
    choices = []
    for k, value in enumerate(values):
        if not isinstance(value, str) or not clean(value) or {",", '"'} & set(value):
            raise toml.error(f"{path}.choices[{k}]", 'a choice is non-empty text without , or "')
        if clean(value) in choices:
            raise toml.error(f"{path}.choices[{k}]", f"duplicate choice {clean(value)!r}")
        choices.append(clean(value))
    if len(",".join(choices)) > CHOICES_MAX:
        raise toml.error(f"{path}.choices", f"the choices take more than {CHOICES_MAX} characters")
    return tuple(choices)


# --- one unit's form ----------------------------------------------------------------------


def form_sheet(form: FormDef, spec: CampaignSpec, unit_code: str, unit_name: str) -> FormSheet:
    """The form as the unit gets it: its rows numbered, the content areas or the areas and
    tasks it leads written in, then the blank rows."""
    if form.rows == "content_areas":
        subjects: tuple[str, ...] = spec.content_areas
    elif form.rows == "leads":
        subjects = tuple(lead.subject for lead in leads_of(spec, unit_code))
    else:
        subjects = ()
    count = len(subjects) + form.blank_rows
    if count == 0:
        raise InputError(
            f"the form of {form.code} has a row per area or task the unit leads, and "
            f"{unit_code} leads none"
        )

    def prefilled(column: Column, number: int) -> str:
        if column.prefill == "number":
            return str(number)
        if column.prefill == "subject" and number <= len(subjects):
            return subjects[number - 1]
        return ""

    rows = tuple(tuple(prefilled(c, n) for c in form.columns) for n in range(1, count + 1))
    return FormSheet(
        code=form.code,
        title=form.title,
        sheet=form.sheet,
        campaign_key=spec.key,
        campaign_title=spec.title,
        unit_code=unit_code,
        unit_name=unit_name,
        columns=form.columns,
        rows=rows,
    )


# --- what the unit filled in --------------------------------------------------------------


@dataclass(frozen=True)
class FormProblem:
    """Something wrong in a filled form, where Excel shows it."""

    sheet: str
    problem: str
    row: int | None = None  # as Excel numbers it
    column: int | None = None  # 0-based
    header: str | None = None  # the column's header in the form, if it is one of its columns

    @property
    def cell(self) -> str:
        """The cell as Excel addresses it: 'PL1 Số liệu CCHC'!C7."""
        if self.row is None or self.column is None:
            return repr(self.sheet)
        return f"{self.sheet!r}!{column_letter(self.column)}{self.row}"

    def __str__(self) -> str:
        where = [f"sheet {self.sheet!r}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            header = f" ({self.header})" if self.header else ""
            where.append(f"column {column_letter(self.column)}{header}")
        return f"{', '.join(where)}: {self.problem}"


@dataclass(frozen=True)
class FilledSheet:
    code: str
    sheet: str
    rows: tuple[Mapping[str, FigureValue], ...]  # the filled rows, by column key


@dataclass(frozen=True)
class FilledForm:
    campaign_key: str
    unit_code: str
    sheets: tuple[FilledSheet, ...]  # in the workbook's order

    @property
    def filled(self) -> tuple[FilledSheet, ...]:
        """The sheets with at least one filled row: the appendices received."""
        return tuple(s for s in self.sheets if s.rows)

    def figures(self) -> dict[str, list[dict[str, FigureValue]]]:
        """The rows of each received appendix, for the submission's `figures`."""
        return {s.code: [dict(row) for row in s.rows] for s in self.filled}


def _problem(sheet: FormSheet, problem: str, row: int, column: int) -> FormProblem:
    header = sheet.columns[column].header if column < len(sheet.columns) else None
    return FormProblem(sheet.sheet, problem, row, column, header)


def check_header(sheet: FormSheet, cells: Sequence[CellValue], *, row: int) -> list[FormProblem]:
    """The header row must be the form's, cell for cell, and nothing beside it."""
    problems = []
    for j, value in enumerate(cells):
        want = sheet.columns[j].header if j < len(sheet.columns) else ""
        if as_text(value) != want:
            shown = f"{want!r}" if want else "empty"
            changed = f"header changed to {as_text(value)!r} (the form has {shown})"
            problems.append(_problem(sheet, changed, row, j))
    return problems


def check_rows(
    sheet: FormSheet, cells: Sequence[Sequence[CellValue]], *, first_row: int
) -> tuple[FilledSheet, list[FormProblem]]:
    """Read the data rows (from Excel row `first_row` on) as the columns' types.

    A row counts as filled when any cell the unit may fill has a value; an empty row is
    skipped. Returns the filled rows by column key, prefilled values included, and every problem:
    a value not of its column's type, a required one missing, a locked cell changed, a value
    outside the form's columns."""
    problems: list[FormProblem] = []
    filled: list[Mapping[str, FigureValue]] = []
    width = len(sheet.columns)
    for i, raw in enumerate(cells):
        number = first_row + i
        values: dict[str, FigureValue] = {}
        found: list[FormProblem] = []
        missing: list[FormProblem] = []
        any_value = False
        for j, column in enumerate(sheet.columns):
            value = raw[j] if j < len(raw) else None
            if sheet.locked(i, j):
                want = sheet.rows[i][j]
                if as_text(value) != want:
                    changed = f"locked cell changed to {as_text(value)!r} (the form has {want!r})"
                    found.append(_problem(sheet, changed, number, j))
                values[column.key] = int(want) if column.type == "integer" else want
            elif is_empty(value):
                if column.required:
                    missing.append(_problem(sheet, "required but empty", number, j))
            else:
                any_value = True
                converted, wrong = to_value(column.type, value, column.choices)
                if wrong is not None:
                    found.append(_problem(sheet, wrong, number, j))
                elif converted is not None:
                    values[column.key] = converted
        outside = f"outside the form's columns (A-{column_letter(width - 1)}): leave it empty"
        for k, value in enumerate(raw[width:], start=width):
            if not is_empty(value):
                found.append(_problem(sheet, outside, number, k))
        problems += found
        if any_value:
            problems += missing
            filled.append(values)
    return FilledSheet(sheet.code, sheet.sheet, tuple(filled)), problems
