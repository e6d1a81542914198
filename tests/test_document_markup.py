"""The template filters (how Vietnamese documents write dates and numbers) and the markup the
templates render."""

from __future__ import annotations

from datetime import date

import pytest

from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.letter import Paragraph, Run, Table
from inspect_engine.domain.documents.markup import MarkupError, parse_letter

SIGNER = '<signer authority="KT. GIÁM ĐỐC" title="PHÓ GIÁM ĐỐC" name="Nguyễn Văn An"/>'


@pytest.mark.parametrize(
    ("day", "full", "short"),
    [
        (date(2020, 8, 5), "ngày 05 tháng 8 năm 2020", "05/8/2020"),
        (date(2021, 2, 5), "ngày 05 tháng 02 năm 2021", "05/02/2021"),
        (date(2026, 1, 15), "ngày 15 tháng 01 năm 2026", "15/01/2026"),
        (date(2026, 12, 1), "ngày 01 tháng 12 năm 2026", "01/12/2026"),
        (date(2026, 10, 31), "ngày 31 tháng 10 năm 2026", "31/10/2026"),
    ],
)
def test_dates_take_the_leading_zeros_decree_30_asks(day: date, full: str, short: str) -> None:
    assert vn_format.ngay(day) == full
    assert vn_format.ngay_ngan(day) == short
    assert vn_format.place_date("Hà Nội", day) == f"Hà Nội, {full}"


def test_numbers_codes_amounts_and_numerals() -> None:
    assert vn_format.so_ky_hieu(5, "TB-SNV") == "05/TB-SNV"
    assert vn_format.so_ky_hieu(128, "TB-SNV") == "128/TB-SNV"
    assert vn_format.code_of("TB", "SNV", "CCHC") == "TB-SNV"
    assert vn_format.code_of(None, "SNV", "CCHC") == "SNV-CCHC"  # a Công văn
    assert vn_format.so_ky_hieu(None, "TB-SNV").endswith("/TB-SNV")  # a draft's blank
    assert vn_format.so_tien(1250000) == "1.250.000"
    assert vn_format.so_tien(1250000.5) == "1.250.000,5"
    assert [vn_format.la_ma(n) for n in (1, 3, 4, 9, 14)] == ["I", "III", "IV", "IX", "XIV"]
    assert vn_format.thu(date(2026, 8, 18)) == "thứ Ba"
    assert vn_format.gio(8, 0) == "08 giờ 00"


def test_markup_reads_into_the_letters_parts() -> None:
    parts = parse_letter(
        f"""<letter>
        <summary>Kiểm tra   công tác
          cải cách hành chính</summary>
        <basis>Căn cứ Kế hoạch số 210/KH-UBND;</basis>
        <p>Đề nghị gửi <b>trước ngày 13/8/2026</b> qua <i>hệ thống</i>.</p>
        <table widths="1 6"><tr><th>STT</th><th>Nội dung</th></tr>
          <tr><td>1</td><td>Cải cách &amp; thể chế</td></tr></table>
        {SIGNER}
        <recipient>Lưu: VT, CCHC.</recipient>
        <appendix label="Phụ lục I" caption="(Kèm theo ...)" title="BIỂU SỐ LIỆU">
          <li>- Một.</li></appendix>
        </letter>"""
    )
    assert parts.summary == "Kiểm tra công tác cải cách hành chính"
    assert parts.blocks[0] == Paragraph((Run("Căn cứ Kế hoạch số 210/KH-UBND;"),), "basis")
    assert parts.blocks[1] == Paragraph(
        (
            Run("Đề nghị gửi "),
            Run("trước ngày 13/8/2026", bold=True),
            Run(" qua "),
            Run("hệ thống", italic=True),
            Run("."),
        )
    )
    assert parts.blocks[2] == Table((("STT", "Nội dung"), ("1", "Cải cách & thể chế")), (1, 6))
    assert parts.signers[0].authority == "KT. GIÁM ĐỐC"
    assert parts.recipients == ["Lưu: VT, CCHC."]
    [appendix] = parts.appendices
    assert appendix.label == "Phụ lục I" and appendix.blocks[0].text == "- Một."  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("markup", "line", "says"),
    [
        (
            f"<letter>\n<summary>x</summary>\n<para>y</para>\n{SIGNER}</letter>",
            3,
            "unknown element <para>",
        ),
        (f"<letter>\n<summary>x</summary>\n<p>y\n{SIGNER}</letter>", 4, "cannot be inside <p>"),
        ("<letter>\n<summary>x</summary>\n</letter>", 3, "no <signer/>"),
        (f"<letter>\n<p>y</p>\n{SIGNER}</letter>", 3, "no <summary>"),
        (
            f"<letter><summary>x</summary>\n<table><tr><td>1</td></tr>\n<tr><td>1</td><td>2</td></tr></table>{SIGNER}</letter>",
            3,
            "row 2 has 2 cells",
        ),
        (f"<letter><summary>x</summary>\nloose text\n{SIGNER}</letter>", 2, "outside a paragraph"),
        (
            f"<letter><summary>x</summary>\n\n<p>Hoa & Sen</p>{SIGNER}</letter>",
            3,
            "not well-formed",
        ),
    ],
)
def test_bad_markup_names_the_line(markup: str, line: int, says: str) -> None:
    with pytest.raises(MarkupError) as caught:
        parse_letter(markup)
    assert caught.value.line == line
    assert says in caught.value.detail
