"""The appendix forms: their definitions, the XLSX workbook a unit gets, and the filled workbook
imported as what the unit sent (workflow v2's receive_submission, figures in the event)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from inspect_engine.documents.xlsx_forms import read_form, write_form
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.documents.forms import check_rows, form_sheet, parse_forms
from inspect_engine.domain.workflow import inspection_rules as rules
from inspect_engine.errors import InputError
from inspect_engine.settings import data_dir
from tests.conftest import EXAMPLES, HANOI, Cli
from tests.test_inspection_rules import ctx

FORMS = data_dir("notices") / "forms.toml"
FORMS_TEXT = FORMS.read_text(encoding="utf-8")
SPEC = parse_campaign(HANOI.read_text(encoding="utf-8"), "hanoi-2026.toml")
LEAD = ("--actor", "Trần Thị Bình", "--role", "team_lead")
PL1, PL2, PL3 = "PL1 Số liệu CCHC", "PL2 Nhiệm vụ được giao", "PL3 Lĩnh vực chủ trì"
PROGRESS = ["Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn"]


# --- the definitions ------------------------------------------------------------------------


def test_the_shipped_forms_cover_the_example_campaigns_appendices() -> None:
    forms = parse_forms(FORMS_TEXT, str(FORMS))
    assert list(forms) == [a.code for a in SPEC.appendices]
    assert forms["Phụ lục 1"].rows == "content_areas" and forms["Phụ lục 3"].rows == "leads"
    tien_do = next(c for c in forms["Phụ lục 2"].columns if c.key == "tien_do")
    assert (tien_do.type, list(tien_do.choices), tien_do.required) == ("choice", PROGRESS, True)


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('type = "percent"', 'type = "money"', "forms[0].columns[4].type", "must be one of text"),
        ('sheet = "PL1 Số liệu CCHC"', f'sheet = "{"x" * 32}"', "forms[0].sheet", "at most 31"),
        ('"Quá hạn"]', '"Quá hạn, chưa báo cáo"]', "forms[1].columns[4].choices[3]", "without ,"),
        (
            '"leads"\nblank_rows = 0',
            '"tasks"\nblank_rows = 5',
            "forms[2].columns[1].prefill",
            "rows =",
        ),
        ('code = "Phụ lục 2"', 'code = "Phụ lục 1"', "forms[1].code", "already declared"),
    ],
)
def test_a_bad_forms_file_names_its_line_and_field(
    old: str, new: str, field: str, problem: str
) -> None:
    assert old in FORMS_TEXT
    with pytest.raises(InputError) as raised:
        parse_forms(FORMS_TEXT.replace(old, new, 1), "forms.toml")
    assert raised.value.field == field and problem in raised.value.detail
    assert raised.value.line is not None and str(raised.value).startswith("forms.toml:")


def test_a_form_prefills_the_content_areas_and_the_areas_and_tasks_led() -> None:
    forms = parse_forms(FORMS_TEXT, str(FORMS))
    pl1 = form_sheet(forms["Phụ lục 1"], SPEC, "STP", "Sở Tư pháp")
    assert [row[:2] for row in pl1.rows] == [
        (str(n), area) for n, area in enumerate(SPEC.content_areas, start=1)
    ]
    pl3 = form_sheet(forms["Phụ lục 3"], SPEC, "SNV", "Sở Nội vụ")
    assert [row[1] for row in pl3.rows] == [
        "Cải cách tổ chức bộ máy hành chính nhà nước",
        "Cải cách chế độ công vụ",
        "Xác định Chỉ số cải cách hành chính (PAR Index) của các sở và UBND xã, phường",
    ]
    assert len(form_sheet(forms["Phụ lục 2"], SPEC, "SNV", "Sở Nội vụ").rows) == 30


def test_cells_are_read_as_their_columns_types() -> None:
    forms = parse_forms(FORMS_TEXT, str(FORMS))
    pl2 = form_sheet(forms["Phụ lục 2"], SPEC, "STP", "Sở Tư pháp")
    cells: list[list[Any]] = [
        [1, "Rà soát văn bản", "155/KH-UBND", "15/9/2026", "đã hoàn thành", None, None],
        [2, None, None, None, None, None, None],  # empty: skipped
        [3, "Số hóa hồ sơ", None, "30/2/2026", "Xong", None, None],
        [4, None, None, None, "Quá hạn", None, None],
    ]
    filled, problems = check_rows(pl2, cells, first_row=7)
    assert filled.rows[0] == {
        "stt": 1,
        "nhiem_vu": "Rà soát văn bản",
        "van_ban": "155/KH-UBND",
        "thoi_han": "2026-09-15",
        "tien_do": "Đã hoàn thành",
    }
    assert [str(p) for p in problems] == [
        f"sheet '{PL2}', row 9, column D (Thời hạn): '30/2/2026' is not a date (dd/mm/yyyy)",
        f"sheet '{PL2}', row 9, column E (Tiến độ): 'Xong' is not one of the choices: "
        + ", ".join(PROGRESS),
        f"sheet '{PL2}', row 10, column B (Nhiệm vụ): required but empty",
    ]


def test_a_submission_may_carry_the_figures_of_what_it_delivers() -> None:
    sent = {"received_on": "2026-09-09", "appendices": ["Phụ lục 1"]}
    good = {**sent, "figures": {"Phụ lục 1": [{"stt": 1, "chi_tieu": 12, "ty_le": 83.5}]}}
    assert rules.require_submission(ctx({"submission": good})) == []
    bad = {**sent, "figures": {"Phụ lục 1": [{"stt": True}, "row"], "Phụ lục 2": []}}
    assert rules.require_submission(ctx({"submission": bad})) == [
        "submission.figures['Phụ lục 1'][0].stt must be text or a number",
        "submission.figures['Phụ lục 1'][1] must be an object of values by column key",
        "submission.figures['Phụ lục 2']: 'Phụ lục 2' is not among submission.appendices",
    ]
    listed = {**sent, "figures": [1]}
    assert rules.require_submission(ctx({"submission": listed})) == [
        "submission.figures must be an object of rows by appendix code"
    ]


def test_a_workbook_of_another_campaign_or_with_a_sheet_added_is_refused() -> None:
    forms = parse_forms(FORMS_TEXT, str(FORMS))
    expected = [form_sheet(forms["Phụ lục 1"], SPEC, "STP", "Sở Tư pháp")]
    other = replace(SPEC, key="hanoi-2027")
    theirs = write_form([form_sheet(forms["Phụ lục 1"], other, "STP", "Sở Tư pháp")])
    with pytest.raises(InputError, match="for campaign 'hanoi-2027', not 'hanoi-2026'"):
        read_form(theirs, "stp.xlsx", expected)
    book = openpyxl.load_workbook(BytesIO(write_form(expected)))
    book.create_sheet("Ghi chú")
    added = BytesIO()
    book.save(added)
    with pytest.raises(InputError) as raised:
        read_form(added.getvalue(), "stp.xlsx", expected)
    assert str(raised.value) == (f"stp.xlsx: unknown sheet 'Ghi chú': the forms of STP are '{PL1}'")


# --- the workbook, through the command line --------------------------------------------------


@pytest.fixture
def hanoi(cli: Cli) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(HANOI)).exit_code == 0
    return cli


def case_of(cli: Cli, unit: str) -> int:
    cases = json.loads(cli("case", "list", "hanoi-2026", "--json").stdout)
    found: int = next(c["id"] for c in cases if c["unit_code"] == unit)
    return found


def forms_of(cli: Cli, tmp_path: Path, unit: str) -> Path:
    out = tmp_path / f"{unit}.xlsx"
    written = cli("evidence", "forms", str(case_of(cli, unit)), "--out", str(out))
    assert written.exit_code == 0, written.stderr
    return out


def test_a_leading_department_gets_a_protected_sheet_per_appendix(
    hanoi: Cli, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(forms_of(hanoi, tmp_path, "STP"))
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert visible == [PL1, PL2, PL3]
    pl1 = book[PL1]
    assert pl1["A1"].value == "Phụ lục 1" and pl1["A1"].font.b
    assert pl1["A2"].value == SPEC.appendices[0].title and pl1["A2"].font.b
    assert pl1["A3"].value == "Đơn vị: Sở Tư pháp"
    assert pl1["A4"].value == "Đợt kiểm tra: Kiểm tra công tác cải cách hành chính năm 2026"
    assert [c.value for c in pl1[6]] == [
        "STT", "Nội dung", "Chỉ tiêu kế hoạch", "Đã thực hiện", "Tỷ lệ hoàn thành (%)", "Ghi chú"
    ]  # fmt: skip
    assert [pl1.cell(7 + i, 2).value for i in range(8)] == list(SPEC.content_areas)
    assert pl1.protection.sheet and pl1.freeze_panes == "A7"
    assert pl1["B6"].protection.locked and pl1["B7"].protection.locked
    assert not pl1["C7"].protection.locked and not pl1["F14"].protection.locked
    whole = {str(v.sqref): v.type for v in pl1.data_validations.dataValidation}
    assert whole["C7:C14"] == "whole" and whole["E7:E14"] == "decimal"

    pl2 = book[PL2]
    lists = [v for v in pl2.data_validations.dataValidation if v.type == "list"]
    assert [(str(v.sqref), v.formula1) for v in lists] == [("E7:E36", f'"{",".join(PROGRESS)}"')]
    assert not pl2["B7"].protection.locked and pl2["A7"].protection.locked

    pl3 = book[PL3]
    assert (pl3["B7"].value, pl3["B8"].value) == ("Cải cách thể chế", None)


def test_a_commune_gets_no_phu_luc_3(hanoi: Cli, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(forms_of(hanoi, tmp_path, "00004"))
    assert [ws.title for ws in book.worksheets if ws.sheet_state == "visible"] == [PL1, PL2]
    assert book[PL1]["A3"].value == "Đơn vị: Phường Ba Đình"


def test_forms_of_an_unknown_case_write_nothing(hanoi: Cli, tmp_path: Path) -> None:
    out = tmp_path / "none.xlsx"
    result = hanoi("evidence", "forms", "9999", "--out", str(out))
    assert result.exit_code == 2 and "no case 9999" in result.stderr
    assert not out.exists()


# --- importing a filled workbook ------------------------------------------------------------


@pytest.fixture
def announced(hanoi: Cli) -> Cli:
    """STP's case (it leads "Cải cách thể chế": Phụ lục 1-3) announced."""
    assert hanoi("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    for team in (1, 2, 3):
        path = EXAMPLES / "decisions" / f"doan-{team}.json"
        decided = hanoi("campaign", "decide-team", "hanoi-2026", "--data-file", str(path),
                        "--actor", "van-thu")  # fmt: skip
        assert decided.exit_code == 0, decided.stderr
    case = str(case_of(hanoi, "STP"))
    assert hanoi("case", "advance", case, "announce", *LEAD).exit_code == 0
    return hanoi


def evidence_due(cli: Cli) -> date:
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    return date.fromisoformat(next(v for v in plan if v["unit_code"] == "STP")["evidence_due"])


def fill(path: Path, cells: dict[str, dict[str, Any]]) -> Path:
    """Fill cells as a unit would in a spreadsheet (openpyxl ignores the sheet protection)."""
    book = openpyxl.load_workbook(path)
    for sheet, values in cells.items():
        ws: Worksheet = book[sheet]
        for ref, value in values.items():
            ws[ref] = value
    out = BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def events(cli: Cli, case: int) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = json.loads(cli("case", "show", str(case), "--json").stdout)[
        "events"
    ]
    return shown


FILLED = {
    PL1: {"C7": 12, "D7": 10, "E7": 83.3, "F7": "Còn 2 văn bản", "C8": 40, "D8": 40},
    PL2: {"B7": "Rà soát văn bản QPPL", "D7": date(2026, 9, 15), "E7": "Đang thực hiện"},
    PL3: {"C7": 31, "D7": "Đã hoàn thành", "E7": "Ban hành đủ văn bản hướng dẫn"},
}


def test_a_filled_workbook_is_recorded_with_its_figures(announced: Cli, tmp_path: Path) -> None:
    case, day = case_of(announced, "STP"), evidence_due(announced)
    path = fill(forms_of(announced, tmp_path, "STP"), FILLED)
    result = announced("evidence", "import", str(case), str(path), "--received-on",
                       day.isoformat(), "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["from"], shown["to"], shown["on_time"]) == ("announced", "submitted", True)
    assert shown["appendices"] == [
        {"code": "Phụ lục 1", "rows": 2}, {"code": "Phụ lục 2", "rows": 1},
        {"code": "Phụ lục 3", "rows": 1},
    ]  # fmt: skip
    event = events(announced, case)[-1]
    assert (event["trigger"], event["actor"], event["role"]) == (
        "receive_submission",
        "STP",
        "unit",
    )
    submission = event["payload"]["submission"]
    assert submission["appendices"] == ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    assert submission["documents"] == ["STP.xlsx"]
    assert submission["received_on"] == day.isoformat()
    assert submission["figures"]["Phụ lục 1"][0] == {
        "stt": 1, "noi_dung": "Cải cách thể chế", "chi_tieu": 12, "da_thuc_hien": 10,
        "ty_le": 83.3, "ghi_chu": "Còn 2 văn bản",
    }  # fmt: skip
    assert submission["figures"]["Phụ lục 2"] == [
        {"stt": 1, "nhiem_vu": "Rà soát văn bản QPPL", "thoi_han": "2026-09-15",
         "tien_do": "Đang thực hiện"}
    ]  # fmt: skip
    assert submission["figures"]["Phụ lục 3"][0]["linh_vuc"] == "Cải cách thể chế"
    assert json.loads(announced("case", "show", str(case), "--json").stdout)["state"] == "submitted"
    assert announced("case", "verify", "hanoi-2026").exit_code == 0


def test_a_cell_excel_formatted_as_percent_is_read_as_a_percentage(
    announced: Cli, tmp_path: Path
) -> None:
    path = fill(forms_of(announced, tmp_path, "STP"), {PL1: {"C7": 8, "D7": 4, "E7": 0.5}})
    book = openpyxl.load_workbook(path)
    book[PL1]["E7"].number_format = "0%"  # what Excel does with "50%" typed in
    book.save(path)
    case = case_of(announced, "STP")
    result = announced("evidence", "import", str(case), str(path), "--received-on",
                       evidence_due(announced).isoformat())  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert events(announced, case)[-1]["payload"]["submission"]["figures"]["Phụ lục 1"] == [
        {"stt": 1, "noi_dung": "Cải cách thể chế", "chi_tieu": 8, "da_thuc_hien": 4, "ty_le": 50}
    ]


def test_a_partial_delivery_leaves_the_case_waiting(announced: Cli, tmp_path: Path) -> None:
    case, day = case_of(announced, "STP"), evidence_due(announced)
    path = fill(forms_of(announced, tmp_path, "STP"), {PL1: FILLED[PL1]})
    result = announced("evidence", "import", str(case), str(path), "--received-on",
                       day.isoformat())  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        f"  received {day:%d/%m/%Y} in STP.xlsx: Phụ lục 1 (2 rows); on time",
        "  still missing: Phụ lục 2, Phụ lục 3",
    ]
    assert "announced -> announced" in result.stdout


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {PL1: {"C7": "mười hai"}},
            f"sheet '{PL1}', row 7, column C (Chỉ tiêu kế hoạch): 'mười hai' is not a whole number"
            f" (and 1 more: '{PL1}'!D7)\n",
        ),
        (
            {PL2: {"B8": "Số hóa hồ sơ", "E8": "Xong"}},
            f"sheet '{PL2}', row 8, column E (Tiến độ): 'Xong' is not one of the choices",
        ),
        (
            {PL1: {"B7": "Cải cách khác", "C7": 1, "D7": 1}},
            f"sheet '{PL1}', row 7, column B (Nội dung): locked cell changed to 'Cải cách khác'",
        ),
        ({PL3: {"C6": "Số đơn vị"}}, f"sheet '{PL3}', row 6, column C (Số cơ quan, đơn vị"),
        ({PL1: {"C7": 5}}, f"sheet '{PL1}', row 7, column D (Đã thực hiện): required but empty"),
    ],
)
def test_a_malformed_workbook_is_refused_in_one_line_and_nothing_is_recorded(
    announced: Cli, tmp_path: Path, cells: dict[str, dict[str, Any]], message: str
) -> None:
    case = case_of(announced, "STP")
    before = events(announced, case)
    path = fill(forms_of(announced, tmp_path, "STP"), cells)
    result = announced("evidence", "import", str(case), str(path))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {path}: {message}")
    assert events(announced, case) == before


def test_a_form_of_another_unit_or_no_form_at_all_is_refused(
    announced: Cli, tmp_path: Path
) -> None:
    case = case_of(announced, "STP")
    before = events(announced, case)
    other = fill(forms_of(announced, tmp_path, "SYT"), {PL1: {"C7": 3, "D7": 3}})
    refused = announced("evidence", "import", str(case), str(other))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        f"error: {other}: this form is for unit SYT, not STP (Sở Tư pháp): "
        "import it into that unit's case"
    )
    blank = forms_of(announced, tmp_path, "STP")
    empty = announced("evidence", "import", str(case), str(blank))
    assert empty.exit_code == 2 and "no row is filled in" in empty.stderr
    text = tmp_path / "notes.xlsx"
    text.write_text("STT;Nội dung\n", encoding="utf-8")
    not_xlsx = announced("evidence", "import", str(case), str(text))
    assert not_xlsx.exit_code == 2 and "not an Excel workbook (.xlsx)" in not_xlsx.stderr
    assert events(announced, case) == before
