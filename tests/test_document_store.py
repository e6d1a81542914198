"""The document store's promises, one contract run on every backend (as the event store's).

- each sequence (issuer, year, series) counts from 1, on its own;
- a number is taken inside the caller's transaction: rolled back, it is given again, so
  concurrent issuers end with numbers 1..K, no gap and no repeat;
- a document is stored once per source (`AlreadyIssued`), a number once per issuer and year
  and once per sequence (`NumberTaken`);
- a number from the records office moves the register past it, and a used one is refused;
- documents read back as stored.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, Engine

from inspect_engine.domain.events import canonical
from inspect_engine.errors import ConflictError, InputError, NotFound
from inspect_engine.storage.db import make_engine, upgrade
from inspect_engine.storage.document_store import (
    AlreadyIssued,
    DocumentStore,
    NumberTaken,
)
from inspect_engine.storage.uow import UnitOfWork
from tests.letters import announcement
from tests.lock_watch import WAIT_S, Watcher, postgres_watch, sqlite_watch
from tests.store_rows import seed_cases

T = TypeVar("T")
AT = datetime(2026, 8, 3, 2, 30, 15, 123456, tzinfo=UTC)
LETTER = announcement().to_json()


def _seed(engine: Engine, key: str = "hanoi-2026", cases: int = 2) -> list[int]:
    """A campaign `key` with `cases` cases, committed; their ids."""
    title = "Kiểm tra công tác cải cách hành chính năm 2026"
    return seed_cases(engine, key, cases, at=AT, title=title)


def _fields(source_key: str, number_seq: int | None, **changes: Any) -> dict[str, Any]:
    """The columns of a Thông báo kiểm tra of SNV in 2026, numbered `number_seq` (None: a
    draft awaiting its number)."""
    fields: dict[str, Any] = {
        "campaign_key": "hanoi-2026",
        "case_id": None,
        "kind": "thong-bao-kiem-tra",
        "source_key": source_key,
        "source_case_id": None,
        "source_seq": None,
        "issuer_code": "SNV",
        "year": 2026,
        "series": "TB",
        "number_seq": number_seq,
        "number": None if number_seq is None else f"{number_seq:02d}/TB-SNV",
        "issued_on": date(2026, 8, 5),
        "status": "awaiting_number" if number_seq is None else "issued",
        "content": LETTER,
        "content_hash": hashlib.sha256(canonical(LETTER)).hexdigest(),
        "template": "thong-bao-kiem-tra.xml.j2",
        "recorded_by": "lan",
        "created_at": AT,
    }
    return fields | changes


def _issue(store: DocumentStore, source_key: str, **changes: Any) -> tuple[int, int]:
    """Take the next TB number of SNV in 2026 and store a document with it: (id, number)."""
    number = store.next_number("SNV", 2026, "TB")
    return store.insert(**_fields(source_key, number, **changes)), number


def _insert(fields: dict[str, Any]) -> Callable[[DocumentStore], int]:
    return lambda store: store.insert(**fields)


def _run(engine: Engine, work: Callable[[DocumentStore], T], *, commit: bool = True) -> T:
    """`work` in a transaction of its own, committed (or rolled back)."""
    uow = UnitOfWork(engine)
    try:
        with uow:
            result = work(DocumentStore(uow.connection))
            if commit:
                uow.commit()
            return result
    finally:
        uow.close()


def _issue_many(engine: Engine, worker: int, rounds: int, start: Any) -> list[int]:
    """`rounds` transactions, each taking a number and storing a document; every third rolls
    back. The numbers committed."""
    committed = []
    uow = UnitOfWork(engine)
    try:
        start.wait(timeout=WAIT_S)
        for k in range(rounds):
            with uow:
                _, number = _issue(DocumentStore(uow.connection), f"w{worker}:{k}")
                if k % 3 != 2:
                    uow.commit()
                    committed.append(number)
    finally:
        uow.close()
    return committed


def _issue_in_process(url: str, worker: int, rounds: int, start: Any, results: Any) -> None:
    """`_issue_many` in a process of its own (spawned: it starts from this module); what went
    wrong, if anything, goes back as text."""
    engine = make_engine(url)
    try:
        results.put(_issue_many(engine, worker, rounds, start))
    except Exception as exc:
        results.put(repr(exc))
    finally:
        engine.dispose()


def _assert_no_gap_no_repeat(engine: Engine, committed: list[int]) -> None:
    docs = _run(engine, lambda store: store.list("hanoi-2026"))
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert sorted(d.number_seq or 0 for d in docs) == sorted(committed)
    assert _run(engine, lambda store: store.next_number("SNV", 2026, "TB")) == len(committed) + 1


class DocumentStoreContract(ABC):
    """The tests; a backend's subclass says how to reach its database."""

    @abstractmethod
    def database_url(self, request: pytest.FixtureRequest) -> str:
        """The URL of an empty database of this backend, for this test alone."""

    @abstractmethod
    def watch_lock_wait(self, conn: Connection) -> Watcher:
        """Called on an issuer's connection before it asks for a number; returns a function
        that returns once that issuer waits for the sequence's lock (or has asked for it)."""

    @pytest.fixture
    def url(self, request: pytest.FixtureRequest) -> str:
        return self.database_url(request)

    @pytest.fixture
    def engine(self, url: str) -> Iterator[Engine]:
        eng = make_engine(url)
        upgrade(eng)
        _seed(eng)
        yield eng
        eng.dispose()

    # -- numbers ----------------------------------------------------------------------------------

    def test_numbers_count_from_one_and_restart_each_year(self, engine: Engine) -> None:
        def take(store: DocumentStore) -> list[int]:
            return [store.next_number("SNV", year, "TB") for year in (2026, 2026, 2026, 2027)]

        assert _run(engine, take) == [1, 2, 3, 1]
        assert _run(engine, take) == [4, 5, 6, 2], "committed numbers are never given again"

    def test_each_series_and_issuer_counts_on_its_own(self, engine: Engine) -> None:
        sequences = [("SNV", "TB"), ("SNV", "QĐ"), ("SNV", "TB"), ("UBND", "TB"), ("SNV", "")]
        sequences += [("SNV", "QĐ"), ("SNV", "TB"), ("SNV", "")]

        def take(store: DocumentStore) -> list[int]:
            return [store.next_number(issuer, 2026, series) for issuer, series in sequences]

        assert _run(engine, take) == [1, 1, 2, 1, 1, 2, 3, 2]

    def test_a_rolled_back_number_is_given_again(self, engine: Engine) -> None:
        assert _run(engine, lambda store: _issue(store, "event:1:1:0")[1]) == 1
        assert _run(engine, lambda store: _issue(store, "event:1:2:0")[1], commit=False) == 2
        assert _run(engine, lambda store: _issue(store, "event:1:3:0")[1]) == 2
        docs = _run(engine, lambda store: store.list("hanoi-2026"))
        assert [(d.source_key, d.number) for d in docs] == [
            ("event:1:1:0", "01/TB-SNV"),
            ("event:1:3:0", "02/TB-SNV"),
        ]

    def test_a_waiting_issuer_gets_the_number_given_back(self, engine: Engine) -> None:
        """A second issuer asks while the first holds number 1: it waits, and when the first
        rolls back it gets 1 itself."""
        watchers: queue.Queue[Watcher] = queue.Queue()

        def second_issuer() -> int:
            uow = UnitOfWork(engine)
            try:
                with uow:
                    watchers.put(self.watch_lock_wait(uow.connection))
                    _, number = _issue(DocumentStore(uow.connection), "event:2:1:0")
                    uow.commit()
                    return number
            finally:
                uow.close()

        uow = UnitOfWork(engine)
        try:
            with ThreadPoolExecutor(1) as pool, uow:
                assert _issue(DocumentStore(uow.connection), "event:1:1:0")[1] == 1
                theirs = pool.submit(second_issuer)
                watchers.get(timeout=WAIT_S)()  # the second issuer is queued behind us
                uow.rollback()
            assert theirs.result(timeout=WAIT_S) == 1
        finally:
            uow.close()
        docs = _run(engine, lambda store: store.list("hanoi-2026"))
        assert [(d.source_key, d.number_seq) for d in docs] == [("event:2:1:0", 1)]

    def test_concurrent_issuers_number_without_gap_or_repeat(self, engine: Engine) -> None:
        workers, rounds = 8, 25
        start = threading.Barrier(workers)
        with ThreadPoolExecutor(workers) as pool:
            runs = [pool.submit(_issue_many, engine, w, rounds, start) for w in range(workers)]
            committed = [n for run in runs for n in run.result(timeout=WAIT_S * 4)]
        assert len(committed) == workers * (rounds - rounds // 3)
        _assert_no_gap_no_repeat(engine, committed)

    def test_an_office_number_moves_the_register_past_it(self, engine: Engine) -> None:
        def office(store: DocumentStore) -> list[int]:
            _issue(store, "event:1:1:0")  # number 1
            store.record_number("SNV", 2026, "TB", 40)  # the office's book used 2..39
            after_40 = store.next_number("SNV", 2026, "TB")
            store.record_number("SNV", 2026, "TB", 7)  # lower and unused: accepted, no move
            return [after_40, store.next_number("SNV", 2026, "TB")]

        assert _run(engine, office) == [41, 42]
        assert _run(engine, lambda store: store.next_number("SNV", 2027, "TB")) == 1

    def test_an_office_number_already_used_is_refused(self, engine: Engine) -> None:
        _run(engine, lambda store: _issue(store, "event:1:1:0"))
        with pytest.raises(NumberTaken, match="number 1 of the TB-SNV sequence of 2026") as caught:
            _run(engine, lambda store: store.record_number("SNV", 2026, "TB", 1))
        assert isinstance(caught.value, InputError)
        with pytest.raises(InputError, match="counts from 1"):
            _run(engine, lambda store: store.record_number("SNV", 2026, "TB", 0))
        # Used by the TB sequence only: the QĐ sequence and another year may use number 1.
        _run(engine, lambda store: store.record_number("SNV", 2026, "QĐ", 1))
        _run(engine, lambda store: store.record_number("SNV", 2025, "TB", 1))

    # -- documents --------------------------------------------------------------------------------

    def test_a_document_reads_back_as_stored(self, engine: Engine) -> None:
        hanoi = timezone(timedelta(hours=7))
        fields = _fields("event:1:3:0", 5, case_id=1, source_case_id=1, source_seq=3)
        fields["created_at"] = datetime(2026, 8, 3, 9, 30, 15, 123456, tzinfo=hanoi)
        document_id = _run(engine, lambda store: store.insert(**fields))

        stored = _run(engine, lambda store: store.get(document_id))
        assert stored is not None
        assert stored._asdict() == fields | {"id": document_id, "created_at": AT}
        assert stored.created_at.utcoffset() == timedelta(0)  # the same moment, in UTC
        assert stored.content["blocks"][2]["runs"][0]["text"].startswith("Sở Nội vụ thông báo")
        assert _run(engine, lambda store: store.get(document_id + 1)) is None

    def test_documents_are_listed_by_campaign_case_and_kind(self, engine: Engine) -> None:
        other_case = _seed(engine, "hcm-2026", 1)[0]

        def store_some(store: DocumentStore) -> None:
            _issue(store, "event:1:1:0", case_id=1)
            _issue(store, "decision:hanoi-2026:1", kind="quyet-dinh-thanh-lap-doan")
            _issue(store, "event:2:1:0", case_id=2)
            store.insert(**_fields("event:1:4:0", None, case_id=1, kind="bien-ban"))
            _issue(store, "event:3:1:0", campaign_key="hcm-2026", case_id=other_case)

        _run(engine, store_some)

        def listed(**narrow: Any) -> list[str]:
            docs = _run(engine, lambda store: store.list("hanoi-2026", **narrow))
            return [d.source_key for d in docs]

        assert listed() == ["event:1:1:0", "decision:hanoi-2026:1", "event:2:1:0", "event:1:4:0"]
        assert listed(case_id=1) == ["event:1:1:0", "event:1:4:0"]
        assert listed(kind="thong-bao-kiem-tra") == ["event:1:1:0", "event:2:1:0"]
        assert listed(case_id=1, kind="bien-ban") == ["event:1:4:0"]
        assert _run(engine, lambda store: store.issued_source_keys("hanoi-2026")) == {
            "event:1:1:0",
            "decision:hanoi-2026:1",
            "event:2:1:0",
            "event:1:4:0",  # a draft awaiting its number counts: it must not be made again
        }

    def test_a_source_stored_twice_is_refused_and_leaves_one_row(self, engine: Engine) -> None:
        def twice(store: DocumentStore) -> int:
            first, _ = _issue(store, "event:1:3:0")
            with pytest.raises(AlreadyIssued) as caught:
                store.insert(**_fields("event:1:3:0", 2, number="02/TB-SNV"))
            assert caught.value.source_key == "event:1:3:0"
            assert isinstance(caught.value, ConflictError)
            # The transaction goes on (nothing failed inside the database): it can commit.
            store.insert(**_fields("event:1:4:0", 2))
            return first

        first = _run(engine, twice)
        with pytest.raises(AlreadyIssued, match="event:1:3:0"):
            _run(engine, lambda store: store.insert(**_fields("event:1:3:0", None)))
        docs = _run(engine, lambda store: store.list("hanoi-2026"))
        assert [(d.source_key, d.number_seq) for d in docs] == [
            ("event:1:3:0", 1),
            ("event:1:4:0", 2),
        ]
        assert docs[0].id == first

    def test_a_number_stored_twice_is_refused(self, engine: Engine) -> None:
        _run(engine, lambda store: store.insert(**_fields("event:1:1:0", 5)))
        clashes = [
            _fields("event:1:2:0", None, status="issued", number="05/TB-SNV"),  # from outside
            _fields("event:1:3:0", 5, number="05/TB-SNV/bis"),  # the register's number 5
        ]
        for fields in clashes:
            with pytest.raises(NumberTaken, match="already used"):
                _run(engine, _insert(fields))
        # The same number in another year, or of another issuer, is another number.
        _run(engine, lambda store: store.insert(**_fields("event:1:4:0", 5, year=2027)))
        _run(engine, lambda store: store.insert(**_fields("event:1:5:0", 5, issuer_code="UBND")))
        docs = _run(engine, lambda store: store.list("hanoi-2026"))
        assert [d.source_key for d in docs] == ["event:1:1:0", "event:1:4:0", "event:1:5:0"]

    def test_a_draft_is_issued_once_with_the_office_number(self, engine: Engine) -> None:
        _run(engine, lambda store: _issue(store, "event:1:1:0"))  # number 1
        draft = _run(engine, lambda store: store.insert(**_fields("event:2:1:0", None)))
        final = LETTER | {"number": "Số: 12/TB-SNV"}
        digest = hashlib.sha256(canonical(final)).hexdigest()

        def number_it(store: DocumentStore, seq: int, number: str) -> None:
            store.record_number("SNV", 2026, "TB", seq)
            store.set_number(draft, seq, number, date(2026, 8, 7), final, digest)

        with pytest.raises(NumberTaken):  # the office gave a number the register gave before
            _run(engine, lambda store: number_it(store, 1, "01/TB-SNV"))
        _run(engine, lambda store: number_it(store, 12, "12/TB-SNV"))
        issued = _run(engine, lambda store: store.get(draft))
        assert issued is not None
        assert (issued.status, issued.number_seq, issued.number) == ("issued", 12, "12/TB-SNV")
        assert (issued.issued_on, issued.content, issued.content_hash) == (
            date(2026, 8, 7),
            final,
            digest,
        )
        assert _run(engine, lambda store: store.next_number("SNV", 2026, "TB")) == 13

        with pytest.raises(AlreadyIssued, match="already issued as 12/TB-SNV"):
            _run(engine, lambda store: number_it(store, 14, "14/TB-SNV"))
        with pytest.raises(NotFound, match=f"no document {draft + 1}"):
            _run(engine, lambda store: store.set_number(draft + 1, 14, "14", AT.date(), {}, ""))
        outside = _run(engine, lambda store: store.insert(**_fields("event:3:1:0", None)))
        with pytest.raises(NumberTaken, match="12/TB-SNV is already used"):  # an outside number
            _run(
                engine,
                lambda store: store.set_number(outside, None, "12/TB-SNV", AT.date(), {}, ""),
            )

    def test_a_status_that_contradicts_the_number_is_refused(self, engine: Engine) -> None:
        wrong = [
            _fields("event:1:1:0", None, status="issued"),
            _fields("event:1:1:0", 3, status="awaiting_number"),
            _fields("event:1:1:0", None) | {"number_seq": 3},
            _fields("event:1:1:0", 3, status="withdrawn"),
        ]
        for fields in wrong:
            with pytest.raises(ValueError):
                _run(engine, _insert(fields))
        assert _run(engine, lambda store: store.list("hanoi-2026")) == []


class TestSQLiteDocumentStore(DocumentStoreContract):
    def database_url(self, request: pytest.FixtureRequest) -> str:
        tmp_path: Path = request.getfixturevalue("tmp_path")
        return f"sqlite:///{tmp_path / 'documents.db'}"

    def watch_lock_wait(self, conn: Connection) -> Watcher:
        return sqlite_watch(conn, "issuer")

    def test_two_processes_number_without_gap_or_repeat(self, engine: Engine, url: str) -> None:
        spawn = multiprocessing.get_context("spawn")
        start, results = spawn.Barrier(2), spawn.Queue()
        workers = [
            spawn.Process(target=_issue_in_process, args=(url, w, 60, start, results))
            for w in range(2)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=WAIT_S * 4) for _ in workers]
        assert [type(o) for o in outcomes] == [list, list], outcomes
        committed = [n for outcome in outcomes for n in outcome]
        for worker in workers:
            worker.join(timeout=WAIT_S)
            assert worker.exitcode == 0
        assert len(committed) == 2 * 40
        _assert_no_gap_no_repeat(engine, committed)


@pytest.mark.postgres
class TestPostgresDocumentStore(DocumentStoreContract):
    def database_url(self, request: pytest.FixtureRequest) -> str:
        url: str = request.getfixturevalue("pg_url")
        return url

    def watch_lock_wait(self, conn: Connection) -> Watcher:
        return postgres_watch(conn, "issuer")
