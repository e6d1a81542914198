"""The DOCX of a `Letter`, laid out as Decree 30/2020/NĐ-CP asks (docs/domain.md §3).

The header block, the signature block and the Nơi nhận are borderless tables, as Word users lay
them out by hand; the short lines under the issuing body, the motto and the summary are the
bottom borders of small empty paragraphs, as long as Decree 30 asks (the motto's as long as the
motto, the others a half and a third of the words above). Each appendix is a section of its
own, so its pages number from 1 with no number on its first page, like the letter's.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.shared import Mm

from inspect_engine.documents import docx_xml
from inspect_engine.documents.docx_base import (
    BLOCK_STYLE,
    BODY_PT,
    BODY_STYLES,
    LINE_STYLE,
    RECIPIENTS_STYLE,
    TABLE_STYLE,
    open_base,
    set_page,
)
from inspect_engine.documents.letter_parts import (
    HEADER_LEFT_MM,
    MOTTO,
    NATIONAL_TITLE,
    RECIPIENTS_TITLE,
    SIGN_SPACE_PT,
    SUBJECT_PREFIX,
    addressee_lines,
    is_landscape,
    recipient_lines,
    text_width_mm,
)
from inspect_engine.documents.text_metrics import width_mm
from inspect_engine.domain.documents.letter import (
    AppendixPage,
    Block,
    Figure,
    Letter,
    Signer,
    Table,
)

CELL_PADDING_MM = 1.905  # Word's default left and right cell margin (0.075 in)


def render_docx(letter: Letter) -> bytes:
    """The letter as a .docx file: A4, Times New Roman, Decree 30's header and signature blocks,
    each appendix on pages of its own."""
    document = open_base()
    document.core_properties.title = " ".join(p for p in (letter.type_name, letter.summary) if p)
    body = document.element.body
    _header_block(body, letter)
    if letter.form == "notice":
        _type_and_summary(body, letter)
    else:
        _addressees(body, letter.addressees)
    _blocks(body, letter.blocks, text_width_mm(), document.part)
    _signature(body, letter.signers, letter.recipients)
    for page in letter.appendices:
        _appendix(document, page)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_times(buffer.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The same bytes for the same letter: python-docx stamps every zip entry with the time of
    saving; a stored document must render identically whenever it is rendered."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


# --- paragraphs ---------------------------------------------------------------------------


def _paragraph(
    parent: Any,
    style: str,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 0,
    before: float | None = None,
    after: float | None = None,
    **layout: Any,
) -> Any:
    """A paragraph at the end of `parent` (the body or a table cell) in `style`, with one run
    of `text` when given; `layout` as docx_xml.paragraph takes it."""
    element = docx_xml.new_paragraph(parent)
    style_id = style.replace(" ", "")
    docx_xml.paragraph(element, style_id, before_pt=before, after_pt=after, **layout)
    if text:
        docx_xml.run(element, text, bold=bold, italic=italic, size_pt=size)
    return element


def _line(parent: Any, length_mm: float, room_mm: float) -> None:
    """A solid line `length_mm` long, centred in `room_mm`: an empty paragraph's bottom
    border, with indents on both sides."""
    side = max(0.0, (room_mm - length_mm) / 2)
    _paragraph(parent, LINE_STYLE, left_mm=side, right_mm=side, bottom_border=True)


def _spacer(body: Any, after: float) -> None:
    _paragraph(body, LINE_STYLE, after=after)


# --- tables -------------------------------------------------------------------------------


def _table(body: Any, rows: int, widths_mm: Sequence[float], *, ruled: bool) -> list[Any]:
    return docx_xml.table(docx_xml.block_in(body, "tbl"), widths_mm, rows, ruled=ruled)


def _ruled_table(body: Any, block: Table, text_width: float) -> None:
    total = sum(block.widths) or 1.0
    rows = _table(body, len(block.rows), [text_width * w / total for w in block.widths], ruled=True)
    for index, (tr, values) in enumerate(zip(rows, block.rows, strict=True)):
        header = index < block.header_rows
        if header:
            docx_xml.row_properties(tr, header=True)  # repeats at the top of each page
        for tc, value in zip(docx_xml.cells(tr), values, strict=True):
            # A heading, or a row or count number, is centred.
            centred = header or value.strip().isdigit()
            _paragraph(tc, TABLE_STYLE, value, bold=header, align="center" if centred else None)
            if header:
                docx_xml.centre_vertically(tc)
    docx_xml.close_cells(rows)
    # Keeps a following table from merging into this one, and the next line off the rules.
    _spacer(body, 6)


# --- the letter's parts -------------------------------------------------------------------


def _header_block(body: Any, letter: Letter) -> None:
    right_mm = text_width_mm() - HEADER_LEFT_MM
    rows = _table(body, 2, [HEADER_LEFT_MM, right_mm], ruled=False)
    left, right = docx_xml.cells(rows[0])
    left_room, right_room = HEADER_LEFT_MM - 2 * CELL_PADDING_MM, right_mm - 2 * CELL_PADDING_MM
    _paragraph(left, BLOCK_STYLE, letter.parent_body.upper(), size=13)
    issuer = letter.body.upper()
    _paragraph(left, BLOCK_STYLE, issuer, bold=True, size=13)
    issuer_width = min(width_mm(issuer, 13, bold=True), left_room)
    _line(left, max(issuer_width / 2, min(12.0, issuer_width)), left_room)
    _paragraph(right, BLOCK_STYLE, NATIONAL_TITLE, bold=True, size=12)
    _paragraph(right, BLOCK_STYLE, MOTTO, bold=True, size=13)
    _line(right, width_mm(MOTTO, 13, bold=True), right_room)

    number_cell, date_cell = docx_xml.cells(rows[1])
    _paragraph(number_cell, BLOCK_STYLE, letter.number, size=13, before=6)
    if letter.form == "letter" and letter.summary:
        _paragraph(number_cell, BLOCK_STYLE, SUBJECT_PREFIX + letter.summary, size=12, before=2)
    _paragraph(date_cell, BLOCK_STYLE, letter.place_date, italic=True, size=14, before=6)


def _type_and_summary(body: Any, letter: Letter) -> None:
    if letter.type_name:
        _paragraph(body, BLOCK_STYLE, letter.type_name.upper(), bold=True, size=14, before=18)
    if letter.summary:
        before = None if letter.type_name else 18
        _paragraph(body, BLOCK_STYLE, letter.summary, bold=True, size=14, before=before)
        room = text_width_mm()
        _line(body, min(width_mm(letter.summary, 14, bold=True), room) / 3, room)
    _spacer(body, 10)


def _addressees(body: Any, addressees: Sequence[str]) -> None:
    """One addressee on the "Kính gửi:" line, centred; several one a line, their dashes under
    "Kính gửi", the block centred on the page."""
    lines = addressee_lines(addressees)
    if not lines:
        return
    widest = max(width_mm(t, BODY_PT) for t in lines)
    indent = max(0.0, (text_width_mm() - widest) / 2)
    several = len(lines) > 1
    for index, text in enumerate(lines):
        _paragraph(
            body,
            BLOCK_STYLE,
            text,
            before=18 if index == 0 else None,
            align="left" if several else None,
            left_mm=indent if several else None,
        )
    _spacer(body, 10)


def _figure(body: Any, figure: Figure, text_width: float, part: Any) -> None:
    """The picture inline in a centred paragraph kept with its caption (python-docx stores the
    image part, named by its order in the document, so the bytes do not vary)."""
    inline = part.new_pic_inline(
        io.BytesIO(base64.b64decode(figure.image)), Mm(text_width * figure.width), None
    )
    element = _paragraph(body, BODY_STYLES["center"], align="center")
    run = docx_xml.run_element(element)
    drawing = run.makeelement(qn("w:drawing"), {})
    drawing.append(inline)
    run.append(drawing)
    if figure.caption:
        docx_xml.keep_with_next(element)
        _paragraph(body, BODY_STYLES["note"], figure.caption, align="center")


def _blocks(body: Any, blocks: Sequence[Block], text_width: float, part: Any) -> None:
    for block in blocks:
        if isinstance(block, Figure):
            _figure(body, block, text_width, part)
            continue
        if isinstance(block, Table):
            _ruled_table(body, block, text_width)
            continue
        element = _paragraph(body, BODY_STYLES[block.style])
        for run in block.runs:
            docx_xml.run(element, run.text, bold=run.bold, italic=run.italic)


def _signature(body: Any, signers: Sequence[Signer], recipients: Sequence[str]) -> None:
    half = text_width_mm() / 2
    if len(signers) <= 1:
        rows = _table(body, 1, [half, half], ruled=False)
        left, right = docx_xml.cells(rows[0])
        _recipients(left, recipients)
        for signer in signers:
            _signer(right, signer)
    else:
        rows = _table(body, 1, [text_width_mm() / len(signers)] * len(signers), ruled=False)
        for tc, signer in zip(docx_xml.cells(rows[0]), signers, strict=True):
            _signer(tc, signer)
    docx_xml.row_properties(rows[0], cant_split=True)
    docx_xml.close_cells(rows)
    if len(signers) > 1 and recipients:
        below = _table(body, 1, [half, half], ruled=False)
        _recipients(docx_xml.cells(below[0])[0], recipients)
        docx_xml.close_cells(below)


def _signer(tc: Any, signer: Signer) -> None:
    lines = [line.upper() for line in (signer.authority, signer.title) if line]
    for index, line in enumerate(lines):
        _paragraph(tc, BLOCK_STYLE, line, bold=True, size=14, before=6 if index == 0 else None)
    _paragraph(tc, BLOCK_STYLE, signer.name, bold=True, size=14, before=SIGN_SPACE_PT)


def _recipients(tc: Any, recipients: Sequence[str]) -> None:
    if not recipients:
        return
    _paragraph(tc, RECIPIENTS_STYLE, RECIPIENTS_TITLE, bold=True, italic=True, size=12, before=6)
    for line in recipient_lines(recipients):
        _paragraph(tc, RECIPIENTS_STYLE, line)


def _appendix(document: Any, page: AppendixPage) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    # The paragraph that now closes the previous section: as small as can be, so that it never
    # spills onto a page of its own after a full last page.
    document.sections[-2]._sectPr.getparent().getparent().style = LINE_STYLE.replace(" ", "")
    landscape = is_landscape(page)
    set_page(section, landscape=landscape)
    body = document.element.body
    _paragraph(body, BLOCK_STYLE, page.label, bold=True, size=14)
    _paragraph(body, BLOCK_STYLE, page.caption, italic=True, size=13)
    _paragraph(body, BLOCK_STYLE, page.title.upper(), bold=True, size=14, before=12)
    _spacer(body, 10)
    _blocks(body, page.blocks, text_width_mm(landscape), document.part)
