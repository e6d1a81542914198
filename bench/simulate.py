"""A national campaign simulated from August to December, against raw sqlite3 in the same run.

The instance: the 3,321 communes of bench/data/vn-communes-2025.csv, the example campaign's
settings, 40 teams of 1 visit a day, each formed by a decision; planned as of the plan's date,
every visit announced and the 3,321 notices issued (untimed, as the demo does before it
simulates). Then `services.simulation.run.simulate` fast-forwards it to
31 December, as `inspect-engine simulate` does: every step through the engine, the worker's
sweep twice a working day (deadlines fired, documents issued as letters in the database; no
DOCX or PDF rendering).

The raw baseline is bench/transitions.py's: sqlite3 in WAL mode with synchronous=NORMAL, one
transaction per transition holding one UPDATE and one INSERT, plus one SHA-256. The simulation
writes more than transitions (the documents, the deadlines, its own reads), so its events per
second is printed beside that baseline as a ratio, and its time beside the time the baseline
takes to write as many events.

Run: .venv/bin/python bench/simulate.py [--communes N] [--teams N] [--profile FILE]
Target (2 cores): the simulation in <= 60 s.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)  # bench/ holds a transitions.py of its own: the repository first

from bench.report import record  # noqa: E402
from bench.transitions import raw_rate  # noqa: E402
from inspect_engine.bootstrap import bootstrap  # noqa: E402
from inspect_engine.cli.demo_story import start_of  # noqa: E402
from inspect_engine.services import campaigns, cases, units  # noqa: E402
from inspect_engine.services.notices import issuing  # noqa: E402
from inspect_engine.services.planning.make import make_plan  # noqa: E402
from inspect_engine.services.simulation.run import simulate  # noqa: E402
from inspect_engine.services.team_decisions import record_decision  # noqa: E402
from inspect_engine.settings import data_dir  # noqa: E402

EXAMPLES = REPO / "examples"
COMMUNES = REPO / "bench" / "data" / "vn-communes-2025.csv"
DEPARTMENTS = ("SNV", "STP", "VPUBND", "STC", "SKHCN", "SXD", "SYT")  # the example names them
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Quang Dũng", "Thu Hà", "Đức Hải", "Thanh Hương",
         "Hữu Khánh", "Ngọc Lan", "Văn Long", "Thị Mai", "Minh Nam")  # fmt: skip
SEED = 2026


def national_files(folder: Path, n_communes: int, n_teams: int) -> tuple[Path, Path, list[Any]]:
    """The units file, the campaign file (the example's, over communes, with `n_teams` teams)
    and the decisions forming the teams."""
    with COMMUNES.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:n_communes]
    lines = ["code,name,kind,parent_code,sectors,area", "01,Thành phố Hà Nội,province,,,"]
    lines += [f"{d},Sở {d},department,01,,Khối sở" for d in DEPARTMENTS]
    lines += [f"{r['code']},{r['name']},commune,,,{r['province_name']}" for r in rows]
    units_csv = folder / "units.csv"
    units_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (EXAMPLES / "hanoi-2026.toml").read_text("utf-8")
    text = text[: text.index("[[teams]]")].replace(
        'kinds = ["department", "commune"]', 'kinds = ["commune"]'
    )
    decisions = []
    for t in range(1, n_teams + 1):
        people = [
            f"{SURNAMES[(t + k) % len(SURNAMES)]} {GIVEN[(3 * t + k) % len(GIVEN)]}"
            for k in range(3)
        ]
        members = ", ".join(f'{{ name = "{p}", unit = "SNV" }}' for p in people)
        text += (
            f'\n[[teams]]\nname = "Đoàn {t}"\nlead = "{people[0]}"\nvisits_per_day = 1\n'
            f"members = [{members}]\n"
        )
        roles = ("trưởng đoàn", "thành viên", "thư ký")
        decisions.append(
            {
                "team": f"Đoàn {t}",
                "number": f"{t:02d}/QĐ-SNV",
                "date": "2026-07-27",
                "signer": "Nguyễn Văn An",
                "members": [{"name": p, "role": r} for p, r in zip(people, roles, strict=True)],
            }
        )
    campaign = folder / "national.toml"
    campaign.write_text(text, encoding="utf-8")
    return campaign, units_csv, decisions


def prepare(url: str, folder: Path, n_communes: int, n_teams: int) -> int:
    """Units, campaign, plan, decisions, every visit announced and the notices issued, on the
    demo's fixed clock: the campaign as the demo leaves it before its simulation."""
    campaign, units_csv, decisions = national_files(folder, n_communes, n_teams)
    spec = campaigns.read_campaign_file(campaign)[0]
    clock = start_of(spec.plan.date)
    with bootstrap(url, clock=clock).unit_of_work(schema="upgrade") as uow:
        units.import_units(uow, units_csv, clock=clock)
        campaigns.create_campaign(uow, campaign, workflows_dirs=[data_dir("workflows")],
                                  clock=clock)  # fmt: skip
        make_plan(uow, spec.key, as_of=spec.plan.date, clock=clock)
        clock.at(spec.plan.date, 14)
        for data in decisions:
            record_decision(uow, spec.key, data, actor="van-thu", clock=clock)
        clock.at(date(2026, 7, 28), 8)
        request = cases.Request("announce", "truong-doan", "team_lead")
        announced = len(cases.advance_all(uow, spec.key, "planned", request, clock=clock))
        issuing.issue_due(uow, spec.key, clock=clock, actor="van-thu")  # as the demo does
        return announced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3321, help="communes inspected")
    parser.add_argument("--teams", type=int, default=40, help="inspection teams")
    parser.add_argument("--raw", type=int, default=9000, help="raw baseline transactions")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the simulation here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("raw-before", "raw-after"):
            (folder / sub).mkdir()
        # Measured before and after (the machine's speed drifts); the better of the two, as
        # noise only ever slows a run down.
        raw_before = raw_rate(folder / "raw-before", args.raw, 1000)
        url = f"sqlite:///{folder / 'national.db'}"
        start = time.perf_counter()
        announced = prepare(url, folder, args.communes, args.teams)
        print(f"prepared {announced} announced cases, {args.teams} teams "
              f"in {time.perf_counter() - start:.1f} s (untimed)")  # fmt: skip
        profile = cProfile.Profile() if args.profile else None
        with bootstrap(url).unit_of_work() as uow:
            start, cpu = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            report = simulate(uow, "hanoi-2026", until=date(2026, 12, 31), seed=SEED)
            if profile:
                profile.disable()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        raw = max(raw_before, raw_rate(folder / "raw-after", args.raw, 1000))
    if profile:
        profile.dump_stats(args.profile)
    rate = report.events / elapsed
    states = ", ".join(f"{s} {n}" for s, n in sorted(report.states.items(), key=lambda x: -x[1]))
    documents = sum(report.documents.values())
    missed = sum(report.missed.values())
    print(f"simulated {report.first_day:%d/%m} .. {report.until:%d/%m/%Y}: "
          f"{report.working_days} working days, {report.steps:,} steps, {report.events:,} events, "
          f"{documents:,} documents issued")  # fmt: skip
    print(f"  cases: {states}; deadlines met {report.met:,}, missed {missed:,}")
    record(
        f"simulation, national ({args.communes:,} communes, {args.teams} teams, "
        f"{report.first_day:%d/%m}–{report.until:%d/%m}: {report.steps:,} steps, "
        f"{report.events:,} events, {documents:,} documents as letters)",
        elapsed,
        "s",
        baseline=report.events / raw,
        target="<= 60 s",
        note=f"{rate:,.0f} events/s = {rate / raw:.3f}x raw sqlite3 ({raw:,.0f} /s); "
        f"cpu {cpu:.1f} s; baseline: the raw time for as many events",
    )
    if report.refused:
        print(f"  refused steps: {len(report.refused)}: {report.refused[0]}")
    kinds = Counter(report.documents)
    print("  documents: " + ", ".join(f"{n:,} {k}" for k, n in kinds.most_common()))


if __name__ == "__main__":
    main()
