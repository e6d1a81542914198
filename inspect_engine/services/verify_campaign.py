"""`audit verify` of one campaign: read everything stored about it once, check it all.

Nothing here trusts a cache: the campaign file and the workflow definitions are parsed again
from the rows as they are now, since the point is to find rows edited under a running engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlmodel import col

from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.events import Event, link_hash
from inspect_engine.domain.verification import (
    MIGRATE_TRIGGER,
    SEAL_CAMPAIGN,
    SEAL_WORKFLOW,
    Problem,
    campaign_chain_problems,
    campaign_seal,
    case_chain_problems,
    explain_gaps,
    merged,
    replay_problems,
)
from inspect_engine.domain.workflow.model import WorkflowDefinition
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import InspectError, NotFound
from inspect_engine.services.derived_rows import (
    CaseRowState,
    DeadlineRowState,
    DocumentRowState,
    case_row_problems,
    deadline_problems,
    document_problems,
    letter_hash,
)
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.tables import (
    CampaignRow,
    CaseRow,
    DeadlineRow,
    DocumentRow,
    EventRow,
    NumberRegisterRow,
    WorkflowRow,
)
from inspect_engine.storage.uow import UnitOfWork


# Parsing is a pure function of the text, so it is cached by the text itself: an edited text
# is another key and is parsed afresh (the worker and the tests verify again and again).
@lru_cache(maxsize=32)
def _campaign(source_text: str, label: str) -> CampaignSpec:
    return parse_campaign(source_text, label)


@lru_cache(maxsize=32)
def _definition(source_text: str, label: str) -> WorkflowDefinition:
    return parse_definition(source_text, label)


@dataclass(frozen=True)
class Checked:
    cases: int
    events: int
    chain_seq: int
    head: str
    problems: list[Problem]
    notes: tuple[str, ...]


def check_campaign(uow: UnitOfWork, key: str) -> Checked:
    """Every check of `verify_campaign`, inside the caller's transaction."""
    from inspect_engine.services.team_decisions import decision_chain_problems

    conn = uow.connection
    campaign = _one(conn, CampaignRow, CampaignRow.key == key)
    if campaign is None:
        raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    events = EventStore(conn).campaign_events(key)
    rows = [_case_row(r) for r in _all(conn, CaseRow, CaseRow.campaign_key == key, CaseRow.id)]
    problems: list[Problem] = []
    notes: list[str] = []

    spec = _spec_problems(campaign, events, problems, notes)
    definitions = _definitions(conn, events, problems, notes)
    by_case: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_case[event.case_id].append(event)
    for case_events in by_case.values():
        case_events.sort(key=lambda e: e.seq)
    chain, gaps = campaign_chain_problems(events)
    problems += chain
    problems += explain_gaps(
        gaps, by_case, {r.id: r.last_seq for r in rows}, [r.id for r in rows if r.id not in by_case]
    )
    deadlines = _deadlines(conn, key)
    documents = _documents(conn, key)
    calendar = spec.working_calendar() if spec is not None else None
    for row in rows:
        case_events = by_case.pop(row.id, [])
        problems += _case_checks(
            row, case_events, definitions, spec, calendar,
            deadlines.pop(row.id, []), documents.pop(row.id, []),
        )  # fmt: skip
    for case_id, orphaned in by_case.items():
        problems.append(
            Problem(
                case_id, orphaned[0].seq, f"{len(orphaned)} events of a case whose case row is gone"
            )
        )
    for case_id in deadlines:
        problems.append(Problem(case_id, None, "deadline rows of a case that does not exist"))
    for owner, docs in documents.items():
        if owner is None:  # the campaign's own (team decisions): their letters must hash
            problems += [
                Problem(None, None, f"document {d.id} ({d.number}) does not match its hash")
                for d in docs
                if letter_hash(d.content) != d.content_hash
            ]
        else:
            problems.append(Problem(owner, None, "documents of a case that does not exist"))
    problems += _register_problems(conn)
    problems += [Problem(None, None, p) for p in decision_chain_problems(uow.session, key)]
    last = max(events, key=lambda e: e.chain_seq) if events else None
    return Checked(
        len(rows),
        len(events),
        last.chain_seq if last else 0,
        last.chain_hash if last else "",
        merged(problems),
        tuple(notes),
    )


