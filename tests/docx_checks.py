"""Decree 30/2020/NĐ-CP checks on a DOCX, read back with python-docx: what a reader of the
printed letter sees (page, fonts, header block, body, signature, Nơi nhận, page numbers,
appendices), whatever produced the file. `check_decree30_docx(data, letter)` runs them all;
the engine-issued documents' tests call it too.

Formatting is read as Word resolves it (tests/docx_reading.py).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from inspect_engine.domain.documents.letter import Block, Letter, Paragraph, Table
from tests.docx_reading import (
    SectionContent,
    all_runs,
    bottom_border,
    cell_paragraphs,
    column_widths_mm,
    defaults_rpr,
    every_paragraph,
    mm,
    no_run,
    paragraph_format,
    row_cells,
    run_font,
    sections_content,
    sizes_pt,
    table_borders,
    text_runs,
)
from tests.ooxml_order import check_child_order

FONT = "Times New Roman"
TEXT_WIDTH_MM = 165.0  # A4 portrait less 30 + 15 mm
JUSTIFIED_STYLES = {"body", "basis", "heading", "item"}


def check_borderless(table: DocxTable, what: str) -> None:
    values = set(table_borders(table).values())
    styled = table._tbl.tblPr.find(qn("w:tblStyle")) is not None
    assert values <= {"nil", "none"} and (values or not styled), f"{what} is drawn borderless"


def check_centred(paragraph: DocxParagraph, what: str) -> None:
    align = paragraph_format(paragraph, "alignment")
    assert align == WD_ALIGN_PARAGRAPH.CENTER, f"{what} centred, not {align}"


def check_line(
    paragraph: DocxParagraph, room_mm: float, low: float, high: float, what: str
) -> None:
    """A solid line under `what`, between `low` and `high` mm long."""
    border = bottom_border(paragraph)
    assert border is not None and border.get(qn("w:val")) == "single", f"a solid line under {what}"
    left = mm(paragraph_format(paragraph, "left_indent"))
    right = mm(paragraph_format(paragraph, "right_indent"))
    length = room_mm - left - right
    assert low <= length <= high, f"the line under {what} is {length:.1f} mm, not {low}-{high}"
    assert abs(left - right) < 0.5, f"the line under {what} is centred"


# --- the checks -------------------------------------------------------------------------


def check_decree30_docx(data: bytes, letter: Letter) -> None:
    document = docx.Document(io.BytesIO(data))
    check_child_order(data)
    check_fonts(document)
    check_pages(document, letter)
    parts = sections_content(document)
    assert len(parts) == 1 + len(letter.appendices), "one section for the letter, one an appendix"
    main = parts[0]
    check_header_block(main.tables()[0], letter)
    check_title(main, letter)
    check_blocks(main, letter.blocks, TEXT_WIDTH_MM)
    unruled = [t for t in main.tables()[1:] if "single" not in table_borders(t).values()]
    check_signature(unruled, letter)
    appendices = zip(parts[1:], letter.appendices, document.sections[1:], strict=True)
    for content, page, section in appendices:
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        check_appendix(content, page, TEXT_WIDTH_MM + (87.0 if landscape else 0.0))
    check_text(document, letter)


def check_fonts(document: Any) -> None:
    """Times New Roman for every script in the defaults, every style and every run, with no
    theme font that Word would prefer; black text."""
    defaults = defaults_rpr(document).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert defaults is not None, "the document defaults name a font"
    parts = [document.styles.element, document.element]
    for section in document.sections:
        for header in (section.header, section.first_page_header):
            parts.append(header._element)
    for part in parts:
        for fonts in part.iter(qn("w:rFonts")):
            attrs = {k.split("}")[1]: v for k, v in fonts.attrib.items()}
            assert not [k for k in attrs if k.lower().endswith("theme")], f"theme font {attrs}"
            named = {k: v for k, v in attrs.items() if k in ("ascii", "hAnsi", "cs", "eastAsia")}
            assert set(named.values()) <= {FONT}, f"a font other than {FONT}: {named}"
        for color in part.iter(qn("w:color")):
            assert color.get(qn("w:val")) in ("000000", "auto"), "text is black"
    assert {k.split("}")[1] for k in defaults.attrib} >= {"ascii", "hAnsi", "cs", "eastAsia"}
    for paragraph in every_paragraph(document):
        for run in text_runs(paragraph):
            assert run_font(run, paragraph, "name") == FONT, f"{run.text!r} in {FONT}"


def check_pages(document: Any, letter: Letter) -> None:
    """A4, Decree 30's margins; page numbers 14 pt centred at the top, from page 2 of the
    letter and of each appendix, which numbers its pages from 1."""
    for index, section in enumerate(document.sections):
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        assert index > 0 or not landscape, "the letter is on A4 portrait"
        size = sorted((mm(section.page_width), mm(section.page_height)))
        assert abs(size[0] - 210) < 0.5 and abs(size[1] - 297) < 0.5, f"A4, not {size}"
        assert (mm(section.page_width) > mm(section.page_height)) == landscape
        for edge, want in (("top", 20), ("bottom", 20), ("left", 30), ("right", 15)):
            got = mm(getattr(section, f"{edge}_margin"))
            assert abs(got - want) < 0.2, f"section {index}: {edge} margin {got:.1f} mm, not {want}"
        assert section.start_type == WD_SECTION.NEW_PAGE, "each appendix starts a new page"
        assert section.different_first_page_header_footer, "no page number on the first page"
        numbering = section._sectPr.find(qn("w:pgNumType"))
        if index > 0:
            assert numbering is not None and numbering.get(qn("w:start")) == "1", (
                f"appendix {index} numbers its pages from 1"
            )
        if numbering is not None:
            assert numbering.get(qn("w:fmt")) in (None, "decimal"), "Arabic page numbers"
        _check_page_number(section.header, f"section {index}")
        first = section.first_page_header
        assert not _has_page_field(first._element), f"section {index}: no number on page 1"


def _has_page_field(element: Any) -> bool:
    codes = [t.text or "" for t in element.iter(qn("w:instrText"))]
    codes += [f.get(qn("w:instr")) or "" for f in element.iter(qn("w:fldSimple"))]
    return any(c.split() and c.split()[0] == "PAGE" for c in codes)


def _check_page_number(header: Any, what: str) -> None:
    holders = [p for p in header.paragraphs if _has_page_field(p._p)]
    assert holders, f"{what}: a PAGE field in the header"
    paragraph = holders[0]
    check_centred(paragraph, f"{what}: the page number")
    assert {run_font(r, paragraph, "size").pt for r in paragraph.runs} == {14}, "14 pt numbers"


def check_header_block(table: DocxTable, letter: Letter) -> None:
    check_borderless(table, "the header block")
    widths = column_widths_mm(table)
    assert len(widths) == 2 and sum(widths) <= TEXT_WIDTH_MM + 0.5, "two columns in the margins"
    left, right = row_cells(table, 0)
    lines = cell_paragraphs(left)
    assert [p.text for p in lines] == [letter.parent_body.upper(), letter.body.upper()]
    parent, body = lines
    assert no_run(parent, "bold") and sizes_pt(parent) == {13}, "parent body 13 pt, not bold"
    assert all_runs(body, "bold") and sizes_pt(body) == {13}, "issuing body 13 pt bold"
    room = widths[0] - 3.81
    check_line(_after(left, body), room, 8, room, "the issuing body")
    title, motto = cell_paragraphs(right)
    assert title.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert all_runs(title, "bold") and sizes_pt(title) == {12}, "national title 12 pt bold"
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert all_runs(motto, "bold") and sizes_pt(motto) == {13}, "motto 13 pt bold"
    check_line(_after(right, motto), widths[1] - 3.81, 50, 62, "the motto")  # it is 56 mm
    for paragraph in [*lines, title, motto]:
        check_centred(paragraph, repr(paragraph.text))

    number_cell, date_cell = row_cells(table, 1)
    number, *rest = cell_paragraphs(number_cell)
    assert number.text == letter.number and sizes_pt(number) == {13}, "number 13 pt"
    check_centred(number, "the number")
    if letter.form == "letter":
        (subject,) = rest
        assert subject.text == "V/v " + letter.summary, "a Công văn's summary under its number"
        assert sizes_pt(subject) == {12}
        check_centred(subject, "V/v")
    else:
        assert not rest, "only a Công văn has V/v under the number"
    (date,) = cell_paragraphs(date_cell)
    assert date.text == letter.place_date and all_runs(date, "italic"), "place and date italic"
    assert sizes_pt(date) <= {13, 14} and sizes_pt(date)
    check_centred(date, "the place and date")


def _after(cell: _Cell, paragraph: DocxParagraph) -> DocxParagraph:
    following = paragraph._p.getnext()
    assert following is not None, f"something under {paragraph.text!r}"
    return DocxParagraph(following, cell)


def check_title(main: SectionContent, letter: Letter) -> None:
    """A notice: type name and summary centred, bold, 14 pt, a short line under them. A Công
    văn: no type name; "Kính gửi:" and its addressees above the body."""
    header_table = main.tables()[0]
    start = main.items.index(header_table) + 1
    rest = main.items[start:]
    if letter.blocks:
        end = _find(rest, letter.blocks[0])
    else:  # up to the signature block
        end = next(i for i, item in enumerate(rest) if isinstance(item, DocxTable))
    between = [i for i in rest[:end] if isinstance(i, DocxParagraph)]
    texts = [p for p in between if p.text.strip()]
    if letter.form == "notice":
        want = [letter.type_name.upper(), letter.summary]
        assert [p.text for p in texts] == want, "the type name, then the summary"
        type_name, summary = texts
        for paragraph in (type_name, summary):
            assert all_runs(paragraph, "bold") and sizes_pt(paragraph) == {14}
            check_centred(paragraph, repr(paragraph.text))
        lines = [p for p in between if bottom_border(p) is not None]
        assert lines, "a short line under the summary"
        check_line(lines[0], TEXT_WIDTH_MM, 15, TEXT_WIDTH_MM / 2, "the summary")
    else:
        assert texts, "a Công văn names its addressees"
        assert texts[0].text.startswith("Kính gửi:")
        body = "\n".join(p.text for p in texts)
        for addressee in letter.addressees:
            assert addressee.rstrip(";.") in body, f"Kính gửi {addressee}"
        if len(texts) > 1:
            indents = {mm(paragraph_format(p, "left_indent")) for p in texts}
            assert len(indents) == 1, "the addressees' lines align under Kính gửi"
        for paragraph in texts:
            assert sizes_pt(paragraph) == {14}


def _find(items: Sequence[Any], block: Block) -> int:
    for index, item in enumerate(items):
        if isinstance(block, Paragraph) and isinstance(item, DocxParagraph):
            if item.text == block.text:
                return index
        elif isinstance(block, Table) and isinstance(item, DocxTable):
            return index
    raise AssertionError(f"{block!r} is in the document")


def check_blocks(content: SectionContent, blocks: Sequence[Block], text_width: float) -> None:
    position = 0
    for block in blocks:
        found = _find(content.items[position:], block)
        item = content.items[position + found]
        position += found + 1
        if isinstance(block, Table):
            check_ruled_table(item, block, text_width)
        else:
            check_paragraph(item, block)


def check_paragraph(paragraph: DocxParagraph, block: Paragraph) -> None:
    what = f"{block.style} {block.text[:30]!r}"
    want = [(c, r.bold, r.italic) for r in block.runs for c in r.text]
    styled = {"bold": block.style == "heading", "italic": block.style in ("basis", "note")}
    fonts = [
        (r.text, run_font(r, paragraph, "bold"), run_font(r, paragraph, "italic"))
        for r in text_runs(paragraph)
    ]
    got = [(c, bold, italic) for text, bold, italic in fonts for c in text]
    want = [(c, b or styled["bold"], i or styled["italic"]) for c, b, i in want]
    assert got == want, f"{what}: the letter's text, bold and italic kept"
    assert sizes_pt(paragraph) == ({12} if block.style == "note" else {14}), what
    after = paragraph_format(paragraph, "space_after")
    assert after is not None and after.pt >= 6, f"{what}: at least 6 pt after"
    align = paragraph_format(paragraph, "alignment")
    indent = mm(paragraph_format(paragraph, "first_line_indent"))
    if block.style in JUSTIFIED_STYLES:
        assert align == WD_ALIGN_PARAGRAPH.JUSTIFY, f"{what}: justified"
        assert abs(indent - 12.7) < 0.1, f"{what}: first-line indent 1.27 cm, not {indent} mm"
        _check_line_spacing(paragraph, what)
    elif block.style == "center":
        check_centred(paragraph, what)


def _check_line_spacing(paragraph: DocxParagraph, what: str) -> None:
    spacing = paragraph_format(paragraph, "line_spacing")
    rule = paragraph_format(paragraph, "line_spacing_rule")
    if isinstance(spacing, float):
        assert 1.0 <= spacing <= 1.5, f"{what}: line spacing {spacing}"
    else:
        assert rule in (WD_LINE_SPACING.EXACTLY, WD_LINE_SPACING.AT_LEAST), f"{what}: {rule}"
        assert 15 <= spacing.pt <= 21, f"{what}: line spacing {spacing.pt} pt"


def check_ruled_table(table: DocxTable, block: Table, text_width: float) -> None:
    borders = table_borders(table)
    edges = {"top", "left", "bottom", "right", "insideH", "insideV"}
    assert set(borders) >= edges and {borders[e] for e in edges} == {"single"}, "ruled table"
    values = [tuple(c.text for c in row_cells(table, i)) for i in range(len(table.rows))]
    assert values == list(block.rows), "the table's cells"
    widths = column_widths_mm(table)
    assert abs(sum(widths) - text_width) < 1, f"table {sum(widths):.1f} mm wide, not {text_width}"
    total = sum(block.widths)
    for got, want in zip(widths, block.widths, strict=True):
        assert abs(got / sum(widths) - want / total) < 0.005, "columns in the letter's proportions"
    for index, tr in enumerate(table._tbl.tr_lst):
        header = index < block.header_rows
        repeats = tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None
        assert repeats == header, f"row {index}: header rows repeat on each page"
        for cell in row_cells(table, index):
            for paragraph in cell_paragraphs(cell):
                assert sizes_pt(paragraph) == {13}, "table text 13 pt"
                if header:
                    assert all_runs(paragraph, "bold"), f"header {paragraph.text!r} bold"
                    check_centred(paragraph, f"header {paragraph.text!r}")


def check_signature(tables: Sequence[DocxTable], letter: Letter) -> None:
    """Signature boxes on the right (side by side when several), Nơi nhận on the left, in the
    borderless table after the body (when several sign, the Nơi nhận in one under it)."""
    assert tables, "a signature block after the body"
    table = tables[0]
    check_borderless(table, "the signature block")
    cells = row_cells(table, 0)
    widths = column_widths_mm(table)
    if len(letter.signers) > 1:
        assert len(cells) == len(letter.signers), "the signers side by side"
        assert max(widths) - min(widths) < 0.5, "in equal columns"
        boxes = cells
        assert not any(p.text == "Nơi nhận:" for c in cells for p in cell_paragraphs(c))
        if letter.recipients:
            assert len(tables) > 1, "the Nơi nhận under the signatures"
            check_recipients(row_cells(tables[1], 0)[0], letter.recipients)
        else:
            assert len(tables) == 1, "no recipients, no Nơi nhận"
    else:
        assert len(cells) == 2 and abs(widths[0] - widths[1]) < 0.5, "two halves"
        boxes = cells[1:]
        check_recipients(cells[0], letter.recipients)
    for cell, signer in zip(boxes, letter.signers, strict=True):
        lines = cell_paragraphs(cell)
        want = [t.upper() for t in (signer.authority, signer.title) if t] + [signer.name]
        assert [p.text for p in lines] == want, "authority, title, name"
        for paragraph in lines:
            assert all_runs(paragraph, "bold") and sizes_pt(paragraph) == {14}
            check_centred(paragraph, repr(paragraph.text))
        name = lines[-1]
        before = paragraph_format(name, "space_before")
        blank = 0
        previous = name._p.getprevious()
        while (
            previous is not None and previous.tag == qn("w:p") and not "".join(previous.itertext())
        ):
            blank += 1
            previous = previous.getprevious()
        room = (before.pt if before is not None else 0) + blank * 16
        assert room >= 48, f"room to sign above {signer.name} ({room:.0f} pt)"


def check_recipients(cell: _Cell, recipients: Sequence[str]) -> None:
    lines = cell_paragraphs(cell)
    if not recipients:
        assert not lines, "no recipients, no Nơi nhận"
        return
    title, *rest = lines
    assert title.text == "Nơi nhận:"
    bold_italic = all_runs(title, "bold") and all_runs(title, "italic")
    assert bold_italic and sizes_pt(title) == {12}, "Nơi nhận: in 12 pt bold italic"
    assert [p.text for p in rest] == [f"- {r}" for r in recipients], "one '- ...' line each"
    for paragraph in rest:
        assert sizes_pt(paragraph) == {11}, "recipients in 11 pt"
        assert paragraph_format(paragraph, "alignment") in (None, WD_ALIGN_PARAGRAPH.LEFT)


def check_appendix(content: SectionContent, page: Any, text_width: float) -> None:
    label, caption, title = content.paragraphs()[:3]
    assert label.text == page.label and all_runs(label, "bold") and sizes_pt(label) == {14}
    assert caption.text == page.caption and all_runs(caption, "italic")
    assert sizes_pt(caption) == {13}
    assert title.text == page.title.upper() and all_runs(title, "bold")
    assert sizes_pt(title) == {14}
    for paragraph in (label, caption, title):
        check_centred(paragraph, repr(paragraph.text))
    check_blocks(content, page.blocks, text_width)


def check_text(document: Any, letter: Letter) -> None:
    """The letter's words are all there, NFC, exactly as the letter has them."""
    text = "\n".join(p.text for p in every_paragraph(document))
    assert unicodedata.is_normalized("NFC", text), "NFC text"
    upper = {letter.parent_body, letter.body, letter.type_name}
    upper |= {s.authority for s in letter.signers} | {s.title for s in letter.signers}
    upper |= {a.title for a in letter.appendices}
    for piece in letter.all_text().split("\n"):
        if " | " in piece:  # a table row
            continue
        shown = piece.upper() if piece in upper else piece
        assert shown in text, f"{shown!r} is in the document"
