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
    read_json_object,
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
        f"{spec.lead_times.evidence_working_days} working days before the visit; remediation "
        f"report {spec.lead_times.remediation_working_days} working days after the conclusion"
    )
    if spec.appendices:
        marked = [
            a.code
            + (" (leading units)" if a.for_leads else "")
            + (" (kept ready)" if a.unannounced_only else "")
            for a in spec.appendices
        ]
        say(
            f"  appendices {', '.join(marked)}; {len(spec.leads)} areas or tasks led; "
            f"per unit: inspect-engine campaign appendices {spec.key}"
        )
    missing = "may" if spec.rules.visit_with_missing_appendices else "may not"
    say(f"  the visit {missing} be recorded while required appendices are missing")
    say(f"  {len(targets)} target units; focus sectors: {', '.join(spec.focus_sectors) or '-'}")
    planning = spec.planning
    say(
        f"  {planning.pace} pace; {planning.reserve_share:.0%} of the last "
        f"{planning.reserve_weeks} weeks kept for re-inspections"
    )
    print_table(
        "teams",
        ["team", "lead", "visits/day", "max/week", "members", "unavailable days"],
        [
            (
                t.name,
                t.lead,
                t.visits_per_day,
                t.max_visits_per_week or "",
                len(t.members),
                len(t.unavailable),
            )
            for t in spec.teams
        ],
    )


@app.command("appendices")
def appendices(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    unit: str | None = typer.Argument(
        None, metavar="UNIT", help="Only this target unit (its code)."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Show the appendices (Phụ lục) each target unit must send when its inspection is
    announced, those it keeps ready for an unannounced one, and the areas or tasks it leads.

    Example: inspect-engine campaign appendices hanoi-2026 STP
    """
    from inspect_engine.services import campaigns as service

    with unit_of_work(ctx) as uow:
        rows = service.unit_appendices(uow, key, unit)
    if as_json:
        print_json(service.unit_appendices_json(rows))
        return
    print_table(
        f"appendices of {key}",
        ["unit", "name", "kind", "required", "keep ready", "leads"],
        [
            (
                r.unit_code,
                r.unit_name,
                r.kind,
                ", ".join(a.code for a in r.appendices.required) or "-",
                ", ".join(a.code for a in r.appendices.keep_ready) or "-",
                "; ".join(lead.subject for lead in r.appendices.leads) or "-",
            )
            for r in rows
        ],
    )


@app.command("decide-team")
def decide_team(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    data_file: Path = typer.Option(
        ..., "--data-file", help="JSON file of the decision (see docs/audit-log.md)."
    ),
    actor: str = typer.Option(..., "--actor", help="Who records it (name or account)."),
) -> None:
    """Record the decision forming a team (Quyết định thành lập Đoàn kiểm tra), or the one
    replacing its current decision.

    The file holds {team, number, date, signer, members: [{name, role}], supersedes}: roles are
    trưởng đoàn (the team's lead in the campaign file), thành viên and thư ký; every member is
    one of the team's in the campaign file; a team's next decision names the one it supersedes.

    Example: inspect-engine campaign decide-team hanoi-2026 --data-file examples/decisions/doan-1.json --actor lan
    """
    from inspect_engine.services import team_decisions as service

    data = read_json_object(data_file)
    with unit_of_work(ctx) as uow:
        d = service.record_decision(
            uow, key, data, actor=actor, clock=runtime(ctx).clock, source=str(data_file)
        )
    formed = (
        f"re-formed by decision {d.number}" if d.supersedes else f"formed by decision {d.number}"
    )
    replaces = f", superseding {d.supersedes}" if d.supersedes else ""
    say(
        f"{key}: {d.team} {formed} of {d.date:%d/%m/%Y}{replaces} "
        f"(trưởng đoàn {d.lead}, {len(d.members)} members)"
    )


@app.command("decisions")
def decisions(ctx: typer.Context, key: str = CAMPAIGN_KEY, as_json: bool = AS_JSON) -> None:
    """List the decisions forming the campaign's teams, superseded ones included, with their
    hash chain checked; exit 1 if it was altered.

    Example: inspect-engine campaign decisions hanoi-2026 --json
    """
    from inspect_engine.services import team_decisions as service

    with unit_of_work(ctx) as uow:
        recorded = service.list_decisions(uow, key)
        problems = service.verify_decisions(uow, key)
    if as_json:
        print_json([r.to_json() for r in recorded])
        return
    rows = [
        (
            r.row.seq,
            r.row.team,
            r.row.number,
            f"{r.row.date:%d/%m/%Y}",
            r.row.signer,
            "; ".join(f"{name} ({role})" for name, role in r.members),
            r.row.supersedes or "",
            f"{r.row.recorded_by}, {r.recorded_at:%d/%m/%Y %H:%M}",
            "current" if r.current else "superseded",
        )
        for r in recorded
    ]
    print_table(
        f"{len(recorded)} decisions of {key}",
        ["seq", "team", "number", "date", "signer", "members", "supersedes", "recorded", "status"],
        rows,
    )
    say("chain: valid" if not problems else "chain: BROKEN\n  " + "\n  ".join(problems))
    if problems:
        raise typer.Exit(1)
