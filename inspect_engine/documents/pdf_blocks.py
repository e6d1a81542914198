"""The paragraph styles of Decree 30 and the flowables the body is made of: paragraphs from
runs, ruled tables, centred rules. Styles are built once per process."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Table, TableStyle
from reportlab.platypus import Paragraph as RLParagraph

from inspect_engine.documents import pdf_fonts as fonts
from inspect_engine.domain.documents.letter import Block, Figure, Paragraph, Run
from inspect_engine.domain.documents.letter import Table as LetterTable

BODY_SIZE = 14
TABLE_SIZE = 13
FIRST_LINE_INDENT = 1.27 * cm
SPACE_AFTER = 6
# Single spacing for Times New Roman is about 1.15 em; Decree 30 allows up to 1.5 lines.
LINE_SPACING = 1.2
_SPACES = re.compile(r" {2,}")
_NUMBER = re.compile(r"\d+([.,]\d+)*")
Align = Literal[0, 1, 2, 4]  # TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY


def style(
    name: str,
    *,
    font: str = fonts.REGULAR,
    size: float = BODY_SIZE,
    align: Align = TA_LEFT,
    indent: float = 0,
    after: float = 0,
) -> ParagraphStyle:
    """A paragraph style; cached so that a style built once serves every document."""
    return _style(name, font, size, align, indent, after)


@cache
def _style(
    name: str, font: str, size: float, align: Align, indent: float, after: float
) -> ParagraphStyle:
    fonts.register_fonts()
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=round(size * LINE_SPACING, 2),
        alignment=align,
        firstLineIndent=indent,
        spaceAfter=after,
        splitLongWords=1,
        allowWidows=0,
        allowOrphans=0,
    )


def _body_style(name: str, font: str) -> ParagraphStyle:
    return style(name, font=font, align=TA_JUSTIFY, indent=FIRST_LINE_INDENT, after=SPACE_AFTER)


@cache
def block_styles() -> dict[str, ParagraphStyle]:
    """The Letter's paragraph styles (letter.ParaStyle) as ReportLab styles."""
    heading = _body_style("heading", fonts.BOLD)
    heading.keepWithNext = 1  # a section head never ends a page
    return {
        "body": _body_style("body", fonts.REGULAR),
        "basis": _body_style("basis", fonts.ITALIC),
        "heading": heading,
        "item": _body_style("item", fonts.REGULAR),
        "center": style("center", align=TA_CENTER, after=SPACE_AFTER),
        "note": style("note", font=fonts.ITALIC, size=12, after=SPACE_AFTER),
    }


def markup(text: str) -> str:
    """`text` as ReportLab paragraph markup that prints it literally: `&`, `<` and `>` escaped,
    runs of spaces kept (a number left blank for the records office), line breaks kept."""
    out = escape(text.replace("\t", " "))
    out = _SPACES.sub(lambda m: " " + "\u00a0" * (len(m.group()) - 1), out)
    return out.replace("\r\n", "\n").replace("\n", "<br/>")


def runs_markup(runs: Iterable[Run]) -> str:
    parts = []
    for run in runs:
        text = markup(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        parts.append(text)
    return "".join(parts)


def para(text: str, st: ParagraphStyle) -> RLParagraph:
    """A paragraph of plain text (escaped) in style `st`."""
    return RLParagraph(markup(text), st)


def block_flowables(blocks: Sequence[Block], width: float) -> list[Flowable]:
    styles = block_styles()
    out: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(RLParagraph(runs_markup(block.runs), styles[block.style]))
        elif isinstance(block, Figure):
            out.append(figure_flowable(block, width))
        elif block.rows:
            out.append(table_flowable(block, width))
    return out


def figure_flowable(figure: Figure, width: float) -> Flowable:
    """The picture at its share of the text width, centred, its caption under it in italics;
    the two on one page."""
    data = base64.b64decode(figure.image)
    pixels_wide, pixels_high = ImageReader(io.BytesIO(data)).getSize()
    drawn = width * figure.width
    image = Image(io.BytesIO(data), width=drawn, height=drawn * pixels_high / pixels_wide)
    image.hAlign = "CENTER"
    parts: list[Flowable] = [image]
    if figure.caption:
        caption = style("figure-caption", font=fonts.ITALIC, size=12, align=TA_CENTER, after=6)
        parts.append(para(figure.caption, caption))
    return KeepTogether(parts)


def table_flowable(table: LetterTable, width: float) -> Table:
    """A ruled grid at 13 pt, column widths in the table's proportions, cells wrapping; the
    header rows bold, centred and repeated at the top of each page."""
    head = style("table-head", font=fonts.BOLD, size=TABLE_SIZE, align=TA_CENTER)
    cell = style("table-cell", size=TABLE_SIZE)
    number = style("table-number", size=TABLE_SIZE, align=TA_CENTER)
    columns = max((len(r) for r in table.rows), default=0)
    weights = list(table.widths[:columns]) + [1.0] * (columns - len(table.widths))
    total = sum(weights) or 1.0
    data = []
    for i, row in enumerate(table.rows):
        padded = [*row, *[""] * (columns - len(row))]
        cells = []
        for text in padded:
            if i < table.header_rows:
                st = head
            else:
                st = number if _NUMBER.fullmatch(text.strip()) else cell
            cells.append(para(text, st))
        data.append(cells)
    flowable = Table(
        data,
        colWidths=[width * w / total for w in weights],
        repeatRows=min(table.header_rows, len(table.rows)),
        splitInRow=1,
        hAlign="LEFT",
    )
    flowable.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # not the default Helvetica
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    flowable.spaceAfter = SPACE_AFTER
    return flowable


class CentredRule(Flowable):
    """A solid horizontal line of `length`, centred in the space it is given (the line under
    the issuing body, the motto and the summary)."""

    def __init__(self, length: float, *, gap: float = 3, thickness: float = 0.6) -> None:
        super().__init__()
        self.length = length
        self.gap = gap
        self.thickness = thickness
        self._avail = length

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._avail = avail_width
        return avail_width, self.gap + self.thickness

    def draw(self) -> None:
        length = min(self.length, self._avail)
        x = (self._avail - length) / 2
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x, self.thickness / 2, x + length, self.thickness / 2)
