"""Which issued document a message from the document axis answers (its `ResponseFor`): the
DocumentId the engine wrote ("000.00.01.H26,2026/08/05,128/TB-SNV"), else its number, date and
issuer's agency code."""

from __future__ import annotations

from sqlalchemy import Connection

from inspect_engine.domain.documents.edxml import ResponseFor, parse_document_id
from inspect_engine.errors import InputError
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.storage.document_store import DocumentRecord, DocumentStore


def answered_document(
    conn: Connection, answered: ResponseFor, *, source: str, line: int | None
) -> DocumentRecord:
    """The issued document `answered` names; InputError (file and line) when this database
    issued no such document."""
    organ, day, number = answered.organ_id, answered.promulgation_date, answered.code
    parsed = parse_document_id(answered.document_id) if answered.document_id else None
    if parsed is not None:
        organ, day, number = parsed
    if not number:
        raise InputError("ResponseFor names no document number", source=source, line=line)
    found = [
        record
        for record in DocumentStore(conn).with_number(number)
        if (day is None or record.issued_on == day)
        and (not organ or campaign_spec(conn, record.campaign_key)[0].issuer.agency_code == organ)
    ]
    if not found:
        when = f" of {day:%d/%m/%Y}" if day else ""
        by = f" by {organ}" if organ else ""
        raise InputError(
            f"no document {number}{when} was issued{by} in this database: "
            "it answers a document the engine did not send",
            source=source,
            line=line,
        )
    if len(found) > 1:
        campaigns = ", ".join(sorted({r.campaign_key for r in found}))
        raise InputError(
            f"{number} names documents of several campaigns ({campaigns}): "
            "give its date in ResponseFor/PromulgationDate",
            source=source,
            line=line,
        )
    return found[0]
