"""`inspect-engine deadlines ...`: the deadlines the cases' workflows started."""

from __future__ import annotations

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    new_app,
    print_json,
    print_table,
    runtime,
    unit_of_work,
)

app = new_app("Deadlines: submissions, visits, remediation reports, re-inspections.")


@app.command("list")
def list_(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    overdue: bool = typer.Option(False, "--overdue", help="Only pending ones past their due date."),
    case: int | None = typer.Option(None, "--case", help="Only this case's deadlines."),
    as_json: bool = AS_JSON,
) -> None:
    """List a campaign's deadlines by due date: kind, status and the events that started and
    ended each (their position in the case).

    Example: inspect-engine deadlines list hanoi-2026 --overdue
    """
    from inspect_engine.services import deadlines as service

    with unit_of_work(ctx) as uow:
        found = service.list_deadlines(
            uow, key, case_id=case, overdue=overdue, clock=runtime(ctx).clock
        )
    if as_json:
        print_json([service.deadline_json(d) for d in found])
        return
    rows = [
        (d.id, d.case_id, d.kind, d.due, d.status, d.created_seq, d.ended_seq or "") for d in found
    ]
    columns = ["id", "case", "kind", "due", "status", "started by", "ended by"]
    print_table(f"deadlines of {key}", columns, rows)
