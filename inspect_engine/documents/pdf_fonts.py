"""The bundled Liberation Serif faces, registered with ReportLab once per process.

Decree 30 asks for Times New Roman; Liberation Serif has its metrics and full Vietnamese
coverage, and is the only font a PDF of the engine may contain: every style, the page numbers
and the table text included, embedded as subsets (no base-14 fallback).
"""

from __future__ import annotations

import io
import threading
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "LiberationSerif"
REGULAR = "LiberationSerif"
BOLD = "LiberationSerif-Bold"
ITALIC = "LiberationSerif-Italic"
BOLD_ITALIC = "LiberationSerif-BoldItalic"

_FILES = {
    REGULAR: "LiberationSerif-Regular.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the four faces and their family (so <b> and <i> in a paragraph find them).

    The files are read through importlib.resources, which also reads them from a zipped
    installation; parsing a TTF costs tens of milliseconds, hence once per process.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        fonts = resources.files("inspect_engine.documents").joinpath("fonts")
        for name, filename in _FILES.items():
            data = fonts.joinpath(filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
        )
        _registered = True


def text_width(text: str, font: str, size: float) -> float:
    """The width in points of one line of `text`."""
    register_fonts()
    return float(pdfmetrics.stringWidth(text, font, size))
