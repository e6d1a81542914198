"""A worker with a fake sweep, for the tests that signal a real process.

`python -m tests.worker_child DIR INTERVAL [--hold]`: each sweep appends `start N` and `end N`
to DIR/runs; with --hold, the first sweep waits between the two until DIR/go exists. Log lines
go to stdout, flushed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from inspect_engine.services.worker import SweepReport, run_worker


def main(argv: list[str]) -> int:
    folder, interval, hold = Path(argv[0]), float(argv[1]), "--hold" in argv
    runs = folder / "runs"
    count = 0

    def note(line: str) -> None:
        with runs.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def sweep() -> SweepReport:
        nonlocal count
        count += 1
        note(f"start {count}")
        if hold and count == 1:
            deadline = time.monotonic() + 60  # only so that a broken test does not hang
            while not (folder / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        note(f"end {count}")
        return SweepReport(1, (f"swept {count}",))

    run_worker(sweep, interval_s=interval, once=False, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
