"""The appendix forms as one XLSX workbook per unit (openpyxl), and the reading of it filled in.

Each sheet: the appendix code and title, the unit, the campaign, a line on how to fill it, the
header row, then the rows; the cells the form fills in (numbers, content areas, led areas) are
locked under sheet protection, the others open, with data validation per column type. A very
hidden sheet carries what the import checks first: the format version, the campaign, the unit
and which sheet is which appendix.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from inspect_engine.domain.documents.form_cells import CellValue
from inspect_engine.domain.documents.forms import (
    Column,
    FilledForm,
    FilledSheet,
    FormProblem,
    FormSheet,
    check_header,
    check_rows,
    column_letter,
)
from inspect_engine.domain.input_limits import MAX_WORKBOOK_UNPACKED_BYTES
from inspect_engine.domain.workflow.data_keys import MAX_FORM_ROWS
from inspect_engine.errors import InputError

_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
FORMAT_VERSION = 1
META_SHEET = "inspect-engine"
META_TITLE = "inspect-engine evidence form"
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1
FONT = "Times New Roman"  # official documents' face; Excel and LibreOffice both map it
LINE_HEIGHT = 16.0  # points per line of 12 pt text
INSTRUCTION = (
    "Đơn vị điền vào các ô để trắng. Các ô tô xám do biểu mẫu điền sẵn và đã khóa; không đổi "
    "tên trang tính, không sửa dòng tiêu đề cột."
)
_NUMBER_FORMATS = {
    "text": "@",
    "choice": "@",
    "integer": "#,##0",
    "number": "#,##0.##",
    "percent": "0.0",
    "date": "dd/mm/yyyy",
}
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")


def write_form(sheets: Sequence[FormSheet]) -> bytes:
    """One workbook with one sheet per form, in the order given (all of one unit)."""
    if not sheets:
        raise ValueError("write_form needs at least one form")
    book = Workbook()
    default = book.active
    for sheet in sheets:
        _draw(book.create_sheet(sheet.sheet), sheet)
    if isinstance(default, Worksheet):
        book.remove(default)
    _write_meta(book.create_sheet(META_SHEET), sheets)
    book.active = 0
    book.properties.creator = "inspect-engine"
    book.properties.title = f"{sheets[0].campaign_title}: {sheets[0].unit_name}"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _font(*, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT, size=12, bold=bold, italic=italic)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (an estimate: Excel does
    not fit row heights to wrapped text it did not lay out itself)."""
    per_line = max(1, int(width * 1.2))
    return max(1, sum(math.ceil(max(len(part), 1) / per_line) for part in text.split("\n")))


def _draw(ws: Worksheet, sheet: FormSheet) -> None:
    _titles(ws, sheet)
    _header(ws, sheet)
    for i, values in enumerate(sheet.rows):
        lines = 1
        for j, (column, text) in enumerate(zip(sheet.columns, values, strict=True)):
            cell = ws.cell(row=FIRST_ROW + i, column=j + 1)
            assert isinstance(cell, Cell)  # data rows merge no cells
            _style_cell(cell, column, locked=sheet.locked(i, j))
            if text:
                cell.value = int(text) if column.type == "integer" else text
                lines = max(lines, _lines(text, column.width))
        ws.row_dimensions[FIRST_ROW + i].height = LINE_HEIGHT * lines + 2
    for validation in _validations(sheet):
        ws.add_data_validation(validation)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    # Locked cells stay locked; the unit may still resize rows and columns to read long text.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _titles(ws: Worksheet, sheet: FormSheet) -> None:
    """The appendix code and title, the unit, the campaign, how to fill it: one merged row
    each across the table's width."""
    last = column_letter(len(sheet.columns) - 1)
    total_width = sum(c.width for c in sheet.columns)
    titles = (
        (sheet.code, _font(bold=True), "center"),
        (sheet.title, _font(bold=True), "center"),
        (f"Đơn vị: {sheet.unit_name}", _font(), "left"),
        (f"Đợt kiểm tra: {sheet.campaign_title}", _font(), "left"),
        (INSTRUCTION, _font(italic=True), "left"),
    )
    for row, (text, font, align) in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(text, total_width) + 2


def _header(ws: Worksheet, sheet: FormSheet) -> None:
    lines = 1
    for j, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=column.header)
        cell.font = _font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        cell.fill = _HEADER_FILL
        ws.column_dimensions[column_letter(j - 1)].width = column.width
        lines = max(lines, _lines(column.header, column.width))
    ws.row_dimensions[HEADER_ROW].height = LINE_HEIGHT * lines + 4


def _style_cell(cell: Cell, column: Column, *, locked: bool) -> None:
    cell.font = _font()
    cell.border = _BORDER
    cell.number_format = _NUMBER_FORMATS[column.type]
    wrap = column.type == "text"
    horizontal = "center" if column.prefill == "number" else None
    cell.alignment = Alignment(vertical="top", wrap_text=wrap, horizontal=horizontal)
    cell.protection = Protection(locked=locked)
    if locked:
        cell.fill = _LOCKED_FILL


