"""Tamperings a hostile operator can make with write access to the database, one function each.

Each takes a sqlite3 connection to a copy of a simulated campaign and a random source, changes
one thing the way an attacker would (re-sealing hashes where that hides the change from the
chains) and returns the case the change concerns, or None for the campaign's own records.
The tamper tests check that `audit verify` (with an anchor taken before) finds each and names
that case.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inspect_engine.domain.events import Event, seal
from inspect_engine.storage.event_store import to_event

Tamper = Callable[[sqlite3.Connection, random.Random], "int | None"]
KINDS: dict[str, Tamper] = {}

_FIELDS = (
    "case_id, seq, campaign_key, chain_seq, trigger, from_state, to_state, actor, role, at, "
    "payload, effects, workflow_name, workflow_version, prev_hash, hash, chain_prev_hash, "
    "chain_hash"
)


def kind(name: str) -> Callable[[Tamper], Tamper]:
    def register(function: Tamper) -> Tamper:
        KINDS[name] = function
        return function

    return register


# -- reading and re-sealing -----------------------------------------------------------------


def events(
    conn: sqlite3.Connection, where: str = "1 = 1", params: tuple[Any, ...] = ()
) -> list[Event]:
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        f"SELECT {_FIELDS} FROM case_event WHERE {where} ORDER BY chain_seq", params
    )
    found = [
        to_event(
            {
                **dict(row),
                "payload": json.loads(row["payload"]),
                "effects": json.loads(row["effects"]),
                "at": _at(row["at"]),
            }
        )
        for row in rows
    ]
    conn.row_factory = None
    return found


def _at(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def pick(conn: sqlite3.Connection, rng: random.Random, where: str = "seq > 1") -> Event:
    return rng.choice(events(conn, where))


def write_event(conn: sqlite3.Connection, event: Event, *, insert: bool = False) -> None:
    values = (
        event.trigger, event.from_state, event.to_state, event.actor, event.role,
        _at(event.at).replace(tzinfo=None).isoformat(" ", "microseconds"),
        json.dumps(dict(event.payload), ensure_ascii=False),
        json.dumps([dict(e) for e in event.effects], ensure_ascii=False),
        event.workflow, event.workflow_version, event.prev_hash, event.hash,
        event.chain_prev_hash, event.chain_hash,
    )  # fmt: skip
    if insert:
        conn.execute(
            f"INSERT INTO case_event ({_FIELDS}) VALUES ({', '.join('?' * 18)})",
            (event.case_id, event.seq, event.campaign_key, event.chain_seq, *values),
        )
        return
    conn.execute(
        "UPDATE case_event SET trigger=?, from_state=?, to_state=?, actor=?, role=?, at=?, "
        "payload=?, effects=?, workflow_name=?, workflow_version=?, prev_hash=?, hash=?, "
        "chain_prev_hash=?, chain_hash=? WHERE case_id=? AND seq=?",
        (*values, event.case_id, event.seq),
    )


def reseal_from(conn: sqlite3.Connection, changed: Event) -> None:
    """Store `changed` and re-seal both chains after it, as an attacker who knows the hash
    scheme would: every later event of its case, every later campaign position, the case
    rows' heads."""
    everything = {(e.case_id, e.seq): e for e in events(conn)}
    everything[(changed.case_id, changed.seq)] = changed
    by_chain = sorted(everything.values(), key=lambda e: e.chain_seq)
    case_prev: dict[int, str] = {}
    chain_prev = "0" * 64
    for event in by_chain:
        prev = case_prev.get(event.case_id, "0" * 64)
        if event.chain_seq >= changed.chain_seq:
            event = seal(
                event, prev_hash=prev, chain_seq=event.chain_seq, chain_prev_hash=chain_prev
            )
            write_event(conn, event)
        case_prev[event.case_id] = event.hash
        chain_prev = event.chain_hash
    for case_id, head in case_prev.items():
        conn.execute("UPDATE inspection_case SET last_hash = ? WHERE id = ?", (head, case_id))


# -- the event log -----------------------------------------------------------------------------


@kind("event payload edited")
def payload_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng, "payload != '{}'")
    edited = json.dumps({**event.payload, "note": "sửa"})
    conn.execute("UPDATE case_event SET payload = ? WHERE case_id = ? AND seq = ?",
                 (edited, event.case_id, event.seq))  # fmt: skip
    return event.case_id


