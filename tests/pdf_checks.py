"""The Decree 30/2020/NĐ-CP rules a PDF of a `Letter` must meet, checked on the PDF read back.

`check_decree30_pdf(data, letter)` runs every check; each check is also a function of its own,
so that a test of an engine-issued document can run the same rules on what the engine wrote.
"""

from __future__ import annotations

import io
import itertools
import re

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from inspect_engine.domain.documents.letter import Letter, Paragraph
from tests.pdf_body_checks import check_blocks, check_closing
from tests.pdf_reading import (
    A4_HEIGHT,
    A4_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    TEXT_CENTRE,
    TEXT_LEFT,
    TEXT_RIGHT,
    TOLERANCE,
    Found,
    PdfDocument,
    assert_centred,
    assert_style,
    centre,
    extent,
    normal,
)

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
_EMBEDDED_FONT = re.compile(r"^/?[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?$")


def check_decree30_pdf(data: bytes, letter: Letter) -> None:
    """Every rule below, on one PDF of `letter`."""
    check_metadata(data, letter)
    check_fonts(data)
    doc = PdfDocument(data)
    try:
        check_page_geometry(doc)
        check_all_text_present(doc, letter)
        cursor = check_header(doc, letter)
        cursor = check_title(doc, letter, cursor)
        heads = appendix_heads(doc, letter, cursor)
        main_pages = range(heads[0].page if heads else len(doc.pages))
        cursor = check_blocks(doc, letter.blocks, cursor, pages=main_pages)
        check_closing(doc, letter, cursor)
        check_appendices(doc, letter, heads)
        check_page_numbers(doc, [0, *(h.page for h in heads)])
    finally:
        doc.close()


def check_metadata(data: bytes, letter: Letter) -> None:
    """The title is the type name and the summary; the language is Vietnamese."""
    reader = PdfReader(io.BytesIO(data))
    title = (reader.metadata.title if reader.metadata else None) or ""
    assert letter.summary in title, f"PDF title {title!r} lacks the summary"
    if letter.form == "notice" and letter.type_name:
        assert title.startswith(letter.type_name), f"PDF title {title!r} lacks the type name"
    assert reader.root_object.get("/Lang") == "vi", "the document language is not vi"


def check_fonts(data: bytes) -> None:
    """Every font of every page is a Liberation Serif face, embedded (no base-14 fallback)."""
    seen: set[str] = set()
    for number, name, font in _page_fonts(data):
        assert _EMBEDDED_FONT.match(name), f"page {number}: font {name} is not Liberation Serif"
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descendant = font["/DescendantFonts"].get_object()[0]  # type: ignore[index]
            descriptor = descendant.get_object().get("/FontDescriptor")
        assert descriptor is not None, f"page {number}: font {name} has no descriptor"
        assert "/FontFile2" in descriptor.get_object(), f"page {number}: {name} is not embedded"
        seen.add(name.split("+", 1)[1])
    assert "LiberationSerif" in seen, f"the regular face is not used: {sorted(seen)}"


def font_names(data: bytes) -> set[str]:
    """The fonts the PDF's pages use, without their subset prefix."""
    return {name.split("+")[-1] for _, name, _ in _page_fonts(data)}


def _page_fonts(data: bytes) -> list[tuple[int, str, DictionaryObject]]:
    reader = PdfReader(io.BytesIO(data))
    return [
        (number, name, font)
        for number, page in enumerate(reader.pages, start=1)
        for name, font in _fonts(page.get("/Resources"))
    ]


def _fonts(resources: object) -> list[tuple[str, DictionaryObject]]:
    """The fonts of a resource dictionary and of the form XObjects inside it."""
    if resources is None:
        return []
    res = resources.get_object()  # type: ignore[attr-defined]
    out: list[tuple[str, DictionaryObject]] = []
    for ref in (res.get("/Font") or {}).values():
        font = ref.get_object()
        out.append((str(font["/BaseFont"]).lstrip("/"), font))
    for ref in (res.get("/XObject") or {}).values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form":
            out += _fonts(xobject.get("/Resources"))
    return out


