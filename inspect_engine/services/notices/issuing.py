"""Issuing follows the event log (the outbox): each document an event asks for is issued once.

Each document is issued in its own transaction: it takes the next number of the issuing body's
register, renders its template into a `Letter`, stores the letter with its content hash, and
appends a `issue_document` event to its case, so the case's history says what was sent. A kill
midway rolls back that one document with its number (no gap); a second run finds the document
by its source key and leaves it (no duplicate); two issuers at once collide on that key and the
loser rolls back, its number with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, text

from inspect_engine.documents.templates import TemplateProblem, Templates, compose
from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.kinds import (
    DECISION,
    KINDS,
    MINUTES,
    Kind,
    caused_by,
    decision_source_key,
)
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.domain.events import Event, canonical
from inspect_engine.errors import InputError
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.services.cases import Batch
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.notices import letters
from inspect_engine.services.notices.context import CampaignFacts
from inspect_engine.services.notices.forms_tables import FormTables
from inspect_engine.settings import DISPLAY_TZ, data_dir
from inspect_engine.storage.document_store import AlreadyIssued, DocumentStore, NumberTaken
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

ISSUE_TRIGGER = "issue_document"


@dataclass(frozen=True)
class Pending:
    """A document the log asks for that has not been issued."""

    source_key: str
    kind: Kind
    case_id: int | None
    seq: int | None  # the causing event's position in its case
    decision_seq: int | None = None
    dated: date | None = None  # a reminder is dated the day it is sent, not its cause's


@dataclass(frozen=True)
class Numbering:
    seq: int | None  # the register's number; None when given from outside or not yet given
    text: str  # "05/TB-SNV", a given "01/BB-ĐKT", or "     /TB-SNV" awaiting the office
    awaiting: bool  # the records office numbers and dates it after signing


@dataclass(frozen=True)
class Issued:
    id: int
    kind: str
    case_id: int | None
    unit_code: str | None
    number: str | None
    issued_on: date | None
    content_hash: str


def template_folders(spec_templates: str, extra: Sequence[Path] = ()) -> list[Path]:
    """Where templates are looked up: `--templates`, the campaign's folder, the shipped one."""
    folders = list(extra)
    if spec_templates:
        folders.append(Path(spec_templates))
    for folder in folders:
        if not folder.is_dir():
            raise InputError(f"template folder {folder} does not exist", field="templates")
    return [*folders, data_dir("notices")]


def content_hash(letter: Letter) -> str:
    return hashlib.sha256(canonical(letter.to_json())).hexdigest()


