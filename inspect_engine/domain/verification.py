"""What verification finds, and the checks that need nothing but the events and a definition.

A problem names the case and the event (seq) it concerns, so an auditor opens the right file;
one tampering gives one line: a deleted event breaks the case chain, the campaign chain and the
case row at once, and those are merged into one problem about that event (`merged`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import NamedTuple

from inspect_engine.domain.events import GENESIS, OPEN_TRIGGER, Event, event_hash, link_hash
from inspect_engine.domain.workflow.model import RESERVED_TRIGGERS, WorkflowDefinition

# The keys of an `open` event that seal what the case runs on: the campaign file as stored and
# the workflow definition's fingerprint (a `migrate` event seals its new version's likewise).
SEAL_CAMPAIGN = "campaign_sha256"
SEAL_WORKFLOW = "workflow_fingerprint"
MIGRATE_TRIGGER = "migrate"
MIGRATE_ROLES = frozenset({"team_lead", "system"})


def campaign_seal(source_text: str) -> str:
    """What an `open` event seals of its campaign: the stored file's SHA-256."""
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


class Problem(NamedTuple):
    """One thing found wrong: in a case (and one of its events), or in the campaign."""

    case_id: int | None
    seq: int | None
    what: str

    def line(self) -> str:
        if self.case_id is None:
            return f"campaign: {self.what}"
        where = f"case {self.case_id}" + (f" event {self.seq}" if self.seq is not None else "")
        return f"{where}: {self.what}"