def check_case(uow: UnitOfWork, case_id: int) -> tuple[list[Problem], tuple[str, ...]]:
    """The checks of `check_campaign` that concern one case, inside the caller's transaction:
    its chain, its links into the campaign chain (the positions around each of its events),
    its replay, its rows, and the campaign file and definitions it was sealed with."""
    conn = uow.connection
    found = _one(conn, CaseRow, CaseRow.id == case_id)
    if found is None:
        raise NotFound(f"no case {case_id}", field="CASE")
    row = _case_row(found)
    campaign = _one(conn, CampaignRow, CampaignRow.key == found.campaign_key)
    events = EventStore(conn).events(case_id)
    problems: list[Problem] = []
    notes: list[str] = []
    spec = _spec_problems(campaign, events, problems, notes)
    definitions = _definitions(conn, events, problems, notes)
    problems += _campaign_links(conn, found.campaign_key, case_id, events)
    problems += _case_checks(
        row, events, definitions, spec, spec.working_calendar() if spec else None,
        _deadlines(conn, found.campaign_key, case_id).get(case_id, []),
        _documents(conn, found.campaign_key, case_id).get(case_id, []),
    )  # fmt: skip
    return merged(problems), tuple(notes)


def _case_checks(
    row: CaseRowState,
    events: Sequence[Event],
    definitions: Mapping[tuple[str, int], WorkflowDefinition],
    spec: CampaignSpec | None,
    calendar: Any,
    deadlines: Sequence[DeadlineRowState],
    documents: Sequence[DocumentRowState],
) -> list[Problem]:
    if not events:  # one finding: the documents and deadlines it explained go with it
        held = f" ({len(documents)} documents, {len(deadlines)} deadlines had it as source)"
        return [Problem(row.id, 1, "has no events: its history was removed" + held)]
    problems = case_chain_problems(row.id, events)
    state, replay = replay_problems(row.id, events, lambda n, v: definitions.get((n, v)))
    problems += replay
    if spec is not None and calendar is not None:
        problems += case_row_problems(row, events, state, calendar, spec.lead_times)
    problems += deadline_problems(row.id, events, deadlines)
    problems += document_problems(row.id, events, documents, letter_hash)
    return problems


def _campaign_links(
    conn: Connection, key: str, case_id: int, events: Sequence[Event]
) -> list[Problem]:
    """One case's events against their neighbours in the campaign chain: each event's own link,
    the position before it (there, and linking to it) and the one after (linking to it)."""
    table = EventRow.__table__  # type: ignore[attr-defined]
    around = {e.chain_seq + d for e in events for d in (-1, 1)} - {0}
    neighbours = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            select(table.c.chain_seq, table.c.chain_prev_hash, table.c.chain_hash).where(
                table.c.campaign_key == key, table.c.chain_seq.in_(sorted(around))
            )
        )
    }
    problems = []
    for e in events:
        if link_hash(e.chain_prev_hash, e.chain_seq, e.hash) != e.chain_hash:
            problems.append(
                Problem(case_id, e.seq, "its campaign chain link does not match (altered)")
            )
        before = neighbours.get(e.chain_seq - 1)
        if e.chain_seq > 1 and before is None:
            what = f"the campaign chain's position {e.chain_seq - 1} before it is missing (removed)"
            problems.append(Problem(case_id, e.seq, what))
        elif before is not None and before[1] != e.chain_prev_hash:
            problems.append(
                Problem(case_id, e.seq, "does not link to the campaign chain before it")
            )
        after = neighbours.get(e.chain_seq + 1)
        if after is not None and after[0] != e.chain_hash:
            what = "the campaign chain after it no longer links to it (re-sealed)"
            problems.append(Problem(case_id, e.seq, what))
    return problems


def _spec_problems(
    campaign: Any, events: Sequence[Event], problems: list[Problem], notes: list[str]
) -> CampaignSpec | None:
    """The stored campaign file against the seal its cases' `open` events carry, and the
    campaign row's columns against that file."""
    seals = {e.payload.get(SEAL_CAMPAIGN) for e in events if e.seq == 1}
    seals.discard(None)
    stored = campaign_seal(campaign.source_text)
    if not seals and events:
        notes.append(
            "its cases were opened before campaign files were sealed into the chain: "
            "the stored file is checked against the campaign row only"
        )
    elif seals and seals != {stored}:
        problems.append(
            Problem(
                None,
                None,
                "the stored campaign file is not the one its cases "
                "were opened on (the seal in their 'open' events differs)",
            )
        )
    try:
        spec = _campaign(campaign.source_text, f"campaign {campaign.key} (stored)")
    except InspectError as exc:
        problems.append(Problem(None, None, f"the stored campaign file no longer reads: {exc}"))
        return None
    columns = (campaign.title, campaign.year, campaign.window_start, campaign.window_end)
    if columns != (spec.title, spec.year, spec.window_start, spec.window_end):
        problems.append(
            Problem(
                None, None, "the campaign row's title, year or window differs from its stored file"
            )
        )
    return spec


