"""How wide a line of text is in Times New Roman, measured on the bundled Liberation Serif
(metric-compatible): the header's lines are drawn as long as the words above them, as Decree 30
asks, so the layouts need the words' widths."""

from __future__ import annotations

from functools import cache
from importlib import resources

from reportlab.pdfbase.ttfonts import TTFont

_FACES = {False: "LiberationSerif-Regular.ttf", True: "LiberationSerif-Bold.ttf"}
MM_PER_PT = 25.4 / 72


@cache
def _face(bold: bool) -> TTFont:
    # Parsing a face costs ~40 ms: once per process, on first use.
    path = resources.files("inspect_engine.documents") / "fonts" / _FACES[bold]
    with resources.as_file(path) as real:
        return TTFont(_FACES[bold], str(real))


def width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of `text` on one line (italic is as wide as upright, near enough)."""
    return float(_face(bold).stringWidth(text, size_pt)) * MM_PER_PT
