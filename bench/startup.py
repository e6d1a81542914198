"""CLI start-up time, as a ratio to `python -c "import typer"` measured in the same run.

Every command pays for what `inspect-engine` imports before it runs, so the package imports its
heavy modules (SQLAlchemy, OR-Tools, numpy, the exports) only inside the commands that use them.
The raw baseline is the interpreter starting and importing Typer, the one library the CLI cannot
do without. Each command runs `--rounds` times, interleaved with the baseline; the best run of
each is taken (noise only slows a run down) and the median ratio of the rounds printed beside it.

`case show` and `case advance` run against the demo's database (set up once, outside the
timing), to show what a command that reads or writes one case costs.

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
BIN = Path(sys.executable).parent
CLI = str(BIN / "inspect-engine")
TARGET = 2.0


def _run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _demo_db(folder: Path) -> tuple[str, list[int]]:
    """The demo's database, and the ids of its cases still in `planned`."""
    subprocess.run(
        [CLI, "demo", "--dir", str(folder)], check=True, stdout=subprocess.DEVNULL, cwd=folder
    )
    db = f"sqlite:///{folder / 'inspect.db'}"
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
        db, planned = _demo_db(Path(tmp))
        commands = {
            "--help": [CLI, "--help"],
            "--version": [CLI, "--version"],
            "case show": [CLI, "--db", db, "case", "show", str(planned[0])],
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
    print(f"raw: python -c 'import typer'  {raw * 1000:6.0f} ms (best of {args.rounds})")
    for name in commands:
        best = min(times[name])
        ratios = [t / r for t, r in zip(times[name], times["raw"], strict=True)]
        line = (
            f"{name:<14} {best * 1000:6.0f} ms  {best / raw:4.2f}x raw "
            f"(median of rounds {median(ratios):4.2f}x)"
        )
        if name in ("--help", "--version"):
            line += f"  target <= {TARGET:.1f}x: {'PASS' if best / raw <= TARGET else 'FAIL'}"
        print(line)


if __name__ == "__main__":
    main()
