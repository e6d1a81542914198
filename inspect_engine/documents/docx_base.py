"""The blank Decree 30 document every DOCX starts from: A4 page and margins, Times New Roman in
every style, the named paragraph styles of a letter, and the page number in the header (not on
the first page). Built once per process and kept as bytes; each letter opens a copy."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph

from inspect_engine.documents.letter_parts import FIRST_LINE_INDENT_CM, MARGINS_MM, PAGE_MM

FONT = "Times New Roman"
HEADER_DISTANCE_MM = 10.0  # the page number sits in the top margin
FIRST_LINE_INDENT = Cm(FIRST_LINE_INDENT_CM)
BODY_PT = 14
TABLE_PT = 13

# Style names of the letter's parts; their ids are the names without spaces.
BODY_STYLES = {
    "body": "Letter Body",
    "basis": "Letter Basis",
    "heading": "Letter Heading",
    "item": "Letter Item",
    "center": "Letter Center",
    "note": "Letter Note",
}
BLOCK_STYLE = "Letter Block"  # centred, no indent, no spacing: header, title, signature
TABLE_STYLE = "Letter Table Text"
LINE_STYLE = "Letter Line"  # an empty paragraph drawing a short solid line (its bottom border)
RECIPIENTS_STYLE = "Letter Recipients"
# The default template's styles that python-docx or the header part refer to; the rest (and
# the 430 KB copy of them for Word 2010) only slow every open and save down.
_KEPT_STYLES = {
    "Normal",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "TableGrid",
    "Header",
    "HeaderChar",
    "Footer",
    "FooterChar",
}


# What may follow w:pgNumType in a w:sectPr (ECMA-376 order; Word refuses a file out of order).
_AFTER_PG_NUM_TYPE = (
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
    "w:printerSettings",
    "w:sectPrChange",
)


def set_fonts(rpr: Any) -> None:
    """Times New Roman for all four scripts, replacing any theme font (a theme attribute would
    win over the named font in Word), and black."""
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):
            del fonts.attrib[attr]
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{script}"), FONT)
    rpr.get_or_add_color().set(qn("w:val"), "000000")


def _paragraph_style(
    document: Any,
    name: str,
    *,
    base: str = "Normal",
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    after_pt: float = 0,
    size_pt: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    spacing: float = 1.0,
) -> ParagraphStyle:
    style: ParagraphStyle = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles[base]
    style.quick_style = True
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = FIRST_LINE_INDENT if indent else Cm(0)
    fmt.left_indent = fmt.right_indent = Cm(0)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after_pt)
    fmt.line_spacing = spacing
    style.font.size = Pt(size_pt)
    style.font.bold = bold
    style.font.italic = italic
    set_fonts(style.element.get_or_add_rPr())
    return style


def _trim_styles(document: Any) -> None:
    root = document.styles.element
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    for style in root.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in _KEPT_STYLES:
            root.remove(style)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(rel_id)


def _defaults(document: Any) -> None:
    root = document.styles.element
    rpr = root.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(BODY_PT * 2))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    ppr = root.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    for style in root.findall(qn("w:style")):
        style_rpr = style.find(qn("w:rPr"))
        if style_rpr is not None:
            set_fonts(style_rpr)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element.get_or_add_rPr())


def _styles(document: Any) -> None:
    body = BODY_STYLES["body"]
    prose: dict[str, Any] = {"indent": True, "after_pt": 6, "spacing": 1.15}
    _paragraph_style(document, body, **prose)
    _paragraph_style(document, BODY_STYLES["basis"], base=body, italic=True, **prose)
    heading = _paragraph_style(document, BODY_STYLES["heading"], base=body, bold=True, **prose)
    heading.paragraph_format.keep_with_next = True
    _paragraph_style(document, BODY_STYLES["item"], base=body, **prose)
    centred: dict[str, Any] = {"align": WD_ALIGN_PARAGRAPH.CENTER, "after_pt": 6, "spacing": 1.15}
    _paragraph_style(document, BODY_STYLES["center"], **centred)
    left = WD_ALIGN_PARAGRAPH.LEFT
    _paragraph_style(document, BODY_STYLES["note"], align=left, after_pt=6, size_pt=12, italic=True)
    _paragraph_style(document, BLOCK_STYLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    cell = _paragraph_style(document, TABLE_STYLE, align=left, size_pt=TABLE_PT)
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(2)
    _paragraph_style(document, RECIPIENTS_STYLE, align=left, size_pt=11)
    line = _paragraph_style(document, LINE_STYLE, align=WD_ALIGN_PARAGRAPH.CENTER, size_pt=2)
    line.paragraph_format.space_before = Pt(2)  # the line clear of the letters above
    line.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    line.paragraph_format.line_spacing = Pt(2)


def set_page(section: Section, *, landscape: bool = False) -> None:
    """A4, Decree 30's margins, numbering from 1, none on the first page."""
    short, long = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(HEADER_DISTANCE_MM)
    section.gutter = Mm(0)
    section.different_first_page_header_footer = True
    sect_pr = section._sectPr
    numbering = sect_pr.find(qn("w:pgNumType"))
    if numbering is None:
        numbering = OxmlElement("w:pgNumType")
        sect_pr.insert_element_before(numbering, *_AFTER_PG_NUM_TYPE)
    numbering.set(qn("w:fmt"), "decimal")
    numbering.set(qn("w:start"), "1")


def add_page_field(paragraph: DocxParagraph) -> None:
    """A PAGE field: Word and LibreOffice put the page's number in its place."""
    parts = (("begin", ""), ("", " PAGE "), ("separate", ""), ("", "1"), ("end", ""))
    for kind, instruction in parts:
        run = paragraph.add_run()
        run.font.size = Pt(BODY_PT)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif instruction == " PAGE ":
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instruction
            run._r.append(text)
        else:
            run.text = instruction


def _page_number_header(section: Section) -> None:
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.style = BLOCK_STYLE
    add_page_field(paragraph)
    first = section.first_page_header
    first.is_linked_to_previous = False  # an empty header: no number on the first page
    first.paragraphs[0].style = BLOCK_STYLE


def _metadata(document: Any) -> None:
    """The template's leftovers out: its thumbnail (a blank page) and its 2013 dates."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rel_id]
    properties = document.core_properties
    properties.author = "inspect-engine"
    properties.comments = ""
    properties.last_modified_by = ""
    core = properties._element
    for name in ("created", "modified"):
        for element in core.findall(qn(f"dcterms:{name}")):
            core.remove(element)


@cache
def base_docx() -> bytes:
    document = docx.Document()
    _trim_styles(document)
    _defaults(document)
    _styles(document)
    section = document.sections[0]
    set_page(section)
    _page_number_header(section)
    _metadata(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def open_base() -> Any:
    """A fresh document to fill, from the cached blank one."""
    return docx.Document(io.BytesIO(base_docx()))
