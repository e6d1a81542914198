"""What the stored rows of a campaign must say after anything (a kill, a crowd of writers):
the audit verifies, and every row that follows from the events follows from them exactly.

`problems(db_url, key)` lists what is wrong, [] when nothing is:

- `verify_campaign` (both hash chains, each case's state against its replay, its chain head);
- each case row's version is its number of events (a transition bumps both, together);
- the deadline rows are those the events' effects start and end, folded in order, and each
  fired one names the `deadline` event that fired it;
- each document of a case has exactly one `issue_document` event naming it (its number and
  content hash), and each such event names a stored document;
- the plan: no team has more visits on a day than its `visits_per_day`, or in a week than its
  `max_visits_per_week` (moves by people check it as the planner does);
- the number register (of the whole database: the tests keep one campaign in it): in each
  (issuer, year, series) sequence no number is held twice, the register's counter is the
  highest number held, and the numbers the register handed out run without a hole from 1 (or
  from just past the numbers the records office gave, the team decisions') up to the counter.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.deadlines import CANCELLED, FIRED, PENDING, SUPERSEDED, changes_of
from inspect_engine.domain.documents.kinds import DECISION
from inspect_engine.domain.events import Event
from inspect_engine.services.audit import verify_campaign
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.storage.event_store import EventStore

ISSUE_TRIGGER = "issue_document"
DEADLINE_TRIGGER = "deadline"


def problems(db_url: str, key: str) -> list[str]:
    with bootstrap(db_url).unit_of_work() as uow:
        found = list(verify_campaign(uow, key).problems)
        with uow:
            conn = uow.connection
            events = EventStore(conn).campaign_events(key)
            found += version_problems(conn, key, events)
            found += deadline_problems(conn, key, events)
            found += document_problems(conn, key, events)
            found += register_problems(conn, key)
            found += plan_problems(conn, key)
    return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[no-any-return]


def version_problems(conn: Connection, key: str, events: list[Event]) -> list[str]:
    count = Counter(e.case_id for e in events)
    rows = conn.execute(
        text("SELECT id, version FROM inspection_case WHERE campaign_key = :k"), {"k": key}
    )
    return [
        f"case {case}: version {version} but {count[case]} events"
        for case, version in rows
        if version != count[case]
    ]


def deadline_problems(conn: Connection, key: str, events: list[Event]) -> list[str]:
    """The deadline rows against the fold of the events' effects."""
    rows = conn.execute(
        text(
            "SELECT id, case_id, kind, due, status, created_seq, ended_seq FROM deadline "
            "WHERE campaign_key = :k"
        ),
        {"k": key},
    ).all()
    id_of = {(r.case_id, r.kind, r.created_seq): r.id for r in rows}
    key_of = {r.id: (r.case_id, r.kind, r.created_seq) for r in rows}
    expected: dict[tuple[int, str, int], dict[str, Any]] = {}
    open_: dict[tuple[int, str], tuple[int, str, int]] = {}
    found: list[str] = []
    for event in sorted(events, key=lambda e: (e.case_id, e.seq)):
        if event.trigger == DEADLINE_TRIGGER:
            fired = key_of.get(int(event.payload["deadline"]["id"]))
            if fired is None or open_.get(fired[:2]) != fired:
                found.append(
                    f"case {event.case_id} event {event.seq}: fires a deadline that was not open"
                )
            else:
                del open_[fired[:2]]
                expected[fired].update(status=FIRED, ended_seq=event.seq)
        changes = changes_of(key, event.case_id, event.seq, event.effects)
        for change in changes:
            slot = (change.case_id, change.kind)
            if slot in open_:
                ended = SUPERSEDED if change.start else CANCELLED
                expected[open_.pop(slot)].update(status=ended, ended_seq=change.seq)
            if change.start:
                row_key = (change.case_id, change.kind, change.seq)
                expected[row_key] = {"due": change.due, "status": PENDING, "ended_seq": None}
                open_[slot] = row_key
    actual = {
        (r.case_id, r.kind, r.created_seq): {
            "due": _day(r.due),
            "status": r.status,
            "ended_seq": r.ended_seq,
        }
        for r in rows
    }
    for row_key in sorted(set(expected) | set(actual)):
        want, got = expected.get(row_key), actual.get(row_key)
        if want != got:
            case, kind, seq = row_key
            where = f"case {case} deadline {kind} started at event {seq}"
            found.append(f"{where} (row {id_of.get(row_key)}): stored {got}, events say {want}")
    return found


