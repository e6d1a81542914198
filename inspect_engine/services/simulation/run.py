"""The day loop of a simulation: a campaign fast-forwarded on a simulated clock through the
engine, its effects, its documents and the worker's sweep.

Day after day (working days only), the clock moves through office hours in Vietnam's time:
at 07:30 the worker's sweep fires the deadlines that passed overnight; from 08:00 the actors'
steps (actors.py) run in the order of their hours, each through `services.cases.advance`
with its role and data, in its own transaction as in production; at 17:30 the sweep issues the
day's documents and the reminders. Nothing else writes: what the engine refuses is refused.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, text

from inspect_engine.domain.campaign.simulation import SimulationSettings
from inspect_engine.domain.deadlines import PENDING
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services import cases, workflows
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.services.clock import Clock, shown
from inspect_engine.services.simulation.actors import FOLLOW_UP, LAST_STEP, Actors, Step, at_minute
from inspect_engine.services.simulation.world import World, local_day
from inspect_engine.services.worker.outbox import default_sweep
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.deadline_store import DeadlineStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

WORKFLOW = "cchc-inspection"
SWEEPS = (time(7, 30), time(17, 30))  # the worker before office hours, and after them


class SimClock:
    """The simulation's now: set by the day loop, read by the engine; never goes back."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = max(moment, self.now)


class _Runtime:
    """What the worker's sweep needs (`WorkerRuntime`): the simulated clock and our unit of
    work, so a sweep is one more step of the run rather than a new connection."""

    def __init__(self, clock: Clock, uow: UnitOfWork) -> None:
        self._clock, self._uow = clock, uow

    @property
    def clock(self) -> Clock:
        return self._clock

    @contextmanager
    def unit_of_work(self, *, schema: str = "require") -> Iterator[UnitOfWork]:
        yield self._uow


@dataclass(frozen=True)
class SimulationReport:
    """What a run did, and where the campaign stands after it."""

    key: str
    seed: int
    start: datetime  # the campaign's last moment before the run
    first_day: date
    until: date
    working_days: int
    steps: int  # the actors' requests the engine took
    events: int  # events written (steps, firings, documents)
    states: dict[str, int]  # every case of the campaign, by state, after the run
    documents: dict[str, int]  # issued during the run, by kind
    met: int  # deadlines ended by what they waited for, during the run
    missed: dict[str, int]  # deadlines fired during the run, by kind
    moved: int  # deadlines replaced by a later one (a moved visit)
    pending: int  # deadlines still running after the run
    pending_due: tuple[date, date] | None  # the first and last due date of those
    refused: list[str] = field(default_factory=list)  # steps the engine refused, by case

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign": self.key,
            "seed": self.seed,
            "start": self.start.astimezone(DISPLAY_TZ).isoformat(),
            "first_day": self.first_day.isoformat(),
            "until": self.until.isoformat(),
            "working_days": self.working_days,
            "steps": self.steps,
            "events": self.events,
            "states": self.states,
            "documents": self.documents,
            "deadlines": {
                "met": self.met,
                "missed": self.missed,
                "moved": self.moved,
                "pending": self.pending,
                "pending_due": [d.isoformat() for d in self.pending_due]
                if self.pending_due
                else None,
            },
            "refused": self.refused,
        }


@dataclass(frozen=True)
class _Snapshot:
    chain_seq: int
    deadlines: dict[int, str]
    documents: frozenset[int]


def latest_moment(conn: Connection, key: str) -> datetime | None:
    """The campaign's last recorded moment: its last event, team decision or document."""
    found = []
    for sql in (
        "SELECT max(at) FROM case_event WHERE campaign_key = :key",
        "SELECT max(recorded_at) FROM team_decision WHERE campaign_key = :key",
        "SELECT max(created_at) FROM document WHERE campaign_key = :key",
    ):
        value = conn.execute(text(sql), {"key": key}).scalar()
        if isinstance(value, str):  # SQLite: the stored text, UTC
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return max(found, default=None)


def _snapshot(conn: Connection, key: str) -> _Snapshot:
    head = EventStore(conn).chain_head(key)[0]
    deadlines = {d.id: d.status for d in DeadlineStore(conn).list(key)}
    rows = conn.execute(text("SELECT id FROM document WHERE campaign_key = :key"), {"key": key})
    return _Snapshot(head, deadlines, frozenset(r[0] for r in rows))


def _check_cases(conn: Connection, key: str) -> frozenset[str]:
    """Refuse a campaign whose cases follow a workflow the actors do not know; the terminal
    states of those they do."""
    terminal: set[str] = set()
    rows = conn.execute(
        text(
            "SELECT workflow_name, workflow_version, min(id) FROM inspection_case "
            "WHERE campaign_key = :key GROUP BY workflow_name, workflow_version"
        ),
        {"key": key},
    )
    for name, version, case_id in rows:
        if name != WORKFLOW or version < 2:
            raise InputError(
                f"case {case_id} follows workflow {name} v{version}: the simulation drives "
                f"{WORKFLOW} from version 2 on (migrate it with `workflow migrate`)",
                field="KEY",
            )
        terminal |= workflows.stored(conn, name, version).terminal
    return frozenset(terminal)