@kind("event actor edited")
def actor_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    conn.execute("UPDATE case_event SET actor = 'Người khác' WHERE case_id = ? AND seq = ?",
                 (event.case_id, event.seq))  # fmt: skip
    return event.case_id


@kind("event actor edited, both chains re-sealed")
def actor_resealed(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    reseal_from(conn, event._replace(actor="Người khác"))
    return event.case_id


@kind("event time edited, both chains re-sealed")
def time_resealed(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    reseal_from(conn, event._replace(at=_at(event.at) - timedelta(days=3)))
    return event.case_id


@kind("event role edited to one the workflow forbids, re-sealed")
def role_resealed(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng, "seq > 1 AND role != 'auditor'")
    reseal_from(conn, event._replace(role="auditor"))
    return event.case_id


@kind("event trigger edited")
def trigger_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    conn.execute("UPDATE case_event SET trigger = 'cancel' WHERE case_id = ? AND seq = ?",
                 (event.case_id, event.seq))  # fmt: skip
    return event.case_id


@kind("event workflow version edited")
def version_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    conn.execute("UPDATE case_event SET workflow_version = 2 WHERE case_id = ? AND seq = ?",
                 (event.case_id, event.seq))  # fmt: skip
    return event.case_id


@kind("event campaign link edited")
def link_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng)
    conn.execute("UPDATE case_event SET chain_hash = ? WHERE case_id = ? AND seq = ?",
                 ("f" * 64, event.case_id, event.seq))  # fmt: skip
    return event.case_id


@kind("event deleted from the middle of a case")
def event_deleted(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng, "seq > 1 AND seq < (SELECT last_seq FROM inspection_case c "
                 "WHERE c.id = case_id)")  # fmt: skip
    conn.execute("DELETE FROM case_event WHERE case_id = ? AND seq = ?", (event.case_id, event.seq))
    return event.case_id


@kind("two events of a case swapped")
def events_swapped(conn: sqlite3.Connection, rng: random.Random) -> int:
    event = pick(conn, rng, "seq > 1 AND seq < (SELECT last_seq FROM inspection_case c "
                 "WHERE c.id = case_id)")  # fmt: skip
    conn.execute(
        "UPDATE case_event SET seq = -1 WHERE case_id = ? AND seq = ?", (event.case_id, event.seq)
    )
    conn.execute("UPDATE case_event SET seq = ? WHERE case_id = ? AND seq = ?",
                 (event.seq, event.case_id, event.seq + 1))  # fmt: skip
    conn.execute("UPDATE case_event SET seq = ? WHERE case_id = ? AND seq = -1",
                 (event.seq + 1, event.case_id))  # fmt: skip
    return event.case_id


def _roll_back_last(conn: sqlite3.Connection) -> int:
    """Delete the campaign's last event and set its case row back to the event before."""
    last = events(conn)[-1]
    before = events(conn, "case_id = ? AND seq = ?", (last.case_id, last.seq - 1))[0]
    conn.execute("DELETE FROM case_event WHERE case_id = ? AND seq = ?", (last.case_id, last.seq))
    conn.execute(
        "UPDATE inspection_case SET state = ?, version = ?, last_seq = ?, last_hash = ?, "
        "workflow_version = ? WHERE id = ?",
        (
            before.to_state,
            before.seq,
            before.seq,
            before.hash,
            before.workflow_version,
            last.case_id,
        ),
    )
    conn.execute(
        "DELETE FROM deadline WHERE case_id = ? AND created_seq = ?", (last.case_id, last.seq)
    )
    conn.execute("UPDATE deadline SET status = 'pending', ended_seq = NULL WHERE case_id = ? "
                 "AND ended_seq = ?", (last.case_id, last.seq))  # fmt: skip
    return last.case_id


@kind("campaign's last event deleted, case row rolled back")
def last_event_cut(conn: sqlite3.Connection, rng: random.Random) -> int:
    return _roll_back_last(conn)


@kind("campaign's last events cut off, case rows rolled back")
def tail_cut(conn: sqlite3.Connection, rng: random.Random) -> int:
    cut = [_roll_back_last(conn) for _ in range(rng.randint(2, 5))]
    return cut[0]


def _forge(conn: sqlite3.Connection, rng: random.Random, trigger: str, role: str) -> Event:
    """A new event on a random case, sealed onto both chains like a real one."""
    head = events(conn)[-1]
    case = rng.choice(events(conn, "seq = 1")).case_id
    last = events(conn, "case_id = ?", (case,))[-1]
    forged = seal(
        last._replace(
            seq=last.seq + 1,
            trigger=trigger,
            from_state=last.to_state,
            to_state="cancelled",
            actor="Trần Thị Bình",
            role=role,
            at=_at(head.at) + timedelta(hours=1),
            payload={"reason": "giả"},
            effects=(),
        ),
        prev_hash=last.hash,
        chain_seq=head.chain_seq + 1,
        chain_prev_hash=head.chain_hash,
    )
    write_event(conn, forged, insert=True)
    return forged


@kind("forged event appended, sealed on both chains")
def forged_append(conn: sqlite3.Connection, rng: random.Random) -> int:
    return _forge(conn, rng, "cancel", "team_lead").case_id


@kind("forged event appended, case row moved to match")
def forged_with_row(conn: sqlite3.Connection, rng: random.Random) -> int:
    forged = _forge(conn, rng, "cancel", rng.choice(["unit", "auditor"]))
    conn.execute(
        "UPDATE inspection_case SET state = ?, version = ?, last_seq = ?, last_hash = ? "
        "WHERE id = ?",
        (forged.to_state, forged.seq, forged.seq, forged.hash, forged.case_id),
    )
    return forged.case_id


@kind("a case's whole history deleted")
def history_deleted(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = rng.choice(events(conn, "seq = 1")).case_id
    conn.execute("DELETE FROM case_event WHERE case_id = ?", (case,))
    return case


# -- rows derived from the events ------------------------------------------------------------


def _case(conn: sqlite3.Connection, rng: random.Random, where: str = "1 = 1") -> int:
    ids = [r[0] for r in conn.execute(f"SELECT id FROM inspection_case WHERE {where}")]
    return int(rng.choice(ids))


@kind("case unit changed")
def unit_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng)
    other = conn.execute("SELECT code FROM unit WHERE code NOT IN (SELECT unit_code FROM "
                         "inspection_case) AND kind = 'commune' LIMIT 1").fetchone()[0]  # fmt: skip
    conn.execute("UPDATE inspection_case SET unit_code = ? WHERE id = ?", (other, case))
    return case


@kind("case state changed")
def state_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng, "state != 'closed'")
    conn.execute("UPDATE inspection_case SET state = 'closed' WHERE id = ?", (case,))
    return case


