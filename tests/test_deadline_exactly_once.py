"""Every deadline fires exactly once, counted from the events: under SIGKILL at random points,
after a week with no worker, and with three workers sharing one PostgreSQL database.

The workers are real processes running the worker's own sweep (tests/firing_child.py) on a
fixed clock after the whole campaign, so that every deadline has passed. Waits poll with a
generous timeout only so that a broken worker fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time as _time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import Engine, text

from tests.campaign_clock import announce_on_own_dates
from tests.conftest import REPO, Cli
from tests.test_workflow_v2 import CALENDAR

AFTER_THE_CAMPAIGN = "2027-01-18T08:00:00+07:00"  # a Monday: every deadline of 2026 has passed
TIMEOUT = 120.0


class Worker:
    """One worker process; its log in a file."""

    def __init__(
        self, db_url: str, log: Path, now: str = AFTER_THE_CAMPAIGN, batch: int = 4
    ) -> None:
        self.log_path = log
        self.out: IO[Any] = log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.firing_child", db_url, now, "0.05", str(batch)],
            cwd=REPO,
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            self.out.close()

    def fired_lines(self) -> list[str]:
        return [
            line for line in self.log_path.read_text("utf-8").splitlines() if " passed: " in line
        ]


def firings(engine: Engine) -> Counter[int]:
    """How many `deadline` events name each deadline."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT payload FROM case_event WHERE trigger = 'deadline'"))
        payloads = [p if isinstance(p, dict) else json.loads(p) for (p,) in rows]
    return Counter(int(p["deadline"]["id"]) for p in payloads)


def statuses(engine: Engine) -> dict[int, tuple[str, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, ended_seq FROM deadline"))
        return {int(i): (str(s), e) for i, s, e in rows}


def pending(engine: Engine) -> int:
    return sum(status == "pending" for status, _ in statuses(engine).values())


def wait_until(check: Any, what: str, poll: float = 0.05) -> None:
    limit = _time.monotonic() + TIMEOUT
    while not check():
        if _time.monotonic() > limit:
            pytest.fail(f"timed out waiting for {what}")
        _time.sleep(poll)


def assert_each_fired_once(engine: Engine, cli: Cli) -> int:
    """Every deadline fired, each by exactly one `deadline` event, which its row names; the
    chains still verify. Returns how many fired."""
    rows = statuses(engine)
    counted = firings(engine)
    assert {status for status, _ in rows.values()} == {"fired"}, "a deadline was lost"
    assert set(counted) == set(rows), "a firing names no deadline, or a deadline has none"
    assert max(counted.values()) == 1, f"fired twice: {[k for k, n in counted.items() if n > 1]}"
    with engine.connect() as conn:
        seq_of = {
            int(json.loads(p)["deadline"]["id"] if isinstance(p, str) else p["deadline"]["id"]): s
            for s, p in conn.execute(
                text("SELECT seq, payload FROM case_event WHERE trigger = 'deadline'")
            )
        }
    assert {i: ended for i, (_, ended) in rows.items()} == seq_of  # the row names its event
    verified = cli("case", "verify", "hanoi-2026")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    return len(rows)


@pytest.fixture
def announced(engine: Engine, db_url: str) -> tuple[Cli, Engine]:
    """The example campaign announced on its own dates: two deadlines a case, none fired."""
    announce_on_own_dates(db_url)
    assert pending(engine) == 2 * 141
    return Cli(db_url), engine


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_deadline_and_fires_none_twice(
    announced: tuple[Cli, Engine], tmp_path: Path
) -> None:
    cli, engine = announced
    if not cli.url.startswith("sqlite"):
        pytest.skip("the kill test runs on SQLite (one worker per file); PostgreSQL: below")
    rng = random.Random(20261202)
    total = pending(engine)
    kills = midway = 0
    while pending(engine) and kills < 30:
        left = pending(engine)
        worker = Worker(cli.url, tmp_path / "worker.log")
        if kills % 4 == 0:  # now and then during start-up or the first batch
            _time.sleep(rng.uniform(0.0, 1.5))
        else:  # else once it has committed a batch: somewhere in the next ones
            wait_until(lambda: pending(engine) < left, "a firing", poll=0.002)  # noqa: B023
            _time.sleep(rng.uniform(0.0, 0.02))
        worker.stop(signal.SIGKILL)
        kills += 1
        midway += 0 < pending(engine) < left  # killed with some fired and some still to fire
    final = Worker(cli.url, tmp_path / "final.log")
    wait_until(lambda: "worker started" in final.log_path.read_text("utf-8"), "a start")
    wait_until(lambda: pending(engine) == 0, "the last worker to fire the rest")
    assert final.stop() == 0
    assert assert_each_fired_once(engine, cli) == total
    print(f"{total} deadlines, {kills} SIGKILLs, {midway} of them midway through the firings")
    assert midway >= 10, "too few kills landed while deadlines were being fired"


@pytest.mark.slow
def test_a_worker_stopped_for_a_week_fires_each_overdue_deadline_once(
    announced: tuple[Cli, Engine], tmp_path: Path
) -> None:
    """The worker runs on the day the first deadlines pass, is stopped, and restarts a week
    later: each deadline that passed meanwhile fires once, however many beats were missed."""
    cli, engine = announced
    with engine.connect() as conn:
        first_due = conn.execute(text("SELECT min(due) FROM deadline")).scalar()
    first_due = date.fromisoformat(first_due) if isinstance(first_due, str) else first_due
    day = CALENDAR.next_working_day(first_due, include_today=False)
    worker = Worker(cli.url, tmp_path / "day1.log", f"{day.isoformat()}T08:00:00+07:00")
    wait_until(lambda: worker.fired_lines(), "the first day's firings")
    _time.sleep(0.5)  # several beats on the same day: nothing more passes
    assert worker.stop() == 0
    on_day_one = len(worker.fired_lines())
    assert on_day_one == sum(s == "fired" for s, _ in statuses(engine).values())
    later = day + timedelta(days=7)
    with engine.connect() as conn:
        due_in_week = conn.execute(
            text("SELECT count(*) FROM deadline WHERE status = 'pending' AND due < :cutoff"),
            {"cutoff": CALENDAR.previous_working_day(later)},
        ).scalar()
    assert due_in_week and due_in_week > 0
    restarted = Worker(cli.url, tmp_path / "week.log", f"{later.isoformat()}T08:00:00+07:00")
    wait_until(lambda: len(restarted.fired_lines()) >= due_in_week, "the week's firings")
    _time.sleep(1.0)  # twenty beats more: none fires anything again
    assert restarted.stop() == 0
    assert len(restarted.fired_lines()) == due_in_week
    assert max(firings(engine).values()) == 1


@pytest.mark.postgres
def test_three_workers_on_postgresql_fire_each_deadline_once(
    announced: tuple[Cli, Engine], tmp_path: Path
) -> None:
    cli, engine = announced
    if not cli.url.startswith("postgresql"):
        pytest.skip("several workers share a PostgreSQL database; one runs per SQLite file")
    total = pending(engine)
    workers = [Worker(cli.url, tmp_path / f"worker{i}.log") for i in range(3)]
    try:
        wait_until(lambda: pending(engine) == 0, "the workers to fire every deadline")
    finally:
        codes = [w.stop() for w in workers]
    assert codes == [0, 0, 0]
    assert assert_each_fired_once(engine, cli) == total
    per_worker = [len(w.fired_lines()) for w in workers]
    assert sum(per_worker) == total  # every firing logged once, by the worker that made it
    print(f"{total} deadlines fired by three workers: {per_worker}")