def simulate(
    uow: UnitOfWork,
    key: str,
    *,
    until: date,
    seed: int = 1,
    settings: SimulationSettings | None = None,
    log: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SimulationReport:
    """Fast-forward campaign `key` from its last recorded moment through the end of `until`.
    Checks everything first: bad input writes nothing. `progress(done, total)` after each
    working day; `should_stop()` is asked before each (what was done stays done)."""
    with uow:
        conn = uow.connection
        if not EventStore(conn).has_campaign(key):
            raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
        spec, calendar = campaign_spec(conn, key)
        terminal = _check_cases(conn, key)
        start = latest_moment(conn, key)
        if start is None:
            raise InputError(f"campaign {key} has no events yet", field="KEY")
        if until < local_day(start):
            raise InputError(
                f"{until:%d/%m/%Y} is before the campaign's last event ({shown(start)}): a "
                "simulation never goes back in time",
                field="--until",
            )
        if until.year != spec.year:
            raise InputError(
                f"{until:%d/%m/%Y} is outside the campaign's year {spec.year}", field="--until"
            )
        before = _snapshot(conn, key)
        world = World(conn, spec)
    clock = SimClock(start)
    actors = Actors(spec, settings or spec.simulation, calendar, world, seed)
    sweep = default_sweep(_Runtime(clock, uow), keys=(key,))
    say = log or (lambda line: None)
    refused: dict[int, str] = {}
    first_day = local_day(start) + timedelta(days=1)
    days = calendar.working_days(first_day, until) if first_day <= until else []
    steps = worked = 0
    for day in days:
        if should_stop():
            break
        steps += _run_day(uow, world, actors, clock, day, terminal, refused, sweep, say)
        worked += 1
        if progress is not None:
            progress(worked, len(days))
    with uow:
        after = _report_data(uow.connection, key, before)
    return SimulationReport(
        key=key,
        seed=seed,
        start=start,
        first_day=first_day,
        until=until,
        working_days=worked,
        steps=steps,
        refused=[f"case {case_id}: {why}" for case_id, why in sorted(refused.items())],
        **after,
    )


def _run_day(
    uow: UnitOfWork,
    world: World,
    actors: Actors,
    clock: SimClock,
    day: date,
    terminal: frozenset[str],
    refused: dict[int, str],
    sweep: Callable[[], Any],
    say: Callable[[str], None],
) -> int:
    """One working day: the morning sweep, the actors' steps in the order of their hours, the
    evening sweep. Returns the steps taken."""
    _sweep(uow, world, clock, day, SWEEPS[0], sweep, say)
    queue: list[tuple[datetime, int, Step]] = []
    dawn = at_minute(day, 0)
    for case in world.open_cases(terminal):
        if case.id not in refused:
            _push(queue, actors.next_step(case, day), day, dawn)
    taken = 0
    while queue:
        at, case_id, step = heapq.heappop(queue)
        request = step.make()
        if request is None:
            continue
        clock.move_to(at)
        try:
            done = cases.advance(uow, case_id, request, clock=clock)
        except InputError as exc:  # the engine's word: this case stops here, the others go on
            refused[case_id] = f"{request.trigger} on {day:%d/%m/%Y} refused: {exc}"
            say(f"{shown(clock())} case {case_id}: {request.trigger} refused: {exc}")
            continue
        taken += 1
        say(f"{shown(clock())} case {case_id} ({done.unit_code}): {request.trigger} by "
            f"{request.actor} ({request.role}): {done.from_state} -> {done.to_state}")  # fmt: skip
        with uow:
            world.refresh(uow.connection)
        case = world.cases[case_id]
        if case.state not in terminal:
            _push(queue, actors.next_step(case, day), day, clock() + FOLLOW_UP)
    _sweep(uow, world, clock, day, SWEEPS[1], sweep, say)
    return taken


def _push(
    queue: list[tuple[datetime, int, Step]], step: Step | None, day: date, not_before: datetime
) -> None:
    """Queue a step for its hour (after `not_before`); one that would fall after office hours
    waits for the next working day."""
    if step is None:
        return
    at = max(at_minute(day, step.minute), not_before)
    if at <= at_minute(day, LAST_STEP):
        heapq.heappush(queue, (at, step.case_id, step))


def _sweep(
    uow: UnitOfWork,
    world: World,
    clock: SimClock,
    day: date,
    hour: time,
    sweep: Callable[[], Any],
    say: Callable[[str], None],
) -> None:
    clock.move_to(datetime.combine(day, hour, DISPLAY_TZ).astimezone(UTC))
    report = sweep()
    for line in report.lines:
        say(f"{shown(clock())} worker: {line}")
    with uow:
        world.refresh(uow.connection)


def _report_data(conn: Connection, key: str, before: _Snapshot) -> dict[str, Any]:
    store = EventStore(conn)
    states = Counter(head.state for head in store.cases(key))
    rows = conn.execute(
        text("SELECT id, kind FROM document WHERE campaign_key = :key ORDER BY id"), {"key": key}
    )
    documents = Counter(kind for doc_id, kind in rows if doc_id not in before.documents)
    ended: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    pending = []
    for row in DeadlineStore(conn).list(key):
        if row.status == PENDING:
            pending.append(db_date(row.due) or row.due)
        elif before.deadlines.get(row.id, PENDING) == PENDING:
            ended[row.status] += 1
            if row.status == "fired":
                missed[row.kind] += 1
    return {
        "events": store.chain_head(key)[0] - before.chain_seq,
        "states": dict(sorted(states.items())),
        "documents": dict(sorted(documents.items())),
        "met": ended["cancelled"],
        "missed": dict(sorted(missed.items())),
        "moved": ended["superseded"],
        "pending": len(pending),
        "pending_due": (min(pending), max(pending)) if pending else None,
    }