def _ranges(sheet: FormSheet, j: int) -> Iterator[str]:
    """The runs of open cells in column `j`, as A1 ranges."""
    letter = column_letter(j)
    start: int | None = None
    for i in range(len(sheet.rows) + 1):
        open_cell = i < len(sheet.rows) and not sheet.locked(i, j)
        if open_cell and start is None:
            start = i
        elif not open_cell and start is not None:
            yield f"{letter}{FIRST_ROW + start}:{letter}{FIRST_ROW + i - 1}"
            start = None


def _rule(column: Column) -> tuple[DataValidation, str, str]:
    """The column's validation (openpyxl's typed constructor wants literals), with its title
    and message for the unit."""
    if column.type == "choice":
        listed = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"')
        return listed, "Chọn trong danh sách", "Chọn một giá trị: " + "; ".join(column.choices)
    if column.type == "integer":
        whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        return whole, "Số nguyên", "Nhập một số nguyên, không âm."
    if column.type == "number":
        number = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        return number, "Số", "Nhập một số, không âm."
    if column.type == "percent":
        share = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
        return share, "Tỷ lệ (%)", "Nhập một số từ 0 đến 100."
    # Excel's day numbers of 1/1/2000 and 31/12/2100.
    day = DataValidation(type="date", operator="between", formula1="36526", formula2="73415")
    return day, "Ngày", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 15/09/2026."


def _validations(sheet: FormSheet) -> Iterator[DataValidation]:
    for j, column in enumerate(sheet.columns):
        ranges = list(_ranges(sheet, j))
        if not ranges or column.type == "text":
            continue
        validation, title, message = _rule(column)
        validation.allow_blank = True
        validation.showErrorMessage = True
        validation.showInputMessage = True
        validation.errorStyle = "stop"
        validation.errorTitle = validation.promptTitle = title
        validation.error = validation.prompt = message[:255]
        validation.add(" ".join(ranges))
        yield validation


def _write_meta(ws: Worksheet, sheets: Sequence[FormSheet]) -> None:
    first = sheets[0]
    ws.append([META_TITLE])
    ws.append(["format", FORMAT_VERSION])
    ws.append(["campaign", first.campaign_key])
    ws.append(["unit", first.unit_code])
    for sheet in sheets:
        ws.append(["form", sheet.code, sheet.sheet])
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


# --- reading a filled workbook ------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    version: object
    campaign: str
    unit: str
    forms: dict[str, str]  # sheet name -> appendix code


def _not_a_workbook(exc: Exception, source: str) -> InputError:
    return InputError(
        f"not an Excel workbook (.xlsx): {exc}; save the file as Excel Workbook (.xlsx)",
        source=source,
    )


