"""A PDF read back for layout checks: its glyphs in drawing order with font, size and position,
the text of its pages, the lines it draws, found again by the text a `Letter` holds.

Positions are pdfplumber's: points, `top` and `bottom` measured from the top of the page.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import median
from typing import Any

import pdfplumber

MM = 72 / 25.4
A4_WIDTH, A4_HEIGHT = 595.28, 841.89
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * MM, 20 * MM, 30 * MM, 15 * MM
TEXT_LEFT, TEXT_RIGHT = MARGIN_LEFT, A4_WIDTH - MARGIN_RIGHT
TEXT_CENTRE = (TEXT_LEFT + TEXT_RIGHT) / 2
TOLERANCE = 1.0  # points: rounding in the PDF and in pdfplumber's measurements
_SPACE = re.compile(r"\s+")


def normal(text: str) -> str:
    """NFC with every run of whitespace (line wraps, non-breaking spaces) as one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _key(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class Glyph:
    text: str
    font: str  # "AAAAAA+LiberationSerif-Bold"
    size: float
    x0: float
    x1: float
    top: float
    bottom: float
    page: int  # from 0

    @property
    def bold(self) -> bool:
        return "Bold" in self.font

    @property
    def italic(self) -> bool:
        return "Italic" in self.font or "Oblique" in self.font


@dataclass(frozen=True)
class Found:
    """A stretch of text located in the document: its glyphs, whitespace left out."""

    glyphs: tuple[Glyph, ...]
    start: int  # index in the document's glyphs
    end: int

    @property
    def page(self) -> int:
        return self.glyphs[0].page

    @property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    def lines(self) -> list[tuple[Glyph, ...]]:
        """The glyphs grouped by printed line (page, then a common top)."""
        out: list[list[Glyph]] = []
        for g in self.glyphs:
            last = out[-1][-1] if out else None
            if last and last.page == g.page and abs(last.top - g.top) < g.size / 2:
                out[-1].append(g)
            else:
                out.append([g])
        return [tuple(line) for line in out]

    def slice(self, start: int, end: int) -> tuple[Glyph, ...]:
        """The glyphs of characters start..end of the stretch's text without whitespace."""
        return self.glyphs[start:end]


def extent(line: tuple[Glyph, ...]) -> tuple[float, float]:
    return min(g.x0 for g in line), max(g.x1 for g in line)


def centre(line: tuple[Glyph, ...]) -> float:
    x0, x1 = extent(line)
    return (x0 + x1) / 2


@dataclass(frozen=True)
class Rule:
    """A horizontal line drawn on a page."""

    x0: float
    x1: float
    top: float
    page: int

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0


class PdfDocument:
    """Everything the checks read from one PDF, read once."""

    def __init__(self, data: bytes) -> None:
        self.pdf = pdfplumber.open(io.BytesIO(data))
        self.pages = self.pdf.pages
        self.glyphs: list[Glyph] = []  # the text area's, in drawing order, no whitespace
        self.margin_text: list[str] = []  # what each page prints in its top margin
        self.margin_glyphs: list[list[Glyph]] = []
        self.all_chars: list[Glyph] = []
        self.page_texts: list[str] = []
        self.rules: list[Rule] = []
        for index, page in enumerate(self.pages):
            margin: list[Glyph] = []
            for char in page.chars:
                glyph = _glyph(char, index)
                self.all_chars.append(glyph)
                if glyph.text.isspace():
                    continue
                if glyph.bottom <= MARGIN_TOP:
                    margin.append(glyph)
                else:
                    self.glyphs.append(glyph)
            self.margin_glyphs.append(margin)
            self.margin_text.append("".join(g.text for g in margin))
            body = page.crop((0, MARGIN_TOP, page.width, page.height))
            self.page_texts.append(normal(body.extract_text(use_text_flow=True) or ""))
            self.rules += [
                Rule(line["x0"], line["x1"], line["top"], index)
                for line in page.lines
                if abs(line["top"] - line["bottom"]) < 0.5
            ]
        self._keys = "".join(g.text for g in self.glyphs)

    def close(self) -> None:
        self.pdf.close()

    def find(self, text: str, start: int = 0) -> Found | None:
        """The first occurrence of `text` (whitespace ignored) at or after glyph `start`."""
        key = _key(text)
        at = self._keys.find(key, start)
        if not key or at < 0:
            return None
        return Found(tuple(self.glyphs[at : at + len(key)]), at, at + len(key))

    def require(self, text: str, start: int = 0, *, what: str = "") -> Found:
        found = self.find(text, start)
        assert found is not None, f"{what or 'text'} not found in the PDF: {text!r}"
        return found

    def first_glyph_index(self, page: int) -> int:
        return next(i for i, g in enumerate(self.glyphs) if g.page == page)

    def text(self, pages: range | None = None) -> str:
        """The text area's text of `pages` (all by default), whitespace normalised."""
        chosen = pages if pages is not None else range(len(self.pages))
        return " ".join(self.page_texts[i] for i in chosen)

    def rule_under(self, found_line: tuple[Glyph, ...], within: float = 10) -> Rule | None:
        """The horizontal line drawn just under a printed line (its middle under the text)."""
        bottom = max(g.bottom for g in found_line)
        page = found_line[0].page
        x0, x1 = extent(found_line)
        below = [
            r
            for r in self.rules
            if r.page == page and 0 <= r.top - bottom <= within and x0 <= r.centre <= x1
        ]
        return min(below, key=lambda r: r.top) if below else None

    def tables(self, page: int) -> Iterator[Any]:
        """pdfplumber's tables on a page, found from the ruled grid."""
        yield from self.pages[page].find_tables()


def _glyph(char: dict[str, Any], page: int) -> Glyph:
    return Glyph(
        text=unicodedata.normalize("NFC", char["text"]),
        font=char["fontname"],
        size=round(float(char["size"]), 2),
        x0=float(char["x0"]),
        x1=float(char["x1"]),
        top=float(char["top"]),
        bottom=float(char["bottom"]),
        page=page,
    )


def line_pitch(found: Found) -> float | None:
    """The distance between the tops of consecutive lines of a paragraph on one page."""
    lines = found.lines()
    steps = [b[0].top - a[0].top for a, b in itertools.pairwise(lines) if a[0].page == b[0].page]
    return median(steps) if steps else None


def assert_style(found: Found, *, size: float, bold: bool, italic: bool, what: str) -> None:
    """Every glyph of `found` in this size and face."""
    for g in found.glyphs:
        assert abs(g.size - size) < 0.1, f"{what}: {g.text!r} is {g.size} pt, not {size}"
        assert g.bold == bold, f"{what}: {g.text!r} in {g.font} (bold should be {bold})"
        assert g.italic == italic, f"{what}: {g.text!r} in {g.font} (italic should be {italic})"


def assert_centred(found: Found, x: float, what: str) -> None:
    """Every line of `found` centred on `x`."""
    for line in found.lines():
        assert abs(centre(line) - x) <= 1.5, (
            f"{what}: line centred at {centre(line):.1f}, not {x:.1f}"
        )