def merged(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per case and event, its findings joined in the order found; sorted by case
    and seq, the campaign's own last."""
    by_place: dict[tuple[int, int | None], list[str]] = {}
    campaign: list[Problem] = []  # each of the campaign's own records is its own finding
    for problem in problems:
        if problem.case_id is None:
            if problem not in campaign:
                campaign.append(problem)
            continue
        found = by_place.setdefault((problem.case_id, problem.seq), [])
        if problem.what not in found:
            found.append(problem.what)
    order = sorted(by_place, key=lambda k: (k[0], k[1] or 0))
    return [Problem(case, seq, "; ".join(by_place[(case, seq)])) for case, seq in order] + campaign


def case_chain_problems(case_id: int, events: Sequence[Event]) -> list[Problem]:
    """A case's own chain (events in seq order): each numbered from 1, each linking to the one
    before, each matching its hash. After a gap the check resumes from the event found, so one
    removed event is one problem."""
    problems = []
    prev, expected = GENESIS, 1
    for event in events:
        if event.seq > expected:
            missing = (
                f"event {expected} is missing"
                if event.seq == expected + 1
                else f"events {expected}-{event.seq - 1} are missing"
            )
            problems.append(Problem(case_id, expected, f"{missing} (removed)"))
        elif event.seq < expected:
            problems.append(Problem(case_id, event.seq, "appears twice"))
        elif event.prev_hash != prev:
            problems.append(Problem(case_id, event.seq, "does not link to the event before it"))
        if event_hash(event) != event.hash:
            problems.append(
                Problem(case_id, event.seq, "content does not match its hash (altered)")
            )
        prev, expected = event.hash, event.seq + 1
    return problems


class Gap(NamedTuple):
    """Positions missing from the campaign chain, first to last: whose they were, the case
    chains say (a case whose own chain lost an event there)."""

    first: int
    last: int


def campaign_chain_problems(events: Sequence[Event]) -> tuple[list[Problem], list[Gap]]:
    """The campaign-wide chain (events in chain_seq order): broken links named by the event at
    them, and the gaps (removed positions), which `explain_gaps` gives to the right case."""
    problems, gaps = [], []
    prev, expected = GENESIS, 1
    for event in events:
        place = (event.case_id, event.seq)
        if event.chain_seq > expected:
            gaps.append(Gap(expected, event.chain_seq - 1))
        elif event.chain_seq < expected:
            problems.append(Problem(*place, "holds a campaign chain position twice"))
        elif event.chain_prev_hash != prev:
            problems.append(Problem(*place, "does not link to the campaign chain before it"))
        if link_hash(event.chain_prev_hash, event.chain_seq, event.hash) != event.chain_hash:
            problems.append(Problem(*place, "its campaign chain link does not match (altered)"))
        prev, expected = event.chain_hash, event.chain_seq + 1
    return problems, gaps


def explain_gaps(
    gaps: Sequence[Gap],
    by_case: Mapping[int, Sequence[Event]],
    heads: Mapping[int, int],
    emptied: Sequence[int] = (),
) -> list[Problem]:
    """Each removed campaign position, named by the case it belonged to: a case whose chain
    misses an event between two events around that position, or whose row's head (`heads`:
    case id to last seq) is past its last event. A gap no case explains (a whole case removed
    with its row) is the campaign's."""
    problems = []
    for gap in gaps:
        owner = _owner(gap, by_case, heads) or ((emptied[0], 1) if emptied else None)
        span = (
            f"position {gap.first}"
            if gap.first == gap.last
            else f"positions {gap.first}-{gap.last}"
        )
        if owner is None:
            what = f"the campaign chain's {span} removed, with whatever case they belonged to"
            problems.append(Problem(None, None, what))
        else:
            problems.append(Problem(*owner, f"removed (campaign chain {span})"))
    return problems


def _owner(
    gap: Gap, by_case: Mapping[int, Sequence[Event]], heads: Mapping[int, int]
) -> tuple[int, int] | None:
    for case_id, events in by_case.items():
        for before, after in pairwise(events):
            if after.seq > before.seq + 1 and before.chain_seq < gap.first <= after.chain_seq:
                return case_id, before.seq + 1
        if events and heads.get(case_id, 0) > events[-1].seq and events[-1].chain_seq < gap.first:
            return case_id, events[-1].seq + 1
        if events and events[0].seq > 1 and gap.last < events[0].chain_seq:
            return case_id, 1
    return None


def replay_problems(
    case_id: int,
    events: Sequence[Event],
    definition: Callable[[str, int], WorkflowDefinition | None],
) -> tuple[str | None, list[Problem]]:
    """Replay a case through the definitions its events name: each step must be one the
    definition allows (trigger from that state, to that state, by that role), starting with
    the `open` that sealed it. Returns the state reached and the problems."""
    problems: list[Problem] = []
    state: str | None = None
    for event in events:

        def bad(what: str, event: Event = event) -> None:
            problems.append(Problem(case_id, event.seq, what))

        defn = definition(event.workflow, event.workflow_version)
        if event.seq == 1 or event.trigger == OPEN_TRIGGER:
            if event.seq != 1 or event.trigger != OPEN_TRIGGER:
                bad(f"{event.trigger!r} where the case's first event must be 'open'")
            elif defn is not None and event.to_state != defn.initial:
                bad(f"opens in {event.to_state!r}, not the workflow's initial {defn.initial!r}")
            state = event.to_state
            continue
        if event.from_state != state:
            bad(f"starts from {event.from_state!r} but the case was in {state!r}")
        if defn is None:
            bad(f"runs on {event.workflow} v{event.workflow_version}, not stored in this database")
        elif (problem := _step_problem(defn, event)) is not None:
            bad(problem)
        state = event.to_state
    return state, problems


def _step_problem(defn: WorkflowDefinition, event: Event) -> str | None:
    if event.trigger == MIGRATE_TRIGGER:
        if event.role not in MIGRATE_ROLES:
            return f"'migrate' recorded as role {event.role!r}; only team_lead or system migrate"
        return None
    if event.trigger in RESERVED_TRIGGERS:
        if event.role != "system":
            return f"{event.trigger!r} recorded as role {event.role!r}; only the engine records it"
        if event.to_state != event.from_state:
            return (
                f"{event.trigger!r} moved the case from {event.from_state!r} to {event.to_state!r}"
            )
        return None
    candidates = defn.transitions_for(event.trigger, event.from_state)
    if not candidates:
        return f"{defn.name} v{defn.version} has no {event.trigger!r} from {event.from_state!r}"
    if not any(t.dest_from(event.from_state) == event.to_state for t in candidates):
        return f"{event.trigger!r} cannot lead from {event.from_state!r} to {event.to_state!r}"
    if not any(event.role in t.roles for t in candidates):
        return f"role {event.role!r} may not fire {event.trigger!r}"
    if not event.actor.strip():
        return "records no actor"
    return None
