"""WordprocessingML paragraphs, runs and tables built straight with lxml, each property element
in the order ECMA-376 fixes (Word refuses a file out of order). python-docx's own builders
look up every child's place among its possible successors, and the sample Thông báo spent two
thirds of its time there (bench/documents.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.oxml.ns import qn
from lxml import etree

TWIPS_PER_MM = 1440 / 25.4
_TAGS = (
    "p pPr pStyle keepNext pBdr bottom spacing ind jc r rPr b i sz szCs t tbl tblPr tblW "
    "tblBorders tblLayout tblGrid gridCol tr trPr cantSplit tblHeader tc tcPr tcW vAlign "
    "top left right insideH insideV sectPr"
)
_W = {name: qn(f"w:{name}") for name in _TAGS.split()}
_ATTRS = {name: qn(f"w:{name}") for name in ("val", "sz", "space", "color", "w", "type")}
_BODY = qn("w:body")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TABLE_EDGES = ("top", "left", "bottom", "right", "insideH", "insideV")


def twips(mm: float) -> str:
    return str(round(mm * TWIPS_PER_MM))


def _child(parent: Any, name: str, **attrs: str) -> Any:
    return etree.SubElement(parent, _W[name], {_ATTRS[k]: v for k, v in attrs.items()})


def block_in(body: Any, name: str) -> Any:
    """A new `name` element at the end of the document body, before its last section's
    properties (made inside the tree, so it declares no namespace of its own)."""
    element = etree.SubElement(body, _W[name])
    last = body.find(_W["sectPr"])
    if last is not None:
        last.addprevious(element)
    return element


def paragraph(
    element: Any,
    style_id: str,
    *,
    before_pt: float | None = None,
    after_pt: float | None = None,
    left_mm: float | None = None,
    right_mm: float | None = None,
    align: str | None = None,
    bottom_border: bool = False,
) -> Any:
    """Fill the empty `w:p` `element`: its style, then what differs from the style."""
    ppr = _child(element, "pPr")
    _child(ppr, "pStyle", val=style_id)
    if bottom_border:
        borders = _child(ppr, "pBdr")
        _child(borders, "bottom", val="single", sz="6", space="1", color="000000")
    if before_pt is not None or after_pt is not None:
        spacing = _child(ppr, "spacing")
        if before_pt is not None:
            spacing.set(qn("w:before"), str(round(before_pt * 20)))
        if after_pt is not None:
            spacing.set(qn("w:after"), str(round(after_pt * 20)))
    if left_mm is not None or right_mm is not None:
        indent = _child(ppr, "ind")
        if left_mm is not None:
            indent.set(qn("w:left"), twips(left_mm))
        if right_mm is not None:
            indent.set(qn("w:right"), twips(right_mm))
    if align is not None:
        _child(ppr, "jc", val=align)
    return element


def run(
    element: Any, text: str, *, bold: bool = False, italic: bool = False, size_pt: float = 0
) -> None:
    """A run of `text` at the end of paragraph `element`; tabs and line breaks as Word's."""
    r = _child(element, "r")
    if bold or italic or size_pt:
        rpr = _child(r, "rPr")
        if bold:
            _child(rpr, "b")
        if italic:
            _child(rpr, "i")
        if size_pt:
            _child(rpr, "sz", val=str(round(size_pt * 2)))
            _child(rpr, "szCs", val=str(round(size_pt * 2)))
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if index:
            etree.SubElement(r, qn("w:br"))
        for piece_index, piece in enumerate(line.split("\t")):
            if piece_index:
                etree.SubElement(r, qn("w:tab"))
            if piece:
                t = _child(r, "t")
                t.text = piece
                t.set(_XML_SPACE, "preserve")


def run_element(element: Any) -> Any:
    """An empty `w:r` at the end of paragraph `element` (for a drawing)."""
    return _child(element, "r")


def keep_with_next(element: Any) -> None:
    """The paragraph stays on the page of the next one (a picture with its caption)."""
    ppr = element.find(_W["pPr"])
    keep = etree.Element(_W["keepNext"])
    ppr.find(_W["pStyle"]).addnext(keep)  # right after pStyle, in ECMA-376's order


def table(element: Any, widths_mm: Sequence[float], rows: int, *, ruled: bool) -> list[Any]:
    """Fill the empty `w:tbl` `element`: fixed column widths, single rules or none; the rows'
    `w:tr` elements, each with one `w:tc` a column holding no paragraph yet."""
    tbl_pr = _child(element, "tblPr")
    _child(tbl_pr, "tblW", w=twips(sum(widths_mm)), type="dxa")
    borders = _child(tbl_pr, "tblBorders")
    for edge in _TABLE_EDGES:
        if ruled:
            _child(borders, edge, val="single", sz="4", space="0", color="000000")
        else:
            _child(borders, edge, val="nil")
    _child(tbl_pr, "tblLayout", type="fixed")
    grid = _child(element, "tblGrid")
    for mm in widths_mm:
        _child(grid, "gridCol", w=twips(mm))
    out = []
    for _ in range(rows):
        tr = _child(element, "tr")
        for mm in widths_mm:
            tc = _child(tr, "tc")
            _child(_child(tc, "tcPr"), "tcW", w=twips(mm), type="dxa")
        out.append(tr)
    return out


def row_properties(tr: Any, *, header: bool = False, cant_split: bool = False) -> None:
    """A header row repeats at the top of each page; a row that can't split stays whole."""
    tr_pr = _child(tr, "trPr")
    tr.insert(0, tr_pr)  # made inside the tree, then moved first
    if cant_split:
        _child(tr_pr, "cantSplit")
    if header:
        _child(tr_pr, "tblHeader")


def cells(tr: Any) -> list[Any]:
    return list(tr.iterchildren(_W["tc"]))


def centre_vertically(tc: Any) -> None:
    _child(tc.find(_W["tcPr"]), "vAlign", val="center")


def new_paragraph(parent: Any) -> Any:
    """An empty `w:p` at the end of `parent`: the document body or a table cell."""
    return block_in(parent, "p") if parent.tag == _BODY else _child(parent, "p")


def close_cells(rows: Sequence[Any]) -> None:
    """Word wants a paragraph in every cell, even an empty one."""
    for tr in rows:
        for tc in cells(tr):
            if tc.find(_W["p"]) is None:
                _child(tc, "p")
