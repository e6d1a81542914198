"""The worker as a process: signals stop it between sweeps, a pause makes one sweep, and one
worker per SQLite file (the OS lock, released even by SIGKILL).

No assertion here is about how long something took (see tests/test_worker.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from inspect_engine.errors import InputError
from inspect_engine.services.worker import WorkerLock, WorkerRunning
from inspect_engine.storage.db import make_engine, upgrade
from tests.conftest import REPO, Cli
from tests.test_worker import TIMEOUT, wait_for


class Child:
    """`python -m tests.worker_child`: a worker with a fake sweep, its stdout in a file."""

    def __init__(self, folder: Path, interval: float, *, hold: bool = False) -> None:
        self.folder = folder
        self.stdout: IO[Any] = (folder / "stdout").open("w")
        args = [sys.executable, "-m", "tests.worker_child", str(folder), str(interval)]
        self.proc = subprocess.Popen(
            [*args, *(["--hold"] if hold else [])], cwd=REPO, stdout=self.stdout
        )

    def runs(self) -> list[str]:
        path = self.folder / "runs"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def output(self) -> str:
        return (self.folder / "stdout").read_text(encoding="utf-8")

    def wait(self) -> int:
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            self.stdout.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()


@pytest.fixture
def child(tmp_path: Path) -> Iterator[Callable[..., Child]]:
    made: list[Child] = []

    def start(interval: float, *, hold: bool = False) -> Child:
        made.append(Child(tmp_path, interval, hold=hold))
        return made[-1]

    yield start
    for c in made:
        c.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_worker_after_the_sweep_in_progress(
    child: Callable[..., Child], tmp_path: Path, signum: signal.Signals
) -> None:
    worker = child(0.05, hold=True)
    wait_for(lambda: "start 1" in worker.runs(), "the first sweep")
    worker.proc.send_signal(signum)
    wait_for(lambda: "received: stopping" in worker.output(), "the worker to see the signal")
    assert worker.proc.poll() is None, "the worker ended in the middle of a sweep"
    (tmp_path / "go").touch()
    assert worker.wait() == 0
    assert worker.runs() == ["start 1", "end 1"]  # it ended, and none started after
    assert worker.output().splitlines()[-1] == "worker stopped after 1 sweep, 1 action"


def test_a_second_signal_stops_the_worker_at_once(child: Callable[..., Child]) -> None:
    worker = child(0.05, hold=True)
    wait_for(lambda: "start 1" in worker.runs(), "the first sweep")
    worker.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "received: stopping" in worker.output(), "the worker to see the signal")
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait() == -signal.SIGTERM
    assert worker.runs() == ["start 1"]
    assert "worker stopped" not in worker.output()


def test_beats_missed_while_paused_make_one_sweep(child: Callable[..., Child]) -> None:
    worker = child(1.0)
    wait_for(lambda: "end 1" in worker.runs(), "the first sweep")
    worker.proc.send_signal(signal.SIGSTOP)  # as a laptop asleep: two beats pass meanwhile
    time.sleep(2.5)
    worker.proc.send_signal(signal.SIGCONT)
    wait_for(lambda: "end 2" in worker.runs(), "the sweep on waking")
    worker.proc.send_signal(signal.SIGTERM)  # half a beat before the next one
    assert worker.wait() == 0
    # One sweep for the two missed beats (a sweep per missed beat would follow at once).
    assert worker.runs() == ["start 1", "end 1", "start 2", "end 2"]


# --- one worker per SQLite file -------------------------------------------------------------


def test_the_lock_names_the_worker_holding_it(tmp_path: Path) -> None:
    db = tmp_path / "inspect.db"
    with WorkerLock.for_url(f"sqlite:///{db}"):
        with pytest.raises(WorkerRunning) as refused:
            WorkerLock.for_url(f"sqlite:///{db}").acquire()
        assert refused.value.pid == os.getpid()
        assert re.fullmatch(
            rf"another worker is running on {re.escape(str(db))} \(pid {os.getpid()}, since "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07:00\); stop it first",
            str(refused.value),
        )
    with WorkerLock.for_url(f"sqlite:///{db}"):  # released on the way out
        pass


def test_several_workers_may_run_on_postgresql_none_in_memory() -> None:
    url = "postgresql+psycopg://inspect@db.example/inspect"
    with WorkerLock.for_url(url), WorkerLock.for_url(url):
        pass
    for memory in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        with pytest.raises(InputError, match="in-memory SQLite"):
            WorkerLock.for_url(memory)


def _cli(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "inspect_engine", "--db", url, *args]


def test_a_second_worker_on_one_file_is_refused_until_the_first_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "inspect.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with (tmp_path / "first.out").open("w") as out:
        first = subprocess.Popen(_cli(url, "worker", "--interval", "30"), stdout=out)
        try:
            wait_for(lambda: "worker started" in (tmp_path / "first.out").read_text(), "start")
            second = subprocess.run(
                _cli(url, "worker", "--once"), capture_output=True, text=True, timeout=TIMEOUT
            )
            assert second.returncode == 2
            [line] = second.stderr.splitlines()
            assert line.startswith(f"error: another worker is running on {db} (pid {first.pid}, ")
            assert line.endswith("); stop it first")
            assert second.stdout == ""
        finally:
            first.kill()  # SIGKILL: no handler runs, the kernel releases the lock
            first.wait(TIMEOUT)
    third = subprocess.run(
        _cli(url, "worker", "--once"), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert third.returncode == 0, third.stderr
    assert "worker stopped after 1 sweep, 0 actions" in third.stdout


def test_no_worker_on_a_missing_database_or_in_memory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    result = Cli(f"sqlite:///{missing}")("worker", "--once")
    assert result.exit_code == 2
    assert "no database at" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database, no lock file
    result = Cli("sqlite://")("worker", "--once")
    assert result.exit_code == 2
    assert "in-memory SQLite" in result.stderr
