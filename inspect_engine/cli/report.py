"""`inspect-engine report KEY`: the campaign's results report, its periods and per-unit scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from inspect_engine.cli.common import CAMPAIGN_KEY, runtime, say, unit_of_work
from inspect_engine.errors import InputError


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not an ISO date (YYYY-MM-DD)", field="--as-of") from None


def report(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="Count what happened up to the end of this day (ISO date). Default: today.",
    ),
    period: str = typer.Option(
        None,
        "--period",
        help="A reporting window instead: q1, h1, q3 or year (the campaign's [reporting] windows).",
    ),
    year: int = typer.Option(
        None, "--year", help="The year of --period (default: the campaign's)."
    ),
    out: Path = typer.Option(None, "--out", help="Folder for the report's DOCX and PDF."),
    formats: str = typer.Option("docx,pdf", "--format", help="Formats to write: docx, pdf, html."),
    scores: bool = typer.Option(
        False,
        "--scores",
        help="Print the per-unit figures for the PAR Index instead of the report (with --csv or --json).",
    ),
    as_csv: bool = typer.Option(False, "--csv", help="With --scores: CSV, one row per unit."),
    as_json: bool = typer.Option(False, "--json", help="With --scores: JSON (docs/json.md)."),
    actor: str = typer.Option(
        "inspect-engine", "--actor", help="Who issues the report (recorded with it)."
    ),
) -> None:
    """Issue the campaign's Báo cáo kết quả kiểm tra as of a day (or for a reporting window) and
    write it as DOCX and PDF. Every figure is computed from the event log up to the end of that
    day; the report is numbered in the issuing body's register once, and running the command
    again for the same day writes the same files.

    Example: inspect-engine report hanoi-2026 --as-of 2026-10-15 --out report
    Example: inspect-engine report hanoi-2026 --period q3 --year 2026 --out report
    Example: inspect-engine report hanoi-2026 --scores --csv > chi-so-cchc.csv
    """
    from inspect_engine.services.notices.rendering import parse_formats

    day = _day(as_of)
    clock = runtime(ctx).clock
    if scores:
        if as_csv == as_json:
            raise InputError("--scores needs one of --csv and --json", field="--scores")
        if out is not None:
            raise InputError("--scores prints to standard output: leave out --out", field="--out")
        from inspect_engine.services.reporting import scores as scoring

        with unit_of_work(ctx) as uow:
            figures, cut = scoring.unit_scores(
                uow, key, as_of=day, period=period, year=year, clock=clock
            )
        typer.echo(
            scoring.to_csv(figures, cut) if as_csv else scoring.to_json(key, figures, cut), nl=False
        )
        return
    if as_csv or as_json:
        raise InputError("--csv and --json go with --scores", field="--csv" if as_csv else "--json")
    if out is None:
        raise InputError("give --out DIR for the report's files (or --scores)", field="--out")
    chosen = parse_formats(formats)
    from inspect_engine.services.reporting import report as service

    with unit_of_work(ctx) as uow:
        made = service.make_report(
            uow, key, as_of=day, period=period, year=year, actor=actor, clock=clock
        )
    files = service.write_files(made, out, chosen)
    record, figures = made.record, made.figures
    window = f"{made.cut.since:%d/%m/%Y} .. " if made.cut.since else "as of "
    say(
        f"report {record.number or '(awaiting its number)'} of {key}, {window}{made.cut.as_of:%d/%m/%Y}: "
        f"{len(figures.inspected)}/{len(figures.cases)} units inspected, "
        f"{sum(len(c.shortcomings()) for c in figures.inspected)} shortcomings, "
        f"{len(figures.remediation()['overdue'])} remediations overdue"
    )
    if made.new:
        say(
            f"  issued now, counting the campaign's events up to chain position {made.cut.chain_seq}"
        )
    elif made.same_as_issued:
        say(
            f"  issued on {record.issued_on:%d/%m/%Y}; recomputed from the log up to chain position {made.cut.chain_seq}: the same figures"
        )
    else:
        say(
            "  warning: the log now gives different figures for this day (templates or engine changed since it was issued); written as issued"
        )
    for path in files:
        say(f"  {path}")
