"""The worker's loop: one periodic sweep, run by APScheduler in the foreground until stopped.

APScheduler 3 cannot share a job store between processes, so what is due lives in the engine's
tables and each sweep claims it there; the scheduler only keeps the beat, in memory. Its
defaults would skip a sweep that starts more than 1 s late (`misfire_grace_time=1`): a process
that was paused (a laptop asleep, SIGSTOP) must sweep when it wakes, once, however many beats
it missed, so misfires never expire and missed beats coalesce. A sweep that overruns the
interval makes the beats it overlaps skip (one sweep at a time); the next beat sweeps.

SIGTERM and SIGINT stop the worker between sweeps: the handler only sets a flag (no I/O in a
signal handler), a watcher thread then takes the job off the schedule and shuts the scheduler
down, which waits for the sweep in progress. A second signal stops the process at once: every
action of a sweep is its own transaction, so a kill loses at most the one in progress.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from inspect_engine.errors import InspectError


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did: how many actions, and one line per action for the log."""

    actions: int
    lines: tuple[str, ...] = ()


Sweep = Callable[[], SweepReport]
Log = Callable[[str], None]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
JOB_ID = "sweep"
_errors = logging.getLogger(__name__)


def run_worker(
    sweep: Sweep,
    *,
    interval_s: float,
    once: bool,
    log: Log,
    stop_event: threading.Event | None = None,
) -> int:
    """Sweep once (`once`), or every `interval_s` seconds from now until `stop_event` is set or
    SIGTERM/SIGINT arrives (handlers are installed when called from the main thread). Returns
    the number of sweeps run.

    With `once`, the sweep runs whatever `stop_event` says (a signal lets it finish) and its
    error propagates; in the loop an error is logged and the next beat sweeps again.
    """
    if interval_s <= 0:
        raise ValueError(f"interval_s must be positive, not {interval_s}")
    stop = stop_event if stop_event is not None else threading.Event()
    runs = _Runs(sweep, _one_at_a_time(log), stop)
    with _stop_on_signals(stop) as signals:
        if once:
            runs.log("worker started: one sweep")
            runs.run(raise_errors=True)
        else:
            runs.log(f"worker started: sweeping every {interval_s:g} s")
            _run_scheduler(runs, interval_s, stop, signals)
    runs.log(
        f"worker stopped after {_count(runs.count, 'sweep')}, {_count(runs.actions, 'action')}"
    )
    return runs.count


class _Runs:
    """Runs the sweep, counts sweeps and actions, and keeps one sweep's failure from ending
    the worker."""

    def __init__(self, sweep: Sweep, log: Log, stop: threading.Event) -> None:
        self.sweep, self.log, self.stop = sweep, log, stop
        self.count = self.actions = 0
        self._running: int | None = None  # the number of the sweep in progress
        self._overran: int | None = None  # the last sweep said to overrun its interval

    def scheduled(self) -> None:
        """The scheduler's job: no sweep starts once a stop is asked."""
        if not self.stop.is_set():
            self.run(raise_errors=False)

    def run(self, *, raise_errors: bool) -> None:
        self.count += 1  # one sweep at a time (max_instances=1): no lock needed
        self._running = number = self.count
        try:
            report = self.sweep()
        except Exception as exc:
            if raise_errors:
                raise
            reason, expected = _reason(exc)
            self.log(f"sweep {number} failed: {reason}")
            if not expected:  # a bug: its traceback too, on stderr
                _errors.error("sweep %d failed", number, exc_info=exc)
            return
        finally:
            self._running = None
        for line in report.lines:
            self.log(line)
        self.actions += report.actions

    def overrunning(self, interval_s: float) -> None:
        """A beat found the sweep still running: say so once per sweep, not at every beat."""
        number = self._running
        if number is not None and number != self._overran:
            self._overran = number
            self.log(
                f"sweep {number} is taking longer than {interval_s:g} s: "
                "the beats it overlaps are skipped"
            )


def _run_scheduler(
    runs: _Runs, interval_s: float, stop: threading.Event, signals: _Signals
) -> None:
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_SCHEDULER_STARTED
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone=UTC, logger=_scheduler_logger(runs.log))
    scheduler.add_job(
        runs.scheduled,
        IntervalTrigger(seconds=interval_s, timezone=UTC),
        id=JOB_ID,
        name=JOB_ID,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,  # a late sweep still runs, however late
        coalesce=True,  # beats missed while paused make one sweep
        max_instances=1,
    )
    scheduler.add_listener(lambda _: runs.overrunning(interval_s), EVENT_JOB_MAX_INSTANCES)
    watcher = threading.Thread(
        target=_stop_when_asked, args=(scheduler, stop, signals, runs.log), name="worker-stop"
    )
    # The watcher may only shut down a scheduler that runs: start it from the scheduler.
    scheduler.add_listener(lambda _: watcher.start(), EVENT_SCHEDULER_STARTED)
    try:
        scheduler.start()  # returns once the watcher has shut it down
    finally:
        stop.set()
        if watcher.ident is not None:
            watcher.join()


def _stop_when_asked(scheduler: Any, stop: threading.Event, signals: _Signals, log: Log) -> None:
    from apscheduler.jobstores.base import JobLookupError

    stop.wait()
    if signals.received:
        name = signals.received
        log(f"{name} received: stopping after the sweep in progress ({name} again stops now)")
    # Off the schedule first: on its way out the scheduler would otherwise submit a due beat
    # to an executor already shut down.
    with suppress(JobLookupError):
        scheduler.remove_job(JOB_ID)
    scheduler.shutdown(wait=True)  # waits for the sweep in progress


class _Signals:
    received: str | None = None


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[_Signals]:
    """SIGTERM and SIGINT set `stop`; the first one restores the default handlers, so that a
    second one ends the process at once. Signal handlers belong to the main thread: elsewhere
    (a worker run in a thread) only `stop` stops it."""
    signals = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        signals.received = signal.Signals(signum).name
        stop.set()

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield signals
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _one_at_a_time(log: Log) -> Log:
    """Lines come from the sweep's thread and the scheduler's: whole lines, in order."""
    lock = threading.Lock()

    def locked(line: str) -> None:
        with lock:
            log(line)

    return locked


class _LineHandler(logging.Handler):
    def __init__(self, log: Log) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log(f"scheduler: {record.getMessage()}")


def _scheduler_logger(log: Log) -> logging.Logger:
    """The scheduler's own errors as log lines. A logger of this run alone (outside the
    logging tree), so that a second run in the same process does not log twice; its warnings
    about skipped beats are said once per sweep by `_Runs.overrunning` instead."""
    logger = logging.Logger("inspect_engine.worker.scheduler", logging.ERROR)
    logger.addHandler(_LineHandler(log))
    return logger


def _reason(exc: Exception) -> tuple[str, bool]:
    """The line that says why a sweep failed, and whether it is a failure a worker meets in
    its life (bad data, the database gone or busy) rather than a bug."""
    if isinstance(exc, InspectError):
        return str(exc), True
    if "sqlalchemy" in sys.modules:  # loaded by any sweep that reached a database
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            return f"database: {_first_line(exc.orig) or type(exc.orig).__name__}", True
    first = _first_line(exc)
    return (f"{type(exc).__name__}: {first}" if first else type(exc).__name__), False


def _first_line(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else ""
    return text.splitlines()[0] if text else ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
