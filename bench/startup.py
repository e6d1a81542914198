"""CLI start-up time, as a ratio to `python -c "import typer"` measured in the same run.

Every command pays for what `inspect-engine` imports before it runs, so the package imports its
heavy modules (SQLAlchemy, OR-Tools, numpy, the exports) only inside the commands that use them.
The raw baseline is the interpreter starting and importing Typer, the one library the CLI cannot
do without. Each command runs `--rounds` times, interleaved with the baseline; the best run of
each is taken (noise only slows a run down) and the median ratio of the rounds printed beside it.

`case show` reads case 13 of the demo's database (its re-inspected case, 25 events) and
`case advance` announces a case of the example campaign planned with its teams formed (both set
up once, outside the timing), to show what a command that reads or writes one case costs.

Run: .venv/bin/python bench/startup.py [--rounds N]
Targets: `--help` and `--version` within 2x of the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)
from bench.report import record  # noqa: E402

BIN = Path(sys.executable).parent
CLI = str(BIN / "inspect-engine")
TARGET = 2.0


def _run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _demo_db(folder: Path) -> tuple[str, int]:
    """The demo's database (`demo --no-files`: the same database, no letters), and the case the
    demo shows: a re-inspected one with a long history."""
    demo = folder / "demo"
    subprocess.run(
        [CLI, "demo", "--dir", str(demo), "--no-files"], check=True, stdout=subprocess.DEVNULL
    )
    return f"sqlite:///{demo / 'inspect.db'}", 13


def _planned_db(folder: Path) -> tuple[str, list[int]]:
    """The example campaign planned and its teams formed, every case still to announce (the demo
    leaves none: it simulates the whole round); the ids of its cases."""
    db = f"sqlite:///{folder / 'planned.db'}"
    examples = REPO / "examples"
    steps = [
        ["init"],
        ["units", "import", str(examples / "hanoi-units.csv")],
        ["campaign", "create", str(examples / "hanoi-2026.toml")],
        ["plan", "hanoi-2026", "--as-of", "2026-07-27"],
    ]
    steps += [
        [
            "campaign",
            "decide-team",
            "hanoi-2026",
            "--actor",
            "van-thu",
            "--data-file",
            str(examples / "decisions" / f"doan-{team}.json"),
        ]
        for team in (1, 2, 3)
    ]
    for step in steps:
        subprocess.run([CLI, "--db", db, *step], check=True, stdout=subprocess.DEVNULL)
    listing = subprocess.run(
        [CLI, "--db", db, "case", "list", "hanoi-2026", "--state", "planned", "--json"],
        check=True,
        capture_output=True,
    )
    return db, [case["id"] for case in json.loads(listing.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo, shown = _demo_db(Path(tmp))
        db, planned = _planned_db(Path(tmp))
        commands = {
            "--help": [CLI, "--help"],
            "--version": [CLI, "--version"],
            "case show": [CLI, "--db", demo, "case", "show", str(shown)],
            "case advance": [CLI, "--db", db, "case", "advance", "ID", "announce"],
        }
        baseline = [sys.executable, "-c", "import typer"]
        times: dict[str, list[float]] = {name: [] for name in ["raw", *commands]}
        for k in range(args.rounds):
            times["raw"].append(_run(baseline))
            for name, argv in commands.items():
                if name == "case advance":  # a case is announced once: another one each round
                    argv = [*argv[:5], str(planned[k + 1]), "announce"]
                    argv += ["--actor", "bench", "--role", "team_lead"]
                times[name].append(_run(argv))
    raw = min(times["raw"])
    record('raw: `python -c "import typer"`', raw * 1000, "ms", note=f"best of {args.rounds}")
    for name in commands:
        best = min(times[name])
        ratios = [t / r for t, r in zip(times[name], times["raw"], strict=True)]
        where = {
            "case show": " (case 13 of the demo's database)",
            "case advance": " (announce, on the example campaign planned)",
        }
        record(
            f"`inspect-engine {name}`{where.get(name, '')}",
            best * 1000,
            "ms",
            baseline=raw * 1000,
            target=f"<= {TARGET:.0f}x" if name in ("--help", "--version") else None,
            note=f"median of rounds {median(ratios):.2f}x",
        )


if __name__ == "__main__":
    main()
