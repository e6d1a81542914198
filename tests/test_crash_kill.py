"""SIGKILL during bulk transitions and during issuing: 50 trials each, and nothing is lost,
half-written or numbered twice.

Each trial copies one small prepared database (the example campaign, planned or announced),
runs real commands in a child process (tests/crash_child.py: the CLI itself, which says how far
it got) and kills it at a random moment: anywhere in its life, inside a transaction's work,
while its rows are being written, between a commit and the next. Then the stored state must
hold (tests/stored_state.py: the audit verifies, every derived row follows from the events, the
number register has no hole and no repeat), what the child saw committed must be there, what
it had not begun to commit must not, and running the rest to the end (after every bulk trial,
every fifth issuing one) must finish the job exactly once. The first run of each test is not
killed: it measures how long the child's steps take on this machine, now, so that the kills
land inside them however loaded it is.

On SQLite, 50 trials of each, a file copied for each. On PostgreSQL, 10: each trial's
database is made from the prepared one as a template (CREATE DATABASE ... TEMPLATE, so the role
must be allowed to create databases; the test skips with the reason if not) and that costs a
few seconds a trial; the paths a kill exercises there (the campaign row's lock, the server
rolling back what a dead client left open) are the same for every trial.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inspect_engine.bootstrap import bootstrap
from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, LEAD, announce_on_own_dates
from tests.conftest import PG_URL, REPO
from tests.crash_child import MARK
from tests.stored_state import problems

TRIALS = 50
PG_TRIALS = 10  # a database made from a template and dropped a trial: ten keep it to a minute
TIMEOUT = 120.0  # only so that a hung child fails the test instead of hanging it
ANNOUNCE_AT = "2026-07-28T08:00:00+07:00"
ISSUE_AT = "2026-07-28T09:00:00+07:00"
REASON = {"reason": "Chiến dịch tạm dừng theo chỉ đạo của Ủy ban nhân dân thành phố"}
BATCHES = {"announce": ("planned", "announced"), "cancel": ("announced", "cancelled")}
CASES = 141
# Issuing the rest of a killed run in this process costs about as much as the run: every fifth.
FINISH_EVERY = 5
DOCUMENTS = 3 + 141  # the three team decisions and one Thông báo kiểm tra per case

pytestmark = pytest.mark.slow


class Child:
    """tests/crash_child.py running `commands`; its markers read as they come, with the time."""

    def __init__(self, url: str, now: str, commands: list[list[str]], log: Path) -> None:
        argv = [sys.executable, "-m", "tests.crash_child", url, now]
        for k, command in enumerate(commands):
            argv += [";", *command] if k else command
        self.errors = log.open("w", encoding="utf-8")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=self.errors, text=True
        )
        self.marks: list[tuple[float, str]] = []
        self.seen = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(MARK):
                with self.seen:
                    self.marks.append((time.monotonic(), line[len(MARK) :].strip()))
                    self.seen.notify_all()
        with self.seen:
            self.seen.notify_all()

    def wait_for(self, mark: str, times: int = 1) -> bool:
        """Until the child has said `mark` (a line, or its first word) `times` times; False
        when it ended first."""

        def count() -> int:
            return sum(m == mark or m.split()[0] == mark for _, m in self.marks)

        with self.seen:
            ok = self.seen.wait_for(lambda: count() >= times or not self.reader.is_alive(), TIMEOUT)
            assert ok, f"the child said no {mark!r} within {TIMEOUT} s"
            return count() >= times

    def kill(self) -> bool:
        """SIGKILL; whether the child was still running when it came."""
        running = self.proc.poll() is None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        self.errors.close()
        return running

    def finish(self) -> int:
        code = self.proc.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        self.errors.close()
        return code

    def said(self) -> list[str]:
        return [m for _, m in self.marks]

    def span(self, start: str, end: str) -> float:
        """Seconds from the first `start` to the last `end` it said."""
        first = next(t for t, m in self.marks if m == start)
        return max(t for t, m in self.marks if m == end) - first


class Copies:
    """The prepared databases, and a fresh copy of one for each trial: a file copy on SQLite, a
    database made with the prepared one as its template on PostgreSQL (each its own database,
    named after this run, dropped at the end)."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder = backend, folder
        self.run = uuid.uuid4().hex[:8]
        self.made: list[str] = []
        if backend == "postgres":
            assert PG_URL
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            try:
                with self.admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "crash_{self.run}_probe"'))
                    conn.execute(text(f'DROP DATABASE "crash_{self.run}_probe"'))
            except Exception as exc:  # the role may not be allowed to create databases
                self.admin.dispose()
                pytest.skip(f"the PostgreSQL role cannot create databases: {exc}")

    def _pg(self, name: str, template: str | None = None) -> str:
        like = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{like}'))
        self.made.append(name)
        assert PG_URL
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def prepare(self, name: str, *, announce: bool) -> None:
        """The example campaign planned with its teams formed by decision (and, with
        `announce`, every case announced on 28/07)."""
        if self.backend == "postgres":
            url = self._pg(f"crash_{self.run}_{name}")
        else:
            url = f"sqlite:///{self.folder / name}.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        announce_on_own_dates(url, announce=announce)
        if self.backend == "sqlite":  # one file, nothing left in its WAL
            with sqlite3.connect(self.folder / f"{name}.db") as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy(self, name: str, trial: int) -> str:
        if self.backend == "postgres":
            return self._pg(f"crash_{self.run}_{name}_{trial}", f"crash_{self.run}_{name}")
        path = self.folder / f"{name}-trial-{trial:02d}.db"
        shutil.copyfile(self.folder / f"{name}.db", path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        if self.backend == "postgres":
            with self.admin.connect() as conn:
                for name in reversed(self.made):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            self.admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def copies(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Copies]:
    if request.param == "postgres" and not PG_URL:
        pytest.skip("INSPECT_TEST_PG_URL is not set: PostgreSQL tests skipped")
    made = Copies(request.param, tmp_path_factory.mktemp("prepared"))
    try:
        made.prepare("planned", announce=False)
        made.prepare("announced", announce=True)
        yield made
    finally:
        made.close()


def trials(copies: Copies) -> int:
    return TRIALS if copies.backend == "sqlite" else PG_TRIALS


def scalar(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def fixed_clock(now: str) -> Callable[[], datetime]:
    moment = datetime.fromisoformat(now)
    return lambda: moment


@dataclass
class Tally:
    """Where the kills landed, as the child's last words and the database say."""

    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str) -> None:
        self.kinds[kind] += 1

    def __str__(self) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in sorted(self.kinds.items()))


