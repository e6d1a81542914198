"""The visible marks of a signed letter, placed from where the layout drew the letter
(`PdfGeometry`), as Decree 30/2020/NĐ-CP Appendix I prescribes for electronic documents
(docs/signing.md has the sources):

- the signer's signature: the image of the handwritten signature, centred in the space
  between the signer's title and name;
- the organisation's signature: the seal image at its real size over about a third of the
  signer's signature image, on its left;
- the organisation's signature information (its name, the signing time; on an appendix also
  the document's number) in Times New Roman-like type, size 10, black, at the top right of the
  first page and of each appendix's first page, no image.

Each mark is a rectangle on a page and its appearance: a one-page PDF of exactly that size,
drawn with ReportLab (the bundled Liberation Serif embedded), which the signing step turns into
the widget's appearance stream.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from inspect_engine.documents import pdf_fonts as fonts
from inspect_engine.documents.pdf_geometry import Box, PdfGeometry

INFO_SIZE = 10  # Decree 30: "cỡ chữ 10"
INFO_LEADING = 11.5
# The signature image keeps to the middle of the space: the title above, the name below.
SIGNATURE_SHARE_WIDE = 0.62
SIGNATURE_SHARE_HIGH = 0.92
SEAL_OVERLAP = 1 / 3  # "trùm lên khoảng 1/3 hình ảnh chữ ký số ... về phía bên trái"


@dataclass(frozen=True)
class Mark:
    """One widget of a signature: `rect` (x1, y1, x2, y2 in points) on `page` (from 0), and
    its appearance, a PDF page of the rectangle's size."""

    page: int
    rect: tuple[float, float, float, float]
    appearance: bytes

    @property
    def width(self) -> float:
        return self.rect[2] - self.rect[0]

    @property
    def height(self) -> float:
        return self.rect[3] - self.rect[1]


def signature_mark(space: Box, png: bytes) -> Mark:
    """The signer's handwritten signature, as large as the space allows in its proportions,
    centred between the title and the name."""
    pixels_wide, pixels_high = ImageReader(io.BytesIO(png)).getSize()
    scale = min(
        space.width * SIGNATURE_SHARE_WIDE / pixels_wide,
        space.height * SIGNATURE_SHARE_HIGH / pixels_high,
    )
    width, height = pixels_wide * scale, pixels_high * scale
    x, y = space.centre_x - width / 2, space.centre_y - height / 2
    return Mark(space.page, (x, y, x + width, y + height), _image_page(png, width, height))


def seal_mark(signature: Mark, png: bytes, diameter_mm: float) -> Mark:
    """The seal at its real size, its right edge a third of the way into the signature image,
    level with the signature's middle."""
    size = diameter_mm * mm
    right = signature.rect[0] + signature.width * SEAL_OVERLAP
    middle = (signature.rect[1] + signature.rect[3]) / 2
    rect = (right - size, middle - size / 2, right, middle + size / 2)
    return Mark(signature.page, rect, _image_page(png, size, size))


def info_mark(geometry: PdfGeometry, page: int, lines: Sequence[str]) -> Mark:
    """Lines of signature information, right-aligned at the top right of `page`: against the
    right margin, in the middle of the top margin (above the first line of text)."""
    width = max(fonts.text_width(line, fonts.REGULAR, INFO_SIZE) for line in lines) + 2
    height = INFO_LEADING * len(lines) + 3
    right = geometry.page_width - geometry.margin_right
    top = geometry.page_height - max(2.0, (geometry.margin_top - height) / 2)
    rect = (right - width, top - height, right, top)
    return Mark(page, rect, _text_page(tuple(lines), width, height))


@cache
def _image_page(png: bytes, width: float, height: float) -> bytes:
    fonts.register_fonts()
    out = io.BytesIO()
    # The initial font would otherwise be Helvetica, which lands in the file.
    canvas = Canvas(out, pagesize=(width, height), invariant=1, initialFontName=fonts.REGULAR)  # type: ignore[arg-type]
    canvas.drawImage(ImageReader(io.BytesIO(png)), 0, 0, width, height, mask="auto")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@cache
def _text_page(lines: tuple[str, ...], width: float, height: float) -> bytes:
    fonts.register_fonts()
    out = io.BytesIO()
    # The initial font would otherwise be Helvetica, which lands in the file.
    canvas = Canvas(out, pagesize=(width, height), invariant=1, initialFontName=fonts.REGULAR)  # type: ignore[arg-type]
    canvas.setFont(fonts.REGULAR, INFO_SIZE)
    canvas.setFillColorRGB(0, 0, 0)
    for i, line in enumerate(lines):
        baseline = height - 2 - INFO_SIZE * 0.9 - i * INFO_LEADING
        canvas.drawRightString(width - 1, baseline, line)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
