"""PDFs per second from `render_pdf`, on one core and on every core.

The document is the layout tests' Thông báo with two appendices (tests/letters.py
`announcement()`: four pages, a table in each appendix). Each worker process registers the
fonts and renders one warm-up PDF outside the timing; then every worker renders `--count`
PDFs and the wall time of the whole batch is taken. Best of `--rounds` rounds.

Run: .venv/bin/python bench/pdf_layout.py [--count N] [--rounds N] [--workers N]
Targets: 5 PDFs/s on one core, 10 PDFs/s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import record
from inspect_engine.documents.pdf_layout import render_pdf
from tests.letters import announcement

PER_CORE_TARGET = 5.0
MACHINE_TARGET = 10.0


def _warm() -> int:
    return len(render_pdf(announcement()))


def _render(count: int) -> int:
    letter = announcement()
    return sum(len(render_pdf(letter)) for _ in range(count))


def _rate(pool: ProcessPoolExecutor, workers: int, count: int) -> float:
    started = time.perf_counter()
    list(pool.map(_render, [count] * workers))
    return workers * count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40, help="PDFs per worker per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.perf_counter()
    size = _warm()
    first = time.perf_counter() - started
    print(f"first PDF in a process (fonts registered): {first * 1000:.0f} ms, {size:,} bytes")
    for workers, target in ((1, PER_CORE_TARGET), (args.workers, MACHINE_TARGET)):
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_render, [1] * workers))  # register the fonts in every worker
            best = max(_rate(pool, workers, args.count) for _ in range(args.rounds))
        record(
            f"PDF of the layout tests' 4-page Thông báo, {workers} process(es)",
            best,
            "/s",
            target=f">= {target:.0f} /s",
            note=f"best of {args.rounds} rounds",
        )


if __name__ == "__main__":
    main()
