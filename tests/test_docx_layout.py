"""The DOCX layout of a letter meets Decree 30 (tests/docx_checks.py reads it back), and the
checks themselves catch a document that does not."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm

from inspect_engine.documents.docx_layout import render_docx
from inspect_engine.domain.documents.letter import AppendixPage, Letter, Table
from tests.docx_checks import check_decree30_docx
from tests.docx_reading import (
    cell_paragraphs,
    column_widths_mm,
    row_cells,
    sections_content,
)
from tests.letters import announcement, minutes, p


def _open(letter: Letter) -> Any:
    return docx.Document(io.BytesIO(render_docx(letter)))


@pytest.mark.parametrize(
    "letter", [announcement(), announcement(form="letter"), minutes()], ids=["tb", "cv", "bb"]
)
def test_sample_letters_meet_decree_30(letter: Letter) -> None:
    check_decree30_docx(render_docx(letter), letter)


def test_nơi_nhận_sits_left_of_the_signature_and_ends_with_lưu() -> None:
    document = _open(announcement())
    signature = sections_content(document)[0].tables()[-1]
    left, right = row_cells(signature, 0)
    lines = [p.text for p in cell_paragraphs(left)]
    assert lines[0] == "Nơi nhận:"
    assert lines[1:] == [
        "- Như trên;",
        "- Giám đốc Sở (để b/c);",
        "- Thành viên Đoàn kiểm tra;",
        "- Lưu: VT, CCHC.",
    ]
    assert [p.text for p in cell_paragraphs(right)] == [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
    ]


def test_công_văn_has_vv_under_its_number_and_kính_gửi_above_the_body() -> None:
    letter = announcement(form="letter")
    document = _open(letter)
    main = sections_content(document)[0]
    number_cell = row_cells(main.tables()[0], 1)[0]
    assert [p.text for p in cell_paragraphs(number_cell)] == [
        "Số: 12/SNV-CCHC",
        "V/v Kiểm tra công tác cải cách hành chính năm 2026 tại Sở Tư pháp",
    ]
    texts = [p.text for p in main.paragraphs()]
    assert "THÔNG BÁO" not in texts, "a Công văn has no type name"
    kính_gửi = texts.index("Kính gửi: Sở Tư pháp")
    assert kính_gửi < texts.index(letter.blocks[0].text)  # type: ignore[union-attr]


def test_several_addressees_one_a_line_aligned_under_kính_gửi() -> None:
    letter = dataclasses.replace(
        announcement(form="letter"), addressees=("Sở Tư pháp", "Sở Tài chính;", "UBND xã Ô Diên")
    )
    check_decree30_docx(render_docx(letter), letter)
    paragraphs = sections_content(_open(letter))[0].paragraphs()
    start = [p.text for p in paragraphs].index("Kính gửi:")
    block = paragraphs[start : start + 4]
    assert [p.text for p in block] == [
        "Kính gửi:",
        "- Sở Tư pháp;",
        "- Sở Tài chính;",
        "- UBND xã Ô Diên.",
    ]
    assert len({p.paragraph_format.left_indent for p in block}) == 1
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.LEFT for p in block)


def test_biên_bản_signers_side_by_side_without_nơi_nhận() -> None:
    letter = minutes()
    signature = sections_content(_open(letter))[0].tables()[-1]
    cells = row_cells(signature, 0)
    assert [cell_paragraphs(c)[-1].text for c in cells] == ["Lê Minh Tuấn", "Trần Thị Bình"]
    widths = column_widths_mm(signature)
    assert widths[0] == pytest.approx(widths[1]) == pytest.approx(82.5, abs=0.5)
    all_text = "\n".join(p.text for c in cells for p in c.paragraphs)
    assert "Nơi nhận" not in all_text


def test_several_signers_with_recipients_put_nơi_nhận_under_them() -> None:
    letter = dataclasses.replace(minutes(), recipients=("Sở Tư pháp;", "Lưu: VT, ĐKT."))
    check_decree30_docx(render_docx(letter), letter)


def test_no_recipients_no_nơi_nhận() -> None:
    letter = dataclasses.replace(announcement(appendices=0), recipients=())
    data = render_docx(letter)
    check_decree30_docx(data, letter)
    assert "Nơi nhận" not in "\n".join(
        p.text for p in _every_cell_paragraph(docx.Document(io.BytesIO(data)))
    )


def _every_cell_paragraph(document: Any) -> list[Any]:
    return [p for t in document.tables for r in t.rows for c in r.cells for p in c.paragraphs]


def test_each_appendix_is_a_section_numbered_from_one() -> None:
    document = _open(announcement(appendices=2))
    assert len(document.sections) == 3
    for section in document.sections[1:]:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert section.different_first_page_header_footer
    labels = [c.paragraphs()[0].text for c in sections_content(document)[1:]]
    assert labels == ["Phụ lục I", "Phụ lục II"]


def test_an_appendix_wider_than_six_columns_is_landscape_with_the_same_margins() -> None:
    wide = Table((tuple(f"Cột {i}" for i in range(8)), tuple(str(i) for i in range(8))), (1,) * 8)
    page = AppendixPage("Phụ lục III", "(Kèm theo ...)", "BẢNG TỔNG HỢP", (wide,))
    base = announcement(appendices=1)
    letter = dataclasses.replace(base, appendices=(*base.appendices, page))
    data = render_docx(letter)
    check_decree30_docx(data, letter)
    document = docx.Document(io.BytesIO(data))
    portrait, landscape = document.sections[1], document.sections[2]
    assert portrait.orientation == WD_ORIENT.PORTRAIT
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert (landscape.page_width.mm, landscape.page_height.mm) == pytest.approx((297, 210), abs=0.1)
    assert landscape.left_margin.mm == pytest.approx(30, abs=0.1)
    assert landscape.right_margin.mm == pytest.approx(15, abs=0.1)
    table = sections_content(document)[2].tables()[0]
    assert sum(column_widths_mm(table)) == pytest.approx(252, abs=0.5)


def test_text_with_markup_characters_is_kept_literally() -> None:
    unit = 'Trường <b>"Hoa & Sen"</b>'
    base = announcement(appendices=0)
    letter = dataclasses.replace(base, body=unit.upper(), blocks=(p(unit), *base.blocks[1:]))
    data = render_docx(letter)
    check_decree30_docx(data, letter)
    texts = [x.text for x in docx.Document(io.BytesIO(data)).paragraphs]
    assert unit in texts


def test_signature_room_and_space_after_body_paragraphs() -> None:
    document = _open(announcement(appendices=0))
    right = row_cells(sections_content(document)[0].tables()[-1], 0)[1]
    name = cell_paragraphs(right)[-1]
    assert name.paragraph_format.space_before.pt >= 56  # about four lines to sign in


def test_a_letter_stored_as_json_renders_the_same_document() -> None:
    letter = announcement()
    again = Letter.from_json(json.loads(json.dumps(letter.to_json())))
    parts = []
    for data in (render_docx(letter), render_docx(again)):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts.append({n: package.read(n) for n in package.namelist()})
    assert parts[0] == parts[1], "the same parts, byte for byte"


def test_a_draft_keeps_its_blank_number_and_date() -> None:
    draft = dataclasses.replace(
        announcement(),
        number="Số:      /TB-SNV",
        place_date="Hà Nội, ngày      tháng      năm 20    ",
    )
    data = render_docx(draft)
    check_decree30_docx(data, draft)
    number_cell, date_cell = row_cells(docx.Document(io.BytesIO(data)).tables[0], 1)
    assert cell_paragraphs(number_cell)[0].text == "Số:      /TB-SNV"
    assert cell_paragraphs(date_cell)[0].text == "Hà Nội, ngày      tháng      năm 20    "


def test_an_empty_body_still_has_its_header_and_signature() -> None:
    letter = dataclasses.replace(announcement(appendices=0), blocks=())
    check_decree30_docx(render_docx(letter), letter)


# --- the checks catch what a person would ----------------------------------------------


def _body_paragraph(document: Any) -> Any:
    return next(x for x in document.paragraphs if x.text.startswith("Sở Nội vụ thông báo"))


def _motto_line(document: Any) -> Any:
    return row_cells(document.tables[0], 0)[1].paragraphs[2]


MUTATIONS: dict[str, tuple[Callable[[Any], None], str]] = {
    "number on page 1": (
        lambda d: setattr(d.sections[0], "different_first_page_header_footer", False),
        "no page number on the first page",
    ),
    "left margin 25 mm": (lambda d: setattr(d.sections[0], "left_margin", Mm(25)), "left margin"),
    "body left-aligned": (
        lambda d: setattr(_body_paragraph(d), "alignment", WD_ALIGN_PARAGRAPH.LEFT),
        "justified",
    ),
    "no first-line indent": (
        lambda d: setattr(_body_paragraph(d).paragraph_format, "first_line_indent", Mm(0)),
        "first-line indent",
    ),
    "a run in Arial": (
        lambda d: setattr(_body_paragraph(d).runs[0].font, "name", "Arial"),
        "a font other than",
    ),
    "body not bold": (
        lambda d: setattr(row_cells(d.tables[0], 0)[0].paragraphs[1].runs[0], "bold", False),
        "issuing body 13 pt bold",
    ),
    "motto line missing": (
        lambda d: _motto_line(d)._p.pPr.remove(_motto_line(d)._p.pPr.find(qn("w:pBdr"))),
        "a solid line under the motto",
    ),
    "appendix numbering continues": (
        lambda d: d.sections[1]._sectPr.remove(d.sections[1]._sectPr.find(qn("w:pgNumType"))),
        "numbers its pages from 1",
    ),
    "no page field": (
        lambda d: [r._r.getparent().remove(r._r) for r in d.sections[0].header.paragraphs[0].runs],
        "a PAGE field",
    ),
    "Nơi nhận upright": (
        lambda d: setattr(row_cells(d.tables[1], 0)[0].paragraphs[0].runs[0], "italic", False),
        "Nơi nhận: in 12 pt bold italic",
    ),
    "header row not repeated": (
        lambda d: (
            d.tables[2]
            ._tbl.tr_lst[0]
            .trPr.remove(d.tables[2]._tbl.tr_lst[0].trPr.find(qn("w:tblHeader")))
        ),
        "header rows repeat",
    ),
    "text decomposed": (
        lambda d: setattr(
            _body_paragraph(d).runs[0], "text", "Sở Nội vụ thông báo".replace("ở", "o\u031b\u0309")
        ),
        "is in the document",
    ),
    "pBdr out of order": (
        lambda d: _motto_line(d)._p.pPr.append(_motto_line(d)._p.pPr.find(qn("w:pBdr"))),
        "out of order",
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_checks_catch_a_broken_document(name: str) -> None:
    mutate, message = MUTATIONS[name]
    letter = announcement()
    document = docx.Document(io.BytesIO(render_docx(letter)))
    mutate(document)
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(AssertionError, match=re.escape(message)):
        check_decree30_docx(buffer.getvalue(), letter)
