"""Benchmark of the visit planner: `python bench/planner.py` from the repository root.

Two instances: "hanoi-2026" (the example campaign exactly as `plan hanoi-2026 --as-of
2026-07-27` builds it: 141 units, 3 teams of 1 visit a day) and "national" (the 3,321 communes
of bench/data/vn-communes-2025.csv, 40 teams of 1 visit a day, unavailable weeks and conflicts
of interest, about 84% of capacity used), both with the default even pace; "national-80" is the
national list with 80 teams (42% of capacity), where the pace matters most. Each measurement
runs in a fresh subprocess; peak memory is that process's `ru_maxrss` (resource.getrusage).
Raw baselines from the same run: time ratio = solver time / greedy time; memory ratio = solver
peak / peak of a process that only loads the instance. It is a report: the exit code is 0 even
when a target fails.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# bench/ holds a transitions.py of its own: put the repository first instead of bench/.
sys.path[0] = str(REPO)

from bench.report import record  # noqa: E402
from inspect_engine.bootstrap import bootstrap  # noqa: E402
from inspect_engine.domain.planning import (  # noqa: E402
    Problem,
    Team,
    Visit,
    check,
    greedy,
    objective,
    solve,
)
from inspect_engine.services import campaigns, units  # noqa: E402
from inspect_engine.services.planning.make import problem_for  # noqa: E402

START, END = date(2026, 8, 1), date(2026, 12, 31)
NOTES: list[str] = []


def working_days() -> tuple[date, ...]:
    try:
        from inspect_engine.domain.calendar import WorkingCalendar

        return tuple(WorkingCalendar(years=[2026]).working_days(START, END))
    except ImportError:
        import holidays

        vn = holidays.country_holidays("VN", years=[2026])
        n = (END - START).days + 1
        days = (START + timedelta(k) for k in range(n))
        return tuple(d for d in days if d.weekday() < 5 and d not in vn)


def _hash(text: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{text}".encode())


def hanoi() -> Problem:
    """The Hanoi example exactly as `inspect-engine plan hanoi-2026 --as-of 2026-07-27` builds
    it: units and campaign stored in a scratch SQLite database, problem from the service."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        bootstrap(f"sqlite:///{Path(tmp) / 'hanoi.db'}").unit_of_work(schema="upgrade") as uow,
    ):
        units.import_units(uow, REPO / "examples" / "hanoi-units.csv")
        campaigns.create_campaign(
            uow, REPO / "examples" / "hanoi-2026.toml", workflows_dirs=[REPO / "workflows"]
        )
        return problem_for(uow, "hanoi-2026", as_of=date(2026, 7, 27))


