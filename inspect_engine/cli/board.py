"""`inspect-engine board KEY --out FILE.html`: the campaign's board, one self-contained page."""

from __future__ import annotations

from pathlib import Path

import typer

from inspect_engine.cli.common import CAMPAIGN_KEY, runtime, say, unit_of_work, write_file


def board(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    out: Path = typer.Option(..., "--out", help="The HTML file to write."),
) -> None:
    """Write the campaign's board as one HTML page: the calendar of visits, each case coloured by
    its state, the overdue deadlines first, filters by team, state, unit kind and area, a search
    box, a drawer with each case's history and documents, and the charts. It loads nothing from
    the network: open it from a file, print it, or send it to a phone.

    Example: inspect-engine board hanoi-2026 --out board.html
    """
    from inspect_engine.services.reporting.board import board_page

    with unit_of_work(ctx) as uow:
        page, summary = board_page(uow, key, clock=runtime(ctx).clock)
    write_file(out, page)
    states = ", ".join(f"{n} {s}" for s, n in sorted(summary["states"].items()))
    say(
        f"board of {key}: {summary['cases']} cases ({states}); {summary['overdue']} overdue deadlines"
    )
    say(f"  {out}")
