"""edXML packages of the issued documents: one per document and recipient, ready for the
agency's e-office system to sign and send on the document axis (docs/edxml.md).

Every value comes from what is stored: the letter as issued (its number, date, text, signer,
Nơi nhận, appendices), the case's log (the due date the letter states), the recipient unit's
row (its agency code, name, parent, address) and the campaign's issuer. The PDF is rendered
from the stored letter by the same function as `notices render`, so the package carries the
bytes the engine renders for that document; an announcement also carries the unit's forms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from inspect_engine.documents.edxml_xml import package_xml, pdf_pages
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.documents import edxml
from inspect_engine.domain.documents.kinds import KINDS
from inspect_engine.domain.documents.letter import Figure, Letter, Paragraph
from inspect_engine.domain.events import Event
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.campaigns import load_campaign
from inspect_engine.services.notices import rendering
from inspect_engine.services.notices.file_names import folder_name
from inspect_engine.services.notices.issuing import ISSUE_TRIGGER
from inspect_engine.services.notices.records import file_stem, slug
from inspect_engine.storage.document_store import ISSUED, DocumentRecord, DocumentStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.tables import CaseRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from inspect_engine.services.signing.pdf_signing import SignRequest
    from inspect_engine.services.signing.prepare import Signing

EXTENSION = "edxml"
# The documents whose unit gets its appendix workbook with them (as `notices package` does).
WITH_FORMS = ("thong-bao-kiem-tra", "cong-van-kiem-tra")
# The deadline a kind of document asks the unit to meet: its DueDate.
DUE = {
    "thong-bao-kiem-tra": "submission_due",
    "cong-van-kiem-tra": "submission_due",
    "thong-bao-doi-lich": "submission_due",
    "nhac-nop-bao-cao": "submission_due",
    "thong-bao-ket-luan": "remediation_report_due",
    "nhac-bao-cao-khac-phuc": "remediation_report_due",
}


@dataclass(frozen=True)
class Recipient:
    unit_code: str
    name: str
    agency_code: str
    in_charge: str  # the parent unit's name
    address: str


@dataclass(frozen=True)
class EdxmlWritten:
    paths: list[Path]
    documents: list[DocumentRecord]  # those packaged, in the order of `paths`
    refused: list[str]  # "STP (Sở Tư pháp)": units without an agency code, not packaged


class MissingAgencyCodes(InputError):
    """Some units have no agency code: their packages were not written (the others were)."""

    def __init__(self, message: str, written: EdxmlWritten) -> None:
        super().__init__(message)
        self.written = written


def write_edxml(
    uow: UnitOfWork,
    key: str,
    out: Path,
    *,
    unit_code: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    signing: Signing | None = None,
    signed_at: Callable[[DocumentRecord], datetime] | None = None,
) -> EdxmlWritten:
    """Write `out/<unit folder>/<date_number_kind>.edxml` for each issued document of campaign
    `key` sent to a unit (only `unit_code`'s, if given). A unit without an agency code gets no
    package: the others are written, then `MissingAgencyCodes` says which units and what to do.

    With `signing`, the PDF inside is signed as `notices package` signs its PDFs (at
    `signed_at(record)`, default the signing's time).

    Example (the demo): `write_edxml(uow, "hanoi-2026", Path("demo/edxml"), unit_code="STP")`.
    """
    with uow:
        _, spec = load_campaign(uow.session, key)
        if not spec.issuer.agency_code:
            raise InputError(
                f"campaign {key}'s [issuer] has no agency_code (its mã định danh), the sender "
                "of every edXML package: give it in the campaign file (docs/campaign-format.md)"
            )
        records = [
            r
            for r in DocumentStore(uow.connection).list(key)
            if r.status == ISSUED and r.case_id is not None
        ]
        recipients = _recipients(uow, key)
        if unit_code is not None:
            if unit_code not in {r.unit_code for r in recipients.values()}:
                raise NotFound(f"unit {unit_code!r} has no case in campaign {key}", field="--unit")
            records = [r for r in records if recipients[_case(r)].unit_code == unit_code]
        history = _histories(uow, key, {_case(r) for r in records})
        sender = _sender(uow, spec)
    missing = sorted(
        {
            (u.unit_code, u.name)
            for u in (recipients[_case(r)] for r in records)
            if not u.agency_code
        }
    )
    records = [r for r in records if recipients[_case(r)].agency_code]
    forms = _forms(uow, records)
    requests = [
        None
        if signing is None
        else signing.request(
            r.content,
            draft=r.status != ISSUED,
            at=signed_at(r) if signed_at is not None else None,
        )
        for r in records
    ]
    pdfs = _render_pdfs([Letter.from_json(r.content) for r in records], requests)
    paths = []
    for i, (record, pdf) in enumerate(zip(records, pdfs, strict=True), start=1):
        unit = recipients[_case(record)]
        workbook = forms.get(_case(record)) if record.kind in WITH_FORMS else None
        package = build_package(record, spec, sender, unit, pdf, workbook, history[_case(record)])
        path = out / folder_name(unit.unit_code, unit.name) / f"{file_stem(record)}.{EXTENSION}"
        _write(path, package_xml(package))
        paths.append(path)
        if progress:
            progress(i, len(records))
    written = EdxmlWritten(paths, records, [f"{code} ({name})" for code, name in missing])
    if missing:
        units = ", ".join(written.refused[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise MissingAgencyCodes(
            f"no edXML package for {units}: no agency code (mã định danh); add the agency_code "
            "column to the units file and import it with `inspect-engine units import FILE`"
            f" ({len(paths)} other packages written)",
            written,
        )
    return written


def build_package(
    record: DocumentRecord,
    spec: CampaignSpec,
    sender: edxml.Organ,
    unit: Recipient,
    pdf: bytes,
    forms: bytes | None,
    history: Sequence[Event],
) -> edxml.Package:
    """The package of one issued document to its unit (see docs/edxml.md for each field)."""
    assert record.number is not None and record.issued_on is not None  # issued, not a draft
    letter = Letter.from_json(record.content)
    kind = KINDS[record.kind]
    type_name = (kind.type_name or "CÔNG VĂN").capitalize()
    signer = letter.signers[-1]  # the issuer's box: on the right, after the unit's in a Biên bản
    places = _to_places(letter)
    number_slug = slug(record.number)
    attachments = [
        edxml.Attachment(
            f"{number_slug}-1@{sender.organ_id}",
            f"{file_stem(record)}.pdf",
            edxml.PDF,
            f"{type_name} số {record.number}: {letter.summary}",
            pdf,
        )
    ]
    if forms is not None:
        codes = [a.label for a in letter.appendices]
        attachments.append(
            edxml.Attachment(
                f"{number_slug}-2@{sender.organ_id}",
                f"phu-luc_{slug(unit.unit_code)}.xlsx",
                edxml.XLSX,
                f"Biểu mẫu phụ lục (tệp Excel) của {unit.name}: {', '.join(codes)}",
                forms,
            )
        )
    number, notation = edxml.split_number(record.number)
    return edxml.Package(
        sender=sender,
        recipients=(edxml.Organ(unit.agency_code, unit.name, unit.in_charge, unit.address),),
        document_id=edxml.document_id(sender.organ_id, record.issued_on, record.number),
        code_number=number,
        code_notation=notation,
        place=letter.place_date.partition(", ngày")[0] or spec.issuer.place,
        promulgation_date=record.issued_on,
        type_code=edxml.ADMINISTRATIVE_TYPES.get(type_name),
        type_name=type_name,
        subject=letter.summary,
        content=_body_text(letter),
        signer=edxml.Signer(signer.authority, _position(signer.title, spec), signer.name),
        due_date=due_date(record, history),
        to_places=places,
        promulgation_amount=len(places) or None,  # a Biên bản has no Nơi nhận
        page_amount=pdf_pages(pdf),
        appendixes=tuple(f"{a.label}: {a.title}" for a in letter.appendices),
        attachments=tuple(attachments),
    )


def due_date(record: DocumentRecord, history: Sequence[Event]) -> date | None:
    """The due date of the deadline the document asks its unit to meet, as the log stood when
    the document was issued (started and neither ended nor passed by then); None for a kind
    that asks for nothing by a date."""
    deadline = DUE.get(record.kind)
    if deadline is None:
        return None
    due: date | None = None
    for event in _until_issued(record, history):
        if (
            event.trigger == "deadline"
            and event.payload.get("deadline", {}).get("kind") == deadline
        ):
            due = None  # it passed
        for effect in event.effects:
            args = effect.get("args", {})
            if args.get("deadline") != deadline:
                continue
            if effect.get("effect") == "start_deadline" and isinstance(args.get("due"), str):
                due = date.fromisoformat(args["due"])
            elif effect.get("effect") == "cancel_deadline":
                due = None
    return due


def _until_issued(record: DocumentRecord, history: Sequence[Event]) -> Sequence[Event]:
    """The case's events up to the one recording this document's issue (else up to its cause)."""
    for i, event in enumerate(history):
        if event.trigger == ISSUE_TRIGGER and event.payload.get("document", {}).get("id") == (
            record.id
        ):
            return history[: i + 1]
    return [e for e in history if record.source_seq is None or e.seq <= record.source_seq]


def _position(title: str, spec: CampaignSpec) -> str:
    """The signer's position as the campaign writes it ("Phó Giám đốc"), where the letter has it
    in the capitals of its signature box."""
    written = spec.issuer.signer_title
    return written if written.upper() == title else title


def _to_places(letter: Letter) -> tuple[str, ...]:
    """Nơi nhận without the archive's copy ("Lưu: VT, CCHC."), "Như trên" as the addressees."""
    places: list[str] = []
    for line in letter.recipients:
        text = line.strip().removeprefix("-").strip().rstrip(";.").strip()
        if not text or text.startswith("Lưu"):
            continue
        if text == "Như trên":
            places += [a.strip().rstrip(";.") for a in letter.addressees]
        else:
            places.append(text)
    return tuple(places)


def _body_text(letter: Letter) -> str:
    """The letter's body (Content), one paragraph a line; a table row's cells joined by " | "."""
    lines = []
    for block in letter.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Figure):
            lines += [block.caption] if block.caption else []
        else:
            lines += [" | ".join(row) for row in block.rows]
    return "\n".join(lines)


def _case(record: DocumentRecord) -> int:
    assert record.case_id is not None
    return record.case_id


def _recipients(uow: UnitOfWork, key: str) -> dict[int, Recipient]:
    """Each case's unit as a recipient: its agency code, name, parent's name and address."""
    from sqlmodel import col, select

    units = {u.code: u for u in uow.session.exec(select(UnitRow))}
    out: dict[int, Recipient] = {}
    query = select(CaseRow.id, CaseRow.unit_code).where(col(CaseRow.campaign_key) == key)
    for case_id, code in uow.session.exec(query):
        unit = units[code]
        parent = units.get(unit.parent_code) if unit.parent_code else None
        assert case_id is not None  # a stored case's key
        out[case_id] = Recipient(
            unit.code, unit.name, unit.agency_code, parent.name if parent else "", unit.address
        )
    return out


def _sender(uow: UnitOfWork, spec: CampaignSpec) -> edxml.Organ:
    """The issuer: the campaign's [issuer] with its contact, and its address from the unit
    that has its agency code, if one does."""
    from sqlmodel import col, select

    issuer = spec.issuer
    query = select(UnitRow).where(col(UnitRow.agency_code) == issuer.agency_code)
    own = uow.session.exec(query).first()
    contact = issuer.contact
    return edxml.Organ(
        issuer.agency_code,
        issuer.body,
        issuer.parent_body,
        own.address if own else "",
        email=contact.email if contact else "",
        telephone=contact.phone if contact else "",
    )


def _histories(uow: UnitOfWork, key: str, cases: set[int]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {case: [] for case in cases}
    for event in EventStore(uow.connection).campaign_events(key):
        if event.case_id in out:
            out[event.case_id].append(event)
    for events in out.values():
        events.sort(key=lambda e: e.seq)
    return out


def _forms(uow: UnitOfWork, records: Sequence[DocumentRecord]) -> dict[int, bytes]:
    """The appendix workbook of each case whose announcement is packaged."""
    from inspect_engine.services import evidence

    cases = sorted({_case(r) for r in records if r.kind in WITH_FORMS})
    return {case: evidence.write_forms(uow, case, None) for case in cases}


def _render_pdfs(letters: list[Letter], requests: Sequence[SignRequest | None]) -> list[bytes]:
    """Each letter's PDF (signed as its request says), on every core when there are enough
    to pay for the processes."""
    render = partial(rendering.render, fmt="pdf")
    if len(letters) < 8 or rendering.workers() == 1:
        return [render(letter, signing=req) for letter, req in zip(letters, requests, strict=True)]
    with ProcessPoolExecutor(max_workers=rendering.workers()) as pool:
        return list(pool.map(_render_one, letters, requests, chunksize=4))


def _render_one(letter: Letter, request: SignRequest | None) -> bytes:
    return rendering.render(letter, "pdf", request)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a killed run leaves no half-written package under the real name
