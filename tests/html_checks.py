"""Decree 30 checks on the HTML preview of a letter: a self-contained A4 page in Vietnamese,
the header block in two columns with its lines, the justified body, the signature and Nơi
nhận, each appendix on a new printed page, every value of the letter shown literally.
`check_decree30_html(html, letter)` runs them all; engine-issued previews are checked with it
too. What an element looks like is read through the page's own style sheet
(tests/css_cascade.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from lxml import html as lxml_html

from inspect_engine.domain.documents.letter import AppendixPage, Block, Letter, Paragraph, Table
from tests.css_cascade import StyleSheet

JUSTIFIED_STYLES = {"body", "basis", "heading", "item"}


class Page:
    """A parsed preview and its style sheet."""

    def __init__(self, text: str) -> None:
        self.source = text
        self.root = lxml_html.document_fromstring(text)
        css = "\n".join(s.text or "" for s in self.root.iter("style"))
        self.sheet = StyleSheet.parse(css)

    def css(self, element: Any, prop: str, **kw: str) -> str | None:
        return self.sheet.value(element, prop, **kw)

    def one(self, context: Any, xpath: str) -> Any:
        found = context.xpath(xpath)
        assert len(found) == 1, f"one {xpath}, found {len(found)}"
        return found[0]

    def bold(self, element: Any) -> bool:
        return self.css(element, "font-weight") in ("bold", "bolder", "700", "800", "900")

    def italic(self, element: Any) -> bool:
        return self.css(element, "font-style") == "italic"

    def size_pt(self, element: Any) -> float:
        value = self.css(element, "font-size") or ""
        assert value.endswith("pt"), f"font size {value!r} in pt"
        return float(value[:-2])

    def looks(self, element: Any, *, bold: bool, italic: bool, size: float, what: str) -> None:
        assert self.bold(element) == bold, f"{what}: bold {bold}"
        assert self.italic(element) == italic, f"{what}: italic {italic}"
        assert self.size_pt(element) == size, f"{what}: {size} pt, not {self.size_pt(element)}"

    def centred(self, element: Any, what: str) -> None:
        assert self.css(element, "text-align") == "center", f"{what} centred"


def text_of(element: Any) -> str:
    return str(element.text_content()).strip()


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _pt(value: str | None) -> float:
    match = re.fullmatch(r"(-?[\d.]+)(pt|mm|cm|px)", (value or "").strip())
    assert match, f"a length, not {value!r}"
    number, unit = float(match.group(1)), match.group(2)
    return number * {"pt": 1, "mm": 72 / 25.4, "cm": 72 / 2.54, "px": 0.75}[unit]


def check_decree30_html(text: str, letter: Letter) -> None:
    check_self_contained(text)
    page = Page(text)
    check_page_setup(page)
    sections = page.root.xpath("//section[contains(@class, 'page')]")
    assert len(sections) == 1 + len(letter.appendices), "the letter, then a page per appendix"
    main, *appendices = sections
    check_header(page, main, letter)
    check_title(page, main, letter)
    check_blocks(page, main, letter.blocks)
    check_signature(page, main, letter)
    for section, appendix in zip(appendices, letter.appendices, strict=True):
        check_appendix(page, section, appendix)
    check_text(page, letter)


def check_self_contained(text: str) -> None:
    assert text.lower().startswith("<!doctype html>"), "an HTML5 page"
    assert re.search(r'<html lang="vi">', text), 'lang="vi"'
    assert re.search(r'<meta charset="utf-8">', text, re.I), "UTF-8"
    for pattern in (r"<link\b", r"<script\b", r"<img\b", r"\bsrc=", r"url\(", r"@import"):
        assert not re.search(pattern, text, re.I), f"nothing to fetch ({pattern})"


def check_page_setup(page: Page) -> None:
    default = page.sheet.pages.get("", {})
    assert default.get("size", "").startswith("A4"), "printed on A4"
    margins = [_pt(v) for v in default.get("margin", "").split()]
    want = [_pt(f"{mm}mm") for mm in (20, 15, 20, 30)]  # top, right, bottom, left
    assert len(margins) == 4, "the four margins"
    close = all(abs(a - b) < 0.1 for a, b in zip(margins, want, strict=True))
    assert close, f"Decree 30's margins, not {default.get('margin')}"
    body = page.one(page.root, "//body")
    fonts = [f.strip().strip("\"'") for f in (page.css(body, "font-family") or "").split(",")]
    assert fonts[:2] == ["Times New Roman", "Liberation Serif"] and fonts[-1] == "serif", fonts
    assert page.css(body, "color") in ("#000", "#000000", "black"), "black text"
    letter_page = page.one(page.root, "//section[contains(@class, 'letter')]")
    width = _pt(page.css(letter_page, "width"))
    assert abs(width - _pt("210mm")) < 0.5, "an A4-wide sheet on screen"


def _cells(row: Any) -> list[Any]:
    return [c for c in row if c.tag == "td"]


def check_header(page: Page, main: Any, letter: Letter) -> None:
    table = page.one(main, ".//table[contains(@class, 'header')]")
    first, second = table.xpath(".//tr")
    left, right = _cells(first)
    parent, body = (e for e in left if text_of(e))
    assert text_of(parent) == letter.parent_body.upper()
    page.looks(parent, bold=False, italic=False, size=13, what="the parent body")
    assert text_of(body) == letter.body.upper()
    page.looks(body, bold=True, italic=False, size=13, what="the issuing body")
    _check_rule(page, body, "the issuing body", {"50%", "33%"})
    nation, motto = (e for e in right if text_of(e))
    assert text_of(nation) == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    page.looks(nation, bold=True, italic=False, size=12, what="the national title")
    assert text_of(motto) == "Độc lập - Tự do - Hạnh phúc"
    page.looks(motto, bold=True, italic=False, size=13, what="the motto")
    _check_rule(page, motto, "the motto", {"100%"})
    for element in (parent, body, nation, motto):
        page.centred(element, text_of(element))
    number_cell, date_cell = _cells(second)
    number, *rest = (e for e in number_cell if text_of(e))
    assert text_of(number) == letter.number.strip() and page.size_pt(number) == 13
    page.centred(number, "the number")
    if letter.form == "letter":
        (subject,) = rest
        assert text_of(subject) == "V/v " + letter.summary and page.size_pt(subject) == 12
        page.centred(subject, "V/v")
    else:
        assert not rest, "only a Công văn has V/v under its number"
    (date,) = (e for e in date_cell if text_of(e))
    assert text_of(date) == letter.place_date.strip()
    assert page.italic(date) and page.size_pt(date) in (13, 14), "the date italic, 13-14 pt"
    page.centred(date, "the place and date")


def _check_rule(page: Page, element: Any, what: str, widths: set[str]) -> None:
    """A solid line under the words of `element`, as wide as one of `widths` of them."""
    holders = [e for e in element.iter() if "ruled-under" in _classes(e)]
    assert holders, f"a line under {what}"
    holder = holders[0]
    assert text_of(holder) == text_of(element), f"the line is under the words of {what}"
    assert page.css(holder, "display") == "inline-block", f"the line as wide as {what}'s words"
    border = page.css(holder, "border-top", pseudo="after") or ""
    assert "solid" in border, f"a solid line under {what}"
    assert page.css(holder, "width", pseudo="after") in widths, f"the line's length under {what}"


def check_title(page: Page, main: Any, letter: Letter) -> None:
    type_names = main.xpath(".//*[contains(@class, 'type-name')]")
    if letter.form == "notice":
        (type_name,) = type_names
        assert text_of(type_name) == letter.type_name.upper()
        summary = page.one(main, ".//*[contains(@class, 'summary')]")
        assert text_of(summary) == letter.summary
        for element in (type_name, summary):
            page.looks(element, bold=True, italic=False, size=14, what=text_of(element))
            page.centred(element, text_of(element))
        _check_rule(page, summary, "the summary", {"33%", "50%"})
        return
    assert not type_names, "a Công văn has no type name"
    block = page.one(main, ".//*[contains(@class, 'addressees')]")
    lines = [text_of(p) for p in block.iter("p")]
    assert lines[0].startswith("Kính gửi:"), "Kính gửi: above the body"
    for addressee in letter.addressees:
        assert any(addressee.rstrip(";.") in line for line in lines), addressee
    for p in block.iter("p"):
        assert page.size_pt(p) == 14, "Kính gửi in 14 pt"


def _chars(page: Page, paragraph: Any) -> list[tuple[str, bool, bool]]:
    """Each character of `paragraph` with whether it shows bold and italic."""
    out: list[tuple[str, bool, bool]] = []

    def walk_with_inherited(element: Any, bold: bool, italic: bool) -> None:
        bold = bold or page.bold(element) or element.tag in ("b", "strong")
        italic = italic or page.italic(element) or element.tag in ("i", "em")
        out.extend((c, bold, italic) for c in element.text or "")
        for child in element:
            walk_with_inherited(child, bold, italic)
            out.extend((c, bold, italic) for c in child.tail or "")

    walk_with_inherited(paragraph, False, False)
    return out


def check_blocks(page: Page, section: Any, blocks: Sequence[Block]) -> None:
    items = section.xpath("./p | ./table[contains(@class, 'ruled')]")
    position = 0
    for block in blocks:
        while position < len(items):
            item = items[position]
            position += 1
            if isinstance(block, Table) and item.tag == "table":
                check_ruled_table(page, item, block)
                break
            if (
                isinstance(block, Paragraph)
                and item.tag == "p"
                and item.text_content() == (block.text)
            ):
                check_paragraph(page, item, block)
                break
        else:
            raise AssertionError(f"{block!r} is on the page")


def check_paragraph(page: Page, element: Any, block: Paragraph) -> None:
    what = f"{block.style} {block.text[:30]!r}"
    styled_bold = block.style == "heading"
    styled_italic = block.style in ("basis", "note")
    want = [
        (c, r.bold or styled_bold, r.italic or styled_italic) for r in block.runs for c in r.text
    ]
    assert _chars(page, element) == want, f"{what}: the letter's text, bold and italic kept"
    assert page.size_pt(element) == (12 if block.style == "note" else 14), what
    assert _margin_bottom(page, element) >= 6, f"{what}: at least 6 pt after"
    if block.style in JUSTIFIED_STYLES:
        assert page.css(element, "text-align") == "justify", f"{what}: justified"
        indent = _pt(page.css(element, "text-indent"))
        assert abs(indent - _pt("1.27cm")) < 0.1, f"{what}: first-line indent 1.27 cm"
    elif block.style == "center":
        page.centred(element, what)


def _margin_bottom(page: Page, element: Any) -> float:
    value = page.css(element, "margin-bottom")
    if value is None:
        parts = (page.css(element, "margin") or "0").split()
        value = parts[2] if len(parts) >= 3 else parts[0]
    return 0.0 if value == "0" else _pt(value)


def check_ruled_table(page: Page, element: Any, block: Table) -> None:
    rows = element.xpath(".//tr")
    values = [tuple(c.text_content() for c in row if c.tag in ("td", "th")) for row in rows]
    assert values == list(block.rows), "the table's cells"
    head_rows = element.xpath("./thead/tr")
    assert len(head_rows) == block.header_rows, "header rows in <thead> repeat on each page"
    for row in head_rows:
        for cell in row:
            assert cell.tag == "th" and page.bold(cell), "header cells bold"
            page.centred(cell, f"header {text_of(cell)!r}")
    for cell in element.xpath(".//td | .//th"):
        border = page.css(cell, "border") or ""
        assert "solid" in border, "a ruled table"
        assert page.size_pt(cell) == 13, "table text 13 pt"
    cols = element.xpath("./colgroup/col")
    percents = [float(re.search(r"width:\s*([\d.]+)%", c.get("style")).group(1)) for c in cols]
    total = sum(block.widths)
    assert len(percents) == len(block.widths), "one column width each"
    for got, want in zip(percents, block.widths, strict=True):
        assert abs(got / 100 - want / total) < 0.005, "columns in the letter's proportions"
    assert page.css(element, "width") == "100%", "across the text width"


def check_signature(page: Page, main: Any, letter: Letter) -> None:
    tables = main.xpath(".//table[contains(@class, 'signature')]")
    assert tables, "a signature block"
    first_row = tables[0].xpath(".//tr")[0]
    signers = [c for c in _cells(first_row) if "signer" in _classes(c)]
    assert len(signers) == len(letter.signers), "a box per signer, side by side"
    for cell, signer in zip(signers, letter.signers, strict=True):
        lines = [p for p in cell.iter("p") if text_of(p)]
        want = [t.upper() for t in (signer.authority, signer.title) if t] + [signer.name]
        assert [text_of(p) for p in lines] == want, "authority, title, name"
        for p in lines:
            page.looks(p, bold=True, italic=False, size=14, what=text_of(p))
            page.centred(p, text_of(p))
        assert _pt(page.css(lines[-1], "margin-top")) >= 48, "room to sign"
    recipients = main.xpath(".//td[contains(@class, 'recipients')]")
    if not letter.recipients:
        assert not [c for c in recipients if text_of(c)], "no recipients, no Nơi nhận"
        return
    (cell,) = recipients
    title, *lines = (p for p in cell.iter("p") if text_of(p))
    assert text_of(title) == "Nơi nhận:"
    page.looks(title, bold=True, italic=True, size=12, what="Nơi nhận:")
    assert [text_of(p) for p in lines] == [f"- {r}" for r in letter.recipients], "recipients"
    for p in lines:
        assert page.size_pt(p) == 11 and page.css(p, "text-align") == "left", "recipients 11 pt"
    if len(letter.signers) == 1:
        assert cell.getparent() is first_row, "the Nơi nhận beside the signature"


def check_appendix(page: Page, section: Any, appendix: AppendixPage) -> None:
    assert "appendix" in _classes(section)
    assert page.css(section, "page-break-before", media="print") == "always", "a new page"
    label, caption, title = [p for p in section.iter("p") if text_of(p)][:3]
    assert text_of(label) == appendix.label
    page.looks(label, bold=True, italic=False, size=14, what="the appendix label")
    assert text_of(caption) == appendix.caption
    page.looks(caption, bold=False, italic=True, size=13, what="the caption")
    assert text_of(title) == appendix.title.upper()
    page.looks(title, bold=True, italic=False, size=14, what="the appendix title")
    for p in (label, caption, title):
        page.centred(p, text_of(p))
    check_blocks(page, section, appendix.blocks)
    if page.css(section, "page") == "wide":
        assert page.sheet.pages.get("wide", {}).get("size") == "A4 landscape"


def check_text(page: Page, letter: Letter) -> None:
    """Every value of the letter shows literally, NFC, as the letter has it."""
    body = page.one(page.root, "//body")
    text = body.text_content()
    assert unicodedata.is_normalized("NFC", page.source), "NFC text"
    upper = {letter.parent_body, letter.body, letter.type_name}
    upper |= {s.authority for s in letter.signers} | {s.title for s in letter.signers}
    upper |= {a.title for a in letter.appendices}
    for piece in letter.all_text().split("\n"):
        if " | " in piece:
            continue
        shown = piece.upper() if piece in upper else piece
        assert shown.strip() in text, f"{shown!r} is on the page"
    # A run of spaces (a draft's blank number and date) must show as wide as it is.
    for element in body.iter():
        if isinstance(element.tag, str) and "  " in (element.text or ""):
            kept = page.css(element, "white-space") in ("pre", "pre-wrap", "break-spaces")
            assert kept, f"the spaces in {element.text!r} show"
