"""Decree 30 checks of a letter's body (paragraph styles, tables) and of its closing (signature
boxes, Nơi nhận), on a PDF read back (tests/pdf_reading.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from statistics import median
from typing import Any

from inspect_engine.domain.documents.letter import Block, Letter, Paragraph, Table
from tests.pdf_reading import (
    MM,
    TEXT_CENTRE,
    TEXT_LEFT,
    TEXT_RIGHT,
    TOLERANCE,
    Found,
    Glyph,
    PdfDocument,
    assert_centred,
    assert_style,
    centre,
    extent,
    line_pitch,
    normal,
)

FIRST_LINE_INDENT = 12.7 * MM
BODY_SIZE, TABLE_SIZE, NOTE_SIZE = 14, 13, 12
_INDENTED = ("body", "basis", "heading", "item")
_SPACE = re.compile(r"\s+")


def check_blocks(doc: PdfDocument, blocks: Sequence[Block], cursor: int, *, pages: range) -> int:
    """The blocks in order, each in its style; returns the glyph index after the last one."""
    placed: list[tuple[Paragraph, Found]] = []
    for block in blocks:
        if isinstance(block, Table):
            cursor = check_table(doc, block, cursor, pages=pages)
            placed = []
            continue
        found = doc.require(block.text, cursor, what=f"a {block.style} paragraph")
        assert found.page in pages, f"{block.text[:40]!r} is on page {found.page + 1}"
        check_paragraph(block, found)
        placed.append((block, found))
        _check_space_after(placed)
        cursor = found.end
    return cursor


def check_paragraph(paragraph: Paragraph, found: Found) -> None:
    """Size, faces run by run, and alignment of one paragraph."""
    st = paragraph.style
    size = NOTE_SIZE if st == "note" else BODY_SIZE
    at = 0
    for run in paragraph.runs:
        length = len(_SPACE.sub("", run.text))
        run_glyphs = found.slice(at, at + length)
        at += length
        bold = run.bold or st == "heading"
        italic = run.italic or st in ("basis", "note")
        for g in run_glyphs:
            what = f"{st} paragraph {paragraph.text[:30]!r}: {g.text!r} in {g.font} {g.size} pt"
            assert abs(g.size - size) < 0.1, f"{what}, not {size} pt"
            assert g.bold == bold and g.italic == italic, f"{what} (bold {bold}, italic {italic})"
    lines = found.lines()
    what = f"{st} paragraph {paragraph.text[:40]!r}"
    if st == "center":
        assert_centred(found, TEXT_CENTRE, what)
        return
    if st == "note":
        assert abs(extent(lines[0])[0] - TEXT_LEFT) <= TOLERANCE, f"{what} is not flush left"
        return
    first_x = extent(lines[0])[0]
    assert abs(first_x - (TEXT_LEFT + FIRST_LINE_INDENT)) <= TOLERANCE, (
        f"{what}: first line starts at {first_x:.1f}, not indented 1.27 cm"
    )
    for line in lines[1:]:
        assert abs(extent(line)[0] - TEXT_LEFT) <= TOLERANCE, f"{what}: a line is not flush left"
    for line in lines[:-1]:
        assert abs(extent(line)[1] - TEXT_RIGHT) <= 1.5, f"{what}: a line is not justified"


def _check_space_after(placed: list[tuple[Paragraph, Found]]) -> None:
    """At least 6 pt between two paragraphs of body size on one page, beyond the line pitch."""
    if len(placed) < 2:
        return
    (first, before), (second, after) = placed[-2], placed[-1]
    if "note" in (first.style, second.style):
        return
    last, next_first = before.lines()[-1], after.lines()[0]
    if last[0].page != next_first[0].page:
        return
    pitches = [p for p in (line_pitch(f) for _, f in placed) if p is not None]
    pitch = median(pitches) if pitches else BODY_SIZE * 1.15
    gap = next_first[0].top - last[0].top - pitch
    assert gap >= 6 - 0.5, f"only {gap:.1f} pt after {first.text[:40]!r}"


def _cells_text(rows: list[list[str | None]]) -> list[tuple[str, ...]]:
    return [tuple(normal(c or "") for c in row) for row in rows]


def check_table(doc: PdfDocument, table: Table, cursor: int, *, pages: range) -> int:
    """A ruled grid holding the table's rows, its header rows bold, centred and repeated on
    each page it runs onto, its columns in the table's proportions, its text 13 pt."""
    expected = [tuple(normal(c) for c in row) for row in table.rows]
    header = expected[: table.header_rows]
    after = doc.glyphs[cursor - 1] if cursor else None
    parts = []
    for page in pages:
        for found in sorted(doc.tables(page), key=lambda t: t.bbox[1]):
            if after and (page, found.bbox[3]) <= (after.page, after.bottom):
                continue
            parts.append((page, found, _cells_text(found.extract())))
    remaining: list[tuple[str, ...]] = []
    used: list[tuple[int, Any]] = []
    for page, found, rows in parts:
        if not used:
            if rows != expected[: len(rows)]:
                continue
            remaining = expected[len(rows) :]
        else:
            assert rows[: len(header)] == header, (
                f"page {page + 1}: the table's header not repeated"
            )
            body = rows[len(header) :]
            assert body == remaining[: len(body)], f"page {page + 1}: the table's rows differ"
            remaining = remaining[len(body) :]
        used.append((page, found))
        if not remaining:
            break
    assert used and not remaining, f"table not found as a ruled grid: {expected[0]}"
    for page, found in used:
        _check_table_part(doc, table, page, found)
    last_page, last = used[-1]
    return next(
        (
            i
            for i, g in enumerate(doc.glyphs)
            if i >= cursor and (g.page, g.top) >= (last_page, last.bbox[3] - TOLERANCE)
        ),
        len(doc.glyphs),
    )


