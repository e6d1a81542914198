"""What every layout of a `Letter` draws the same way (DOCX, HTML, PDF): the page, the fixed
words of Decree 30's header and signature blocks, and how the Nơi nhận and Kính gửi lines are
written from the letter's values."""

from __future__ import annotations

from collections.abc import Sequence

from inspect_engine.domain.documents.letter import AppendixPage, Table

PAGE_MM = (210.0, 297.0)  # A4, portrait
MARGINS_MM = {"top": 20.0, "bottom": 20.0, "left": 30.0, "right": 15.0}
FIRST_LINE_INDENT_CM = 1.27
HEADER_LEFT_MM = (
    70.0  # the issuing body's column of the header block; the national title's: the rest
)
SIGN_SPACE_PT = 64  # about four 14 pt lines of room to sign and stamp
LANDSCAPE_ABOVE_COLUMNS = 6  # an appendix with a wider table is laid out on A4 landscape

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_TITLE = "Nơi nhận:"
ADDRESSEES_TITLE = "Kính gửi:"
SUBJECT_PREFIX = "V/v "  # a Công văn's summary, under its number


def is_landscape(page: AppendixPage) -> bool:
    """An appendix whose table has more than six columns is laid out on A4 landscape."""
    widest = max((len(b.widths) for b in page.blocks if isinstance(b, Table)), default=0)
    return widest > LANDSCAPE_ABOVE_COLUMNS


def text_width_mm(landscape: bool = False) -> float:
    width = PAGE_MM[1] if landscape else PAGE_MM[0]
    return width - MARGINS_MM["left"] - MARGINS_MM["right"]


def recipient_lines(recipients: Sequence[str]) -> list[str]:
    """One "- ...;" line per recipient: the letter's values come without the dash."""
    return [r if r.startswith("- ") else f"- {r}" for r in recipients]


def addressee_lines(addressees: Sequence[str]) -> list[str]:
    """The Kính gửi block: "Kính gửi: X" for one addressee; for several, "Kính gửi:" and one
    "- X;" line each, the last ending with "." (Decree 30, Appendix I)."""
    if len(addressees) == 1:
        return [f"{ADDRESSEES_TITLE} {addressees[0]}"]
    bare = [a.strip().rstrip(";.").rstrip() for a in addressees]
    return [ADDRESSEES_TITLE, *(f"- {a};" for a in bare[:-1]), f"- {bare[-1]}."] if bare else []