def check_page_geometry(doc: PdfDocument) -> None:
    """A4 portrait; no glyph or line outside the text area but the page numbers in the top
    margin; nothing in the bottom 20 mm."""
    for index, page in enumerate(doc.pages):
        assert abs(page.width - A4_WIDTH) < 0.5, f"page {index + 1} is {page.width} pt wide"
        assert abs(page.height - A4_HEIGHT) < 0.5, f"page {index + 1} is {page.height} pt high"
    floor = A4_HEIGHT - MARGIN_BOTTOM + TOLERANCE
    for g in doc.glyphs + [g for page in doc.margin_glyphs for g in page]:
        where = f"page {g.page + 1}: {g.text!r} at x {g.x0:.1f}..{g.x1:.1f}, top {g.top:.1f}"
        assert g.x0 >= TEXT_LEFT - TOLERANCE, f"{where} is in the left margin"
        assert g.x1 <= TEXT_RIGHT + TOLERANCE, f"{where} is in the right margin"
        assert g.bottom <= floor, f"{where} is in the bottom margin"
    for g in doc.glyphs:
        assert g.top >= MARGIN_TOP - TOLERANCE, f"page {g.page + 1}: {g.text!r} in the top margin"
    for r in doc.rules:
        assert r.x0 >= TEXT_LEFT - TOLERANCE and r.x1 <= TEXT_RIGHT + TOLERANCE, (
            f"page {r.page + 1}: a line at x {r.x0:.1f}..{r.x1:.1f} is in a side margin"
        )
        assert MARGIN_TOP - TOLERANCE <= r.top <= floor, f"page {r.page + 1}: a line in a margin"


def expected_texts(letter: Letter) -> list[str]:
    """Every piece of the letter's text as the layout prints it (capitals where the format
    asks for them, "- " before each recipient); table cells are checked with the tables."""
    texts = [letter.parent_body.upper(), letter.body.upper(), NATIONAL_TITLE, MOTTO]
    texts += [letter.number, letter.place_date, letter.type_name.upper()]
    texts.append(f"V/v {letter.summary}" if letter.form == "letter" else letter.summary)
    texts += list(letter.addressees)
    texts += [b.text for b in letter.blocks if isinstance(b, Paragraph)]
    for s in letter.signers:
        texts += [s.authority.upper(), s.title.upper(), s.name]
    if letter.recipients:
        texts += ["Nơi nhận:", *(f"- {r.removeprefix('- ')}" for r in letter.recipients)]
    for a in letter.appendices:
        texts += [a.label, a.caption, a.title.upper()]
        texts += [b.text for b in a.blocks if isinstance(b, Paragraph)]
    return [t for t in texts if t.strip()]


def check_all_text_present(doc: PdfDocument, letter: Letter) -> None:
    """The extracted text holds every paragraph of the letter, NFC-identical."""
    text = doc.text()
    for expected in expected_texts(letter):
        assert normal(expected) in text, f"not in the PDF's text: {expected!r}"
    if not letter.recipients:
        assert "Nơi nhận" not in text, "a letter without recipients prints a Nơi nhận"


def check_header(doc: PdfDocument, letter: Letter) -> int:
    """Page 1's two columns; returns the glyph index after the header."""
    parent = doc.find(letter.parent_body.upper()) if letter.parent_body else None
    body = doc.require(letter.body.upper(), parent.end if parent else 0, what="issuing body")
    title = doc.require(NATIONAL_TITLE, what="national title")
    motto = doc.require(MOTTO, title.end, what="motto")
    for found in (body, title, motto):
        assert found.page == 0, "the header is not on page 1"
    left_x = centre(body.lines()[0])
    right_x = centre(title.lines()[0])
    assert left_x < TEXT_CENTRE < right_x, "the header's columns are not left and right"
    if parent:
        assert_style(parent, size=13, bold=False, italic=False, what="parent body")
        assert_centred(parent, left_x, "parent body")
    assert_style(body, size=13, bold=True, italic=False, what="issuing body")
    assert_centred(body, left_x, "issuing body")
    assert_style(title, size=12, bold=True, italic=False, what="national title")
    assert len(title.lines()) == 1, "the national title takes more than one line"
    assert_style(motto, size=13, bold=True, italic=False, what="motto")
    assert_centred(motto, right_x, "motto")
    _short_rule_under(doc, body.lines()[-1], "issuing body")
    motto_line = motto.lines()[0]
    rule = doc.rule_under(motto_line)
    assert rule is not None, "no line under the motto"
    motto_width = extent(motto_line)[1] - extent(motto_line)[0]
    assert abs(rule.width - motto_width) <= 0.1 * motto_width, "the motto's line is not its width"
    assert abs(rule.centre - right_x) <= 1.5, "the motto's line is not centred under it"

    number = doc.require(letter.number, motto.end, what="number")
    assert_style(number, size=13, bold=False, italic=False, what="number")
    assert_centred(number, left_x, "number")
    end = number.end
    if letter.form == "letter":
        about = doc.require(f"V/v {letter.summary}", number.end, what="V/v summary")
        assert_style(about, size=12, bold=False, italic=False, what="V/v summary")
        assert_centred(about, left_x, "V/v summary")
        assert about.top > number.bottom - TOLERANCE, "V/v is not under the number"
        end = about.end
    date = doc.require(letter.place_date, motto.end, what="place and date")
    assert_style(date, size=13, bold=False, italic=True, what="place and date")
    assert_centred(date, right_x, "place and date")
    assert abs(date.top - number.top) <= TOLERANCE, "the date is not on the number's line"
    assert number.top > body.bottom, "the number is not under the issuing body"
    left = [g for f in (parent, body, number) if f for g in f.glyphs]
    right = [*title.glyphs, *motto.glyphs, *date.glyphs]
    assert max(g.x1 for g in left) < min(g.x0 for g in right), "the header's columns overlap"
    return max(end, date.end)


