"""Reading the issued documents, and the records office's numbers for drafts it numbered."""

from __future__ import annotations

from datetime import date
from typing import Any

from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.kinds import KINDS
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.clock import Clock, utc_now

# Re-exported: other modules have long imported the file names from here.
from inspect_engine.services.notices.file_names import file_stem as file_stem
from inspect_engine.services.notices.file_names import slug as slug
from inspect_engine.services.notices.issuing import content_hash, record_in_case
from inspect_engine.storage.document_store import DocumentRecord, DocumentStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


def list_documents(
    uow: UnitOfWork, key: str, *, case_id: int | None = None, kind: str | None = None
) -> list[DocumentRecord]:
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}", field="--kind")
    with uow:
        if not EventStore(uow.connection).has_campaign(key):
            raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
        return DocumentStore(uow.connection).list(key, case_id=case_id, kind=kind)


def get_document(uow: UnitOfWork, document_id: int) -> DocumentRecord:
    with uow:
        found = DocumentStore(uow.connection).get(document_id)
    if found is None:
        raise NotFound(
            f"no document {document_id}; see `inspect-engine notices list KEY`", field="ID"
        )
    return found


def letter_of(record: DocumentRecord) -> Letter:
    return Letter.from_json(record.content)


def document_json(record: DocumentRecord, *, content: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id,
        "campaign": record.campaign_key,
        "case": record.case_id,
        "kind": record.kind,
        "number": record.number,
        "issued_on": record.issued_on.isoformat() if record.issued_on else None,
        "status": record.status,
        "source": record.source_key,
        "content_hash": record.content_hash,
        "template": record.template,
        "recorded_by": record.recorded_by,
    }
    if content:
        data["letter"] = record.content
    return data


def record_number(
    uow: UnitOfWork, document_id: int, number: int, issued_on: date, *, clock: Clock = utc_now
) -> DocumentRecord:
    """The records office numbered and dated a draft after signing: the document takes that
    number and date (its letter says them), and the register never gives the number again."""
    with uow:
        store = DocumentStore(uow.connection)
        record = store.get(document_id)
        if record is None:
            raise NotFound(f"no document {document_id}", field="ID")
        if record.status != "awaiting_number":
            raise InputError(
                f"document {document_id} already has its number {record.number}", field="ID"
            )
        if number < 1:
            raise InputError("a number starts at 1", field="--number")
        if issued_on.year != record.year:
            raise InputError(
                f"the date {issued_on:%d/%m/%Y} is not in the document's year {record.year}",
                field="--date",
            )
        code = record.content["number"].removeprefix("Số:").strip().lstrip("/")
        text = vn_format.so_ky_hieu(number, code)
        # The draft left the number and the date blank wherever it said them (the number line,
        # the date line, each appendix's "(Kèm theo ...)"): the office's fill them in.
        blanks = {
            vn_format.so_ky_hieu(None, code): text,
            vn_format.BLANK_DATE: vn_format.ngay(issued_on),
        }
        numbered = Letter.from_json(_filled(record.content, blanks))
        store.record_number(record.issuer_code, record.year, record.series, number)
        digest = content_hash(numbered)
        store.set_number(document_id, number, text, issued_on, numbered.to_json(), digest)
        if record.case_id is not None:
            record_in_case(
                uow,
                record.case_id,
                {"id": document_id, "kind": record.kind, "number": text,
                 "content_hash": digest, "source": record.source_key},
                actor="records office", at=clock(),
            )  # fmt: skip
        uow.commit()
        updated = store.get(document_id)
    assert updated is not None
    return updated


def _filled(value: Any, blanks: dict[str, str]) -> Any:
    if isinstance(value, str):
        for blank, given in blanks.items():
            value = value.replace(blank, given)
        return value
    if isinstance(value, list):
        return [_filled(v, blanks) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, blanks) for k, v in value.items()}
    return value


def case_units(uow: UnitOfWork, key: str) -> dict[int, tuple[str, str]]:
    """Each case's unit (code, name), for file and folder names."""
    from sqlalchemy import text

    with uow:
        rows = uow.connection.execute(
            text(
                "SELECT c.id, u.code, u.name FROM inspection_case c JOIN unit u "
                "ON u.code = c.unit_code WHERE c.campaign_key = :key"
            ),
            {"key": key},
        )
        return {case_id: (code, name) for case_id, code, name in rows}
