"""What the other side of the document axis sends back, built for the tests: a status package
as the axis's SDKs write one (edXML/edXMLEnvelope/edXMLHeader/Status), and a unit's reply
package answering one of the engine's documents."""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from inspect_engine.documents.edxml_xml import package_xml
from inspect_engine.domain.documents.edxml import (
    NS,
    Attachment,
    Organ,
    Package,
    ResponseFor,
    Signer,
    edxml_date,
)

E = f"{{{NS}}}"
SNV = Organ("000.00.01.H26", "Sở Nội vụ", "UBND thành phố Hà Nội")
STP = Organ("000.00.02.H26", "Sở Tư pháp", "UBND thành phố Hà Nội", "Số 1B Trần Phú, Hà Đông")


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{E}{name}")
    element.text = text
    return element


def status_xml(
    answered: ResponseFor,
    code: str,
    *,
    sender: Organ = STP,
    description: str = "",
    timestamp: str = "03/12/2026 09:15:00",
) -> bytes:
    """A status package: `code` ("03") for the document `answered`, from `sender`."""
    root = etree.Element(f"{E}edXML", nsmap={None: NS})
    envelope = etree.SubElement(root, f"{E}edXMLEnvelope", nsmap={"edXML": NS})
    status = _sub(_sub(envelope, "edXMLHeader"), "Status")
    response = _sub(status, "ResponseFor")
    _sub(response, "OrganId", answered.organ_id)
    _sub(response, "Code", answered.code)
    day = answered.promulgation_date
    _sub(response, "PromulgationDate", edxml_date(day) if day else "")
    _sub(response, "DocumentId", answered.document_id)
    source = _sub(status, "From")
    fields = [("OrganId", sender.organ_id), ("OrganName", sender.name),
              ("OrganInCharge", sender.in_charge), ("OrganAdd", sender.address)]  # fmt: skip
    for name, value in [*fields, ("Email", ""), ("Telephone", ""), ("Fax", ""), ("Website", "")]:
        _sub(source, name, value)
    _sub(status, "StatusCode", code)
    _sub(status, "Description", description)
    _sub(status, "Timestamp", timestamp)
    staff = _sub(status, "StaffInfo")
    _sub(staff, "Department", "Văn phòng Sở")
    _sub(staff, "Staff", "Lê Thị Văn Thư")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return data


def reply_xml(
    answered: ResponseFor | None,
    attachments: list[Attachment],
    *,
    sender: Organ = STP,
    recipient: Organ = SNV,
) -> bytes:
    """A unit's reply: its Báo cáo 45/BC-STP with `attachments`, answering `answered`."""
    return package_xml(
        Package(
            sender=sender,
            recipients=(recipient,),
            document_id=f"{sender.organ_id},2026/12/04,45/BC-STP",
            code_number="45",
            code_notation="BC-STP",
            place="Hà Nội",
            promulgation_date=date(2026, 12, 4),
            type_code=14,
            type_name="Báo cáo",
            subject="Báo cáo tự kiểm tra công tác cải cách hành chính năm 2026",
            content="Sở Tư pháp gửi báo cáo và các phụ lục kèm theo.",
            signer=Signer("KT. GIÁM ĐỐC", "Phó Giám đốc", "Phạm Thu Trang"),
            response_for=(answered,) if answered else (),
            attachments=tuple(attachments),
        )
    )


def answering(number: str, day: date, organ: str = SNV.organ_id) -> ResponseFor:
    return ResponseFor(organ, number, day, f"{organ},{edxml_date(day)},{number}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
