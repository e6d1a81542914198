"""Where the PDF layout put what signing needs: each signer's space to sign, the first page of
each appendix. The signatures' visible marks are placed from these, not from guesses about
where ReportLab happened to break the pages."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable


@dataclass(frozen=True)
class Box:
    """A rectangle on a page in PDF points, origin at the page's bottom left; `page` counts
    from 0."""

    page: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class PdfGeometry:
    """What a rendered letter's pages look like to a signer: the page size, the space left to
    sign between each signer's title and name (in the order of `Letter.signers`), and the first
    page of each appendix (in the order of `Letter.appendices`)."""

    page_width: float
    page_height: float
    margin_top: float
    margin_right: float
    signature_spaces: tuple[Box, ...]
    appendix_pages: tuple[int, ...]
    pages: int


class SignatureSpace(Flowable):
    """The blank lines between a signer's title and name. Drawing it records where it landed
    (the canvas knows the page and the absolute position, also inside a table cell)."""

    def __init__(self, height: float, drawn: list[Box]) -> None:
        super().__init__()
        self.height = height
        self.width = 0.0
        self._drawn = drawn

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        left, bottom = canvas.absolutePosition(0, 0)
        right, top = canvas.absolutePosition(self.width, self.height)
        page = canvas.getPageNumber() - 1
        self._drawn.append(Box(page, left, bottom, right - left, top - bottom))