def _short_rule_under(doc: PdfDocument, line: tuple[object, ...], what: str) -> None:
    rule = doc.rule_under(line)  # type: ignore[arg-type]
    assert rule is not None, f"no line under the {what}"
    x0, x1 = extent(line)  # type: ignore[arg-type]
    width = x1 - x0
    assert width / 3 - 1 <= rule.width <= width / 2 + 1, (
        f"the line under the {what} is {rule.width:.1f} pt for a {width:.1f} pt line of text"
    )
    assert abs(rule.centre - (x0 + x1) / 2) <= 1.5, f"the line under the {what} is off centre"


def check_title(doc: PdfDocument, letter: Letter, cursor: int) -> int:
    """A notice's type name and summary, centred and bold, a short line under the summary; a
    Công văn's "Kính gửi:" and addressees above the body instead."""
    if letter.form == "letter":
        head = doc.require("Kính gửi:", cursor, what="Kính gửi")
        end = head.end
        for addressee in letter.addressees:
            end = doc.require(addressee, end, what="addressee").end
        bold_14 = [g for g in doc.glyphs[cursor : head.start] if g.bold and g.size >= 14]
        assert not bold_14, "a Công văn prints a type name or a bold summary"
        return end
    end = cursor
    if letter.type_name:
        name = doc.require(letter.type_name.upper(), cursor, what="type name")
        assert_style(name, size=14, bold=True, italic=False, what="type name")
        assert_centred(name, TEXT_CENTRE, "type name")
        end = name.end
    summary = doc.require(letter.summary, end, what="summary")
    assert_style(summary, size=14, bold=True, italic=False, what="summary")
    assert_centred(summary, TEXT_CENTRE, "summary")
    _summary_rule(doc, summary)
    return summary.end


def _summary_rule(doc: PdfDocument, summary: Found) -> None:
    last = summary.lines()[-1]
    rule = doc.rule_under(last)
    assert rule is not None, "no line under the summary"
    widest = max(extent(line)[1] - extent(line)[0] for line in summary.lines())
    assert widest / 4 <= rule.width <= widest * 0.6, "the summary's line is not a short one"
    assert abs(rule.centre - TEXT_CENTRE) <= 1.5, "the summary's line is off centre"


def appendix_heads(doc: PdfDocument, letter: Letter, cursor: int) -> list[Found]:
    """Where each appendix begins: its label, caption and title, in that order."""
    heads = []
    for appendix in letter.appendices:
        head = appendix.label + appendix.caption + appendix.title.upper()
        found = doc.require(head, cursor, what=f"the head of {appendix.label}")
        heads.append(found)
        cursor = found.end
    return heads


def check_appendices(doc: PdfDocument, letter: Letter, heads: list[Found]) -> None:
    """Each appendix starts a page with its label (bold), caption (italic) and title (bold,
    capitals), centred, then its blocks."""
    stops = [h.page for h in heads[1:]] + [len(doc.pages)] * bool(heads)
    for appendix, head, stop in zip(letter.appendices, heads, stops, strict=True):
        assert head.start == doc.first_glyph_index(head.page), (
            f"{appendix.label} does not start a page"
        )
        end = head.start
        for text, italic in ((appendix.label, False), (appendix.caption, True)):
            if text:
                found = doc.require(text, end, what=f"{appendix.label}'s head")
                assert_style(found, size=14, bold=not italic, italic=italic, what=text)
                assert_centred(found, TEXT_CENTRE, text)
                end = found.end
        if appendix.title:
            found = doc.require(appendix.title.upper(), end, what="appendix title")
            assert_style(found, size=14, bold=True, italic=False, what="appendix title")
            assert_centred(found, TEXT_CENTRE, "appendix title")
        check_blocks(doc, appendix.blocks, head.end, pages=range(head.page, stop))


def check_page_numbers(doc: PdfDocument, section_starts: list[int]) -> None:
    """No number on a section's first page, then 2, 3, ... in 14 pt, centred in the top
    margin; the letter and each appendix count on their own."""
    bounds = [*section_starts, len(doc.pages)]
    for first, stop in itertools.pairwise(bounds):
        for page in range(first, stop):
            expected = "" if page == first else str(page - first + 1)
            shown = doc.margin_text[page]
            assert shown == expected, (
                f"page {page + 1} shows {shown!r} as its number, not {expected!r}"
            )
            glyphs = tuple(doc.margin_glyphs[page])
            if glyphs:
                assert all(abs(g.size - 14) < 0.1 for g in glyphs), "page number not 14 pt"
                assert abs(centre(glyphs) - TEXT_CENTRE) <= 1.5, "page number not centred"
