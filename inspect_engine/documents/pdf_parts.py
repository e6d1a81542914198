"""The fixed parts of a Decree 30 letter around its body: the two-column header, the type name
and summary (or a Công văn's "Kính gửi:"), the signature boxes with the Nơi nhận."""

from __future__ import annotations

from functools import cache

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from inspect_engine.documents import pdf_fonts as fonts
from inspect_engine.documents.pdf_blocks import (
    BODY_SIZE,
    LINE_SPACING,
    CentredRule,
    para,
    style,
)
from inspect_engine.documents.pdf_geometry import Box, SignatureSpace
from inspect_engine.domain.documents.letter import Letter, Signer

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# The right column holds the national title (12 pt bold, 88 mm) with a little room each side.
HEADER_LEFT_WIDTH = 70 * mm
# The issuing body's and the summary's short line: 1/3 to 1/2 of the line above (Decree 30).
SHORT_RULE = 0.4
SIGNATURE_SPACE = 4 * BODY_SIZE * LINE_SPACING  # about four blank lines to sign and seal
# Table cells default to Helvetica, which would land in the file even under paragraphs.
_PLAIN_CELLS = [
    ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def _centred(name: str, font: str, size: float, *, after: float = 0) -> ParagraphStyle:
    return style(name, font=font, size=size, align=TA_CENTER, after=after)


def header(letter: Letter, width: float) -> list[Flowable]:
    """Issuing bodies left, national title and motto right; then the number (and a Công
    văn's "V/v ...") left and the place and date right, on one line."""
    left_width = HEADER_LEFT_WIDTH
    right_width = width - left_width
    body = letter.body.upper()
    left: list[Flowable] = []
    if letter.parent_body:
        left.append(para(letter.parent_body.upper(), _centred("parent", fonts.REGULAR, 13)))
    left.append(para(body, _centred("issuer", fonts.BOLD, 13)))
    body_width = min(fonts.text_width(body, fonts.BOLD, 13), left_width)
    left.append(CentredRule(body_width * SHORT_RULE))
    right: list[Flowable] = [
        para(NATIONAL_TITLE, _centred("national-title", fonts.BOLD, 12)),
        para(MOTTO, _centred("motto", fonts.BOLD, 13)),
        CentredRule(fonts.text_width(MOTTO, fonts.BOLD, 13)),
    ]
    number: list[Flowable] = [para(letter.number, _centred("number", fonts.REGULAR, 13))]
    if letter.form == "letter" and letter.summary:
        number.append(para(f"V/v {letter.summary}", _centred("about", fonts.REGULAR, 12)))
    date = [para(letter.place_date, _centred("date", fonts.ITALIC, 13))]
    table = Table([[left, right], [number, date]], colWidths=[left_width, right_width])
    table.setStyle(TableStyle([*_PLAIN_CELLS, ("TOPPADDING", (0, 1), (-1, 1), 6)]))
    return [table]


def title(letter: Letter, width: float) -> list[Flowable]:
    """A notice's type name and summary, centred, bold, a short line under them; a Công văn's
    addressees after "Kính gửi:"."""
    if letter.form == "letter":
        return [Spacer(0, 12), *_addressees(letter.addressees), Spacer(0, 12)]
    out: list[Flowable] = [Spacer(0, 18)]
    if letter.type_name:
        out.append(para(letter.type_name.upper(), _centred("type-name", fonts.BOLD, 14)))
    if letter.summary:
        out.append(para(letter.summary, _centred("summary", fonts.BOLD, 14)))
        summary_width = min(fonts.text_width(letter.summary, fonts.BOLD, 14), width)
        out.append(CentredRule(summary_width * SHORT_RULE))
    out.append(Spacer(0, 12))
    return out


def _addressees(addressees: tuple[str, ...]) -> list[Flowable]:
    if not addressees:
        return []
    st = style("addressee", size=BODY_SIZE)
    lead = "Kính gửi:"
    lines = list(addressees) if len(addressees) == 1 else [f"- {a}" for a in addressees]
    lead_width = fonts.text_width(lead + " ", fonts.REGULAR, BODY_SIZE)
    text_width = max(fonts.text_width(t, fonts.REGULAR, BODY_SIZE) for t in lines) + 2
    table = Table(
        [[para(lead, st), [para(t, st) for t in lines]]],
        colWidths=[lead_width, min(text_width, 120 * mm)],
        hAlign="CENTER",
    )
    table.setStyle(TableStyle(_PLAIN_CELLS))
    return [table]


def closing(letter: Letter, width: float, drawn: list[Box] | None = None) -> list[Flowable]:
    """The signature boxes in the right half (several side by side across the width) and the
    Nơi nhận in the left half (the caller keeps them on one page). Where each signer's space to
    sign ends up is appended to `drawn`, in the order of the signers."""
    if not letter.signers and not letter.recipients:
        return []
    drawn = [] if drawn is None else drawn
    signers = [_signer_cell(s, drawn) for s in letter.signers]
    recipients = _recipients_cell(letter.recipients) if letter.recipients else ""
    rows: list[Table] = []
    if len(signers) <= 1:
        rows.append(Table([[recipients, signers[0] if signers else ""]], colWidths=[width / 2] * 2))
    else:
        rows.append(Table([signers], colWidths=[width / len(signers)] * len(signers)))
        if recipients:
            rows.append(Table([[recipients, ""]], colWidths=[width / 2] * 2))
    for row in rows:
        row.setStyle(TableStyle(_PLAIN_CELLS))
        row.spaceBefore = 12
    return list(rows)


def _signer_cell(signer: Signer, drawn: list[Box]) -> list[Flowable]:
    st = _centred("signer", fonts.BOLD, BODY_SIZE)
    cell: list[Flowable] = []
    if signer.authority:
        cell.append(para(signer.authority.upper(), st))
    space = SignatureSpace(SIGNATURE_SPACE, drawn)
    cell += [para(signer.title.upper(), st), space, para(signer.name, st)]
    return cell


def recipient_line(recipient: str) -> str:
    """A Nơi nhận line as printed: "- " and the recipient (the model keeps it without)."""
    return f"- {recipient.removeprefix('- ')}"


def _recipients_cell(recipients: tuple[str, ...]) -> list[Flowable]:
    head = style("recipients-head", font=fonts.BOLD_ITALIC, size=12)
    line = _hanging_style()
    return [para("Nơi nhận:", head), *[para(recipient_line(r), line) for r in recipients]]


@cache
def _hanging_style() -> ParagraphStyle:
    """11 pt, a recipient that wraps continues under its text, not under the dash."""
    dash = fonts.text_width("- ", fonts.REGULAR, 11)
    return ParagraphStyle(
        "recipient",
        parent=style("recipient-base", size=11),
        alignment=TA_LEFT,
        leftIndent=dash,
        firstLineIndent=-dash,
    )