@kind("case version changed")
def case_version_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng)
    conn.execute("UPDATE inspection_case SET version = version + 1 WHERE id = ?", (case,))
    return case


@kind("case planned date changed")
def date_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng, "visit_date IS NOT NULL")
    conn.execute("UPDATE inspection_case SET visit_date = date(visit_date, '+1 day') WHERE id = ?",
                 (case,))  # fmt: skip
    return case


@kind("case planned team changed")
def team_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng, "plan_team IS NOT NULL")
    conn.execute("UPDATE inspection_case SET plan_team = 'Đoàn 9' WHERE id = ?", (case,))
    return case


@kind("case notice due date changed")
def notice_due_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    case = _case(conn, rng, "notice_due IS NOT NULL")
    conn.execute("UPDATE inspection_case SET notice_due = date(notice_due, '-7 day') WHERE id = ?",
                 (case,))  # fmt: skip
    return case


def _deadline(conn: sqlite3.Connection, rng: random.Random) -> tuple[int, int]:
    rows = conn.execute("SELECT id, case_id FROM deadline").fetchall()
    row = rng.choice(rows)
    return int(row[0]), int(row[1])


@kind("deadline due date changed")
def deadline_due_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _deadline(conn, rng)
    conn.execute("UPDATE deadline SET due = date(due, '+10 day') WHERE id = ?", (row,))
    return case


@kind("deadline status changed")
def deadline_status_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _deadline(conn, rng)
    conn.execute("UPDATE deadline SET status = CASE status WHEN 'pending' THEN 'cancelled' "
                 "ELSE 'pending' END WHERE id = ?", (row,))  # fmt: skip
    return case


