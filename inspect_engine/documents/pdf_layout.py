"""A `Letter` as a PDF in the Decree 30/2020/NĐ-CP format.

A4 portrait, margins 20 mm top and bottom, 30 mm left, 15 mm right; Liberation Serif (Times New
Roman's metrics) embedded; page numbers centred in the top margin from the second page on; each
appendix on its own pages, numbered on its own. Appendices stay portrait: a wide table wraps
its cells within the 165 mm of text width rather than turning the page.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
)
from reportlab.platypus import Paragraph as RLParagraph

from inspect_engine.documents import pdf_fonts as fonts
from inspect_engine.documents.pdf_blocks import BODY_SIZE, block_flowables, para, style
from inspect_engine.documents.pdf_geometry import Box, PdfGeometry
from inspect_engine.documents.pdf_parts import closing, header, title
from inspect_engine.domain.documents.letter import AppendixPage, Letter

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PAGE_NUMBER_SIZE = 14
# The page number's baseline: its glyphs sit in the middle of the top margin.
_PAGE_NUMBER_BASELINE = PAGE_HEIGHT - MARGIN_TOP / 2 - PAGE_NUMBER_SIZE * 0.35


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes."""
    return render_pdf_laid_out(letter)[0]


def render_pdf_laid_out(letter: Letter) -> tuple[bytes, PdfGeometry]:
    """The letter as PDF bytes, and where on its pages the signers' spaces and the appendices
    ended up (what signing it needs)."""
    fonts.register_fonts()
    out = io.BytesIO()
    document = _LetterDocument(out, letter)
    spaces: list[Box] = []
    document.build(_story(letter, spaces))
    geometry = PdfGeometry(
        page_width=PAGE_WIDTH,
        page_height=PAGE_HEIGHT,
        margin_top=MARGIN_TOP,
        margin_right=MARGIN_RIGHT,
        signature_spaces=tuple(spaces),
        appendix_pages=tuple(document.section_pages[1:]),
        pages=document.page,
    )
    return out.getvalue(), geometry


def document_title(letter: Letter) -> str:
    """The PDF's title: the type name and the summary ("V/v ..." for a Công văn)."""
    if letter.form == "letter" or not letter.type_name:
        return f"V/v {letter.summary}" if letter.summary else letter.number
    return f"{letter.type_name} {letter.summary}".strip()


class _SectionStart(Flowable):
    """Marks the first page of a section (the letter, or one appendix): page numbers count
    from it, and that page carries none."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


class _LetterDocument(BaseDocTemplate):
    def __init__(self, out: io.BytesIO, letter: Letter) -> None:
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=document_title(letter),
            subject=letter.summary,
            author=letter.body,
            creator="inspect-engine",
            lang="vi",
            # Without it the canvas starts every page in Helvetica, which lands in the file.
            initialFontName=fonts.REGULAR,
            initialFontSize=BODY_SIZE,
            # No creation time or random file id: a stored document renders to the same bytes
            # every time, so the hash of an issued PDF can be checked later.
            invariant=1,
        )
        frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            TEXT_WIDTH,
            PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="text",
        )
        # Numbers are drawn when a page ends: by then the page knows which section it is in.
        self.addPageTemplates(PageTemplate("page", [frame], onPageEnd=self._number_page))
        self.section_first_page = 1
        self.section_pages: list[int] = []  # each section's first page, from 0

    def afterFlowable(self, flowable: Any) -> None:
        if isinstance(flowable, _SectionStart):
            self.section_first_page = self.page
            self.section_pages.append(self.page - 1)

    def _number_page(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        number = self.page - self.section_first_page + 1
        if number < 2:
            return
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, PAGE_NUMBER_SIZE)
        canvas.drawCentredString(MARGIN_LEFT + TEXT_WIDTH / 2, _PAGE_NUMBER_BASELINE, str(number))
        canvas.restoreState()


def _story(letter: Letter, spaces: list[Box]) -> list[Flowable]:
    story: list[Flowable] = [_SectionStart()]
    story += header(letter, TEXT_WIDTH)
    story += title(letter, TEXT_WIDTH)
    body = block_flowables(letter.blocks, TEXT_WIDTH)
    # The signature never starts a page alone: the last paragraph moves with it.
    last = [body.pop()] if body and isinstance(body[-1], RLParagraph) else []
    story += [*body, KeepTogether([*last, *closing(letter, TEXT_WIDTH, spaces)])]
    for appendix in letter.appendices:
        story += [PageBreak(), _SectionStart(), *_appendix(appendix)]
    return story


def _appendix(appendix: AppendixPage) -> list[Flowable]:
    label = style("appendix-label", font=fonts.BOLD, align=TA_CENTER)
    caption = style("appendix-caption", font=fonts.ITALIC, align=TA_CENTER, after=6)
    heading = style("appendix-title", font=fonts.BOLD, align=TA_CENTER, after=12)
    out: list[Flowable] = []
    if appendix.label:
        out.append(para(appendix.label, label))
    if appendix.caption:
        out.append(para(appendix.caption, caption))
    if appendix.title:
        out.append(para(appendix.title.upper(), heading))
    return out + block_flowables(appendix.blocks, TEXT_WIDTH)
