"""Deadlines as a case's events start and end them.

A transition's recorded effects say it: `start_deadline` (with the due date the engine
computed) opens a deadline of that kind, replacing the case's open one of the same kind (a moved
visit moves its deadlines); `cancel_deadline` closes the open one. The rows that follow from
them (storage/deadline_store.py) are written in the transition's own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

PENDING, FIRED, CANCELLED, SUPERSEDED = "pending", "fired", "cancelled", "superseded"
STATUSES = (PENDING, FIRED, CANCELLED, SUPERSEDED)


class DeadlineChange(NamedTuple):
    """One effect on a case's deadlines, by the event at `seq`."""

    campaign_key: str
    case_id: int
    seq: int
    kind: str
    start: bool  # False: cancel
    due: date | None  # None for a cancel


def changes_of(
    campaign_key: str, case_id: int, seq: int, effects: Iterable[Mapping[str, Any]]
) -> list[DeadlineChange]:
    """The deadline changes an event's effects make, in their order. A start without a due date
    (workflow v1 recorded none) is no deadline: nothing could fire it."""
    out = []
    for effect in effects:
        name, args = effect.get("effect"), effect.get("args", {})
        if name not in ("start_deadline", "cancel_deadline") or not args.get("deadline"):
            continue
        due = args.get("due")
        if name == "start_deadline" and not isinstance(due, str):
            continue  # no due date recorded (workflow v1): nothing could ever fire it
        out.append(
            DeadlineChange(
                campaign_key,
                case_id,
                seq,
                str(args["deadline"]),
                name == "start_deadline",
                date.fromisoformat(due) if isinstance(due, str) else None,
            )
        )
    return out


def in_groups(changes: Sequence[DeadlineChange]) -> list[list[DeadlineChange]]:
    """Runs of changes that touch each (case, kind) at most once, in order: each run can be
    written with one statement per kind of write and still mean what the sequence means."""
    groups: list[list[DeadlineChange]] = []
    seen: set[tuple[int, str]] = set()
    for change in changes:
        key = (change.case_id, change.kind)
        if not groups or key in seen:
            groups.append([])
            seen = set()
        groups[-1].append(change)
        seen.add(key)
    return groups
