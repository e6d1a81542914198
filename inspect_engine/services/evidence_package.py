"""A unit's reply as an edXML package (QCVN 102): its filled forms recorded as what it sent.

The sender is the unit whose agency code is the package's `From/OrganId`; the case is the one of
the document it answers (`ResponseFor`), else the unit's case in the campaign named. Every
attachment is decoded and hashed; each workbook (.xlsx) is checked exactly as `evidence import`
checks one, and the workbooks become one `receive_submission` by the unit. Any problem in the
package, an attachment or a form writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from inspect_engine.documents.edxml_xml import read_package
from inspect_engine.documents.xlsx_forms import read_form
from inspect_engine.domain.documents.edxml import XLSX, Attachment, Package
from inspect_engine.domain.documents.forms import FilledForm
from inspect_engine.domain.input_limits import MAX_PACKAGE_BYTES
from inspect_engine.errors import InputError
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.evidence import EvidenceImport, case_forms, record_delivery
from inspect_engine.services.notices.answered import answered_document
from inspect_engine.services.units import read_file
from inspect_engine.storage.document_store import DocumentRecord
from inspect_engine.storage.tables import CaseRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PackageImport:
    delivery: EvidenceImport
    unit_name: str
    answers: str | None  # the number of the document it answers
    attachments: tuple[dict[str, Any], ...]  # name, content_type, size, sha256 of each file

    def to_json(self) -> dict[str, Any]:
        return {
            **self.delivery.to_json(),
            "answers": self.answers,
            "attachments": list(self.attachments),
        }


def import_package(
    uow: UnitOfWork,
    path: Path,
    *,
    campaign: str | None,
    received_on: date | None,
    templates_dir: Path | None,
    clock: Clock = utc_now,
) -> PackageImport:
    """Read the reply package at `path` and record its forms in the case it answers."""
    data = read_file(path, max_bytes=MAX_PACKAGE_BYTES)
    source = str(path)
    package = read_package(data, source)
    with uow:
        unit = _sender_unit(uow, package, source)
        answered = _answered(uow, package, source)
        case_id = _case_of(uow, unit, answered, campaign, source)
        _check_addressee(uow, package, case_id, source)
    if not package.attachments:
        raise InputError("the package has no attachment: nothing to record", source=source)
    forms = case_forms(uow, case_id, templates_dir)
    workbooks: list[tuple[str, FilledForm]] = []
    for item in package.attachments:
        if _is_workbook(item):
            where = f"{source}: attachment {item.name}"
            workbooks.append((item.name, read_form(item.data, where, forms.sheets)))
    if not workbooks:
        names = ", ".join(a.name for a in package.attachments)
        raise InputError(
            f"no appendix workbook (.xlsx) among the attachments ({names}): nothing to record",
            source=source,
        )
    files = tuple(_file(item) for item in package.attachments)
    extra = {"package": _provenance(path, data, package, answered, files)}
    delivery = record_delivery(
        uow, forms, workbooks, source=source, actor=unit.code, role="unit",
        received_on=received_on, documents=[a.name for a in package.attachments], extra=extra,
        clock=clock,
    )  # fmt: skip
    return PackageImport(delivery, unit.name, answered.number if answered else None, files)


def _sender_unit(uow: UnitOfWork, package: Package, source: str) -> UnitRow:
    organ = package.sender
    query = select(UnitRow).where(col(UnitRow.agency_code) == organ.organ_id)
    unit = uow.session.exec(query).first()
    if unit is None:
        named = f" ({organ.name})" if organ.name else ""
        raise InputError(
            f"the package is from {organ.organ_id}{named}, the agency code of no unit: import "
            "the units' agency_code column (`inspect-engine units import FILE`)",
            source=source,
        )
    return unit


def _answered(uow: UnitOfWork, package: Package, source: str) -> DocumentRecord | None:
    if not package.response_for:
        return None
    return answered_document(uow.connection, package.response_for[0], source=source, line=None)


def _case_of(
    uow: UnitOfWork,
    unit: UnitRow,
    answered: DocumentRecord | None,
    campaign: str | None,
    source: str,
) -> int:
    """The case of the document answered (it must be the sender's), else the sender's case in
    `campaign`, or its only case."""
    if answered is not None:
        assert answered.case_id is not None  # the axis only carries documents sent to units
        case = uow.session.get(CaseRow, answered.case_id)
        assert case is not None
        if case.unit_code != unit.code:
            raise InputError(
                f"the package is from {unit.code} ({unit.name}) but answers {answered.number}, "
                f"which was sent to {case.unit_code}",
                source=source,
            )
        if campaign is not None and case.campaign_key != campaign:
            raise InputError(
                f"it answers {answered.number} of campaign {case.campaign_key}, not {campaign}",
                source=source,
            )
        return answered.case_id
    query = select(CaseRow).where(col(CaseRow.unit_code) == unit.code)
    if campaign is not None:
        query = query.where(col(CaseRow.campaign_key) == campaign)
    cases = list(uow.session.exec(query))
    if len(cases) == 1 and cases[0].id is not None:
        return cases[0].id
    if not cases:
        within = f" in campaign {campaign}" if campaign else ""
        raise InputError(f"{unit.code} ({unit.name}) has no case{within}", source=source)
    keys = ", ".join(sorted(c.campaign_key for c in cases))
    raise InputError(
        f"the package answers no document (no ResponseFor) and {unit.code} has cases in "
        f"{keys}: say which with --campaign",
        source=source,
    )


def _check_addressee(uow: UnitOfWork, package: Package, case_id: int, source: str) -> None:
    """The reply goes to the campaign's issuer (when the issuer has an agency code)."""
    case = uow.session.get(CaseRow, case_id)
    assert case is not None
    issuer = campaign_spec(uow.connection, case.campaign_key)[0].issuer
    sent_to = [r.organ_id for r in package.recipients]
    if issuer.agency_code and issuer.agency_code not in sent_to:
        raise InputError(
            f"the package is addressed to {', '.join(sent_to)}, not to {issuer.body} "
            f"({issuer.agency_code}), which runs campaign {case.campaign_key}",
            source=source,
        )


def _is_workbook(item: Attachment) -> bool:
    return item.name.lower().endswith(".xlsx") or item.content_type == XLSX


def _file(item: Attachment) -> dict[str, Any]:
    return {
        "name": item.name,
        "content_type": item.content_type,
        "size": len(item.data),
        "sha256": hashlib.sha256(item.data).hexdigest(),
    }


def _provenance(
    path: Path,
    data: bytes,
    package: Package,
    answered: DocumentRecord | None,
    files: tuple[dict[str, Any], ...],
) -> dict[str, Any]:
    """Where the delivery came from, beside the submission in the event's data."""
    day = package.promulgation_date
    return {
        "file": path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "from": package.sender.organ_id,
        "document_id": package.document_id,
        "number": package.code,
        "date": day.isoformat() if day else None,
        "subject": package.subject,
        "answers": {"id": answered.id, "number": answered.number} if answered else None,
        "attachments": list(files),
    }