def pending_documents(uow: UnitOfWork, key: str) -> list[Pending]:
    """What the log and the decision record ask for, minus what is issued, in log order."""
    conn = uow.connection
    store = EventStore(conn)
    if not store.has_campaign(key):
        raise InputError(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    form = campaign_spec(conn, key)[0].notices.announcement_form
    asked: list[tuple[Pending, int]] = []  # each with its event's chain position (0: decision)
    rows = conn.execute(
        text("SELECT seq FROM team_decision WHERE campaign_key = :key ORDER BY seq"), {"key": key}
    )
    for (seq,) in rows:
        source = decision_source_key(key, seq)
        asked.append((Pending(source, KINDS[DECISION], None, None, decision_seq=seq), 0))
    cursors = _outbox_cursors.setdefault(conn.engine, {})
    after = cursors.get(key, 0)
    events = store.campaign_events(key, after=after)
    for event in events:
        for cause in caused_by(event.effects, event.payload, announcement_form=form):
            if cause.kind in KINDS:
                source = cause.source_key(event.case_id, event.seq)
                pending = Pending(source, KINDS[cause.kind], event.case_id, event.seq)
                asked.append((pending, event.chain_seq or 0))
    done = DocumentStore(conn).issued_among(p.source_key for p, _ in asked)
    out = [(p, chain) for p, chain in asked if p.source_key not in done]
    waiting = [chain for _, chain in out if chain]
    if waiting:
        cursors[key] = min(waiting) - 1
    elif events:
        cursors[key] = max(after, events[-1].chain_seq or 0)
    return [p for p, _ in out]


# How far each campaign's log has been served, per database: every event up to this chain
# position has its documents. Documents are never taken back and the campaign chain grows in
# commit order (its appends are serialised), so the next look starts there instead of at the
# first event: a worker's sweep or a simulated day costs the new events, not the whole log.
_outbox_cursors: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()


class Issuer:
    """Issues the documents of one campaign, one transaction each."""

    def __init__(
        self,
        uow: UnitOfWork,
        key: str,
        *,
        templates: Sequence[Path] = (),
        actor: str = "inspect-engine",
        clock: Clock = utc_now,
        cases: Collection[int] | None = None,
    ) -> None:
        """`cases`: the documents to issue are only of these cases (and none of a decision)."""
        self.uow, self.key, self.actor, self.clock = uow, key, actor, clock
        with uow:
            self.facts = CampaignFacts(uow.connection, key, cases)
        spec = self.facts.spec
        self.templates = Templates(template_folders(spec.notices.templates, templates))
        self.forms = FormTables(self.templates.folders, spec, self.facts.units)

    def issue(self, item: Pending) -> Issued | None:
        """Issue one document; None when someone else issued it first."""
        with self.uow:
            # Issuers of a campaign take turns (the lock its case events take anyway), so the
            # check below sees what another issuer committed meanwhile: its numbers too.
            EventStore(self.uow.connection).lock_campaign(self.key)
            if DocumentStore(self.uow.connection).has_source(item.source_key):
                return None
            try:
                issued = self._issue(item)
            except AlreadyIssued:
                self.uow.rollback()
                return None
            self.uow.commit()
            return issued

    def _issue(self, item: Pending) -> Issued:
        store = DocumentStore(self.uow.connection)
        spec, kind = self.facts.spec, item.kind
        unit: str | None = None
        if item.decision_seq is not None:
            from inspect_engine.services.notices import decisions

            values = decisions.decision_values(self.uow.connection, self.facts, item.decision_seq)
            day = values["decision"]["date"]
            numbering = self._given(store, kind, day, values["decision"]["number"])
        else:
            assert item.case_id is not None and item.seq is not None
            # A reminder looks at the whole history (what arrived since the deadline started).
            source = self._case_source(item.case_id, None if item.dated else item.seq)
            unit = source.unit_code
            # A document is dated the day of the step that caused it, whenever it is rendered.
            day = item.dated or source.event.at.astimezone(DISPLAY_TZ).date()
            builder = letters.BUILDERS.get(kind.key)
            if builder is None:
                raise InputError(f"no way to issue a {kind.key!r} yet", field="kind")
            values = builder(self.facts, source, self.forms.for_unit(unit))
            numbering = self._number(store, kind, day, values)
        issued_on = None if numbering.awaiting else day
        context = {**self.facts.base(kind, numbering.text, issued_on), **values}
        parts = self.templates.render(kind.template, context)
        header = {
            "parent_body": spec.issuer.parent_body.upper(),
            "body": spec.issuer.body.upper(),
            "number": f"Số: {numbering.text}",
            "place_date": vn_format.place_date(spec.issuer.place, issued_on),
            "type_name": kind.type_name,
        }
        if kind.key == MINUTES:  # the team writes its own minutes, under the Sở
            header["parent_body"], header["body"] = spec.issuer.body.upper(), _team_body(values)
        letter = compose(parts, header, kind.key, kind.form)
        digest = content_hash(letter)
        doc_id = store.insert(
            campaign_key=self.key,
            case_id=item.case_id,
            kind=kind.key,
            source_key=item.source_key,
            source_case_id=item.case_id,
            source_seq=item.seq,
            issuer_code=self._issuer_code(kind, item),
            year=day.year,
            series=self._series(kind),
            number_seq=numbering.seq,
            number=None if numbering.awaiting else numbering.text,
            issued_on=issued_on,
            status="awaiting_number" if numbering.awaiting else "issued",
            content=letter.to_json(),
            content_hash=digest,
            template=kind.template,
            recorded_by=self.actor,
            created_at=self.clock(),
        )
        if item.case_id is not None:
            self._record_in_case(item.case_id, doc_id, kind, numbering, digest, item.source_key)
        number = None if numbering.awaiting else numbering.text
        return Issued(doc_id, kind.key, item.case_id, unit, number, issued_on, digest)

    # --- numbers -------------------------------------------------------------------------------

    def _series(self, kind: Kind) -> str:
        """The register's sequence: one for every type, or one per type code."""
        if self.facts.spec.notices.numbering == "shared":
            return ""
        return kind.type_code or "CV"

    def _issuer_code(self, kind: Kind, item: Pending) -> str:
        """Whose numbers these are: the Sở's register, or the team's own for a case's minutes."""
        if kind.key == MINUTES:
            # The team numbers its minutes in its own book, which the engine does not keep:
            # a number the team gave twice must not hold up the case's other documents.
            return f"ĐKT:{item.case_id}"
        return self.facts.spec.issuer.body_code

    def _given(self, store: DocumentStore, kind: Kind, day: date, number: str) -> Numbering:
        """A number the records office gave outside the engine (a team decision): when it is
        one of the Sở's, the register learns it, so it never hands it out again."""
        issuer = self.facts.spec.issuer
        seq, _, code = number.partition("/")
        if code.endswith(f"-{issuer.body_code}") and seq.isdigit():
            try:
                store.record_number(issuer.body_code, day.year, self._series(kind), int(seq))
            except NumberTaken as exc:
                raise InputError(
                    f"{number}: {exc.detail}; the records office and the engine gave the same "
                    'number: number per type (`numbering = "per_type"`) or let the office '
                    'number every document (`numbered_by = "records_office"`)'
                ) from None
            return Numbering(int(seq), number, awaiting=False)
        return Numbering(None, number, awaiting=False)

    def _number(
        self, store: DocumentStore, kind: Kind, day: date, values: dict[str, Any]
    ) -> Numbering:
        issuer = self.facts.spec.issuer
        code = vn_format.code_of(kind.type_code, issuer.body_code, issuer.drafting_unit or "VP")
        if kind.numbered_by == "given":
            return Numbering(None, values["minutes"]["number"], awaiting=False)
        if self.facts.spec.notices.numbered_by == "records_office":
            return Numbering(None, vn_format.so_ky_hieu(None, code), awaiting=True)
        seq = store.next_number(issuer.body_code, day.year, self._series(kind))
        return Numbering(seq, vn_format.so_ky_hieu(seq, code), awaiting=False)

    # --- sources -------------------------------------------------------------------------------

    def _case_source(self, case_id: int, seq: int | None) -> letters.CaseSource:
        conn = self.uow.connection
        store = EventStore(conn)
        head, slot = store.case(case_id), store.slot_of(case_id)
        assert head is not None and slot is not None  # a document's case outlives nothing
        row = (head.unit_code, slot[3], slot[4], slot[5])
        history = [e for e in store.events(case_id) if seq is None or e.seq <= seq]
        earlier = [
            letters.EarlierNotice(kind, number or "", issued_on)
            for kind, number, issued_on in DocumentStore(conn).numbers_of_case(self.key, case_id)
        ]
        return letters.CaseSource(
            case_id, row[0], row[1], db_date(row[2]), db_date(row[3]), history, earlier
        )

    def _record_in_case(
        self, case_id: int, doc_id: int, kind: Kind, numbering: Numbering, digest: str, source: str
    ) -> None:
        number = None if numbering.awaiting else numbering.text
        record_in_case(
            self.uow, case_id, {"id": doc_id, "kind": kind.key, "number": number,
                                "content_hash": digest, "source": source},
            actor=self.actor, at=self.clock(),
        )  # fmt: skip


def issue_due(
    uow: UnitOfWork,
    key: str,
    *,
    templates: Sequence[Path] = (),
    actor: str = "inspect-engine",
    clock: Clock = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> list[Issued]:
    """Issue every document the campaign's log asks for and has not got; a second run issues
    nothing."""
    with uow:
        items = pending_documents(uow, key)
    return issue_items(uow, key, items, templates=templates, actor=actor, clock=clock,
                       progress=progress)  # fmt: skip


def issue_items(
    uow: UnitOfWork,
    key: str,
    items: Sequence[Pending],
    *,
    templates: Sequence[Path] = (),
    actor: str = "inspect-engine",
    clock: Clock = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> list[Issued]:
    """Issue the given pending documents, each in its own transaction."""
    if not items:
        return []
    cases = None
    if all(item.case_id is not None for item in items):
        cases = {item.case_id for item in items if item.case_id is not None}
    issuer = Issuer(uow, key, templates=templates, actor=actor, clock=clock, cases=cases)
    issued = []
    refused: list[str] = []
    for i, item in enumerate(items, start=1):
        try:
            done = issuer.issue(item)
        except TemplateProblem:
            raise
        except InputError as exc:
            # One case's data (a clashing number) must not hold up every other document: the
            # rest are issued, and the command then says which could not be and why.
            refused.append(f"{item.kind.key} of {_cause(item)}: {exc}")
            done = None
        if done is not None:
            issued.append(done)
        if progress:
            progress(i, len(items))
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise NotIssued(f"issued {len(issued)}, refused {refused[0]}{more}", issued)
    return issued


def record_in_case(
    uow: UnitOfWork, case_id: int, document: dict[str, Any], *, actor: str, at: Any
) -> None:
    """The case's history says what was sent: an `issue_document` event (no state change)
    sealing the document's id, kind, number and content hash. A records office's number,
    given later, is sealed by another such event."""
    store = EventStore(uow.connection)
    batch = Batch(store)
    head = batch.case(case_id)
    assert head is not None
    batch.add(
        Event(
            campaign_key=head.campaign_key,
            case_id=head.id,
            seq=head.last_seq + 1,
            trigger=ISSUE_TRIGGER,
            from_state=head.state,
            to_state=head.state,
            actor=actor,
            role="system",
            at=at,
            payload={"document": document},
            workflow=head.workflow_name,
            workflow_version=head.workflow_version,
            prev_hash=head.last_hash,
        ),
        seen_version=head.version,
    )
    batch.write()


class NotIssued(InputError):
    """Some documents could not be issued; `issued` holds those that were."""

    def __init__(self, message: str, issued: list[Issued]) -> None:
        super().__init__(message)
        self.issued = issued


def _cause(item: Pending) -> str:
    if item.case_id is None:
        return f"team decision {item.decision_seq}"
    return f"case {item.case_id}"


def _team_body(values: dict[str, Any]) -> str:
    """The team as the minutes' issuing body: "Đoàn 1" -> "ĐOÀN KIỂM TRA SỐ 1"."""
    name = str((values.get("team") or {}).get("name", ""))
    if name.startswith("Đoàn "):
        return f"ĐOÀN KIỂM TRA SỐ {name.removeprefix('Đoàn ').upper()}"
    return f"ĐOÀN KIỂM TRA {name.upper()}".strip()