def document_problems(conn: Connection, key: str, events: list[Event]) -> list[str]:
    """Each case's documents against its `issue_document` events, one each."""
    docs = {
        r.id: r
        for r in conn.execute(
            text(
                "SELECT id, case_id, number, content_hash, source_key FROM document "
                "WHERE campaign_key = :k"
            ),
            {"k": key},
        )
    }
    named: defaultdict[int, list[Event]] = defaultdict(list)
    found = []
    for event in events:
        if event.trigger == ISSUE_TRIGGER:
            doc_id = int(event.payload["document"]["id"])
            named[doc_id].append(event)
            if doc_id not in docs:
                found.append(f"case {event.case_id} event {event.seq}: no document {doc_id}")
    for doc_id, doc in docs.items():
        if doc.case_id is None:
            continue  # the campaign's own (a team decision): no case records it
        events_of = named.get(doc_id, [])
        if len(events_of) != 1:
            found.append(f"document {doc_id}: {len(events_of)} issue_document events, not 1")
            continue
        said = events_of[0].payload["document"]
        recorded = (events_of[0].case_id, said["number"], said["content_hash"], said["source"])
        if recorded != (doc.case_id, doc.number, doc.content_hash, doc.source_key):
            found.append(f"document {doc_id}: its issue_document event says {recorded}")
    return found


def register_problems(conn: Connection, key: str) -> list[str]:
    """The number register of the campaign's issuers against the numbers documents hold."""
    held: defaultdict[tuple[str, int, str], list[tuple[int, bool]]] = defaultdict(list)
    rows = conn.execute(
        text(
            "SELECT issuer_code, year, series, number_seq, kind FROM document "
            "WHERE campaign_key = :k AND number_seq IS NOT NULL"
        ),
        {"k": key},
    )
    for issuer, year, series, number, kind in rows:
        held[(issuer, int(year), series)].append((int(number), kind == DECISION))
    counters = {
        (issuer, int(year), series): int(last)
        for issuer, year, series, last in conn.execute(
            text("SELECT issuer_code, year, series, last_number FROM number_register")
        )
    }
    found = [
        f"register {'/'.join(map(str, sequence))}: counter {last}, but no document holds a number"
        for sequence, last in sorted(counters.items())
        if sequence not in held and last > 0
    ]
    for sequence, numbers in sorted(held.items()):
        name = "/".join(map(str, sequence))
        repeated = [n for n, times in Counter(n for n, _ in numbers).items() if times > 1]
        if repeated:
            found.append(f"register {name}: numbers held twice: {sorted(repeated)}")
        counter = counters.get(sequence)
        top = max(n for n, _ in numbers)
        if counter != top:
            found.append(f"register {name}: counter {counter}, highest number held {top}")
        given = sorted(n for n, is_given in numbers if is_given)
        taken = sorted(n for n, is_given in numbers if not is_given)
        if not taken:
            continue
        start = max((g for g in given if g < taken[0]), default=0) + 1
        every = sorted(n for n, _ in numbers if n >= start)
        if every != list(range(start, (counter or top) + 1)):
            holes = sorted(set(range(start, (counter or top) + 1)) - set(every))
            found.append(f"register {name}: numbers {start}..{counter} have holes {holes[:10]}")
    return found


def plan_problems(conn: Connection, key: str) -> list[str]:
    """Each team's planned visits within its limits a day and a week."""
    spec, _ = campaign_spec(conn, key)
    rows = conn.execute(
        text(
            "SELECT plan_team, visit_date, count(*) FROM inspection_case WHERE campaign_key = :k "
            "AND plan_team IS NOT NULL AND visit_date IS NOT NULL GROUP BY plan_team, visit_date"
        ),
        {"k": key},
    ).all()
    teams = {t.name: t for t in spec.teams}
    found = []
    weeks: Counter[tuple[str, int, int]] = Counter()
    for team, day, n in rows:
        day = _day(day)
        weeks[(team, *day.isocalendar()[:2])] += n
        if n > teams[team].visits_per_day:
            found.append(f"{team} has {n} visits on {day}, {teams[team].visits_per_day} a day")
    for (team, year, week), n in sorted(weeks.items()):
        limit = teams[team].max_visits_per_week
        if limit is not None and n > limit:
            found.append(f"{team} has {n} visits in week {week} of {year}, at most {limit}")
    return found