def _unpacked_size(data: bytes, source: str) -> bool:
    """Refuse a package that unpacks to more than a form ever does (a zip bomb) before openpyxl
    reads it into memory; the declared sizes bound what zipfile will unpack. True when a sheet
    holds a formula (`<f>`), whose computed value the reader must then check."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            total = 0
            formulas = False
            for part in package.infolist():
                total += part.file_size
                if (
                    part.file_size > MAX_WORKBOOK_UNPACKED_BYTES
                    or total > MAX_WORKBOOK_UNPACKED_BYTES
                ):
                    raise InputError(
                        f"{part.filename} is {part.file_size:,} bytes unpacked, more than "
                        f"{MAX_WORKBOOK_UNPACKED_BYTES:,} for the whole workbook: not a form",
                        source=source,
                    )
                if part.filename.startswith("xl/worksheets/") and not formulas:
                    xml = package.read(part.filename)
                    formulas = b"<f>" in xml or b"<f " in xml
            return formulas
    except InputError:
        raise
    except Exception as exc:  # zipfile and zlib raise many kinds on a broken
        # package (BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)
        raise _not_a_workbook(exc, source) from None


def _open(data: bytes, source: str, *, formulas: bool = False) -> Workbook:
    try:
        return load_workbook(BytesIO(data), data_only=not formulas)
    except Exception as exc:  # openpyxl's parsers raise many kinds (lxml's,
        # zlib's, its own): whatever it is, the file is no workbook openpyxl can read
        raise _not_a_workbook(exc, source) from None


def _uncomputed(data: bytes, source: str, book: Workbook) -> None:
    """A formula whose value the file does not hold (written by a program that computes
    nothing) would read as an empty cell: refuse it rather than lose the figure."""
    with_formulas = _open(data, source, formulas=True)
    for ws in with_formulas.worksheets:
        if ws.title == META_SHEET or ws.title not in book.sheetnames:
            continue
        values = book[ws.title]
        for row in ws.iter_rows(min_row=FIRST_ROW):
            for cell in row:
                if cell.data_type == "f" and values[cell.coordinate].value is None:
                    where = column_letter((cell.column or 1) - 1)
                    raise InputError(
                        f"sheet {ws.title!r}, row {cell.row}, column {where}: a "
                        f"formula ({cell.value}) with no computed value: open the workbook in a "
                        "spreadsheet and save it, or type the value",
                        source=source,
                    )


def _read_meta(book: Workbook, source: str) -> _Meta:
    if META_SHEET not in book.sheetnames:
        raise InputError(
            "not a form written by inspect-engine (it has no form information): "
            "write the forms with `inspect-engine evidence forms CASE`",
            source=source,
        )
    rows = [row for row in book[META_SHEET].iter_rows(values_only=True) if len(row) >= 2]
    fields = {row[0]: row[1] for row in rows if row[0] != "form"}
    forms = {str(row[2]): str(row[1]) for row in rows if row[0] == "form" and len(row) >= 3}
    campaign, unit = (str(fields.get(name) or "") for name in ("campaign", "unit"))
    return _Meta(fields.get("format"), campaign, unit, forms)


def _cell_value(cell: Any, columns: Sequence[Column], index: int) -> CellValue:
    """What the unit entered; a percent cell Excel formatted as % holds 0.85 for 85%."""
    value = cell.value
    if isinstance(value, str) and "_x" in value:
        # Excel writes a character XML cannot hold (a control character, a line break pasted
        # from Word) as _xHHHH_, which openpyxl leaves as it is: read the character, so that
        # the cell's check sees what the unit typed.
        value = _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), value)
    percent = index < len(columns) and columns[index].type == "percent"
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if percent and numeric and "%" in str(cell.number_format):
        return round(float(value) * 100, 9)
    return value


def read_form(data: bytes, source: str, expected: Sequence[FormSheet]) -> FilledForm:
    """The values of a filled workbook, checked against the forms of the unit it is imported
    for (`expected`, all of one unit and campaign); InputError on the first problem, in one line
    naming the file, the sheet, the row and the column, with the count of the others."""
    if not expected:
        raise ValueError("read_form needs the forms the workbook should hold")
    formulas = _unpacked_size(data, source)
    book = _open(data, source)
    meta = _read_meta(book, source)
    first = expected[0]
    if meta.version != FORMAT_VERSION:
        raise InputError(
            f"form format {meta.version!r} is not the one this engine reads ({FORMAT_VERSION}): "
            "write the forms again with `inspect-engine evidence forms CASE`",
            source=source,
        )
    if meta.campaign != first.campaign_key:
        raise InputError(
            f"this form is for campaign {meta.campaign!r}, not {first.campaign_key!r}",
            source=source,
        )
    if meta.unit != first.unit_code:
        raise InputError(
            f"this form is for unit {meta.unit}, not {first.unit_code} ({first.unit_name}): "
            "import it into that unit's case",
            source=source,
        )
    if formulas:
        _uncomputed(data, source, book)
    by_sheet = {s.sheet: s for s in expected}
    problems: list[FormProblem] = []
    filled: list[FilledSheet] = []
    for ws in book.worksheets:
        if ws.title == META_SHEET:
            continue
        sheet = by_sheet.get(ws.title)
        if sheet is None or meta.forms.get(ws.title) != sheet.code:
            names = ", ".join(repr(s.sheet) for s in expected)
            raise InputError(
                f"unknown sheet {ws.title!r}: the forms of {first.unit_code} are {names}",
                source=source,
            )
        if ws.max_row - FIRST_ROW + 1 > MAX_FORM_ROWS:
            raise InputError(
                f"sheet {ws.title!r}: {ws.max_row - FIRST_ROW + 1:,} rows, more than "
                f"{MAX_FORM_ROWS:,} rows a form holds",
                source=source,
            )
        width = max(ws.max_column, len(sheet.columns))
        header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=width))
        problems += check_header(sheet, [c.value for c in header], row=HEADER_ROW)
        cells = [
            [_cell_value(c, sheet.columns, j) for j, c in enumerate(row)]
            for row in ws.iter_rows(min_row=FIRST_ROW, max_row=ws.max_row, max_col=width)
        ]
        rows, found = check_rows(sheet, cells, first_row=FIRST_ROW)
        problems += found
        filled.append(rows)
    if problems:
        raise InputError(_summary(problems), source=source)
    return FilledForm(meta.campaign, meta.unit, tuple(filled))


def _summary(problems: Sequence[FormProblem], shown: int = 5) -> str:
    """The first problem in full, then where the others are, on the same line."""
    others = [p.cell for p in problems[1 : 1 + shown]]
    if len(problems) > 1 + shown:
        others.append("...")
    more = f" (and {len(problems) - 1} more: {', '.join(others)})" if others else ""
    return f"{problems[0]}{more}"
