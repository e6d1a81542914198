"""edXML packages (QCVN 102:2016/BTTTT, amended by SĐ1:2022) as values: the document message an
agency's e-office system sends on the document axis, and the status messages that come back.

`documents/edxml_xml.py` writes and reads the XML; `services/notices/edxml.py` builds a package
from an issued document. The mapping of each field is in docs/edxml.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# DocumentType/Type: the codes of the kinds of administrative document (văn bản hành chính) in
# the amendment's appendix (SĐ1:2022, table B), by the type name the engine prints.
ADMINISTRATIVE_TYPES = {
    "Quyết định": 2,
    "Thông báo": 7,
    "Kế hoạch": 10,
    "Báo cáo": 14,
    "Biên bản": 15,
    "Công văn": 18,
}

# StatusCode: what the recipient's e-office system did with a document (QCVN 102's table of
# statuses), as a short English word for JSON and the Vietnamese name the standard gives.
STATUSES = {
    "01": ("arrived", "Đã đến"),  # the system received it, the records clerk has not yet
    "02": ("refused", "Từ chối tiếp nhận"),  # sent in error or to the wrong body: with a reason
    "03": ("accepted", "Đã tiếp nhận"),  # the records clerk took it in
    "04": ("assigned", "Phân công"),  # given to someone to handle
    "05": ("in_progress", "Đang xử lý"),
    "06": ("done", "Hoàn thành"),
}

_DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]+),(?P<date>\d{4}[/-]\d{2}[/-]\d{2}),(?P<code>.+)$")


@dataclass(frozen=True)
class Organ:
    """`From` or `To`: an agency as the axis addresses it. Unknown fields are empty."""

    organ_id: str  # mã định danh (Decision 20/2020/QĐ-TTg)
    name: str
    in_charge: str = ""  # OrganInCharge: the body directly over it
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Signer:
    competence: str  # "KT. GIÁM ĐỐC"; empty when the head signs in their own right
    position: str
    full_name: str


@dataclass(frozen=True)
class ResponseFor:
    """The document a message answers or reports on."""

    organ_id: str  # its issuer's mã định danh
    code: str  # its number, "128/TB-SNV"
    promulgation_date: date | None
    document_id: str  # its DocumentId, "000.00.01.H26,2026/08/05,128/TB-SNV"


@dataclass(frozen=True)
class Attachment:
    content_id: str  # without the "cid:" the manifest's references carry
    name: str
    content_type: str
    description: str
    data: bytes


@dataclass(frozen=True)
class Package:
    """One document to one recipient (edXMLEnvelope/edXMLHeader/MessageHeader), its files in
    the body's manifest and encoded after the envelope."""

    sender: Organ
    recipients: tuple[Organ, ...]
    document_id: str
    code_number: str
    code_notation: str
    place: str
    promulgation_date: date | None  # None only in a package read back without one
    type_code: int | None
    type_name: str
    subject: str
    content: str
    signer: Signer
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    priority: int = 0  # độ khẩn: 0 is a letter without an urgency mark
    sphere: str = ""  # SphereOfPromulgation
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def code(self) -> str:
        return (
            f"{self.code_number}/{self.code_notation}" if self.code_number else self.code_notation
        )


@dataclass(frozen=True)
class Status:
    """A status message (edXMLHeader/Status): what a recipient did with a document."""

    response_for: ResponseFor
    sender: Organ
    code: str  # "01" .. "06"
    description: str  # the reason of a refusal, or what the recipient wrote
    timestamp: datetime
    department: str = ""
    staff: str = ""
    line: int | None = None  # where it is in its file, for messages about it

    @property
    def status(self) -> str:
        return STATUSES[self.code][0]

    @property
    def name(self) -> str:
        return STATUSES[self.code][1]


def edxml_date(day: date) -> str:
    """Dates as the standard's samples write them: 2026/08/05."""
    return f"{day:%Y/%m/%d}"


def document_id(organ_id: str, day: date, number: str) -> str:
    """DocumentId: the issuer's mã định danh, the date and the number, comma-separated."""
    return f"{organ_id},{edxml_date(day)},{number}"


def parse_document_id(value: str) -> tuple[str, date, str] | None:
    """(organ id, date, number) of a DocumentId, or None when it is not of that form."""
    found = _DOCUMENT_ID.match(value.strip())
    if found is None:
        return None
    try:
        day = date.fromisoformat(found["date"].replace("/", "-"))
    except ValueError:
        return None
    return found["organ"].strip(), day, found["code"].strip()


def split_number(number: str) -> tuple[str, str]:
    """CodeNumber and CodeNotation: "128/TB-SNV" -> ("128", "TB-SNV")."""
    seq, slash, notation = number.partition("/")
    if not slash:
        return "", number
    return seq.strip(), notation.strip()


def status_code(value: str) -> str | None:
    """The standard's two-digit code ("3" read as "03"), or None when it is not one of them."""
    text = value.strip()
    if text.isdigit() and len(text) <= 2:
        text = text.zfill(2)
    return text if text in STATUSES else None
