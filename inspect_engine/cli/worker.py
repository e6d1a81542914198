"""`inspect-engine worker`: the background worker, sweep after sweep until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import typer

from inspect_engine.cli.common import runtime
from inspect_engine.services.clock import Clock
from inspect_engine.settings import DISPLAY_TZ


def run(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Sweep once and exit (for cron or a timer)."),
    interval: float = typer.Option(
        30.0, "--interval", min=0.1, metavar="SECONDS", help="Seconds from one sweep to the next."
    ),
    anchor_dir: Path = typer.Option(
        None, "--anchor-dir", help="Write each campaign's signed anchor here (audit anchor)."
    ),
    anchor_every: float = typer.Option(
        24.0,
        "--anchor-every",
        min=0.01,
        max=24 * 366,
        metavar="HOURS",
        help="Hours from one anchor of a campaign to the next (with --anchor-dir).",
    ),
    anchor_key: Path = typer.Option(
        None, "--anchor-key", help="The anchors' Ed25519 key (default as `audit anchor`)."
    ),
) -> None:
    """Run the worker: sweep now, then every --interval seconds, until SIGTERM or Ctrl-C.

    A sweep fires the deadlines that passed (what each does is declared by the case's workflow:
    a late submission marked, the overdue notice, the team lead told), then issues every
    document the campaigns' logs ask for and have not got (as `notices issue` does) and the
    reminders due (as `notices remind`), one log line per action. A stop ends the sweep between
    deadlines; a second one stops at once. On SQLite one worker runs per database file; on PostgreSQL
    several may (docs/worker.md).

    With --anchor-dir, a sweep also writes each campaign's signed anchor (its chain heads, as
    `audit anchor`) into DIR/KEY/ once the last is --anchor-every hours old and the history
    has moved: copy that folder where the operators cannot change it.

    Example: inspect-engine --db sqlite:///demo/inspect.db worker --interval 30
    """
    from inspect_engine.services import worker
    from inspect_engine.services.anchors import AnchorSchedule, load_key

    rt = runtime(ctx)
    lock = worker.WorkerLock.for_url(rt.settings.db_url)  # refuses an in-memory database
    with rt.unit_of_work():
        pass  # a missing or outdated database is refused now, not at every sweep
    stop = threading.Event()  # set by SIGTERM or Ctrl-C: the sweep stops between deadlines
    anchoring = None
    if anchor_dir is not None:
        signing = load_key(anchor_key)
        if signing.created:
            typer.echo(f"created the anchor key {signing.path}")
        anchoring = AnchorSchedule(anchor_dir, timedelta(hours=anchor_every), signing)
    with lock:
        worker.run_worker(
            worker.default_sweep(rt, stop, anchoring=anchoring),
            interval_s=interval,
            once=once,
            log=_stamped(rt.clock),
            stop_event=stop,
        )


def _stamped(clock: Clock) -> Callable[[str], None]:
    """Log lines on stdout (flushed: a service manager reads them live), each with its time."""

    def log(line: str) -> None:
        moment = clock().astimezone(DISPLAY_TZ).isoformat(sep=" ", timespec="seconds")
        typer.echo(f"{moment} {line}")

    return log
