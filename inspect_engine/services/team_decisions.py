"""Team decisions: record the decision forming a team, find a team's current one, verify the
record.

Decisions are appended to one hash chain per campaign (`domain/team_decision.py`), its head kept
on the campaign row so that removing the last decision shows. Appends are serialised per
campaign with the same lock the event log takes, so two writers never claim one position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from inspect_engine.domain.events import as_utc
from inspect_engine.domain.input_limits import actor_problem
from inspect_engine.domain.team_decision import (
    DecisionRecord,
    TeamDecision,
    parse_decision,
    seal,
    verify_chain,
)
from inspect_engine.domain.text import clean
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.campaigns import load_campaign
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.decision_queries import current_decision_query
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.tables import CampaignRow, TeamDecisionRow
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class RecordedDecision:
    """A stored decision, and whether it is its team's current one (not superseded)."""

    row: TeamDecisionRow
    current: bool

    @property
    def members(self) -> tuple[tuple[str, str], ...]:
        """(name, role) in the decision's order."""
        return _members(self.row.members)

    @property
    def recorded_at(self) -> datetime:
        """When it was recorded, in Vietnam's time."""
        return as_utc(self.row.recorded_at).astimezone(DISPLAY_TZ)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `campaign decisions KEY --json`."""
        r = self.row
        return {
            "seq": r.seq,
            "team": r.team,
            "number": r.number,
            "date": r.date.isoformat(),
            "signer": r.signer,
            "members": [{"name": name, "role": role} for name, role in self.members],
            "supersedes": r.supersedes,
            "recorded_by": r.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
            "current": self.current,
            "hash": r.hash,
        }


def record_decision(
    uow: UnitOfWork,
    key: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    clock: Clock = utc_now,
    source: str | None = None,
) -> TeamDecision:
    """Check a decision against the campaign and the decisions already recorded, and append it
    to the campaign's chain, in one transaction. `source` names the file errors point at."""
    if problem := actor_problem(actor):
        raise InputError(problem, field="--actor")
    recorded_by = clean(actor)
    with uow:
        # The lock first: what is read below is then what the append links after.
        EventStore(uow.connection).lock_campaign(key)
        session = uow.session
        campaign, spec = load_campaign(session, key)
        now = clock()
        decision = parse_decision(data, spec, today=local_today(lambda: now), source=source)
        _check_against_record(session, decision, source)
        record = seal(
            DecisionRecord(campaign.decision_seq + 1, decision, recorded_by, now),
            prev_hash=campaign.decision_hash,
        )
        session.add(
            TeamDecisionRow(
                campaign_key=key,
                seq=record.seq,
                team=decision.team,
                number=decision.number,
                date=decision.date,
                signer=decision.signer,
                members=decision.members_json(),
                supersedes=decision.supersedes,
                recorded_by=recorded_by,
                recorded_at=now,
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
        )
        campaign.decision_seq, campaign.decision_hash = record.seq, record.hash
        session.add(campaign)
        uow.commit()
    return decision


def _check_against_record(session: Session, decision: TeamDecision, source: str | None) -> None:
    """A number is used once in a campaign; a team's next decision names the one it replaces."""
    key, team = decision.campaign_key, decision.team
    taken = session.exec(
        select(TeamDecisionRow).where(
            TeamDecisionRow.campaign_key == key, TeamDecisionRow.number == decision.number
        )
    ).first()
    if taken is not None:
        raise InputError(
            f"decision {decision.number} is already recorded in {key} (for {taken.team})",
            source=source,
            field="number",
        )
    current = current_decision(session, key, team)
    if current is None:
        if decision.supersedes is not None:
            raise InputError(
                f"{team} has no decision yet, so there is nothing to supersede: "
                "leave supersedes out",
                source=source,
                field="supersedes",
            )
        return
    if decision.supersedes is None:
        raise InputError(
            f"{team} is already formed by decision {current.number}: a new decision must say "
            f'"supersedes": "{current.number}"',
            source=source,
            field="supersedes",
        )
    if decision.supersedes != current.number:
        raise InputError(
            f"{team}'s current decision is {current.number}, not {decision.supersedes}: "
            "a new decision supersedes the current one",
            source=source,
            field="supersedes",
        )
    if decision.date < current.date:
        raise InputError(
            f"{decision.date} is before {current.date}, the date of {current.number} it supersedes",
            source=source,
            field="date",
        )


def current_decision(session: Session, key: str, team: str) -> TeamDecisionRow | None:
    """The decision a team works under now: its newest (None if it was never formed)."""
    return session.exec(current_decision_query(key, team)).first()


def list_decisions(uow: UnitOfWork, key: str) -> list[RecordedDecision]:
    """Every decision of a campaign in the order recorded, superseded ones included."""
    with uow:
        load_campaign(uow.session, key)
        rows = _rows(uow.session, key)
    newest = {row.team: row.seq for row in rows}
    return [RecordedDecision(row, newest[row.team] == row.seq) for row in rows]


def verify_decisions(uow: UnitOfWork, key: str) -> list[str]:
    """Problems in a campaign's decision chain: altered content, a broken link, a missing
    decision; [] when intact."""
    with uow:
        return decision_chain_problems(uow.session, key)


def decision_chain_problems(session: Session, key: str) -> list[str]:
    """`verify_decisions` inside the caller's transaction (`case verify` checks it too)."""
    campaign = session.get(CampaignRow, key)
    if campaign is None:
        raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    records = [_record(row) for row in _rows(session, key)]
    head = (campaign.decision_seq, campaign.decision_hash)
    return verify_chain(records, head=head)


def _rows(session: Session, key: str) -> list[TeamDecisionRow]:
    query = (
        select(TeamDecisionRow)
        .where(TeamDecisionRow.campaign_key == key)
        .order_by(col(TeamDecisionRow.seq))
    )
    return list(session.exec(query))


def _record(row: TeamDecisionRow) -> DecisionRecord:
    """The row as the domain hashes it."""
    return DecisionRecord(
        row.seq,
        _decision(row, _members(row.members)),
        row.recorded_by,
        row.recorded_at,
        row.prev_hash,
        row.hash,
    )


def _members(stored: Any) -> tuple[tuple[str, str], ...]:
    """The stored [{name, role}] as pairs. Only an edit outside the engine writes another
    shape: read as no members, such a row cannot match its hash and is reported altered."""
    if isinstance(stored, list) and all(
        isinstance(m, dict)
        and set(m) == {"name", "role"}
        and all(isinstance(v, str) for v in m.values())
        for m in stored
    ):
        return tuple((m["name"], m["role"]) for m in stored)
    return ()


def _decision(row: TeamDecisionRow, members: tuple[tuple[str, str], ...]) -> TeamDecision:
    return TeamDecision(
        row.campaign_key, row.team, row.number, row.date, row.signer, members, row.supersedes
    )
