"""Letters laid out per second: the DOCX (python-docx) and the HTML preview of the sample
Thông báo with two appendices (tests/letters.py `announcement()`), rendered to bytes/text.

One process renders `--count` letters after one warm-up letter (the blank document, the
template and the font metrics are built once per process, on first use); then `--workers`
processes (default: every core) render `--count` each at once, and the figure is all their
letters over the wall time from start to the last one done. The first letter of a fresh
process, warm-up included, is timed on its own. Best of `--rounds` rounds.

Run: .venv/bin/python bench/documents.py [--count N] [--workers N] [--rounds N]
Target: 40 DOCX letters per second on the 2-core machine, both cores busy.
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
from inspect_engine.documents.docx_layout import render_docx
from inspect_engine.documents.html_layout import render_html
from tests.letters import announcement

TARGET_DOCX_PER_SECOND = 40.0
RENDERERS = {"docx": render_docx, "html": render_html}


def _render(kind: str, count: int) -> tuple[float, float]:
    """(seconds for the first letter, seconds for `count` more) in this process."""
    letter = announcement()
    render = RENDERERS[kind]
    started = time.perf_counter()
    render(letter)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(count):
        render(letter)
    return first, time.perf_counter() - started


def _parallel(kind: str, count: int, workers: int) -> float:
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_render, [kind] * workers, [1] * workers))  # warm every worker
        started = time.perf_counter()
        list(pool.map(_render, [kind] * workers, [count] * workers))
        return workers * (count + 1) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with ProcessPoolExecutor(1) as fresh:
        first_docx, _ = fresh.submit(_render, "docx", 0).result()
    print(f"first DOCX in a fresh process: {first_docx * 1000:.0f} ms (blank document, fonts)")
    for kind in RENDERERS:
        single = max(args.count / _render(kind, args.count)[1] for _ in range(args.rounds))
        many = max(_parallel(kind, args.count, args.workers) for _ in range(args.rounds))
        size = len(RENDERERS[kind](announcement()))
        print(f"{kind}: {size:,} bytes, {1000 / single:.1f} ms each in one process")
        record(f"{kind.upper()} layout of the sample letter (4 pages), one process", single, "/s")
        record(
            f"{kind.upper()} layout of the sample letter, {args.workers} processes",
            many,
            "/s",
            target=f">= {TARGET_DOCX_PER_SECOND:.0f} /s" if kind == "docx" else None,
        )


if __name__ == "__main__":
    main()
