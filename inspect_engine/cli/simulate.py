"""`inspect-engine simulate`: a campaign fast-forwarded on a simulated clock."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from inspect_engine.cli.common import AS_JSON, CAMPAIGN_KEY, print_json, runtime, say
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ

if TYPE_CHECKING:
    from inspect_engine.bootstrap import Runtime
    from inspect_engine.domain.campaign.simulation import SimulationSettings
    from inspect_engine.services.simulation.run import SimulationReport


def run(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    until: str = typer.Option(
        ..., "--until", metavar="DATE", help="Simulate through this day (2026-12-31 or 31/12/2026)."
    ),
    seed: int = typer.Option(
        1,
        "--seed",
        help="The draws' seed: the same seed on the same database gives the same history.",
    ),
    settings: Path = typer.Option(
        None,
        "--settings",
        metavar="FILE",
        help="A TOML file whose [simulation] table replaces the campaign's (a campaign file "
        "will do).",
    ),
    verbose: bool = typer.Option(False, "--verbose", help="Print every step and sweep line."),
    as_json: bool = AS_JSON,
) -> None:
    """Fast-forward a campaign on a simulated clock, day by day through --until, through the
    engine itself: every step is a request with its role and data, and each working day the
    worker's sweep fires the deadlines that passed and issues the documents.

    The clock starts at the campaign's last recorded moment. Visits happen on their planned
    days; units send their appendices on time, late or in parts; findings are drawn per
    content area; the signer concludes; units report their remediation; re-inspections are
    set on free days and passed or failed; some visits move. What is drawn is set by the
    campaign's [simulation] table (docs/simulation.md). The history is written into the
    database: simulate on a copy. Each step is its own transaction, as in production; bad
    input is refused before any.

    Example: inspect-engine --db sqlite:///copy.db simulate hanoi-2026 --until 2026-12-31 --seed 7
    """
    from rich.progress import Progress

    from inspect_engine.domain.calendar import parse_vn_date
    from inspect_engine.services import worker
    from inspect_engine.services.simulation.run import simulate

    try:
        last_day = parse_vn_date(until)
    except ValueError as exc:
        raise InputError(str(exc), field="--until") from None
    rt = runtime(ctx)
    override = _settings(rt, key, settings) if settings is not None else None
    # The simulation is the worker for its run: not beside a real one on the same file.
    with (
        worker.WorkerLock.for_url(rt.settings.db_url),
        rt.unit_of_work() as uow,
        Progress(transient=True, disable=verbose or not sys.stdout.isatty()) as shown,
    ):
        task = shown.add_task(f"simulating {key}", total=None)

        def tick(done: int, total: int) -> None:
            shown.update(task, completed=done, total=total)

        report = simulate(
            uow,
            key,
            until=last_day,
            seed=seed,
            settings=override,
            log=say if verbose else None,
            progress=tick,
        )
    if as_json:
        print_json(report.to_json())
        return
    for line in summary_lines(report):
        say(line)


def _settings(rt: Runtime, key: str, path: Path) -> SimulationSettings:
    """The [simulation] table of --settings, checked against the campaign's content areas."""
    from inspect_engine.domain.campaign.simulation import read_simulation_table
    from inspect_engine.services import campaigns

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the settings: {exc}", source=str(path)) from None
    with rt.unit_of_work() as uow:
        spec = campaigns.get_campaign(uow, key)[1]
    return read_simulation_table(text, str(path), spec.content_areas)


def summary_lines(report: SimulationReport) -> list[str]:
    """The run in a few lines: the days, the cases by state, the documents, the deadlines."""
    days = f"{report.working_days} working day{'s' * (report.working_days != 1)}"
    if report.first_day > report.until:
        lines = [
            f"nothing to simulate in {report.key} through {report.until:%d/%m/%Y}: its last "
            f"event is of {report.start.astimezone(DISPLAY_TZ):%d/%m/%Y %H:%M}"
        ]
    else:
        lines = [
            f"simulated {report.key} from {report.first_day:%d/%m/%Y} to "
            f"{report.until:%d/%m/%Y} ({days}, seed {report.seed}): {report.steps:,} steps, "
            f"{report.events:,} events written"
        ]
    states = sorted(report.states.items(), key=lambda item: (-item[1], item[0]))
    lines.append("cases by state: " + ", ".join(f"{state} {n}" for state, n in states))
    issued = sum(report.documents.values())
    kinds = sorted(report.documents.items(), key=lambda item: (-item[1], item[0]))
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds)
    lines.append(f"documents issued: {issued}" + (f" ({detail})" if detail else ""))
    missed = sum(report.missed.values())
    by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(report.missed.items()))
    line = f"deadlines: {report.met} met, {missed} missed" + (f" ({by_kind})" if by_kind else "")
    line += f", {report.moved} moved with their visit"
    if report.pending_due is not None:
        first, last = report.pending_due
        line += f"; {report.pending} still running, due {first:%d/%m/%Y} .. {last:%d/%m/%Y}"
    lines.append(line)
    lines += [f"refused by the engine: {why}" for why in report.refused]
    return lines
