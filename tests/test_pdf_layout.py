"""The PDF layout of a Letter meets Decree 30/2020/NĐ-CP, read back from the PDF it writes."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from inspect_engine.documents.pdf_layout import render_pdf
from inspect_engine.domain.documents.letter import AppendixPage, Letter, Paragraph, Run, Table
from tests import letters
from tests.conftest import REPO
from tests.pdf_checks import check_decree30_pdf, check_fonts, font_names
from tests.pdf_reading import PdfDocument, normal

DIACRITICS = "Ộ ữ ạ ẵ ẫ ệ ỉ ỏ ớ ợ ừ ự ỳ ỵ ỹ Đ đ Ư ơ"


@pytest.fixture(scope="module")
def announcement_pdf() -> bytes:
    return render_pdf(letters.announcement())


def _read(data: bytes) -> PdfDocument:
    return PdfDocument(data)


@pytest.mark.parametrize(
    "letter",
    [letters.announcement(), letters.announcement(form="letter"), letters.minutes()],
    ids=["thong-bao", "cong-van", "bien-ban"],
)
def test_sample_letters_meet_decree30(letter: Letter) -> None:
    check_decree30_pdf(render_pdf(letter), letter)


@pytest.mark.parametrize("paragraphs", range(3, 11))
def test_closing_stays_on_one_page_wherever_the_body_ends(paragraphs: int) -> None:
    """The body grows a paragraph at a time, so the signature and Nơi nhận meet the foot of
    a page at some point; they move together, never split."""
    letter = letters.announcement(paragraphs=paragraphs, appendices=0)
    check_decree30_pdf(render_pdf(letter), letter)


def test_only_liberation_serif_is_in_the_file(announcement_pdf: bytes) -> None:
    check_fonts(announcement_pdf)
    assert font_names(announcement_pdf) == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }


def test_page_numbers_and_appendices_each_counting_from_one(announcement_pdf: bytes) -> None:
    doc = _read(announcement_pdf)
    assert len(doc.pages) == 4  # two pages of letter, two one-page appendices
    assert doc.margin_text == ["", "2", "", ""]
    assert doc.page_texts[2].startswith("Phụ lục I (Kèm theo")
    assert doc.page_texts[3].startswith("Phụ lục II (Kèm theo")


def _long_table_letter() -> Letter:
    rows = [("STT", "Đơn vị", "Số thủ tục", "Đã niêm yết", "Ghi chú")]
    rows += [
        (str(i), f"Phường số {i} thuộc Thành phố", str(i * 3), str(i * 2), "") for i in range(1, 61)
    ]
    table = Table(tuple(rows), (1, 6, 2, 2, 2))
    appendix = AppendixPage(
        label="Phụ lục I",
        caption="(Kèm theo Thông báo số 05/TB-SNV ngày 05 tháng 8 năm 2026 của Sở Nội vụ)",
        title="Danh sách đơn vị",
        blocks=(table, Paragraph((Run("Ghi chú: số liệu đến ngày báo cáo."),), "note")),
    )
    return dataclasses.replace(letters.announcement(), appendices=(appendix,))


def test_a_long_appendix_table_repeats_its_header_and_numbers_its_pages() -> None:
    letter = _long_table_letter()
    data = render_pdf(letter)
    check_decree30_pdf(data, letter)
    doc = _read(data)
    first = doc.page_texts.index(next(t for t in doc.page_texts if t.startswith("Phụ lục I")))
    assert len(doc.pages) >= first + 2, "the table should run onto a second page"
    assert doc.margin_text[first:] == ["", *[str(n) for n in range(2, len(doc.pages) - first + 1)]]
    continued = doc.page_texts[first + 1]
    assert continued.startswith("STT Đơn vị Số thủ tục Đã niêm yết Ghi chú"), continued[:80]


def test_diacritics_and_markup_characters_print_literally() -> None:
    tricky = "Công ty A&B <Hà Nội> & Co; 3 < 5 > 2 &amp; <b>không đậm</b>"
    base = letters.announcement(form="letter", appendices=0)
    letter = dataclasses.replace(
        base,
        addressees=("Sở Tư pháp", tricky),
        blocks=(
            Paragraph((Run(f"Kiểm tra dấu: {DIACRITICS}."),)),
            Paragraph(
                (Run("Đơn vị "), Run(tricky, bold=True), Run(" và "), Run("<i>", italic=True))
            ),
            Table((("Đơn vị", "Ghi chú"), (tricky, DIACRITICS)), (3, 2)),
            *base.blocks,
        ),
        recipients=(f"{tricky};", "Lưu: VT, CCHC."),
    )
    data = render_pdf(letter)
    check_decree30_pdf(data, letter)
    text = _read(data).text()
    assert text == unicodedata.normalize("NFC", text)
    for ch in DIACRITICS.split():
        assert ch in text
    assert normal(tricky) in text
    assert "<b>" in text and "&amp;" in text, "markup in the letter's text is printed, not applied"


def test_a_number_left_blank_keeps_its_spaces() -> None:
    letter = dataclasses.replace(letters.announcement(appendices=0), number="Số:      /TB-SNV")
    data = render_pdf(letter)
    check_decree30_pdf(data, letter)
    doc = _read(data)
    colon = doc.require("Số:")
    slash = doc.require("/TB-SNV", colon.end)
    assert slash.glyphs[0].x0 - colon.glyphs[-1].x1 > 15, "the blank for the number collapsed"


def test_without_recipients_there_is_no_noi_nhan() -> None:
    letter = dataclasses.replace(letters.announcement(appendices=0), recipients=())
    data = render_pdf(letter)
    check_decree30_pdf(data, letter)
    assert "Nơi nhận" not in _read(data).text()


def test_metadata_names_the_document(announcement_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(announcement_pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == (
        "THÔNG BÁO Kiểm tra công tác cải cách hành chính năm 2026 tại Sở Tư pháp"
    )
    assert str(reader.root_object["/Lang"]) == "vi"


@pytest.mark.slow
def test_fonts_load_from_an_installed_wheel(tmp_path: Path) -> None:
    """The wheel carries the fonts, and they load from it even zipped (importlib.resources)."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("inspect_engine-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for face in ("Regular", "Bold", "Italic", "BoldItalic"):
        assert f"inspect_engine/documents/fonts/LiberationSerif-{face}.ttf" in names
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import inspect_engine; assert inspect_engine.__file__.startswith(sys.argv[1]); "
        "from inspect_engine.documents.pdf_layout import render_pdf; "
        "from inspect_engine.domain.documents.letter import Letter, Signer; "
        "pdf = render_pdf(Letter('x', 'notice', 'A', 'B', 'Số: 1', 'Hà Nội', 'THÔNG BÁO', "
        "'Về việc', (), (Signer('GIÁM ĐỐC', 'An'),))); "
        "assert b'LiberationSerif' in pdf; print(len(pdf))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(wheel)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_letter_with_only_its_required_parts() -> None:
    """No parent body, no body text, no signer, no recipients, no appendices: still a page."""
    letter = Letter(
        kind="thong-bao",
        form="notice",
        parent_body="",
        body="SỞ NỘI VỤ",
        number="Số: 01/TB-SNV",
        place_date="Hà Nội, ngày 02 tháng 01 năm 2026",
        type_name="THÔNG BÁO",
        summary="Về việc nghỉ Tết",
        blocks=(),
        signers=(),
    )
    data = render_pdf(letter)
    check_decree30_pdf(data, letter)
    assert len(_read(data).pages) == 1