@kind("deadline row deleted")
def deadline_deleted(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _deadline(conn, rng)
    conn.execute("DELETE FROM deadline WHERE id = ?", (row,))
    return case


def _document(conn: sqlite3.Connection, rng: random.Random) -> tuple[int, int]:
    rows = conn.execute("SELECT id, case_id FROM document WHERE case_id IS NOT NULL").fetchall()
    row = rng.choice(rows)
    return int(row[0]), int(row[1])


@kind("document letter edited")
def letter_edited(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _document(conn, rng)
    content = json.loads(
        conn.execute("SELECT content FROM document WHERE id = ?", (row,)).fetchone()[0]
    )
    content["summary"] = str(content.get("summary", "")) + " (sửa)"
    conn.execute("UPDATE document SET content = ? WHERE id = ?", (json.dumps(content), row))
    return case


@kind("document letter edited and re-hashed")
def letter_rehashed(conn: sqlite3.Connection, rng: random.Random) -> int:
    from inspect_engine.services.derived_rows import letter_hash

    row, case = _document(conn, rng)
    content = json.loads(
        conn.execute("SELECT content FROM document WHERE id = ?", (row,)).fetchone()[0]
    )
    content["summary"] = str(content.get("summary", "")) + " (sửa)"
    conn.execute("UPDATE document SET content = ?, content_hash = ? WHERE id = ?",
                 (json.dumps(content), letter_hash(content), row))  # fmt: skip
    return case


@kind("document number changed")
def number_changed(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _document(conn, rng)
    conn.execute("UPDATE document SET number = number || 'A' WHERE id = ?", (row,))
    return case


@kind("document deleted")
def document_deleted(conn: sqlite3.Connection, rng: random.Random) -> int:
    row, case = _document(conn, rng)
    conn.execute("DELETE FROM document WHERE id = ?", (row,))
    return case


# -- the campaign's own records ----------------------------------------------------------------


@kind("stored workflow edited: role unit may announce (fingerprint updated)")
def workflow_edited(conn: sqlite3.Connection, rng: random.Random) -> None:
    from inspect_engine.domain.workflow.yaml_loader import parse_definition

    name, version, text = conn.execute(
        "SELECT name, version, source_text FROM workflow_definition WHERE version = "
        "(SELECT workflow_version FROM campaign)"
    ).fetchone()
    edited = text.replace("roles: [team_lead, system]", "roles: [team_lead, system, unit]", 1)
    assert edited != text
    fingerprint = parse_definition(edited, "edited").fingerprint()
    conn.execute("UPDATE workflow_definition SET source_text = ?, fingerprint = ? WHERE name = ? "
                 "AND version = ?", (edited, fingerprint, name, version))  # fmt: skip
    return None


@kind("stored workflow fingerprint edited")
def fingerprint_edited(conn: sqlite3.Connection, rng: random.Random) -> None:
    conn.execute("UPDATE workflow_definition SET fingerprint = ?", ("0" * 64,))
    return None


@kind("stored campaign file edited: window and teams")
def campaign_file_edited(conn: sqlite3.Connection, rng: random.Random) -> None:
    text = conn.execute("SELECT source_text FROM campaign").fetchone()[0]
    edited = text.replace("visits_per_day = 1", "visits_per_day = 2", 1)
    edited = edited.replace("2026-12-31", "2026-12-30", 1) if rng.random() < 0.5 else edited
    assert edited != text
    conn.execute("UPDATE campaign SET source_text = ?", (edited,))
    return None


@kind("campaign window changed")
def window_changed(conn: sqlite3.Connection, rng: random.Random) -> None:
    conn.execute("UPDATE campaign SET window_end = ?", (date(2027, 3, 31).isoformat(),))
    return None


@kind("team decision edited")
def decision_edited(conn: sqlite3.Connection, rng: random.Random) -> None:
    conn.execute("UPDATE team_decision SET signer = 'Người khác' WHERE seq = 1")
    return None


@kind("number register set back")
def register_set_back(conn: sqlite3.Connection, rng: random.Random) -> None:
    conn.execute("UPDATE number_register SET last_number = 1")
    return None
