"""`audit timeline CASE`: who did what in a case, in which role, when and why, with the documents
each step issued: as English text for the CLI, or as one self-contained HTML page with
Vietnamese labels (`documents/layouts/timeline.html.j2`).

The steps are the case's sealed events and the chain is checked as `case show` checks it, so a
damaged history says so on the page. A document is linked where `notices package` writes it
(`<unit folder>/<date_number_kind>.pdf`), and the page carries its number, date, summary, sealed
hash and words, so it is useful without the files.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text

from inspect_engine.domain.documents.kinds import KINDS
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.domain.event_summary import summarize
from inspect_engine.domain.events import Event, as_utc, canonical
from inspect_engine.domain.timeline_text import RESERVED_STEPS, details, reasons
from inspect_engine.domain.vn_labels import DEADLINE_NAMES, ROLE_NAMES, STATE_NAMES
from inspect_engine.domain.workflow.model import WorkflowDefinition
from inspect_engine.services import workflows
from inspect_engine.services.audit import show_case
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.notices.file_names import file_stem, folder_name
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.document_store import ISSUED, DocumentRecord, DocumentStore
from inspect_engine.storage.uow import UnitOfWork

FILE_FORMATS = ("pdf", "docx")  # what `notices package` writes by default, the PDF first
_PROBLEM_AT = re.compile(r"case (\d+) event (\d+)")  # how a verification problem names a step


@dataclass(frozen=True)
class LinkedDocument:
    id: int
    kind: str
    kind_label: str  # English
    type_name: str  # Vietnamese: Thông báo, Biên bản, Công văn
    number: str | None
    issued_on: date | None
    summary: str
    status: str
    sealed_hash: str  # the content hash its `issue_document` event sealed ("" if none did)
    sealed_as_draft: bool  # the event sealed it without a number (the records office numbers it)
    stored_hash: str  # the hash of the letter stored now
    files: tuple[str, ...]  # where `notices package` puts it, relative to the package folder
    links: tuple[str, ...]  # the same, as links relative to the page (URL-quoted)
    words: str  # the letter's text

    @property
    def seal(self) -> str:
        """`match`: the stored letter is the one its event sealed; `mismatch`: it is not;
        `numbered_later`: sealed as a draft, numbered since by the records office, so its words
        changed (number and date) and the hashes cannot be compared; `unsealed`: no event of
        the case names it."""
        if not self.sealed_hash:
            return "unsealed"
        if self.sealed_hash == self.stored_hash:
            return "match"
        return "numbered_later" if self.sealed_as_draft and self.number else "mismatch"


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    actor: str
    role: str
    trigger: str
    from_state: str
    to_state: str
    step: str  # Vietnamese: the transition's label in the workflow version then in force
    summary: str  # English, one line (`case show`)
    details: tuple[str, ...]  # Vietnamese
    reasons: tuple[str, ...]
    documents: tuple[LinkedDocument, ...]  # issued by this step
    caused: tuple[LinkedDocument, ...]  # asked for by this step, issued later
    workflow_version: int
    hash: str

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def from_name(self) -> str:
        return STATE_NAMES.get(self.from_state, self.from_state)

    @property
    def to_name(self) -> str:
        return STATE_NAMES.get(self.to_state, self.to_state)


@dataclass(frozen=True)
class Timeline:
    case_id: int
    campaign_key: str
    campaign_title: str
    unit_code: str
    unit_name: str
    state: str
    workflow: str
    workflow_version: int
    entries: tuple[TimelineEntry, ...]
    documents: tuple[LinkedDocument, ...]  # every document of the case, in the order issued
    problems: tuple[str, ...]  # what the chain check found; () when valid
    made_at: datetime

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


def case_timeline(
    uow: UnitOfWork,
    case_id: int,
    *,
    package_dir: Path | None = None,
    page_dir: Path | None = None,
    clock: Clock = utc_now,
) -> Timeline:
    """The case's timeline. Links to the files go from `page_dir` (where the page is written) to
    `package_dir` (where `notices package` wrote the campaign's documents; default: beside the
    page)."""
    view = show_case(uow, case_id)  # the history, its chain checked as `case show` does
    with uow:
        conn = uow.connection
        title = campaign_spec(conn, view.campaign_key)[0].title
        unit_name = conn.execute(
            text("SELECT name FROM unit WHERE code = :code"), {"code": view.unit_code}
        ).scalar()
        records = DocumentStore(conn).list(view.campaign_key, case_id=case_id)
        defns = {
            (e.workflow, e.workflow_version): workflows.stored(conn, e.workflow, e.workflow_version)
            for e in view.events
        }
    sealed = _sealed(view.events)
    folder = folder_name(view.unit_code, unit_name or "")
    page = page_dir or Path(".")
    package = package_dir if package_dir is not None else page
    linked = {
        r.id: _linked(r, sealed.get(r.id, ("", False)), folder, package, page) for r in records
    }
    by_source = {r.source_key: linked[r.id] for r in records}
    entries = tuple(
        _entry(e, defns[(e.workflow, e.workflow_version)], linked, by_source) for e in view.events
    )
    return Timeline(
        view.id,
        view.campaign_key,
        title,
        view.unit_code,
        unit_name or "",
        view.state,
        view.workflow,
        view.workflow_version,
        entries,
        tuple(linked.values()),
        tuple(view.problems),
        clock(),
    )


def _sealed(events: list[Event]) -> dict[int, tuple[str, bool]]:
    """Each document's content hash as its `issue_document` event sealed it, and whether it was
    sealed as a draft (without a number)."""
    out = {}
    for e in events:
        doc = e.payload.get("document") if e.trigger == "issue_document" else None
        if isinstance(doc, dict) and isinstance(doc.get("id"), int):
            out[doc["id"]] = (str(doc.get("content_hash", "")), doc.get("number") is None)
    return out


def _linked(
    record: DocumentRecord, sealed: tuple[str, bool], folder: str, package: Path, page: Path
) -> LinkedDocument:
    kind = KINDS.get(record.kind)
    files: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    if record.status == ISSUED:  # `notices package` writes the issued ones only
        stem = file_stem(record)
        files = tuple(f"{folder}/{stem}.{fmt}" for fmt in FILE_FORMATS)
        links = tuple(quote(Path(os.path.relpath(package / f, page)).as_posix()) for f in files)
    try:
        words = Letter.from_json(record.content).all_text()
    except (KeyError, TypeError, ValueError):  # a letter of a shape this version cannot read
        words = ""
    return LinkedDocument(
        record.id,
        record.kind,
        kind.label if kind else record.kind,
        (kind.type_name.capitalize() if kind and kind.type_name else "Công văn"),
        record.number,
        record.issued_on,
        str(record.content.get("summary", "")),
        record.status,
        *sealed,
        hashlib.sha256(canonical(record.content)).hexdigest(),
        files,
        links,
        words,
    )


def step_label(defn: WorkflowDefinition, event: Event) -> str:
    """The transition's label in the definition the event ran on; the engine's own steps (open,
    issue_document, deadline, migrate) have theirs."""
    if event.trigger == "deadline":
        passed = event.payload.get("deadline")
        kind = str(passed.get("kind", "")) if isinstance(passed, dict) else ""
        return f"{RESERVED_STEPS['deadline']}: {DEADLINE_NAMES.get(kind, kind or 'hạn')}"
    for t in defn.transitions_for(event.trigger, event.from_state):
        if t.dest_from(event.from_state) == event.to_state and t.label:
            return t.label
    return RESERVED_STEPS.get(event.trigger, event.trigger)


def _entry(
    event: Event,
    defn: WorkflowDefinition,
    linked: dict[int, LinkedDocument],
    by_source: dict[str, LinkedDocument],
) -> TimelineEntry:
    documents: tuple[LinkedDocument, ...] = ()
    doc = event.payload.get("document") if event.trigger == "issue_document" else None
    if isinstance(doc, dict) and doc.get("id") in linked:
        documents = (linked[doc["id"]],)
    said = tuple(details(event))
    if documents:  # what the document is, in its own words
        d = documents[0]
        said = (
            f"{d.type_name} số {d.number or '(chưa cấp số)'}",
            *([d.summary] if d.summary else []),
        )
    prefix = f"event:{event.case_id}:{event.seq}:"
    caused = tuple(d for source, d in by_source.items() if source.startswith(prefix))
    return TimelineEntry(
        event.seq,
        as_utc(event.at).astimezone(DISPLAY_TZ),
        event.actor,
        event.role,
        event.trigger,
        event.from_state,
        event.to_state,
        step_label(defn, event),
        summarize(event),
        said,
        tuple(reasons(event)),
        documents,
        caused,
        event.workflow_version,
        event.hash,
    )


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    """`audit timeline --json` (docs/json.md)."""
    return {
        "case": timeline.case_id,
        "campaign": timeline.campaign_key,
        "unit_code": timeline.unit_code,
        "unit_name": timeline.unit_name,
        "state": timeline.state,
        "workflow": timeline.workflow,
        "workflow_version": timeline.workflow_version,
        "chain_valid": not timeline.problems,
        "problems": list(timeline.problems),
        "steps": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "role": e.role,
                "trigger": e.trigger,
                "from": e.from_state,
                "to": e.to_state,
                "step": e.step,
                "summary": e.summary,
                "reasons": list(e.reasons),
                "documents": [d.id for d in e.documents],
                "workflow_version": e.workflow_version,
                "hash": e.hash,
            }
            for e in timeline.entries
        ],
        "documents": [
            {
                "id": d.id,
                "kind": d.kind,
                "number": d.number,
                "issued_on": d.issued_on.isoformat() if d.issued_on else None,
                "summary": d.summary,
                "status": d.status,
                "sealed_hash": d.sealed_hash or None,
                "seal": d.seal,
                "files": list(d.files),
            }
            for d in timeline.documents
        ],
    }


SEALS = {
    "match": "Khớp mã băm đã niêm phong trong nhật ký",
    "mismatch": "KHÔNG khớp mã băm đã niêm phong: nội dung đã bị thay đổi sau khi ban hành",
    "numbered_later": "Niêm phong khi là dự thảo; văn thư cấp số, ngày sau đó",
    "unsealed": "Không có bước nào của hồ sơ ghi nhận văn bản này",
}


def timeline_page(timeline: Timeline) -> str:
    """The page (`documents/layouts/timeline.html.j2`)."""
    from inspect_engine.documents.timeline_layout import render_timeline

    step_of = {d.id: e.seq for e in timeline.entries for d in e.documents}
    documents = [
        {
            "id": d.id,
            "kind": d.kind,
            "type_name": d.type_name,
            "number": d.number or "(chưa cấp số)",
            "issued_on": f"{d.issued_on:%d/%m/%Y}" if d.issued_on else "",
            "summary": d.summary,
            "step": step_of.get(d.id),
            "sealed_hash": d.sealed_hash,
            "stored_hash": d.stored_hash,
            "seal": d.seal,
            "seal_text": SEALS[d.seal],
            "files": [
                {"href": href, "label": path.rsplit(".", 1)[1].upper()}
                for path, href in zip(d.files, d.links, strict=True)
            ],
            "words": d.words,
        }
        for d in timeline.documents
    ]
    damaged = {
        int(m.group(2))
        for p in timeline.problems
        if (m := _PROBLEM_AT.search(p)) and int(m.group(1)) == timeline.case_id
    }
    steps = []
    version = None
    for e in timeline.entries:
        steps.append(
            {
                "seq": e.seq,
                "at": f"{e.at:%d/%m/%Y %H:%M}",
                "actor": e.actor,
                "role": e.role,
                "role_name": e.role_name,
                "step": e.step,
                "workflow_version": e.workflow_version,
                "version_changed": version is not None and e.workflow_version != version,
                "opened": not e.from_state,
                "damaged": e.seq in damaged,
                "moved": e.from_state != e.to_state,
                "from_name": e.from_name or "—",
                "to_name": e.to_name,
                "details": e.details,
                "reasons": e.reasons,
                "documents": [
                    {"id": d.id, "number": d.number or "(chưa cấp số)"} for d in e.documents
                ],
                "caused": [{"id": d.id, "number": d.number or "(chưa cấp số)"} for d in e.caused],
            }
        )
        version = e.workflow_version
    case = {
        "id": timeline.case_id,
        "campaign_key": timeline.campaign_key,
        "campaign_title": timeline.campaign_title,
        "unit_code": timeline.unit_code,
        "unit_name": timeline.unit_name,
        "state_name": timeline.state_name,
        "workflow": timeline.workflow,
        "workflow_version": timeline.workflow_version,
        "head": timeline.entries[-1].hash if timeline.entries else "",
        "made_at": f"{as_utc(timeline.made_at).astimezone(DISPLAY_TZ):%d/%m/%Y %H:%M}",
    }
    return render_timeline(
        {"case": case, "steps": steps, "documents": documents, "problems": timeline.problems}
    )