# --- bulk transitions ----------------------------------------------------------------------------


def bulk_commands(folder: Path) -> list[list[str]]:
    """`advance-all` twice: every case announced (two deadlines started each), then the round
    called off (every case cancelled, its deadlines ended): two batches of 141 transitions."""
    reason = folder / "reason.json"
    reason.write_text(json.dumps(REASON, ensure_ascii=False), encoding="utf-8")
    who = ["--actor", LEAD, "--role", "team_lead"]
    return [
        ["case", "advance-all", KEY, "announce", "--state", "planned", *who],
        [
            "case",
            "advance-all",
            KEY,
            "cancel",
            "--state",
            "announced",
            *who,
            "--data-file",
            str(reason),
        ],
    ]


def batches_applied(url: str) -> int:
    """How many of the two batches the cases show: 0, 1 or 2; fails on a batch half there."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            states = Counter(s for (s,) in conn.execute(text("SELECT state FROM inspection_case")))
            seqs = Counter(s for (s,) in conn.execute(text("SELECT last_seq FROM inspection_case")))
    finally:
        engine.dispose()
    assert len(states) == 1 and sum(states.values()) == CASES, f"a batch half applied: {states}"
    applied = ["planned", "announced", "cancelled"].index(next(iter(states)))
    assert seqs == {2 + applied: CASES}, f"events do not match the states: {seqs}"
    return applied


def finish_bulk(url: str, applied: int) -> None:
    """The batches the kill stopped, run to the end in this process."""
    from inspect_engine.services import cases

    clock = fixed_clock(ANNOUNCE_AT)
    with bootstrap(url, clock=clock).unit_of_work() as uow:
        for trigger, (state, _) in list(BATCHES.items())[applied:]:
            payload = REASON if trigger == "cancel" else None
            request = cases.Request(trigger, LEAD, "team_lead", payload)
            assert len(cases.advance_all(uow, KEY, state, request, clock=clock)) == CASES


def test_sigkill_during_bulk_transitions_loses_or_halves_none(
    copies: Copies, tmp_path: Path
) -> None:
    commands = bulk_commands(tmp_path)
    url = copies.copy("planned", 0)
    timing = Child(url, ANNOUNCE_AT, commands, tmp_path / "calibration.log")
    assert timing.finish() == 0
    assert batches_applied(url) == 2 and problems(url, KEY) == []
    life = timing.marks[-1][0] - timing.started
    work = {b: timing.span(f"command {b}", f"committed {b}") for b in (1, 2)}
    write = {b: timing.span(f"write {b}", f"committed {b}") for b in (1, 2)}

    rng = random.Random(20261213)
    tally = Tally()
    for trial in range(1, trials(copies) + 1):
        url = copies.copy("planned", trial)
        child = Child(url, ANNOUNCE_AT, commands, tmp_path / f"trial-{trial:02d}.log")
        aim, batch = rng.random(), rng.choice((1, 2))
        if aim < 0.2:  # anywhere: start-up, reading, between the batches, after
            time.sleep(rng.uniform(0.0, 1.2 * life))
        elif aim < 0.6:  # inside a batch's work, from its first read to its commit
            child.wait_for(f"command {batch}")
            time.sleep(rng.uniform(0.0, 1.2 * work[batch]))
        else:  # while its rows are written and committed
            child.wait_for(f"write {batch}")
            time.sleep(rng.uniform(0.0, 1.5 * write[batch]))
        running = child.kill()
        said = child.said()
        applied = batches_applied(url)
        for b in (1, 2):
            if f"committed {b}" in said:
                assert applied >= b, f"trial {trial}: batch {b} committed, then lost: {said}"
            if f"commit {b}" not in said:
                assert applied < b, f"trial {trial}: batch {b} there before its commit: {said}"
        assert problems(url, KEY) == [], f"trial {trial}, killed after {said[-1:]}"
        tally.add(landed(said, applied, running))
        finish_bulk(url, applied)
        assert batches_applied(url) == 2
        assert problems(url, KEY) == [], f"trial {trial}, after finishing the batches"
        with_rows = scalar(url, "SELECT count(*) FROM deadline WHERE status = 'cancelled'")
        assert with_rows == 2 * CASES  # every deadline the announcements started, ended once
    print(f"{trials(copies)} SIGKILLs during advance-all ({copies.backend}): {tally}")
    inside = sum(n for kind, n in tally.kinds.items() if kind.startswith("inside"))
    assert inside >= trials(copies) // 5, f"too few kills inside a batch's transaction: {tally}"


def landed(said: list[str], applied: int, running: bool) -> str:
    """Where a kill of the bulk child landed."""
    if not running:
        return "after it ended"
    last_batch = max((int(m.split()[1]) for m in said if m.startswith("command ")), default=0)
    if not last_batch:
        return "at start-up"
    if applied >= last_batch:
        return "between or after the batches"
    if f"written {last_batch}" in said:
        return "inside, rows written, not committed"
    if f"write {last_batch}" in said:
        return "inside, writing the rows"
    return "inside, before the writes"


# --- issuing -------------------------------------------------------------------------------------


def documents(url: str) -> int:
    return scalar(url, "SELECT count(*) FROM document")


def finish_issuing(url: str) -> int:
    """What the kill left to issue, issued in this process; how many."""
    from inspect_engine.services.notices import issuing

    clock = fixed_clock(ISSUE_AT)
    with bootstrap(url, clock=clock).unit_of_work() as uow:
        return len(issuing.issue_due(uow, KEY, clock=clock))


def held(url: str, number: int) -> bool:
    return bool(scalar(url, f"SELECT count(*) FROM document WHERE number_seq = {number}"))


def test_sigkill_during_issuing_leaves_no_gap_and_no_duplicate(
    copies: Copies, tmp_path: Path
) -> None:
    command = [["notices", "issue", KEY]]
    url = copies.copy("announced", 0)
    timing = Child(url, ISSUE_AT, command, tmp_path / "calibration.log")
    assert timing.finish() == 0
    assert documents(url) == DOCUMENTS and problems(url, KEY) == []
    life = timing.marks[-1][0] - timing.started
    commits = [t for t, m in timing.marks if m.startswith("committed ")]
    each = (commits[-1] - commits[0]) / (len(commits) - 1)  # one document's transaction

    rng = random.Random(20261214)
    tally = Tally()
    for trial in range(1, trials(copies) + 1):
        url = copies.copy("announced", trial)
        child = Child(url, ISSUE_AT, command, tmp_path / f"trial-{trial:02d}.log")
        aim = rng.random()
        if aim < 0.2:  # anywhere in its life
            time.sleep(rng.uniform(0.0, 1.1 * life))
        elif aim < 0.7:  # holding a number, its letter being rendered, stored, recorded
            child.wait_for("number", rng.randint(1, DOCUMENTS - 3))
            time.sleep(rng.uniform(0.0, each))
        else:  # just after a commit: the next document's transaction beginning
            child.wait_for("committed", rng.randint(1, DOCUMENTS - 1))
            time.sleep(rng.uniform(0.0, each / 4))
        running = child.kill()
        said = child.said()
        stored = documents(url)
        committed = sum(m.startswith("committed ") for m in said)
        begun = sum(m.startswith("commit ") for m in said)
        assert committed <= stored <= begun, f"trial {trial}: {stored} stored, child said {said}"
        assert problems(url, KEY) == [], f"trial {trial}, killed after {said[-1:]}"
        numbers = [int(m.split()[1]) for m in said if m.startswith("number ")]
        holding = bool(numbers) and not said[-1].startswith(("committed", "done"))
        if holding and not said[-1].startswith("commit "):
            # Killed between taking its number and committing: the number went back.
            assert not held(url, numbers[-1]), f"trial {trial}: {numbers[-1]} kept: {said}"
            tally.add("inside a document's transaction, holding its number")
        elif not running:
            tally.add("after it ended")
        elif not numbers and not committed:
            tally.add("before the first number")
        else:
            tally.add("between documents")
        if trial % FINISH_EVERY:
            continue
        assert finish_issuing(url) == DOCUMENTS - stored
        assert documents(url) == DOCUMENTS
        assert problems(url, KEY) == [], f"trial {trial}, after issuing the rest"
        assert scalar(url, "SELECT last_number FROM number_register") == 125 + DOCUMENTS - 1
    print(f"{trials(copies)} SIGKILLs during notices issue ({copies.backend}): {tally}")
    inside = tally.kinds["inside a document's transaction, holding its number"]
    assert inside >= trials(copies) // 5, f"too few kills inside a document's transaction: {tally}"
