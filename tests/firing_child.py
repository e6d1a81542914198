"""The real worker (the sweep `inspect-engine worker` runs) on a fixed clock, for the tests that
kill it or run several at once: `python -m tests.firing_child DB_URL NOW INTERVAL [BATCH]`.

The same code as the command, with the clock the command takes from the machine given instead
(NOW, ISO with its offset), so that what has passed does not depend on the day the tests run;
BATCH deadlines a transaction (fewer than the worker's own make more transactions to kill in).
Log lines go to stdout, flushed.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime

from inspect_engine.bootstrap import bootstrap
from inspect_engine.services import deadline_firing
from inspect_engine.services.worker import WorkerLock, default_sweep, run_worker


def main(argv: list[str]) -> int:
    db_url, now, interval = argv[0], datetime.fromisoformat(argv[1]), float(argv[2])
    if len(argv) > 3:
        deadline_firing.BATCH = int(argv[3])
    runtime = bootstrap(db_url, clock=lambda: now)
    stop = threading.Event()
    with WorkerLock.for_url(db_url):
        run_worker(
            default_sweep(runtime, stop),
            interval_s=interval,
            once=False,
            log=lambda line: print(line, flush=True),
            stop_event=stop,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
