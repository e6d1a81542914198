"""`inspect-engine campaign ...`: declare and inspect campaigns."""

from __future__ import annotations

from pathlib import Path

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    new_app,
    print_json,
    print_table,
    runtime,
    say,
    unit_of_work,
)

app = new_app("Inspection campaigns (one round of inspections).")


@app.command("create")
def create(
    ctx: typer.Context, file: Path = typer.Argument(..., metavar="FILE", help="Campaign TOML file.")
) -> None:
    """Check a campaign file, store it and open one case per target unit.

    Example: inspect-engine campaign create examples/hanoi-2026.toml
    """
    from inspect_engine.services import campaigns as service

    with unit_of_work(ctx) as uow:
        summary = service.create_campaign(
            uow, file, workflows_dirs=runtime(ctx).settings.workflows_dirs
        )
    say(f"campaign {summary.key}: {summary.cases} cases opened")


@app.command("add-targets")
def add_targets(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    units: list[str] = typer.Argument(..., metavar="UNITS", help="Unit codes to add."),
) -> None:
    """Add units to a campaign's targets, opening a case for each; then `plan KEY --replan`.

    Example: inspect-engine campaign add-targets hanoi-2026 00004 00008
    """
    from inspect_engine.services import campaigns as service

    with unit_of_work(ctx) as uow:
        added = service.add_targets(uow, key, units)
    say(f"campaign {key}: {len(added)} cases opened ({', '.join(added)})")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = AS_JSON) -> None:
    """List campaigns with their number of cases by state.

    Example: inspect-engine campaign list --json
    """
    from inspect_engine.services import campaigns as service

    with unit_of_work(ctx) as uow:
        rows = service.list_campaigns(uow)
    if as_json:
        print_json(
            [
                {
                    "key": c.key,
                    "title": c.title,
                    "year": c.year,
                    "cases": c.cases,
                    "states": c.states,
                }
                for c in rows
            ]
        )
        return
    table = [
        (
            c.key,
            c.year,
            c.title,
            c.cases,
            ", ".join(f"{s} {n}" for s, n in sorted(c.states.items())),
        )
        for c in rows
    ]
    print_table("campaigns", ["key", "year", "title", "cases", "states"], table)


@app.command("show")
def show(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_json: bool = AS_JSON,
) -> None:
    """Show a campaign: window, teams, lead times, targets.

    Example: inspect-engine campaign show hanoi-2026
    """
    from inspect_engine.services import campaigns as service

    with unit_of_work(ctx) as uow:
        row, spec = service.get_campaign(uow, key)
        targets = [c.unit_code for c in service.campaign_cases(uow, key)]
    data = service.campaign_json(row, spec, targets)
    if as_json:
        print_json(data)
        return
    say(f"{spec.key}: {spec.title}")
    say(f"  plan {spec.plan.number} of {spec.plan.date:%d/%m/%Y}, issued by {spec.issuer.body}")
    say(
        f"  window {spec.window_start} .. {spec.window_end}; workflow {row.workflow_name} "
        f"v{row.workflow_version}"
    )
    say(
        f"  lead times: notice {spec.lead_times.notice_working_days} working days, evidence "
        f"{spec.lead_times.evidence_working_days} working days before the visit"
    )
    say(f"  {len(targets)} target units; focus sectors: {', '.join(spec.focus_sectors) or '-'}")
    print_table(
        "teams",
        ["team", "lead", "visits/day", "members", "unavailable days"],
        [
            (t.name, t.lead, t.visits_per_day, len(t.members), len(t.unavailable))
            for t in spec.teams
        ],
    )