def _check_table_part(doc: PdfDocument, table: Table, page: int, found: Any) -> None:
    columns = len(table.widths)
    first_row = found.rows[0].cells
    assert len(first_row) == columns, f"page {page + 1}: {len(first_row)} columns, not {columns}"
    widths = [cell[2] - cell[0] for cell in first_row]
    total = sum(widths)
    assert abs(total - (TEXT_RIGHT - TEXT_LEFT)) <= 1.5, "the table is not the text's width"
    for width, weight in zip(widths, table.widths, strict=True):
        share = total * weight / sum(table.widths)
        assert abs(width - share) <= 1.5, f"a column is {width:.1f} pt, not {share:.1f}"
    for index, row in enumerate(found.rows):
        is_header = index < table.header_rows
        for cell in row.cells:
            inside = _glyphs_in(doc, page, cell)
            for g in inside:
                assert abs(g.size - TABLE_SIZE) < 0.1, f"table text {g.text!r} is {g.size} pt"
                if is_header:
                    assert g.bold, f"header cell text {g.text!r} is not bold"
            if is_header and inside:
                middle = (cell[0] + cell[2]) / 2
                for line in Found(tuple(inside), 0, len(inside)).lines():
                    assert abs(centre(line) - middle) <= 1.5, "a header cell is not centred"


def _glyphs_in(doc: PdfDocument, page: int, box: tuple[float, float, float, float]) -> list[Glyph]:
    x0, top, x1, bottom = box
    return [
        g
        for g in doc.glyphs
        if g.page == page
        and x0 <= (g.x0 + g.x1) / 2 <= x1
        and top <= (g.top + g.bottom) / 2 <= bottom
    ]


def check_closing(doc: PdfDocument, letter: Letter, cursor: int) -> int:
    """The signature boxes (right half, or side by side) and the Nơi nhận (left half, beside
    them), all on one page; returns the glyph index after the closing."""
    boxes: list[list[Found]] = []
    start = end = cursor
    for signer in letter.signers:
        box = []
        at = cursor
        for text in (signer.authority.upper(), signer.title.upper()):
            if text:
                found = doc.require(text, at, what="signer's title")
                assert_style(found, size=BODY_SIZE, bold=True, italic=False, what=text)
                box.append(found)
                at = found.end
        name = doc.require(signer.name, at, what="signer's name")
        assert_style(name, size=BODY_SIZE, bold=True, italic=False, what=signer.name)
        space = name.top - box[-1].bottom
        assert 3 * BODY_SIZE <= space <= 8 * BODY_SIZE, f"{space:.0f} pt to sign in, not ~4 lines"
        box.append(name)
        x = centre(box[0].lines()[0])
        for part in box:
            assert_centred(part, x, f"{signer.title}'s box")
        boxes.append(box)
        end = max(end, name.end)
        cursor = name.end
    tops = [box[0].top for box in boxes]
    if len(boxes) == 1:
        x0 = min(extent(line)[0] for part in boxes[0] for line in part.lines())
        assert x0 >= TEXT_CENTRE - TOLERANCE, "the signature box is not in the right half"
    elif boxes:
        assert max(tops) - min(tops) <= TOLERANCE, "the signature boxes are not side by side"
        rights = [max(extent(ln)[1] for p in b for ln in p.lines()) for b in boxes]
        lefts = [min(extent(ln)[0] for p in b for ln in p.lines()) for b in boxes]
        for right, left in zip(rights, lefts[1:], strict=False):
            assert right < left, "the signature boxes overlap"
    closing = [g for box in boxes for part in box for g in part.glyphs]
    if letter.recipients:
        head = doc.require("Nơi nhận:", start)
        assert_style(head, size=12, bold=True, italic=True, what="Nơi nhận:")
        at = head.end
        lines = [head]
        for recipient in letter.recipients:
            line = doc.require(f"- {recipient.removeprefix('- ')}", at, what="recipient")
            assert_style(line, size=11, bold=False, italic=False, what=recipient)
            lines.append(line)
            at = line.end
        for line in lines:
            assert abs(extent(line.lines()[0])[0] - TEXT_LEFT) <= TOLERANCE, "Nơi nhận not left"
            assert all(extent(ln)[1] <= TEXT_CENTRE for ln in line.lines()), "Nơi nhận too wide"
        if tops:
            assert abs(head.top - min(tops)) <= 3, "Nơi nhận is not beside the signature"
        closing += [g for line in lines for g in line.glyphs]
        end = max(end, at)
    pages = {g.page for g in closing}
    assert len(pages) <= 1, f"the closing is split over pages {sorted(p + 1 for p in pages)}"
    if pages and letter.blocks:
        (page,) = pages
        assert doc.glyphs[start - 1].page == page, f"the closing is alone on page {page + 1}"
    return end