def _definitions(
    conn: Connection, events: Sequence[Event], problems: list[Problem], notes: list[str]
) -> dict[tuple[str, int], WorkflowDefinition]:
    """Each workflow version the events run on, parsed from its stored text: the text must
    match its fingerprint, and the fingerprint the one sealed by the `open` (or `migrate`)
    events of the cases that run on it."""
    sealed: dict[tuple[str, int], set[str]] = defaultdict(set)
    used: dict[tuple[str, int], set[int]] = defaultdict(set)
    for event in events:
        used[(event.workflow, event.workflow_version)].add(event.case_id)
        if event.seq == 1 or event.trigger == MIGRATE_TRIGGER:
            seal = event.payload.get(SEAL_WORKFLOW)
            if isinstance(seal, str):
                sealed[(event.workflow, event.workflow_version)].add(seal)
    found: dict[tuple[str, int], WorkflowDefinition] = {}
    for (name, version), cases in sorted(used.items()):
        label = f"workflow {name} v{version} (run by {len(cases)} cases)"
        row = _one(conn, WorkflowRow, WorkflowRow.name == name, WorkflowRow.version == version)
        if row is None:
            problems.append(Problem(None, None, f"{label} is not stored"))
            continue
        try:
            defn = _definition(row.source_text, f"{name} v{version} (stored)")
        except InspectError as exc:
            problems.append(Problem(None, None, f"{label}: the stored text no longer reads: {exc}"))
            continue
        if defn.fingerprint() != row.fingerprint:
            problems.append(
                Problem(
                    None, None, f"{label}: the stored text does not match its fingerprint (edited)"
                )
            )
        seals = sealed.get((name, version), set())
        if seals and seals != {defn.fingerprint()}:
            problems.append(
                Problem(
                    None,
                    None,
                    f"{label}: the stored definition is not the one its cases were sealed with",
                )
            )
        elif not seals:
            notes.append(f"{label}: opened before definitions were sealed into the chain")
        found[(name, version)] = defn
    return found


def _register_problems(conn: Connection) -> list[Problem]:
    """A number register never stands below a number it gave."""
    table = DocumentRow.__table__  # type: ignore[attr-defined]
    from sqlalchemy import func

    highest = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute(
            select(
                table.c.issuer_code, table.c.year, table.c.series, func.max(table.c.number_seq)
            ).group_by(table.c.issuer_code, table.c.year, table.c.series)
        )
        if r[3] is not None
    }
    registers = {
        (r.issuer_code, r.year, r.series): r.last_number
        for r in _all(conn, NumberRegisterRow, None, None)
    }
    return [
        Problem(
            None,
            None,
            f"the number register {issuer} {year} {series} stands at "
            f"{registers.get((issuer, year, series), 0)} but number {top} was given",
        )
        for (issuer, year, series), top in sorted(highest.items())
        if registers.get((issuer, year, series), 0) < top
    ]


def _case_row(row: Any) -> CaseRowState:
    return CaseRowState(
        row.id,
        row.unit_code,
        row.state,
        row.version,
        row.workflow_name,
        row.workflow_version,
        row.last_seq,
        row.last_hash,
        row.plan_team,
        row.visit_date,
        row.notice_due,
        row.evidence_due,
    )


def _deadlines(
    conn: Connection, key: str, case_id: int | None = None
) -> dict[int, list[DeadlineRowState]]:
    out: dict[int, list[DeadlineRowState]] = defaultdict(list)
    where: Any = DeadlineRow.campaign_key == key
    if case_id is not None:
        where = and_(where, col(DeadlineRow.case_id) == case_id)
    for r in _all(conn, DeadlineRow, where, None):
        out[r.case_id].append(DeadlineRowState(r.kind, r.due, r.status, r.created_seq, r.ended_seq))
    return out


def _documents(
    conn: Connection, key: str, case_id: int | None = None
) -> dict[int | None, list[DocumentRowState]]:
    out: dict[int | None, list[DocumentRowState]] = defaultdict(list)
    where: Any = DocumentRow.campaign_key == key
    if case_id is not None:
        where = and_(where, col(DocumentRow.case_id) == case_id)
    for r in _all(conn, DocumentRow, where, None):
        content = r.content if isinstance(r.content, Mapping) else {}
        out[r.case_id].append(
            DocumentRowState(r.id, r.kind, r.number, content, r.content_hash, r.source_key)
        )
    return out


def _one(conn: Connection, model: Any, *where: Any) -> Any:
    table = model.__table__
    return conn.execute(select(table).where(*where)).first()


def _all(conn: Connection, model: Any, where: Any, order: Any) -> list[Any]:
    query = select(model.__table__)
    if where is not None:
        query = query.where(where)
    if order is not None:
        query = query.order_by(order)
    return list(conn.execute(query))
