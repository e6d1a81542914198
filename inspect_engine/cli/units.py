"""`inspect-engine units ...`: the registry of inspected units."""

from __future__ import annotations

from pathlib import Path

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    new_app,
    print_json,
    print_table,
    say,
    unit_of_work,
)

app = new_app("The registry of units (departments, communes, ...).")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="CSV with header code,name,kind,parent_code,sectors,area[,address][,agency_code]",
    ),
) -> None:
    """Import units from a CSV file, updating units with the same code.

    The whole file is checked first: one bad row writes nothing. Without an address or
    agency_code column the stored values stay as they are. An agency code is the unit's
    identifier on the document axis (mã định danh, e.g. 000.00.01.H26).

    Example: inspect-engine units import examples/hanoi-units.csv
    """
    from inspect_engine.services import units as service

    with unit_of_work(ctx) as uow:
        report = service.import_units(uow, file)
    say(
        f"{file}: {report.total} units ({report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged)"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: str = typer.Option(None, help="Only units of this kind."),
    as_json: bool = AS_JSON,
) -> None:
    """List units.

    Example: inspect-engine units list --kind department
    """
    from inspect_engine.services import units as service

    with unit_of_work(ctx) as uow:
        units = service.list_units(uow, kind=kind)
    if as_json:
        print_json(
            [
                {
                    "code": u.code,
                    "name": u.name,
                    "kind": u.kind,
                    "parent_code": u.parent_code,
                    "sectors": list(u.sectors),
                    "area": u.area,
                    "address": u.address or "",
                    "agency_code": u.agency_code or "",
                }
                for u in units
            ]
        )
        return
    rows = [
        (
            u.code,
            u.name,
            u.kind,
            u.parent_code,
            "; ".join(u.sectors),
            u.area,
            u.agency_code,
            u.address,
        )
        for u in units
    ]
    columns = ["code", "name", "kind", "parent", "sectors", "area", "agency code", "address"]
    print_table(f"{len(units)} units", columns, rows)


@app.command("kinds")
def kinds(ctx: typer.Context, as_json: bool = AS_JSON) -> None:
    """List the unit kinds a CSV may use.

    Example: inspect-engine units kinds
    """
    from inspect_engine.services import units as service

    with unit_of_work(ctx) as uow:
        rows = service.list_kinds(uow)
    if as_json:
        print_json([{"name": name, "label": label} for name, label in rows])
    else:
        print_table("unit kinds", ["name", "label"], rows)


@app.command("add-kind")
def add_kind(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="New kind, e.g. agency"),
    label: str = typer.Option("", help="Vietnamese label, e.g. 'Cơ quan ngành dọc'."),
) -> None:
    """Register a new unit kind.

    Example: inspect-engine units add-kind agency --label "Cơ quan ngành dọc"
    """
    from inspect_engine.services import units as service

    with unit_of_work(ctx) as uow:
        added = service.add_kind(uow, name, label)
    say(f"kind {name!r} {'added' if added else 'already exists'}")
