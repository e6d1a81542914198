"""What the simulated actors know of a campaign: each case as its row and its history say, and
each team's booked days. It is read from the database and follows the campaign's log by chain
position, so whatever wrote the events (an actor, the worker's sweep) is seen the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.events import Event, as_utc
from inspect_engine.services.case_facts import db_date
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import EventStore

PERSON_MOVES = frozenset({"announced", "submission_late", "submitted"})
MINUTES_NUMBER_SUFFIX = "/BB-ĐKT"

_ROWS_SQL = (
    "SELECT c.id, c.unit_code, u.name, u.kind, c.state, c.version, c.last_seq, c.plan_team, "
    "c.visit_date, c.evidence_due FROM inspection_case c JOIN unit u ON u.code = c.unit_code "
    "WHERE c.campaign_key = :key"
)
_ALL_ROWS = text(_ROWS_SQL + " ORDER BY c.id")
_SOME_ROWS = text(_ROWS_SQL + " AND c.id IN :ids ORDER BY c.id").bindparams(
    bindparam("ids", expanding=True)
)


def local_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(DISPLAY_TZ).date()


@dataclass
class SimCase:
    """One case as the actors see it: its row, and what its history says."""

    id: int
    unit_code: str
    unit_name: str
    kind: str
    required: tuple[str, ...]  # the appendices the unit must send when announced
    state: str = ""
    version: int = 0
    last_seq: int = 0
    team: str | None = None
    visit_date: date | None = None
    evidence_due: date | None = None
    last_at: datetime | None = None
    entered_seq: int = 0  # the event that brought the case into its state
    entered_at: datetime | None = None
    announced_seq: int = 0  # the latest notice, and what it set: the first due dates
    announced_on: date | None = None
    first_evidence_due: date | None = None
    first_visit: date | None = None
    received: set[str] = field(default_factory=set)  # appendices in since the notice
    deliveries: int = 0
    moved: bool = False  # a person moved the visit since the notice
    reinspection_on: date | None = None  # the re-inspection visit, once set
    reinspection_seq: int = 0
    remediation_due: date | None = None
    findings: list[Mapping[str, Any]] = field(default_factory=list)  # the latest draft
    conclusion_number: str = ""  # the latest Thông báo kết luận

    @property
    def entered_on(self) -> date | None:
        return None if self.entered_at is None else local_day(self.entered_at)

    @property
    def missing(self) -> list[str]:
        return [code for code in self.required if code not in self.received]

    def fold(self, event: Event) -> None:
        """Learn what one more event of the case says."""
        payload = event.payload
        self.last_at = event.at
        if event.from_state != event.to_state:
            self.entered_seq, self.entered_at = event.seq, event.at
            if event.to_state == "reinspection":
                self.reinspection_on, self.reinspection_seq = None, 0
        trigger = event.trigger
        if trigger == "announce":
            self._announced(event)
        elif trigger == "receive_submission":
            submission = payload.get("submission", {})
            self.received.update(submission.get("appendices", ()))
            self.deliveries += 1
        elif trigger == "reschedule":
            if event.from_state in PERSON_MOVES:
                self.moved = True
            elif event.from_state == "reinspection":
                self.reinspection_on = date.fromisoformat(str(payload["visit_date"]))
                self.reinspection_seq = event.seq
        elif trigger in ("record_findings", "reinspect_fail"):
            self.findings = list(payload.get("findings", ()))
        elif trigger == "approve_conclusion":
            due = payload.get("assessed", {}).get("remediation_due")
            self.remediation_due = date.fromisoformat(due) if isinstance(due, str) else None
        elif trigger == "issue_document":
            document = payload.get("document", {})
            if document.get("kind") == "thong-bao-ket-luan":
                self.conclusion_number = str(document.get("number") or "")

    def _announced(self, event: Event) -> None:
        self.announced_seq, self.announced_on = event.seq, local_day(event.at)
        self.received, self.deliveries, self.moved = set(), 0, False
        dues = {
            e["args"].get("deadline"): e["args"].get("due")
            for e in event.effects
            if e.get("effect") == "start_deadline"
        }
        self.first_evidence_due = _day(dues.get("submission_due"))
        self.first_visit = _day(dues.get("visit"))


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


class World:
    """The cases of one campaign, kept up to date from the log."""

    def __init__(self, conn: Connection, spec: CampaignSpec) -> None:
        self.spec = spec
        self.key = spec.key
        self.cases: dict[int, SimCase] = {}
        self.chain_seq = 0
        self.booked: Counter[tuple[str, date]] = Counter()  # visits per (team, day)
        self.team_off: dict[str, set[date]] = {t.name: set(t.unavailable) for t in spec.teams}
        self.blackouts: dict[str, set[date]] = {k: set(v) for k, v in spec.blackouts.items()}
        self.minutes_numbers: Counter[str] = Counter()  # the last number in each team's book
        self._load_constraints(conn)
        self._rows(conn.execute(_ALL_ROWS, {"key": self.key}).all())
        self.refresh(conn)

    def _load_constraints(self, conn: Connection) -> None:
        params = {"key": self.key}
        for team, day in conn.execute(
            text("SELECT team, day FROM team_unavailable WHERE campaign_key = :key"), params
        ):
            self.team_off.setdefault(team, set()).add(db_date(day) or day)
        for unit, day in conn.execute(
            text("SELECT unit_code, day FROM unit_blackout WHERE campaign_key = :key"), params
        ):
            self.blackouts.setdefault(unit, set()).add(db_date(day) or day)

    def _rows(self, rows: Sequence[Any]) -> None:
        for row in rows:
            case_id, code, name, kind = row[:4]
            if case_id not in self.cases:
                required = tuple(a.code for a in appendices_for(self.spec, code, kind).required)
                self.cases[case_id] = SimCase(case_id, code, name, kind, required)
            self._slot(self.cases[case_id], row[4:])

    def _slot(self, case: SimCase, slot: Sequence[Any]) -> None:
        """The case's state and planned visit as its row has them; the teams' booked days
        follow."""
        state, version, last_seq, team, visit, evidence = slot
        if case.team is not None and case.visit_date is not None:
            self.booked[(case.team, case.visit_date)] -= 1
        case.state, case.version, case.last_seq = state, version, last_seq
        case.team, case.visit_date, case.evidence_due = team, db_date(visit), db_date(evidence)
        if team is not None and case.visit_date is not None:
            self.booked[(team, case.visit_date)] += 1

    def refresh(self, conn: Connection) -> set[int]:
        """Read the events appended since the last look, and the rows of the cases they touch;
        returns those cases."""
        store = EventStore(conn)
        events = store.campaign_events(self.key, after=self.chain_seq)
        if not events:
            return set()
        touched: set[int] = set()
        unknown: set[int] = set()  # cases added to the campaign meanwhile: read whole below
        for event in events:
            self.chain_seq = max(self.chain_seq, event.chain_seq or 0)
            touched.add(event.case_id)
            case = self.cases.get(event.case_id)
            if case is None:
                unknown.add(event.case_id)
                continue
            case.fold(event)
            self._count_minutes(case, event)
        if unknown:
            self._rows(conn.execute(_SOME_ROWS, {"key": self.key, "ids": sorted(unknown)}).all())
            for case_id in sorted(unknown):
                for event in store.events(case_id):
                    self.cases[case_id].fold(event)
        for case_id in sorted(touched - unknown):
            slot = store.slot_of(case_id)
            if slot is not None:
                self._slot(self.cases[case_id], slot)
        return touched

    def _count_minutes(self, case: SimCase, event: Event) -> None:
        minutes = event.payload.get("minutes")
        if not isinstance(minutes, Mapping) or case.team is None:
            return
        number = str(minutes.get("number", "")).split("/", 1)[0]
        if number.isdigit():
            team = case.team
            self.minutes_numbers[team] = max(self.minutes_numbers[team], int(number))

    def next_minutes_number(self, team: str | None) -> str:
        """The next number of the team's book of minutes ("07/BB-ĐKT")."""
        key = team or ""
        self.minutes_numbers[key] += 1
        return f"{self.minutes_numbers[key]:02d}{MINUTES_NUMBER_SUFFIX}"

    def open_cases(self, terminal: Iterable[str]) -> list[SimCase]:
        ended = set(terminal)
        return [case for _, case in sorted(self.cases.items()) if case.state not in ended]
