"""The appendix forms of a case: the blank workbook its unit fills in, and the filled one read
back and recorded as what the unit sent (workflow v2's `receive_submission`, its figures in the
audited event). The forms are defined in a template folder's `forms.toml` (docs/evidence.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from inspect_engine.documents.xlsx_forms import read_form, write_form
from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.documents.forms import (
    FilledForm,
    FilledSheet,
    FormDef,
    FormSheet,
    form_sheet,
    parse_forms,
)
from inspect_engine.domain.input_limits import MAX_CAMPAIGN_FILE_BYTES, MAX_WORKBOOK_BYTES
from inspect_engine.domain.text import decode_utf8
from inspect_engine.domain.workflow.inspection_rules import SUBMISSION_TRIGGER
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.campaigns import load_campaign
from inspect_engine.services.cases import Advanced, Request, advance
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.services.units import read_file
from inspect_engine.settings import data_dir
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.tables import CaseRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork

FORMS_FILE = "forms.toml"


@dataclass(frozen=True)
class CaseForms:
    """The forms of the appendices a case's unit must send, made for that unit."""

    case_id: int
    unit_code: str
    unit_name: str
    sheets: tuple[FormSheet, ...]


@dataclass(frozen=True)
class EvidenceImport:
    """A filled workbook recorded as a delivery."""

    advanced: Advanced
    received_on: date
    documents: tuple[str, ...]  # the files' names
    rows: tuple[tuple[str, int], ...]  # (appendix code, filled rows) of each sheet received
    assessed: Mapping[str, Any]  # the engine's {due, on_time, late_working_days, missing_...}

    @property
    def document(self) -> str:
        return ", ".join(self.documents)

    def to_json(self) -> dict[str, Any]:
        done = self.advanced
        return {
            "case_id": done.case_id,
            "unit_code": done.unit_code,
            "trigger": done.trigger,
            "from": done.from_state,
            "to": done.to_state,
            "version": done.version,
            "seq": done.seq,
            "hash": done.hash,
            "received_on": self.received_on.isoformat(),
            "document": self.document,
            "documents": list(self.documents),
            "appendices": [{"code": code, "rows": n} for code, n in self.rows],
            "due": self.assessed.get("due"),
            "on_time": self.assessed.get("on_time"),
            "late_working_days": self.assessed.get("late_working_days"),
            "missing_appendices": list(self.assessed.get("missing_appendices", [])),
        }


def load_forms(templates_dir: Path) -> dict[str, FormDef]:
    """The form definitions of a template folder, by appendix code."""
    path = templates_dir / FORMS_FILE
    text = decode_utf8(read_file(path, max_bytes=MAX_CAMPAIGN_FILE_BYTES), str(path))
    return parse_forms(text, str(path))