def national(teams: int = 40) -> Problem:
    """All communes, 40 teams × 1 visit a day; deterministic days off, conflicts and blackouts."""
    days = working_days()
    weeks = [days[k : k + 5] for k in range(0, len(days) - 4, 5)]
    with (REPO / "bench" / "data" / "vn-communes-2025.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    n_teams = teams
    members: list[set[str]] = [set() for _ in range(n_teams)]
    visits = []
    for k, row in enumerate(rows):
        code = row["code"]
        if _hash(code, "conflict") % 100 < 5:  # ~5% of units: a member of one team is from it
            members[_hash(code, "team") % n_teams].add(code)
        blackout: frozenset[date] = frozenset()
        if _hash(code, "blackout") % 100 < 3:  # ~3%: one week the unit cannot host
            blackout = frozenset(weeks[_hash(code, "week") % len(weeks)])
        focus = _hash(code, "focus") % 100 < 30
        visits.append(Visit(k + 1, code, row["province_code"], focus, blackout=blackout))
    teams = []
    for t in range(n_teams):
        off = set(weeks[(3 * t) % len(weeks)])  # every team: one week off (training, leave)
        if t % 2 == 0:  # half the teams: a second week
            off |= set(weeks[(7 * t + 5) % len(weeks)])
        teams.append(Team(f"Đoàn {t + 1:02d}", 1, frozenset(off), frozenset(members[t])))
    return Problem(days=days, teams=tuple(teams), visits=tuple(visits))


INSTANCES = {"hanoi-2026": hanoi, "national": national, "national-80": lambda: national(80)}


def months(problem: Problem, rows: list[Any]) -> str:
    """Visits per month, before the reserve, against the month's share of them (see
    tests/pace_checks.py): `08 780/762` reads 780 visits where an even spread puts 762."""
    from tests.pace_checks import month_shares

    span = problem.days[: len(problem.days) - 5 * problem.reserve_weeks]
    start = min((v.earliest for v in problem.visits if v.earliest), default=span[0])
    shares = month_shares(
        [d for d in span if d >= start],
        lambda d: sum(t.visits_per_day for t in problem.teams if d not in t.unavailable),
        [date.fromisoformat(str(a[1])) for a in rows],
    )
    return "  ".join(f"{m:02d} {got}/{share:.0f}" for (_, m), (got, share) in shares.items())


def worker(name: str, mode: str) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    problem = INSTANCES[name]()
    out: dict[str, Any] = {
        "visits": len(problem.visits),
        "teams": len(problem.teams),
        "days": len(problem.days),
    }
    t0 = time.perf_counter()
    if mode == "greedy":
        plan = greedy(problem)
        out["time"] = time.perf_counter() - t0
        out["objective"] = objective(problem, plan)
        out["unassigned"] = len(problem.visits) - len(plan)
    elif mode in ("solve", "early"):
        if mode == "early":
            problem = replace(problem, pace="early")
        sol = solve(problem)
        out["time"] = time.perf_counter() - t0
        out.update(
            objective=sol.objective,
            lower_bound=sol.lower_bound,
            gap=sol.gap,
            core_gap=sol.core_gap,
            check=check(problem, sol.assignments),
            stats=dict(sol.stats),
            months=months(problem, [(a.team, a.day) for a in sol.assignments]),
        )
    elif mode == "replan":
        out.update(replan(problem))
    elif mode in ("flow", "fill", "local", "cpsat"):
        out.update(stage2(problem, mode))
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def replan(problem: Problem) -> dict[str, Any]:
    """Plan, then re-plan with the first team off for a week and the first 20 days announced."""
    first = {a.case_id: (a.team, a.day) for a in solve(problem).assignments}
    week = frozenset(problem.days[30:35])
    lead = problem.teams[0]
    teams = (replace(lead, unavailable=lead.unavailable | week), *problem.teams[1:])
    visits = tuple(
        replace(v, current=first[v.case_id], locked=first[v.case_id][1] < problem.days[20])
        for v in problem.visits
    )
    again = replace(problem, teams=teams, visits=visits)
    t0 = time.perf_counter()
    sol = solve(again)
    hit = {c for c, (t, d) in first.items() if t == lead.name and d in week}
    return {
        "time": time.perf_counter() - t0,
        "moved": len(sol.moved),
        "min_moves": sol.min_moves,
        "gap": sol.gap,
        "affected": len(hit),
        "same": set(sol.moved) == hit,
        "check": check(again, sol.assignments),
    }


def stage2(problem: Problem, mode: str) -> dict[str, Any]:
    """Area terms after each stage-2 variant, from the same flow plan, same time budget."""
    from bench.cpsat_lns import cpsat_lns
    from inspect_engine.domain.planning.flow import build_slots, solve_core
    from inspect_engine.domain.planning.problem import Assignment, CostModel, area_cost
    from inspect_engine.domain.planning.refine import LocalSearch, fill

    slots = build_slots(problem, CostModel(problem))
    core = solve_core(problem, slots)
    plan = [s for s in core.slots if s is not None]
    t0 = time.perf_counter()
    if mode != "flow":
        plan = fill(problem, slots, plan, core.class_of)
    extra: dict[str, float] = {}
    if mode == "local":
        ls = LocalSearch(problem, slots, plan)
        extra = ls.run(t0 + problem.time_limit_s)
        plan = [(ls.team[v], ls.day[v]) for v in range(len(plan))]
    elif mode == "cpsat":
        plan, extra = cpsat_lns(problem, slots, plan, t0 + problem.time_limit_s)
    elapsed = time.perf_counter() - t0
    rows = [
        Assignment(v.case_id, problem.teams[t].name, problem.days[i])
        for v, (t, i) in zip(problem.visits, plan, strict=True)
    ]
    full = objective(problem, rows)
    return {
        "time": elapsed,
        "objective": full,
        "area": area_cost(problem, rows),
        "lower_bound": core.optimum,
        "check": check(problem, rows),
        **extra,
    }


def run(name: str, mode: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", name, mode],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report() -> None:
    print(
        f"visit planner benchmark: {len(working_days())} working days 01/08-31/12/2026; "
        "peak memory = ru_maxrss of a fresh subprocess per measurement"
    )
    for name in INSTANCES:
        base, gr, so = run(name, "load"), run(name, "greedy"), run(name, "solve")
        if "error" in so:
            print(f"\n[{name}] solver failed: {so['error']}")
            continue
        print(f"\n[{name}] {so['visits']} visits, {so['teams']} teams, {so['days']} days")
        st = so["stats"]
        ratio_t = so["time"] / max(gr["time"], 1e-9)
        ratio_m = so["maxrss_mb"] / base["maxrss_mb"]
        print(
            f"  time          {so['time']:8.2f} s   (greedy {gr['time']:.3f} s;"
            f" ratio {ratio_t:.1f}x)"
            f"  flow {st['flow_build_s'] + st['flow_solve_s'] + st['flow_decompose_s']:.2f} s"
            f" [{st['flow_arcs']:.0f} arcs, {st['flow_classes']:.0f} classes],"
            f" stage 2 {st['refine_s']:.2f} s"
        )
        print(
            f"  peak memory   {so['maxrss_mb']:8.1f} MB"
            f"  (load-only process {base['maxrss_mb']:.1f} MB;"
            f" ratio {ratio_m:.2f}x)"
        )
        print(
            f"  objective     {so['objective']:>10,}  (area terms {st['area_terms']:,.0f};"
            f" flow plan's area terms {st['flow_area_terms']:,.0f})"
        )
        print(f"  lower bound   {so['lower_bound']:>10,}  (core optimum, exact min-cost flow)")
        print(f"  gap           {so['gap']:10.4f}   core gap {so['core_gap']:.1f}")
        print(
            f"  greedy        {gr['objective']:>10,}  ({gr['unassigned']} unassigned;"
            f" ratio to solver {gr['objective'] / so['objective']:.2f}x)"
        )
        print(f"  utilisation   {st['utilisation']:10.3f}")
        print(f"  checker       {'valid' if not so['check'] else so['check'][:3]}")
        early = run(name, "early")
        print(f"  months, even  {so['months']}   (visits/share before the reserve)")
        if "months" in early:
            print(f"  months, early {early['months']}   ({early['time']:.2f} s)")
        label = f"planner, {name} ({so['visits']:,} visits, {so['teams']} teams), even pace"
        record(
            label,
            so["time"],
            "s",
            baseline=gr["time"],
            target="<= 10 s" if name == "national" else None,
            note=f"gap {so['gap']:.1%}; greedy objective {gr['objective'] / so['objective']:.2f}x; "
            f"baseline: the greedy plan",
        )
        if name == "national":
            record(
                f"planner, {name}: peak memory",
                so["maxrss_mb"],
                "MB",
                baseline=base["maxrss_mb"],
                target="<= 1024 MB",
                note="baseline: a process that only loads the instance",
            )
            record(
                f"planner, {name}: core gap (exact min-cost flow)",
                so["core_gap"],
                "",
                target="<= 0",
            )
            record(f"planner, {name}: checker problems", len(so["check"]), "", target="<= 0")
            r = run(name, "replan")
            record(
                "planner, national re-plan (a team off 5 days, first 20 days announced)",
                r["time"],
                "s",
                note=f"moved {r['moved']} visits, minimum {r['min_moves']}",
            )
            print(
                f"  re-plan (Đoàn 01 off 5 days, first 20 days announced): {r['time']:.2f} s,"
                f" moved {r['moved']} visits (minimum {r['min_moves']}; {r['affected']} on the"
                f" days off; same set: {r['same']}), gap {r['gap']:.4f},"
                f" checker {'valid' if not r['check'] else 'INVALID'}"
            )
            print("  stage 2 variants (same flow plan, 5 s budget):")
            for mode in ("flow", "fill", "local", "cpsat"):
                r = run(name, mode)
                if "error" in r:
                    print(f"    {mode:6s} error: {r['error']}")
                    continue
                extra = ", ".join(
                    f"{k} {v:.0f}"
                    for k, v in r.items()
                    if k in ("ls_evaluations", "ls_passes", "cpsat_steps", "cpsat_improving")
                )
                print(
                    f"    {mode:6s} objective {r['objective']:>10,}  area terms {r['area']:>10,}"
                    f"  {r['time']:5.2f} s  checker {'valid' if not r['check'] else 'INVALID'}"
                    f"{'  (' + extra + ')' if extra else ''}"
                )
    for note in NOTES:
        print(f"note: {note}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3]), default=str))
    else:
        report()
