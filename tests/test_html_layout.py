"""The HTML preview of a letter looks like its print (tests/html_checks.py reads it back)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from lxml import html as lxml_html

from inspect_engine.documents.html_layout import render_html
from inspect_engine.domain.documents.letter import AppendixPage, Letter, Table
from tests.html_checks import check_decree30_html
from tests.letters import announcement, minutes, p


@pytest.mark.parametrize(
    "letter", [announcement(), announcement(form="letter"), minutes()], ids=["tb", "cv", "bb"]
)
def test_sample_letters_meet_decree_30(letter: Letter) -> None:
    check_decree30_html(render_html(letter), letter)


def test_values_with_markup_characters_show_literally() -> None:
    unit = 'Trường <b>"Hoa & Sen"</b>'
    base = announcement(appendices=0)
    letter = dataclasses.replace(
        base, body=unit, addressees=(unit,), blocks=(p(f"Kính gửi {unit}."), *base.blocks[1:])
    )
    page = render_html(letter)
    check_decree30_html(page, letter)
    assert "&lt;b&gt;" in page and "&amp;" in page
    assert "<b>&#34;Hoa" not in page and '<b>"Hoa' not in page
    root = lxml_html.document_fromstring(page)
    issuer = root.xpath("//*[contains(@class, 'issuer')]")[0]
    assert issuer.text_content() == unit.upper()
    assert not root.xpath("//b[contains(., 'Hoa')]"), "no element made from the letter's text"


def test_several_addressees_one_a_line_under_kính_gửi() -> None:
    letter = dataclasses.replace(
        announcement(form="letter"), addressees=("Sở Tư pháp", "Sở Tài chính;", "UBND xã Ô Diên")
    )
    page = render_html(letter)
    check_decree30_html(page, letter)
    root = lxml_html.document_fromstring(page)
    lines = root.xpath("//*[contains(@class, 'addressee-lines')]/p")
    assert [x.text_content() for x in lines] == [
        "Kính gửi:",
        "- Sở Tư pháp;",
        "- Sở Tài chính;",
        "- UBND xã Ô Diên.",
    ]


def test_biên_bản_signers_side_by_side_without_nơi_nhận() -> None:
    root = lxml_html.document_fromstring(render_html(minutes()))
    row = root.xpath("//table[contains(@class, 'signature')]//tr")[0]
    assert [c.get("class") for c in row] == ["signer", "signer"]
    assert "Nơi nhận" not in root.text_content()


def test_an_appendix_wider_than_six_columns_prints_on_landscape() -> None:
    wide = Table((tuple(f"Cột {i}" for i in range(8)), tuple(str(i) for i in range(8))), (1,) * 8)
    page = AppendixPage("Phụ lục III", "(Kèm theo ...)", "BẢNG TỔNG HỢP", (wide,))
    base = announcement(appendices=1)
    letter = dataclasses.replace(base, appendices=(*base.appendices, page))
    text = render_html(letter)
    check_decree30_html(text, letter)
    sections = lxml_html.document_fromstring(text).xpath("//section")
    assert ["wide" in (s.get("class") or "") for s in sections] == [False, False, True]


DRAFT = dataclasses.replace(
    announcement(), number="Số:      /TB-SNV", place_date="Hà Nội, ngày      tháng      năm 20    "
)


def test_a_draft_shows_its_blank_number_and_date_as_wide_as_they_are() -> None:
    page = render_html(DRAFT)
    check_decree30_html(page, DRAFT)
    root = lxml_html.document_fromstring(page)
    number = root.xpath("//*[contains(@class, 'number')]")[0]
    assert number.text_content() == "Số:      /TB-SNV"
    collapsed = page.replace("white-space: pre-wrap;", "")
    with pytest.raises(AssertionError, match="the spaces in"):
        check_decree30_html(collapsed, DRAFT)


def test_a_letter_stored_as_json_renders_the_same_page() -> None:
    letter = announcement(form="letter")
    again = Letter.from_json(json.loads(json.dumps(letter.to_json())))
    assert render_html(again) == render_html(letter)


# --- the checks catch what a person would ----------------------------------------------

MUTATIONS = {
    "no lang": (lambda t: t.replace('<html lang="vi">', "<html>"), 'lang="vi"'),
    "an external style sheet": (
        lambda t: t.replace("</head>", '<link rel="stylesheet" href="x.css"></head>'),
        "nothing to fetch",
    ),
    "body left-aligned": (
        lambda t: t.replace(".item { text-align: justify;", ".item { text-align: left;"),
        "justified",
    ),
    "issuer upright": (
        lambda t: t.replace(".issuer { font-size: 13pt; font-weight: bold; }", ""),
        "the issuing body: bold",
    ),
    "appendix on the same page": (
        lambda t: t.replace("page-break-before: always; break-before: page;", ""),
        "a new page",
    ),
    "Nơi nhận upright": (
        lambda t: t.replace("font-weight: bold; font-style: italic; }", "font-weight: bold; }"),
        "Nơi nhận:: italic",
    ),
    "recipients 12 pt": (
        lambda t: t.replace(
            ".recipient { margin: 0; font-size: 11pt;", ".recipient { margin: 0; font-size: 12pt;"
        ),
        "recipients 11 pt",
    ),
    "a bold word lost": (
        lambda t: t.replace("<b>trước ngày 13/8/2026</b>", "trước ngày 13/8/2026"),
        "bold and italic kept",
    ),
    "motto line missing": (lambda t: t.replace("ruled-under whole", "whole"), "a line under"),
    "text decomposed": (
        lambda t: t.replace("Sở Nội vụ thông báo", "So\u031b\u0309 Nội vụ thông báo"),
        "is on the page",
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_checks_catch_a_broken_page(name: str) -> None:
    mutate, message = MUTATIONS[name]
    letter = announcement()
    page = render_html(letter)
    broken = mutate(page)
    assert broken != page, "the mutation applies"
    with pytest.raises(AssertionError, match=re.escape(message)):
        check_decree30_html(broken, letter)


# --- printed by a browser ---------------------------------------------------------------

MM = 72 / 25.4


def _print_to_pdf(page: str, folder: Path) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on PATH")
    source, pdf = folder / "letter.html", folder / "letter.pdf"
    source.write_text(page, encoding="utf-8")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        source.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return pdf


def _bare(text: str) -> str:
    """The ASCII letters and digits of `text`: what survives any split of its diacritics."""
    return "".join(c for c in text if c.isascii() and c.isalnum())


@pytest.mark.browser
def test_printed_by_chromium_on_a4_each_appendix_on_a_new_page(tmp_path: Path) -> None:
    wide = Table((tuple(f"Cột {i}" for i in range(8)), tuple(str(i) for i in range(8))), (1,) * 8)
    base = announcement()
    extra = AppendixPage("Phụ lục III", "(Kèm theo ...)", "BẢNG TỔNG HỢP", (wide,))
    letter = dataclasses.replace(base, appendices=(*base.appendices, extra))
    with pdfplumber.open(_print_to_pdf(render_html(letter), tmp_path)) as pdf:
        pages = pdf.pages
        # A page's first line, its letters only: pdfplumber may set a raised diacritic of
        # Chromium's text apart on a line of its own ("ụ ụ" over "Ph l c I").
        lines = [pg.extract_text().split("\n") for pg in pages]
        starts = [{_bare(ls[0]), _bare(" ".join(ls[:2]))} for ls in lines]
        labels = [_bare(a.label) for a in letter.appendices]
        begun = [next(i for i, s in enumerate(starts) if label in s) for label in labels]
        assert begun == sorted(begun) and begun[0] >= 1, f"each appendix starts a page: {starts}"
        for index, pg in enumerate(pages):
            landscape = index == begun[-1]
            want = (297 * MM, 210 * MM) if landscape else (210 * MM, 297 * MM)
            assert (pg.width, pg.height) == pytest.approx(want, abs=2), f"page {index + 1} A4"
            fonts = {c["fontname"].split("+")[-1] for c in pg.chars if c["text"].strip()}
            assert all(f.startswith(("LiberationSerif", "TimesNewRoman")) for f in fonts), fonts
        first = pages[0]
        assert min(c["x0"] for c in first.chars) == pytest.approx(30 * MM, abs=6), "left margin"
        issuer = [c for c in first.chars if c["text"] in "SỞNỘIVỤ" and c["top"] < 80 * MM]
        assert issuer and any("Bold" in c["fontname"] for c in issuer), "SỞ NỘI VỤ in bold"
        assert "Kiểm tra công tác cải cách hành chính" in first.extract_text()
