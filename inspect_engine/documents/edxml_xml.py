"""edXML packages as XML (QCVN 102:2016/BTTTT, SĐ1:2022): writing a document package, reading
one back (a unit's reply) and reading the axis's status messages.

The shape follows the standard as the axis's SDKs write it: the root `edXML` in the standard's
namespace as the default namespace, the envelope's elements with the `edXML` prefix, the files
base64-encoded in `AttachmentEncoded` after the envelope and referenced from the body's
`edXMLManifest` by `cid:`. Reading is namespace-aware and accepts what those SDKs vary on
(`Manifest` for `edXMLManifest`, a manifest's `cid:` in its `xlink:href` or its `ContentId`).
Every problem is one `InputError` naming the file and the line.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from lxml import etree

from inspect_engine.domain.documents.edxml import (
    NS,
    STATUSES,
    XLINK,
    Attachment,
    Organ,
    Package,
    ResponseFor,
    Signer,
    Status,
    edxml_date,
    status_code,
)
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ

E = f"{{{NS}}}"
# A reply's attachments are the unit's files, base64 in the XML: a scanned report can be large,
# so text nodes may exceed libxml2's 10 MB default; the file as a whole is capped instead.
MAX_BYTES = 64 * 1024 * 1024


# --- writing -----------------------------------------------------------------------------------


def package_xml(package: Package) -> bytes:
    """The package as UTF-8 XML, indented so a person can read its header."""
    root = etree.Element(f"{E}edXML", nsmap={None: NS})
    envelope = etree.SubElement(root, f"{E}edXMLEnvelope", nsmap={"edXML": NS})
    header = _sub(_sub(envelope, "edXMLHeader"), "MessageHeader")
    _organ(_sub(header, "From"), package.sender)
    for recipient in package.recipients:
        _organ(_sub(header, "To"), recipient)
    _sub(header, "DocumentId", package.document_id)
    code = _sub(header, "Code")
    _sub(code, "CodeNumber", package.code_number)
    _sub(code, "CodeNotation", package.code_notation)
    promulgation = _sub(header, "PromulgationInfo")
    _sub(promulgation, "Place", package.place)
    day = package.promulgation_date
    _sub(promulgation, "PromulgationDate", edxml_date(day) if day else "")
    kind = _sub(header, "DocumentType")
    _sub(kind, "Type", "" if package.type_code is None else str(package.type_code))
    _sub(kind, "TypeName", package.type_name)
    _sub(header, "Subject", package.subject)
    _sub(header, "Content", package.content)
    signer = _sub(header, "SignerInfo")
    _sub(signer, "Competence", package.signer.competence)
    _sub(signer, "Position", package.signer.position)
    _sub(signer, "FullName", package.signer.full_name)
    _sub(header, "DueDate", edxml_date(package.due_date) if package.due_date else "")
    places = _sub(header, "ToPlaces")
    for place in package.to_places:
        _sub(places, "Place", place)
    other = _sub(header, "OtherInfo")
    _sub(other, "Priority", str(package.priority))
    _sub(other, "SphereOfPromulgation", package.sphere)
    _sub(other, "TyperNotation", package.typer_notation)
    _sub(other, "PromulgationAmount", _count(package.promulgation_amount))
    _sub(other, "PageAmount", _count(package.page_amount))
    appendixes = _sub(other, "Appendixes")
    for appendix in package.appendixes:
        _sub(appendixes, "Appendix", appendix)
    for answered in package.response_for:
        _response_for(_sub(header, "ResponseFor"), answered)
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    for item in package.attachments:
        reference = etree.SubElement(manifest, f"{E}Reference", nsmap={"xlink": XLINK})
        reference.set(f"{{{XLINK}}}href", f"cid:{item.content_id}")
        reference.set(f"{{{XLINK}}}type", "simple")
        _sub(reference, "ContentId", f"cid:{item.content_id}")
        _sub(reference, "ContentType", item.content_type)
        _sub(reference, "AttachmentName", item.name)
        _sub(reference, "Description", item.description)
    encoded = _sub(root, "AttachmentEncoded")
    for item in package.attachments:
        attachment = _sub(encoded, "Attachment")
        _sub(attachment, "ContentId", item.content_id)
        _sub(attachment, "AttachmentName", item.name)
        _sub(attachment, "Description", item.description)
        _sub(attachment, "ContentType", item.content_type)
        # One line: the axis's Java SDK decodes with a decoder that refuses line breaks.
        _sub(attachment, "ContentTransferEncoded", base64.b64encode(item.data).decode("ascii"))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return data


def _sub(parent: Any, name: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{E}{name}")
    if text is not None:
        element.text = text
    return element


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _organ(element: Any, organ: Organ) -> None:
    for name, value in (
        ("OrganId", organ.organ_id),
        ("OrganName", organ.name),
        ("OrganInCharge", organ.in_charge),
        ("OrganAdd", organ.address),
        ("Email", organ.email),
        ("Telephone", organ.telephone),
        ("Fax", organ.fax),
        ("Website", organ.website),
    ):
        _sub(element, name, value)


def _response_for(element: Any, answered: ResponseFor) -> None:
    _sub(element, "OrganId", answered.organ_id)
    _sub(element, "Code", answered.code)
    day = answered.promulgation_date
    _sub(element, "PromulgationDate", edxml_date(day) if day else "")
    _sub(element, "DocumentId", answered.document_id)


def pdf_pages(pdf: bytes) -> int | None:
    """The page count of a PDF: the `/Count` of its page tree's root (the last one written, for
    a file updated incrementally); None when the tree is in a compressed object stream."""
    roots = [
        found
        for found in _PAGES.finditer(pdf)
        if b"/Parent" not in found.group(0) and _COUNT.search(found.group(0))
    ]
    if not roots:
        return None
    count = _COUNT.search(roots[-1].group(0))
    assert count is not None
    return int(count.group(1))


_PAGES = re.compile(rb"<<(?:(?!>>|<<).)*?/Type\s*/Pages\b(?:(?!>>|<<).)*>>", re.DOTALL)
_COUNT = re.compile(rb"/Count\s+(\d+)")


# --- reading -----------------------------------------------------------------------------------


def read_package(data: bytes, source: str) -> Package:
    """A document package (a unit's reply), checked enough to be used: a sender, a recipient,
    each manifest reference resolved to an attachment and each attachment decoded."""
    envelope = _envelope(_root(data, source), source)
    header = _one(_one(envelope, "edXMLHeader", source), "MessageHeader", source)
    sender = _read_organ(_one(header, "From", source), source)
    recipients = tuple(_read_organ(to, source) for to in _all(header, "To"))
    if not recipients:
        raise InputError("the package names no recipient (MessageHeader/To)", source=source,
                         line=header.sourceline)  # fmt: skip
    code = _first(header, "Code")
    promulgation = _first(header, "PromulgationInfo")
    kind = _first(header, "DocumentType")
    signer = _first(header, "SignerInfo")
    other = _first(header, "OtherInfo")
    return Package(
        sender=sender,
        recipients=recipients,
        document_id=_text(header, "DocumentId"),
        code_number=_text(code, "CodeNumber"),
        code_notation=_text(code, "CodeNotation"),
        place=_text(promulgation, "Place"),
        promulgation_date=_day(promulgation, "PromulgationDate", source),
        type_code=_int(kind, "Type", source),
        type_name=_text(kind, "TypeName"),
        subject=_text(header, "Subject"),
        content=_text(header, "Content"),
        signer=Signer(
            _text(signer, "Competence"), _text(signer, "Position"), _text(signer, "FullName")
        ),
        due_date=_day(header, "DueDate", source),
        to_places=tuple(_clean(p.text) for p in _all(_first(header, "ToPlaces"), "Place")),
        priority=_int(other, "Priority", source) or 0,
        sphere=_text(other, "SphereOfPromulgation"),
        typer_notation=_text(other, "TyperNotation"),
        promulgation_amount=_int(other, "PromulgationAmount", source),
        page_amount=_int(other, "PageAmount", source),
        appendixes=tuple(_clean(a.text) for a in _all(_first(other, "Appendixes"), "Appendix")),
        response_for=tuple(_read_response_for(r, source) for r in _all(header, "ResponseFor")),
        attachments=_attachments(envelope, source),
    )


def read_statuses(data: bytes, source: str) -> list[Status]:
    """The status messages of a status package (edXMLHeader/Status), each checked."""
    header = _one(_envelope(_root(data, source), source), "edXMLHeader", source)
    found = list(_all(header, "Status"))
    if not found:
        raise InputError("not a status package: edXMLHeader has no Status", source=source,
                         line=header.sourceline)  # fmt: skip
    return [_read_status(element, source) for element in found]


def _read_status(element: Any, source: str) -> Status:
    answered = _read_response_for(_one(element, "ResponseFor", source), source)
    if not answered.document_id and not answered.code:
        raise InputError("ResponseFor names no document (DocumentId or Code)", source=source,
                         line=element.sourceline)  # fmt: skip
    raw = _one(element, "StatusCode", source)
    code = status_code(_clean(raw.text))
    if code is None:
        known = ", ".join(f"{c} {name.lower()}" for c, (_, name) in STATUSES.items())
        raise InputError(f"StatusCode {_clean(raw.text)!r} is not a status of QCVN 102 ({known})",
                         source=source, line=raw.sourceline)  # fmt: skip
    staff = _first(element, "StaffInfo")
    return Status(
        response_for=answered,
        sender=_read_organ(_one(element, "From", source), source),
        code=code,
        description=_text(element, "Description"),
        timestamp=_moment(_one(element, "Timestamp", source), source),
        department=_text(staff, "Department"),
        staff=_text(staff, "Staff"),
        line=element.sourceline,
    )


def _root(data: bytes, source: str) -> Any:
    if len(data) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // 1024 // 1024} MB", source=source)
    # No entities, no DTD, no network: a package is data from outside.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not XML: {exc.msg}", source=source, line=exc.lineno) from None
    if root.getroottree().docinfo.doctype:
        raise InputError("a DOCTYPE is not allowed in an edXML package", source=source, line=1)
    if root.tag != f"{E}edXML":
        qname = etree.QName(root)
        where = f"in namespace {qname.namespace}" if qname.namespace else "in no namespace"
        raise InputError(
            f"not an edXML package: the root element is {qname.localname} {where}, "
            f"not edXML in {NS} (QCVN 102:2016/BTTTT)",
            source=source,
            line=root.sourceline,
        )
    return root


def _envelope(root: Any, source: str) -> Any:
    return _one(root, "edXMLEnvelope", source)


def _read_organ(element: Any, source: str) -> Organ:
    organ_id = _text(element, "OrganId")
    if not organ_id:
        raise InputError(f"{etree.QName(element).localname} has no OrganId", source=source,
                         line=element.sourceline)  # fmt: skip
    return Organ(
        organ_id=organ_id,
        name=_text(element, "OrganName"),
        in_charge=_text(element, "OrganInCharge") or _text(element, "OrganizationInCharge"),
        address=_text(element, "OrganAdd"),
        email=_text(element, "Email"),
        telephone=_text(element, "Telephone"),
        fax=_text(element, "Fax"),
        website=_text(element, "Website"),
    )


def _read_response_for(element: Any, source: str) -> ResponseFor:
    return ResponseFor(
        organ_id=_text(element, "OrganId"),
        code=_text(element, "Code"),
        promulgation_date=_day(element, "PromulgationDate", source),
        document_id=_text(element, "DocumentId"),
    )


def _attachments(envelope: Any, source: str) -> tuple[Attachment, ...]:
    encoded: dict[str, tuple[Any, bytes]] = {}
    for element in _all_of(envelope.getparent(), "AttachmentEncoded", "Attachment"):
        cid = _cid(_text(element, "ContentId"))
        if not cid:
            raise InputError("an attachment has no ContentId", source=source,
                             line=element.sourceline)  # fmt: skip
        if cid in encoded:
            raise InputError(f"two attachments have the ContentId {cid!r}", source=source,
                             line=element.sourceline)  # fmt: skip
        encoded[cid] = (element, _decoded(element, source))
    body = _first(envelope, "edXMLBody")
    manifest = _first(body, "edXMLManifest")
    if manifest is None:
        manifest = _first(body, "Manifest")
    references = list(_all(manifest, "Reference"))
    order = []
    for reference in references:
        cid = _cid(reference.get(f"{{{XLINK}}}href") or _text(reference, "ContentId"))
        if cid not in encoded:
            raise InputError(f"the manifest references cid:{cid}, which no attachment carries",
                             source=source, line=reference.sourceline)  # fmt: skip
        order.append((cid, reference))
    listed = {cid for cid, _ in order}
    order += [(cid, None) for cid in encoded if cid not in listed]  # not in the manifest
    out = []
    for cid, reference in order:
        element, data = encoded[cid]
        name = _text(element, "AttachmentName") or _text(reference, "AttachmentName")
        if not name:
            raise InputError(f"attachment cid:{cid} has no AttachmentName", source=source,
                             line=element.sourceline)  # fmt: skip
        content_type = _text(element, "ContentType") or _text(reference, "ContentType")
        description = _text(element, "Description") or _text(reference, "Description")
        out.append(Attachment(cid, name, content_type, description, data))
    return tuple(out)


def _decoded(element: Any, source: str) -> bytes:
    carrier = _first(element, "ContentTransferEncoded")
    text = "".join((carrier.text or "").split()) if carrier is not None else ""
    if not text:
        raise InputError("an attachment has no content (ContentTransferEncoded)",
                         source=source, line=element.sourceline)  # fmt: skip
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("an attachment's ContentTransferEncoded is not base64", source=source,
                         line=carrier.sourceline) from None  # fmt: skip


def _cid(value: str | None) -> str:
    text = (value or "").strip()
    if text.lower().startswith("cid:"):
        text = text[4:]
    return text.strip("<>")


# Below the root, an element is matched by its local name in the standard's namespace or in
# none: some systems write `AttachmentEncoded` without one.
def _matches(element: Any, name: str) -> bool:
    return isinstance(element.tag, str) and element.tag in (f"{E}{name}", name)


def _all(parent: Any, name: str) -> Iterator[Any]:
    if parent is None:
        return iter(())
    return (child for child in parent if _matches(child, name))


def _all_of(parent: Any, *path: str) -> Iterator[Any]:
    level: Sequence[Any] = [parent]
    for name in path:
        level = [child for element in level for child in _all(element, name)]
    return iter(level)


def _first(parent: Any, name: str) -> Any:
    return next(_all(parent, name), None)


def _one(parent: Any, name: str, source: str) -> Any:
    found = _first(parent, name)
    if found is None:
        where = etree.QName(parent).localname
        raise InputError(f"{where} has no {name}", source=source, line=parent.sourceline)
    return found


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _text(parent: Any, name: str) -> str:
    found = _first(parent, name)
    return _clean(found.text) if found is not None else ""


def _int(parent: Any, name: str, source: str) -> int | None:
    found = _first(parent, name)
    text = _clean(found.text) if found is not None else ""
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"{name} {text!r} is not a whole number", source=source,
                         line=found.sourceline)  # fmt: skip
    return int(text)


_DAY_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y")


def _day(parent: Any, name: str, source: str) -> date | None:
    found = _first(parent, name)
    text = _clean(found.text) if found is not None else ""
    if not text:
        return None
    head = text[:10]
    for pattern in _DAY_FORMATS:
        try:
            return datetime.strptime(head, pattern).date()
        except ValueError:
            continue
    raise InputError(f"{name} {text!r} is not a date (2026/08/05)", source=source,
                     line=found.sourceline)  # fmt: skip


_MOMENT_FORMATS = ("%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M")


def _moment(element: Any, source: str) -> datetime:
    """A timestamp as the SDKs write them (ISO 8601, or 30/09/2026 10:15:00); a time without
    a zone is Vietnam's."""
    text = _clean(element.text)
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in _MOMENT_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise InputError(f"Timestamp {text!r} is not a date and time (2026-08-05T09:30:00+07:00)",
                         source=source, line=element.sourceline)  # fmt: skip
    return moment if moment.tzinfo else moment.replace(tzinfo=DISPLAY_TZ)
