"""The order ECMA-376 (WordprocessingML) fixes for the children of the property elements a
layout writes by hand. LibreOffice reads a file with them out of order; Word calls it corrupt
("unreadable content"), so the DOCX checks look at every part of the package."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ORDER: dict[str, tuple[str, ...]] = {
    "pPr": _names(
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
        "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
        "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
        "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
        "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ),
    "rPr": _names(
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
        "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
        "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
    ),
    "tblPr": _names(
        "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
        "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
        "tblDescription tblPrChange"
    ),
    "tcPr": _names(
        "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
        "tcFitText vAlign hideMark headers cellIns cellDel cellMerge tcPrChange"
    ),
    "sectPr": _names(
        "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
        "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection "
        "bidi rtlGutter docGrid printerSettings sectPrChange"
    ),
    "pBdr": _names("top left bottom right between bar"),
    "tblBorders": _names("top left start bottom right end insideH insideV"),
}


def check_child_order(data: bytes) -> None:
    """Every pPr, rPr, tblPr, tcPr, sectPr and border set in the DOCX has its children in
    the schema's order."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            root = etree.fromstring(package.read(name))
            for tag, order in ORDER.items():
                for element in root.iter(W + tag):
                    seen = [c.tag.removeprefix(W) for c in element if c.tag.startswith(W)]
                    unknown = [t for t in seen if t not in order]
                    assert not unknown, f"{name}: {tag} has unknown children {unknown}"
                    ranks = [order.index(t) for t in seen]
                    assert ranks == sorted(ranks), f"{name}: {tag} children out of order {seen}"