def case_forms(uow: UnitOfWork, case_id: int, templates_dir: Path | None) -> CaseForms:
    """The case's unit, and a form for each appendix it must send (the campaign's order).
    Without `templates_dir`, the forms of the campaign's template folder, else the shipped."""
    with uow:
        case = uow.session.get(CaseRow, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        unit = uow.session.get(UnitRow, case.unit_code)
        assert unit is not None  # a case's unit is a foreign key
        _, spec = load_campaign(uow.session, case.campaign_key)
    if templates_dir is None:
        templates_dir = campaign_forms_folder(spec.notices.templates)
    forms = load_forms(templates_dir)
    required = appendices_for(spec, unit.code, unit.kind).required
    if not required:
        raise InputError(
            f"{unit.code} is asked for no appendix in campaign {spec.key}", field="CASE"
        )
    missing = [a.code for a in required if a.code not in forms]
    if missing:
        raise InputError(
            f"no [[forms]] for {', '.join(missing)}, which {unit.code} must send; "
            f"forms: {', '.join(forms)}",
            source=str(templates_dir / FORMS_FILE),
        )
    sheets = tuple(form_sheet(forms[a.code], spec, unit.code, unit.name) for a in required)
    return CaseForms(case_id, unit.code, unit.name, sheets)


def campaign_forms_folder(campaign_templates: str) -> Path:
    """The folder whose forms.toml a campaign uses: its own template folder if it has one."""
    if campaign_templates and (Path(campaign_templates) / FORMS_FILE).is_file():
        return Path(campaign_templates)
    return data_dir("notices")


def write_forms(uow: UnitOfWork, case_id: int, templates_dir: Path | None) -> bytes:
    """The blank XLSX workbook of the case's unit: one sheet per appendix it must send."""
    return write_form(case_forms(uow, case_id, templates_dir).sheets)


@dataclass(frozen=True)
class FilledForms:
    """A filled workbook, checked: the appendices its sheets deliver and their figures."""

    unit_code: str
    document: str  # the file's name
    rows: tuple[tuple[str, int], ...]  # (appendix code, filled rows) of each sheet received
    figures: Mapping[str, Any]

    @property
    def appendices(self) -> list[str]:
        return [code for code, _ in self.rows]


def read_filled_forms(
    uow: UnitOfWork, case_id: int, data: bytes, name: str, templates_dir: Path | None
) -> FilledForms:
    """Check a filled workbook against the case's forms, all of it, without recording anything.
    `name` is what errors name (the path, or an uploaded file's name)."""
    forms = case_forms(uow, case_id, templates_dir)
    filled = read_form(data, name, forms.sheets)
    received = filled.filled
    if not received:
        raise InputError("no row is filled in: nothing to record", source=name)
    return FilledForms(
        unit_code=forms.unit_code,
        document=Path(name).name,
        rows=tuple((s.code, len(s.rows)) for s in received),
        figures=filled.figures(),
    )


def record_submission(
    uow: UnitOfWork,
    case_id: int,
    submission: Mapping[str, Any],
    *,
    actor: str,
    role: str,
    clock: Clock = utc_now,
) -> tuple[Advanced, dict[str, Any]]:
    """Record a delivery (`receive_submission`) and return it with what the engine assessed
    of it (on time or late, what is still missing). The workflow may refuse it: nothing is
    recorded then."""
    request = Request(SUBMISSION_TRIGGER, actor, role, {"submission": dict(submission)})
    done = advance(uow, case_id, request, clock=clock)
    with uow:
        events = EventStore(uow.connection).events(case_id)
    event = next(e for e in events if e.seq == done.seq)
    return done, dict(event.payload.get("assessed", {}))


def import_evidence(
    uow: UnitOfWork,
    case_id: int,
    path: Path,
    *,
    actor: str | None,
    role: str,
    received_on: date | None,
    templates_dir: Path | None,
    figures_as_of: date | None = None,
    clock: Clock = utc_now,
) -> EvidenceImport:
    """Check the whole workbook, then record it as one delivery: `receive_submission` with the
    appendices whose sheets were filled, the file's name and their figures. Any problem, in the
    file or refused by the workflow, leaves the case as it was.

    `actor` defaults to the unit's code when the unit itself (`role` "unit") delivers;
    `received_on` to today in Vietnam; `figures_as_of` is the day the figures are counted up
    to, when the unit says."""
    filled = read_filled_forms(
        uow, case_id, read_file(path, max_bytes=MAX_WORKBOOK_BYTES), str(path), templates_dir
    )
    if actor is None:
        if role != "unit":
            raise InputError(f"say who records it as {role}", field="--actor")
        actor = filled.unit_code
    day = received_on or local_today(clock)
    submission: dict[str, Any] = {
        "received_on": day.isoformat(),
        "appendices": filled.appendices,
        "documents": [path.name],
        "figures": dict(filled.figures),
    }
    if figures_as_of is not None:
        submission["figures_as_of"] = figures_as_of.isoformat()
    done, assessed = record_submission(
        uow, case_id, submission, actor=actor, role=role, clock=clock
    )
    return EvidenceImport(
        advanced=done,
        received_on=day,
        documents=(path.name,),
        rows=filled.rows,
        assessed=assessed,
    )


def record_delivery(
    uow: UnitOfWork,
    forms: CaseForms,
    workbooks: Sequence[tuple[str, FilledForm]],
    *,
    source: str,
    actor: str | None,
    role: str,
    received_on: date | None,
    documents: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    clock: Clock = utc_now,
) -> EvidenceImport:
    """Record workbooks read with `read_form` against the case's `forms` as one delivery (the
    rest of `import_evidence`, shared with `evidence import-package`): the appendices filled in
    them, `documents` (default: the workbooks' names) and, beside the submission in the event's
    data, `extra`. An appendix filled in two of the workbooks is refused."""
    received: list[FilledSheet] = []
    where: dict[str, str] = {}
    for name, filled in workbooks:
        for sheet in filled.filled:
            if sheet.code in where:
                raise InputError(
                    f"{sheet.code} is filled in both {where[sheet.code]} and {name}: "
                    "send one workbook per appendix",
                    source=source,
                )
            where[sheet.code] = name
            received.append(sheet)
    if not received:
        raise InputError("no row is filled in: nothing to record", source=source)
    if actor is None:
        if role != "unit":
            raise InputError(f"say who records it as {role}", field="--actor")
        actor = forms.unit_code
    day = received_on or local_today(clock)
    names = tuple(documents) or tuple(name for name, _ in workbooks)
    submission = {
        "received_on": day.isoformat(),
        "appendices": [s.code for s in received],
        "documents": list(names),
        "figures": {s.code: [dict(row) for row in s.rows] for s in received},
    }
    request = Request(SUBMISSION_TRIGGER, actor, role, {**(extra or {}), "submission": submission})
    done = advance(uow, forms.case_id, request, clock=clock)
    with uow:
        events = EventStore(uow.connection).events(forms.case_id)
    event = next(e for e in events if e.seq == done.seq)
    return EvidenceImport(
        advanced=done,
        received_on=day,
        documents=names,
        rows=tuple((s.code, len(s.rows)) for s in received),
        assessed=dict(event.payload.get("assessed", {})),
    )
