"""The worker's loop in this process: sweeps one at a time, a stop waits for the sweep in
progress, a failing sweep is logged; and what a sweep does today, the document outbox. The
worker as a process (signals, a pause, the SQLite lock) is tests/test_worker_process.py.

No assertion here is about how long something took: waits poll with a generous timeout only
so that a broken worker fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from inspect_engine.domain.documents.kinds import REMINDERS
from inspect_engine.errors import InputError
from inspect_engine.services.notices.issuing import Issued, NotIssued
from inspect_engine.services.worker import SweepReport, outbox, run_worker
from tests.conftest import Cli
from tests.test_notices import announce_all, documents
from tests.test_workflow_v2 import planned  # noqa: F401  (the fixture)

TIMEOUT = 30.0
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07:00 ")


def wait_for(check: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


# --- the loop, in this process --------------------------------------------------------------


def test_once_runs_the_sweep_once_and_logs_its_lines() -> None:
    calls: list[int] = []

    def sweep() -> SweepReport:
        calls.append(1)
        return SweepReport(2, ("hanoi-2026: issued a", "hanoi-2026: issued b"))

    log: list[str] = []
    assert run_worker(sweep, interval_s=30, once=True, log=log.append) == 1
    assert calls == [1]
    assert log == [
        "worker started: one sweep",
        "hanoi-2026: issued a",
        "hanoi-2026: issued b",
        "worker stopped after 1 sweep, 2 actions",
    ]


@contextmanager
def worker_thread(
    sweep: Callable[[], SweepReport], log: Callable[[str], None], stop: threading.Event
) -> Iterator[list[int]]:
    """run_worker in a thread; yields the list its result lands in; stops it on the way out."""
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            run_worker(sweep, interval_s=0.05, once=False, log=log, stop_event=stop)
        )
    )
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "the worker did not stop"


def test_a_stop_waits_for_the_sweep_in_progress_and_starts_no_other() -> None:
    started, release, stop = threading.Event(), threading.Event(), threading.Event()
    calls: list[str] = []

    def sweep() -> SweepReport:
        calls.append("start")
        started.set()
        release.wait(TIMEOUT)
        calls.append("end")
        return SweepReport(1, ("did one thing",))

    log: list[str] = []
    with worker_thread(sweep, log.append, stop) as result:
        assert started.wait(TIMEOUT)
        stop.set()
        time.sleep(0.2)  # beats pass meanwhile; none may start a sweep
        assert result == [], "the worker stopped in the middle of a sweep"
        release.set()
    assert calls == ["start", "end"]
    assert result == [1]
    assert log == [
        "worker started: sweeping every 0.05 s",
        "did one thing",
        "worker stopped after 1 sweep, 1 action",
    ]


def test_a_failing_sweep_is_logged_and_the_next_beat_sweeps_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = threading.Event()
    calls: list[int] = []
    failures: list[Exception] = [
        InputError("no campaign 'x'", field="KEY"),
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
        RuntimeError("a bug\nmore detail"),
    ]

    def sweep() -> SweepReport:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        stop.set()
        return SweepReport(0)

    log: list[str] = []
    with worker_thread(sweep, log.append, stop) as result:
        wait_for(lambda: result, "the worker to stop")
    assert result == [4]
    assert log[1:4] == [
        "sweep 1 failed: field 'KEY': no campaign 'x'",
        "sweep 2 failed: database: database is locked",
        "sweep 3 failed: RuntimeError: a bug",
    ]
    assert log[-1] == "worker stopped after 4 sweeps, 0 actions"
    # Only the bug comes with its traceback (on stderr).
    assert [r.getMessage() for r in caplog.records if r.exc_info] == ["sweep 3 failed"]


def test_sweeps_that_overrun_the_interval_never_overlap_and_say_so_once() -> None:
    stop, overran = threading.Event(), threading.Event()
    lock = threading.Lock()
    active = [0]
    most_at_once = [0]
    calls: list[int] = []

    def sweep() -> SweepReport:
        with lock:
            active[0] += 1
            most_at_once[0] = max(most_at_once[0], active[0])
            calls.append(1)
            first = len(calls) == 1
        if first:  # held until a beat has found it still running, however many beats that takes
            overran.wait(TIMEOUT)
        else:
            time.sleep(0.01)
        with lock:
            active[0] -= 1
        return SweepReport(0)

    log: list[str] = []

    def logged(line: str) -> None:
        log.append(line)
        if "is taking longer" in line:
            overran.set()

    with worker_thread(sweep, logged, stop) as result:
        wait_for(lambda: len(calls) >= 4, "four sweeps")
    assert overran.is_set()
    assert most_at_once == [1]
    assert [line for line in log if "taking longer" in line] == [
        "sweep 1 is taking longer than 0.05 s: the beats it overlaps are skipped"
    ]
    assert result == [len(calls)]


# --- what it does today: the document outbox ------------------------------------------------


def _lines(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    assert all(STAMP.match(line) for line in lines), lines
    return [STAMP.sub("", line, count=1) for line in lines]


def test_worker_once_issues_the_documents_due_and_a_second_run_nothing(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    first = planned("worker", "--once")
    assert first.exit_code == 0, first.stderr
    docs = documents(planned)
    kinds = Counter(d["kind"] for d in docs)
    # The team decisions, each unit's notice, and the reminders of the submissions still due
    # after today (the machine's clock: the plan spreads the visits up to December).
    assert kinds.pop("quyet-dinh-thanh-lap-doan") == 3 and kinds.pop("thong-bao-kiem-tra") == 141
    assert set(kinds) <= {kind for kind, _, _ in REMINDERS}
    expected = [
        f"hanoi-2026: issued {d['kind']} {d['number']}"
        + (f" for case {d['case']}" if d["case"] is not None else "")
        for d in docs
    ]
    lines = _lines(first.stdout)
    # The deadlines that passed (today is after the campaign's) fire first, then the outbox.
    fired = [line for line in lines if " passed: " in line]
    listed = json.loads(planned("deadlines", "list", "hanoi-2026", "--json").stdout)
    assert len(fired) == sum(d["status"] == "fired" for d in listed) > 0
    assert lines == [
        "worker started: one sweep",
        *fired,
        *expected,
        f"worker stopped after 1 sweep, {len(fired) + len(docs)} actions",
    ]
    again = planned("worker", "--once")
    assert again.exit_code == 0, again.stderr
    assert _lines(again.stdout) == [
        "worker started: one sweep",
        "worker stopped after 1 sweep, 0 actions",
    ]
    assert documents(planned) == docs


class _Campaign:
    def __init__(self, key: str) -> None:
        self.key = key


class _Runtime:
    @staticmethod
    def clock() -> Any:
        raise AssertionError("not asked for")

    @contextmanager
    def unit_of_work(self, *, schema: str = "require") -> Iterator[Any]:
        yield object()


def test_a_refused_document_is_a_line_and_the_other_campaigns_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inspect_engine.services import campaigns, deadline_firing
    from inspect_engine.services.notices import issuing

    notice = Issued(7, "thong-bao-kiem-tra", 12, "STP", "128/TB-SNV", None, "ab")
    drafted = Issued(8, "thong-bao-kiem-tra", 13, "SYT", None, None, "cd")
    decision = Issued(9, "quyet-dinh-thanh-lap-doan", None, None, "125/QĐ-SNV", None, "ef")

    def issue_due(uow: object, key: str, **_: object) -> list[Issued]:
        if key == "a-2026":
            raise NotIssued("issued 1, refused thong-bao-kiem-tra of case 14: clash", [notice])
        return [drafted, decision]

    listed = [_Campaign("a-2026"), _Campaign("b-2026")]
    monkeypatch.setattr(campaigns, "list_campaigns", lambda uow: listed)
    monkeypatch.setattr(issuing, "issue_due", issue_due)
    monkeypatch.setattr(outbox, "_reminders", lambda uow, key, clock: [])  # none due
    monkeypatch.setattr(deadline_firing, "fire_due", lambda uow, key, **_: [])  # none passed
    report = outbox.default_sweep(_Runtime())()
    assert report == SweepReport(
        3,
        (
            "a-2026: issued thong-bao-kiem-tra 128/TB-SNV for case 12",
            "a-2026: issued 1, refused thong-bao-kiem-tra of case 14: clash",
            "b-2026: issued thong-bao-kiem-tra (its number awaits the records office) for case 13",
            "b-2026: issued quyet-dinh-thanh-lap-doan 125/QĐ-SNV",
        ),
    )


def test_the_worker_sends_an_overdue_notice_once(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    """A remediation report past its due date (today is after it): one overdue notice, once."""
    from tests.test_notice_kinds import _visited
    from tests.test_workflow_v2 import CALENDAR, LEAD, SIGNER, advance

    case, day = _visited(planned, tmp_path, "STP")
    finding = {"area": "Cải cách thể chế", "severity": "minor", "remedy": "Cập nhật"}
    drafted = {"findings": [{**finding, "text": "Chưa cập nhật cổng thông tin"}]}
    assert advance(planned, tmp_path, case, "record_findings", LEAD, drafted).exit_code == 0
    signed = {"conclusion": {"date": CALENDAR.add_working_days(day, 2).isoformat()}}
    assert advance(planned, tmp_path, case, "approve_conclusion", SIGNER, signed).exit_code == 0
    first = planned("worker", "--once")
    assert first.exit_code == 0, first.stderr
    sent = [line for line in _lines(first.stdout) if f"for case {case}" in line]
    assert [line.split()[2] for line in sent] == [
        "thong-bao-kiem-tra",
        "bien-ban-kiem-tra",
        "thong-bao-ket-luan",
        "qua-han-bao-cao-khac-phuc",
    ]
    again = planned("worker", "--once")
    assert "0 actions" in _lines(again.stdout)[-1]
