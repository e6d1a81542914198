"""The event store's promises, one contract run on every backend.

In the style of eventsourcing's recorder tests: `EventStoreContract` holds the tests and says what
a backend must provide (its database, and how to watch a writer wait for a lock); each backend
subclasses it once. The promises (inspect_engine/storage/event_store.py):

- events read back exactly as appended, so their hashes still verify;
- a case moves only from the version the writer read, else `StaleCase` and the batch fails;
- each event takes the next position of its case's chain and of its campaign's chain, and the
  chain heads say where each chain ends;
- appends to one campaign are serialised: the append lock is taken before the chain head is read,
  so concurrent writers never claim the same position;
- a write that loses to another transaction is a `WriteConflict` (a `ConflictError`: exit 2 and
  retry), never a driver error.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine

from inspect_engine.domain.events import (
    GENESIS,
    Event,
    as_utc,
    event_hash,
    seal,
    verify_campaign_chain,
    verify_case,
)
from inspect_engine.errors import ConflictError
from inspect_engine.storage.db import make_engine, upgrade
from inspect_engine.storage.event_store import CaseHead, EventStore, StaleCase, WriteConflict
from inspect_engine.storage.uow import UnitOfWork
from tests.lock_watch import WAIT_S, Watcher, postgres_watch, sqlite_watch
from tests.store_rows import seed_cases

T = TypeVar("T")
AT = datetime(2026, 8, 3, 2, 30, 15, 123456, tzinfo=UTC)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


# -- what the engine does with the store, written out against the store's API only --------------


def _seed(engine: Engine, key: str, cases: int, workflow_version: int = 1) -> list[int]:
    """A campaign `key` with `cases` unopened cases, committed."""
    return seed_cases(engine, key, cases, at=AT, workflow_version=workflow_version)


def _draft(
    head: CaseHead,
    trigger: str,
    to_state: str,
    *,
    payload: Mapping[str, Any] | None = None,
    effects: Sequence[Mapping[str, Any]] = (),
    at: datetime = AT,
) -> Event:
    """The next event of the case `head` was read as (not yet linked into the chains)."""
    return Event(
        campaign_key=head.campaign_key,
        case_id=head.id,
        seq=head.last_seq + 1,
        trigger=trigger,
        from_state=head.state if head.last_seq else "",
        to_state=to_state,
        actor="tester",
        role="team_lead",
        at=at,
        payload=payload or {},
        workflow=head.workflow_name,
        workflow_version=head.workflow_version,
        effects=effects,
        prev_hash=head.last_hash,
    )


def _append(store: EventStore, *drafts: tuple[Event, int | None]) -> list[Event]:
    """Lock each campaign, read its head once, link the drafts in order and append them."""
    heads: dict[str, tuple[int, str]] = {}
    sealed = []
    for draft, seen in drafts:
        key = draft.campaign_key
        if key not in heads:
            store.lock_campaign(key)
            heads[key] = store.chain_head(key)
        position, prev = heads[key]
        event = seal(draft, prev_hash=draft.prev_hash, chain_seq=position + 1, chain_prev_hash=prev)
        heads[key] = (event.chain_seq, event.chain_hash)
        sealed.append((event, seen))
    store.append_many(sealed)
    return [event for event, _ in sealed]


def _read(engine: Engine, read: Callable[[EventStore], T]) -> T:
    """`read` in a transaction of its own."""
    uow = UnitOfWork(engine)
    try:
        with uow:
            return read(EventStore(uow.connection))
    finally:
        uow.close()


def _open(engine: Engine, key: str, cases: int) -> list[CaseHead]:
    """Seed a campaign and open its cases (their first events), committed; their heads."""
    _seed(engine, key, cases)
    uow = UnitOfWork(engine)
    try:
        with uow:
            store = EventStore(uow.connection)
            opened = _append(store, *((_draft(h, "open", h.state), None) for h in store.cases(key)))
            store.set_heads([(e.case_id, e.seq, e.hash) for e in opened])
            uow.commit()
    finally:
        uow.close()
    return _read(engine, lambda store: store.cases(key))


def _move(engine: Engine, head: CaseHead, trigger: str, to_state: str, **kw: Any) -> Event:
    """One committed transition of a case from the version it was read at."""
    uow = UnitOfWork(engine)
    try:
        with uow:
            (event,) = _append(
                EventStore(uow.connection), (_draft(head, trigger, to_state, **kw), head.version)
            )
            uow.commit()
    finally:
        uow.close()
    return event


def _as_read(event: Event) -> Event:
    """The event in the shape the store hands back (UTC time, plain dicts and lists)."""
    return event._replace(
        at=as_utc(event.at),
        payload=dict(event.payload),
        effects=[dict(e) for e in event.effects],
    )


class EventStoreContract(ABC):
    """The tests; a backend's subclass says how to reach its database."""

    @abstractmethod
    def database_url(self, request: pytest.FixtureRequest) -> str:
        """The URL of an empty database of this backend, for this test alone."""

    @abstractmethod
    def watch_lock_wait(self, conn: Connection) -> Watcher:
        """Called on a writer's connection before it asks for the append lock; returns a function
        that returns once that writer is waiting for the lock (or has asked for it)."""

    @abstractmethod
    def give_up_waiting(self, conn: Connection) -> None:
        """Make `conn` fail at once, instead of waiting, when a lock it needs is held."""

    @pytest.fixture
    def url(self, request: pytest.FixtureRequest) -> str:
        return self.database_url(request)

    @pytest.fixture
    def engine(self, url: str) -> Iterator[Engine]:
        eng = make_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()

    # -- appending and reading back ---------------------------------------------------------------

    def test_chains_start_at_genesis(self, engine: Engine) -> None:
        (case_id,) = _seed(engine, "c", 1)
        head = _read(engine, lambda store: store.case(case_id))
        assert head is not None
        assert (head.state, head.version, head.last_seq, head.last_hash) == (
            "planned",
            1,
            0,
            GENESIS,
        )
        assert _read(engine, lambda store: store.chain_head("c")) == (0, GENESIS)
        assert _read(engine, lambda store: store.campaign_events("c")) == []

    def test_appended_events_read_back_as_written(self, engine: Engine) -> None:
        (opened,) = _open(engine, "c", 1)
        payload = {
            "findings": [{"area": 2, "severity": "serious", "text": "Chưa công khai TTHC"}],
            "score": 7.5,
            "reinspection": True,
            "note": None,
        }
        effects = [{"effect": "issue_notice", "args": {"notice": "thong-bao-kiem-tra"}}]
        moment = datetime(2026, 8, 4, 9, 15, 0, 654321, tzinfo=HANOI)  # stored as UTC
        moved = _move(
            engine,
            opened,
            "record_findings",
            "findings",
            payload=payload,
            effects=effects,
            at=moment,
        )

        events, head, history = _read(
            engine,
            lambda store: (
                store.events(opened.id),
                store.case(opened.id),
                store.history(opened.id),
            ),
        )
        assert [e.trigger for e in events] == ["open", "record_findings"]
        assert _as_read(events[1]) == _as_read(moved)
        assert as_utc(events[1].at) == moment
        assert [event_hash(e) for e in events] == [e.hash for e in events]
        assert verify_case(events) == []
        assert history == [("open", {}), ("record_findings", payload)]
        assert head is not None
        assert (head.state, head.version, head.last_seq, head.last_hash) == (
            "findings",
            2,
            2,
            moved.hash,
        )
        last_at = _read(engine, lambda store: store.last_event_at(head))
        assert last_at is not None and as_utc(last_at) == moment

    def test_cases_are_found_by_campaign_state_and_workflow_version(self, engine: Engine) -> None:
        first, second = _open(engine, "c", 2)
        _seed(engine, "d", 1, workflow_version=2)
        _move(engine, second, "announce", "announced")

        def reads(store: EventStore) -> tuple[Any, ...]:
            return (
                [h.id for h in store.cases("c")],
                [h.id for h in store.cases("c", "announced")],
                [h.campaign_key for h in store.cases_on("w", 2)],
                store.cases_on("w", 2, campaign_key="c"),
                [h.id for h in store.cases_on("w", 1, campaign_key="c")],
                store.case(10**6),
            )

        every, announced, on_v2, none_on_v2, on_v1, missing = _read(engine, reads)
        assert every == [first.id, second.id]
        assert announced == [second.id]
        assert on_v2 == ["d"] and none_on_v2 == []
        assert on_v1 == [first.id, second.id]
        assert missing is None

    # -- chain heads ------------------------------------------------------------------------------

    def test_chain_heads_follow_each_case_and_each_campaign(self, engine: Engine) -> None:
        c1, c2 = _open(engine, "c", 2)
        (d1,) = _open(engine, "d", 1)
        announced = _move(engine, c1, "announce", "announced")
        d_open = _read(engine, lambda store: store.events(d1.id))[0]

        heads = _read(
            engine,
            lambda store: (store.chain_head("c"), store.chain_head("d"), store.cases("c")),
        )
        c_head, d_head, (c1_now, c2_now) = heads
        assert c_head == (3, announced.chain_hash), "two opens, then the announce"
        assert d_head == (1, d_open.chain_hash), "another campaign has a chain of its own"
        assert (c1_now.last_seq, c1_now.last_hash, c1_now.version) == (2, announced.hash, 2)
        assert (c2_now.last_seq, c2_now.last_hash, c2_now.version) == (1, c2.last_hash, 1)
        assert announced.prev_hash == c1.last_hash
        chain = _read(engine, lambda store: store.campaign_events("c"))
        assert [e.chain_seq for e in chain] == [1, 2, 3]
        assert verify_campaign_chain(chain) == []

    # -- stale versions ---------------------------------------------------------------------------

    def test_a_stale_version_is_refused_naming_the_case(self, engine: Engine) -> None:
        (head,) = _open(engine, "c", 1)
        winner = _move(engine, head, "announce", "announced")
        with pytest.raises(StaleCase) as caught:
            _move(engine, head, "cancel", "cancelled", payload={"reason": "x"})
        assert caught.value.args == (head.id,)
        events = _read(engine, lambda store: store.events(head.id))
        assert len(events) == 2 and events[-1].hash == winner.hash

    def test_one_stale_case_fails_the_whole_batch(self, engine: Engine) -> None:
        fresh, stale = _open(engine, "c", 2)
        _move(engine, stale, "announce", "announced")
        before = _read(engine, lambda store: (store.cases("c"), store.chain_head("c")))
        uow = UnitOfWork(engine)
        try:
            with uow:
                store = EventStore(uow.connection)
                with pytest.raises(StaleCase):
                    _append(
                        store,
                        (_draft(fresh, "announce", "announced"), fresh.version),
                        (_draft(stale, "announce", "announced"), stale.version),
                    )
        finally:
            uow.close()  # left without commit: rolled back, as the engine does
        after = _read(engine, lambda store: (store.cases("c"), store.chain_head("c")))
        assert after == before, "the fresh case did not move either"
        assert len(_read(engine, lambda store: store.campaign_events("c"))) == 3

    # -- conflicts --------------------------------------------------------------------------------

    def test_a_taken_campaign_position_is_a_conflict(self, engine: Engine) -> None:
        (head,) = _open(engine, "c", 1)
        uow = UnitOfWork(engine)
        try:
            with uow:
                # A writer that read the campaign's head before the open event was appended.
                late = seal(
                    _draft(head, "announce", "announced"),
                    prev_hash=head.last_hash,
                    chain_seq=1,
                    chain_prev_hash=GENESIS,
                )
                with pytest.raises(WriteConflict, match="retry") as caught:
                    EventStore(uow.connection).append_many([(late, head.version)])
        finally:
            uow.close()
        assert isinstance(caught.value, ConflictError)
        assert _read(engine, lambda store: store.case(head.id)) == head
        assert len(_read(engine, lambda store: store.campaign_events("c"))) == 1

    def test_a_taken_case_position_is_a_conflict(self, engine: Engine) -> None:
        (head,) = _open(engine, "c", 1)
        uow = UnitOfWork(engine)
        try:
            with uow:
                store = EventStore(uow.connection)
                # A second `open` of the case: seq 1 again, at the next campaign position.
                again = _draft(head, "open", "planned")._replace(seq=1, prev_hash=GENESIS)
                with pytest.raises(WriteConflict) as caught:
                    _append(store, (again, None))
        finally:
            uow.close()
        assert isinstance(caught.value, ConflictError)
        assert len(_read(engine, lambda store: store.events(head.id))) == 1

    def test_a_writer_that_gives_up_waiting_for_the_lock_gets_a_conflict(
        self, engine: Engine, url: str
    ) -> None:
        _open(engine, "c", 1)
        other = make_engine(url)  # its connection is made impatient; it is thrown away after
        holder, impatient = UnitOfWork(engine), UnitOfWork(other)
        try:
            with holder:
                EventStore(holder.connection).lock_campaign("c")
                with impatient:
                    self.give_up_waiting(impatient.connection)
                    with pytest.raises(WriteConflict, match="retry") as caught:
                        EventStore(impatient.connection).lock_campaign("c")
        finally:
            impatient.close()
            holder.close()
            other.dispose()
        assert isinstance(caught.value, ConflictError)

    # -- concurrency: real threads, each with its own connection ----------------------------------

    def test_appends_to_one_campaign_are_serialised(self, engine: Engine) -> None:
        """A second writer asks for the append lock while the first holds it (having read the
        chain head): it gets it only after the first commits, and links after its event."""
        first, second = _open(engine, "c", 2)
        watchers: queue.Queue[Watcher] = queue.Queue()

        def second_writer() -> Event:
            uow = UnitOfWork(engine)
            try:
                with uow:
                    store = EventStore(uow.connection)
                    watchers.put(self.watch_lock_wait(uow.connection))
                    (event,) = _append(
                        store, (_draft(second, "announce", "announced"), second.version)
                    )
                    uow.commit()
                    return event
            finally:
                uow.close()

        uow = UnitOfWork(engine)
        try:
            with ThreadPoolExecutor(1) as pool, uow:
                store = EventStore(uow.connection)
                store.lock_campaign("c")
                assert store.chain_head("c")[0] == 2
                theirs = pool.submit(second_writer)
                watchers.get(timeout=WAIT_S)()  # the second writer is queued behind us
                (mine,) = _append(store, (_draft(first, "announce", "announced"), first.version))
                uow.commit()
            their_event = theirs.result(timeout=WAIT_S)
        finally:
            uow.close()

        assert (mine.chain_seq, their_event.chain_seq) == (3, 4)
        assert their_event.chain_prev_hash == mine.chain_hash, "it read the head after our commit"
        chain = _read(engine, lambda store: store.campaign_events("c"))
        assert len(chain) == 4 and verify_campaign_chain(chain) == []

    def test_many_writers_on_one_campaign_never_conflict(self, engine: Engine) -> None:
        writers, rounds = 4, 25
        heads = _open(engine, "c", writers)
        start = threading.Barrier(writers)

        def write(case_id: int) -> None:
            uow = UnitOfWork(engine)
            try:
                start.wait(timeout=WAIT_S)
                for k in range(rounds):
                    with uow:
                        store = EventStore(uow.connection)
                        head = store.case(case_id)  # read before the lock, as the engine does
                        assert head is not None
                        draft = _draft(head, "reschedule", head.state, payload={"round": k})
                        _append(store, (draft, head.version))
                        uow.commit()
            finally:
                uow.close()

        with ThreadPoolExecutor(writers) as pool:
            for done in [pool.submit(write, head.id) for head in heads]:
                done.result(timeout=WAIT_S * 4)  # a WriteConflict in any writer fails here

        chain, now = _read(engine, lambda store: (store.campaign_events("c"), store.cases("c")))
        assert [e.chain_seq for e in chain] == list(range(1, writers * (rounds + 1) + 1))
        assert verify_campaign_chain(chain) == []
        assert [h.version for h in now] == [rounds + 1] * writers
        for head in now:
            assert verify_case([e for e in chain if e.case_id == head.id]) == []

    def test_opposite_lock_orders_end_in_commits_or_a_conflict(self, engine: Engine) -> None:
        """Two batches lock two campaigns in opposite orders. Where that deadlocks (PostgreSQL),
        the database aborts one: it must surface as a WriteConflict, and the other commits."""
        c1, c2 = _open(engine, "c", 2)
        d1, d2 = _open(engine, "d", 2)
        watchers: queue.Queue[Watcher] = queue.Queue()

        def batch(store: EventStore, *heads: CaseHead) -> str:
            try:
                _append(store, *((_draft(h, "announce", "announced"), h.version) for h in heads))
            except WriteConflict:
                return "conflict"
            return "committed"

        def second_writer() -> str:
            uow = UnitOfWork(engine)
            try:
                with uow:
                    store = EventStore(uow.connection)
                    watchers.put(self.watch_lock_wait(uow.connection))
                    outcome = batch(store, d2, c2)  # d first, then c
                    if outcome == "committed":
                        uow.commit()
                    return outcome
            finally:
                uow.close()

        uow = UnitOfWork(engine)
        try:
            with ThreadPoolExecutor(1) as pool, uow:
                store = EventStore(uow.connection)
                store.lock_campaign("c")
                theirs = pool.submit(second_writer)
                watchers.get(timeout=WAIT_S)()
                mine = batch(store, c1, d1)  # c (held already), then d
                if mine == "committed":
                    uow.commit()
            outcomes = sorted([mine, theirs.result(timeout=WAIT_S)])
        finally:
            uow.close()

        assert outcomes in (["committed", "committed"], ["committed", "conflict"]), outcomes
        chains = _read(engine, lambda store: [store.campaign_events(k) for k in ("c", "d")])
        for chain in chains:  # two opens, then one event of each batch that committed
            assert len(chain) == 2 + outcomes.count("committed")
            assert verify_campaign_chain(chain) == []


class TestSQLiteEventStore(EventStoreContract):
    def database_url(self, request: pytest.FixtureRequest) -> str:
        tmp_path: Path = request.getfixturevalue("tmp_path")
        return f"sqlite:///{tmp_path / 'store.db'}"

    def watch_lock_wait(self, conn: Connection) -> Watcher:
        return sqlite_watch(conn, "writer")

    def give_up_waiting(self, conn: Connection) -> None:
        driver: Any = conn.connection.driver_connection
        driver.execute("PRAGMA busy_timeout = 0")


@pytest.mark.postgres
class TestPostgresEventStore(EventStoreContract):
    def database_url(self, request: pytest.FixtureRequest) -> str:
        url: str = request.getfixturevalue("pg_url")
        return url

    def watch_lock_wait(self, conn: Connection) -> Watcher:
        return postgres_watch(conn, "writer")

    def give_up_waiting(self, conn: Connection) -> None:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '1ms'")
