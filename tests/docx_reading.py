"""Reading a DOCX back as Word resolves it: a run's formatting from the run, then its
paragraph's style and the styles that one is based on, then the document defaults; the body
cut into sections, paragraphs and table cells as a reader sees them. Used by docx_checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

EMU_PER_MM = 36000
EMU_PER_PT = 12700


# --- formatting as Word resolves it -----------------------------------------------------


def _styles_of(paragraph: DocxParagraph) -> Iterator[Any]:
    style = paragraph.style
    while style is not None:
        yield style
        style = style.base_style


def defaults_rpr(document: Any) -> Any:
    return document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))


def paragraph_format(paragraph: DocxParagraph, name: str) -> Any:
    """A paragraph property (alignment, first_line_indent, space_after...), direct or styled."""
    value = getattr(paragraph.paragraph_format, name)
    for style in _styles_of(paragraph):
        if value is not None:
            break
        value = getattr(style.paragraph_format, name)
    return value


def run_font(run: Any, paragraph: DocxParagraph, name: str) -> Any:
    """A font property (bold, italic, size, name) of a run, direct or styled."""
    value = getattr(run.font, name)
    for style in _styles_of(paragraph):
        if value is not None:
            break
        value = getattr(style.font, name)
    if value is None and name == "size":
        size = defaults_rpr(paragraph.part.document).find(f"{qn('w:rPr')}/{qn('w:sz')}")
        value = int(size.get(qn("w:val"))) * EMU_PER_PT // 2 if size is not None else None
    if value is None and name == "name":
        fonts = defaults_rpr(paragraph.part.document).find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        value = fonts.get(qn("w:ascii")) if fonts is not None else None
    if value is None and name in ("bold", "italic"):
        value = False
    return value


def text_runs(paragraph: DocxParagraph) -> list[Any]:
    return [r for r in paragraph.runs if r.text]


def sizes_pt(paragraph: DocxParagraph) -> set[float]:
    return {run_font(r, paragraph, "size").pt for r in text_runs(paragraph)}


def all_runs(paragraph: DocxParagraph, name: str) -> bool:
    """True when every run with text is bold (name="bold") or italic."""
    runs = text_runs(paragraph)
    return bool(runs) and all(run_font(r, paragraph, name) for r in runs)


def no_run(paragraph: DocxParagraph, name: str) -> bool:
    return not any(run_font(r, paragraph, name) for r in text_runs(paragraph))


def bottom_border(paragraph: DocxParagraph) -> Any:
    ppr = paragraph._p.pPr
    borders = ppr.find(qn("w:pBdr")) if ppr is not None else None
    return borders.find(qn("w:bottom")) if borders is not None else None


def mm(length: Any) -> float:
    return float(length or 0) / EMU_PER_MM


# --- the document cut into what a reader sees -------------------------------------------


@dataclass
class SectionContent:
    """The paragraphs and tables of one section, in order."""

    items: list[DocxParagraph | DocxTable] = field(default_factory=list)

    def paragraphs(self) -> list[DocxParagraph]:
        return [i for i in self.items if isinstance(i, DocxParagraph) and i.text.strip()]

    def tables(self) -> list[DocxTable]:
        return [i for i in self.items if isinstance(i, DocxTable)]


def sections_content(document: Any) -> list[SectionContent]:
    out = [SectionContent()]
    for item in document.iter_inner_content():
        out[-1].items.append(item)
        ppr = item._p.pPr if isinstance(item, DocxParagraph) else None
        if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
            out.append(SectionContent())
    return out


def cell_paragraphs(cell: _Cell) -> list[DocxParagraph]:
    return [p for p in cell.paragraphs if p.text.strip()]


def row_cells(table: DocxTable, row: int) -> list[_Cell]:
    return [_Cell(tc, table) for tc in table._tbl.tr_lst[row].tc_lst]


def column_widths_mm(table: DocxTable) -> list[float]:
    return [int(g.get(qn("w:w"))) / 56.6929 for g in table._tbl.tblGrid.gridCol_lst]


def table_borders(table: DocxTable) -> dict[str, str]:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    if borders is None:
        return {}
    return {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders}


def every_paragraph(document: Any) -> Iterator[DocxParagraph]:
    def walk(container: Any) -> Iterator[DocxParagraph]:
        for item in container.iter_inner_content():
            if isinstance(item, DocxParagraph):
                yield item
            else:
                for row in item.rows:
                    for cell in row.cells:
                        yield from walk(cell)

    yield from walk(document)
