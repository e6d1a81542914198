"""Every benchmark of bench/ in one run, and one table of their figures: `make bench`.

Each script (every bench/*.py with a `__main__` block but this one) runs in its own process,
its output shown as it comes; the figures it reports through bench/report.py `record` are
collected. Then the table: figure, value, raw baseline, ratio, target, met; and
bench/results.json with the same figures, the machine (CPU model, cores, Python, SQLite), the
load average before and after, and each script's exit code and time. A script that fails is
named in the table and makes the exit code 1; a missed target does not (it is a report).

Run: .venv/bin/python bench/run_all.py [--only NAME ...] [--skip NAME ...] [--pg URL]
`--pg` (or INSPECT_BENCH_PG_URL) also measures bench/document_store.py on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[0] = str(REPO)  # bench/ holds a transitions.py of its own: the repository first

from bench.report import RESULTS_ENV, amount  # noqa: E402

RESULTS = BENCH / "results.json"
NOT_SCRIPTS = {"run_all.py", "report.py"}
# Quick ones first, so that a broken set-up shows at once; the long national runs last.
ORDER = (
    "startup",
    "transitions",
    "document_store",
    "documents",
    "pdf_layout",
    "signing",
    "planner",
    "notices",
    "audit_verify",
    "simulate",
)


def scripts() -> list[Path]:
    found = [
        p
        for p in BENCH.glob("*.py")
        if p.name not in NOT_SCRIPTS and 'if __name__ == "__main__":' in p.read_text("utf-8")
    ]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run(script: Path, results: Path, pg: str | None) -> dict[str, Any]:
    argv = [sys.executable, str(script)]
    if script.stem == "document_store" and pg:
        argv += ["--pg", pg]
    print(f"\n=== {script.relative_to(REPO)} ===", flush=True)
    started = time.perf_counter()
    code = subprocess.call(argv, cwd=REPO, env={**os.environ, RESULTS_ENV: str(results)})
    seconds = time.perf_counter() - started
    return {"script": script.name, "exit_code": code, "seconds": round(seconds, 1)}


def table(figures: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    rows = [("figure", "value", "raw baseline", "ratio", "target", "met")]
    for f in figures:
        base = amount(f["baseline"], f["baseline_unit"] or "") if f["baseline"] is not None else ""
        ratio = f"{f['ratio']:.3g}x" if f["ratio"] is not None else ""
        verdict = "" if f["met"] is None else "yes" if f["met"] else "**no**"
        rows.append(
            (f["figure"], amount(f["value"], f["unit"]), base, ratio, f["target"] or "", verdict)
        )
    for r in runs:
        if r["exit_code"]:
            rows.append(
                (f"bench/{r['script']} failed (exit {r['exit_code']})", "", "", "", "", "**no**")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="these scripts (by name) only")
    parser.add_argument("--skip", nargs="*", default=[], help="leave these scripts out")
    parser.add_argument(
        "--pg",
        default=os.environ.get("INSPECT_BENCH_PG_URL"),
        help="a PostgreSQL URL for bench/document_store.py",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args()
    chosen = [
        s for s in scripts() if (not args.only or s.stem in args.only) and s.stem not in args.skip
    ]
    started_at, load_before = datetime.now().astimezone(), load()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "figures.jsonl"
        results.touch()
        for script in chosen:
            before = len(results.read_text("utf-8").splitlines())
            runs.append(run(script, results, args.pg))
            lines = results.read_text("utf-8").splitlines()
            runs[-1]["figures"] = len(lines) - before
        figures = [json.loads(line) for line in results.read_text("utf-8").splitlines()]
    for f, script in zip(
        figures, [r["script"] for r in runs for _ in range(r["figures"])], strict=True
    ):
        f["script"] = script
    report = {
        "started": started_at.isoformat(timespec="seconds"),
        "finished": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load(),
        "scripts": runs,
        "figures": figures,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    m = report["machine"]
    print(
        f"\n{started_at:%Y-%m-%d %H:%M}, {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"SQLite {m['sqlite']}; load average before {load_before}, after {report['load_after']}"
    )
    print(table(figures, runs))
    missed = [f["figure"] for f in figures if f["met"] is False]
    out = args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out
    print(
        f"\n{len(figures)} figures, {sum(f['met'] is not None for f in figures)} with a target, "
        f"{len(missed)} missed; written to {out}"
    )
    return 1 if any(r["exit_code"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
