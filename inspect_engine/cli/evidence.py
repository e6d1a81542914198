"""`inspect-engine evidence ...`: the appendix forms a unit fills in, and their import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CASE_ID,
    new_app,
    print_json,
    runtime,
    say,
    unit_of_work,
)
from inspect_engine.errors import InputError

if TYPE_CHECKING:
    from inspect_engine.services.evidence import EvidenceImport

app = new_app("Evidence: the appendix forms (Phụ lục) a unit fills in, and their import.")

TEMPLATES = typer.Option(
    None,
    "--templates",
    help="Template folder holding forms.toml (default: the campaign's, else the shipped one).",
)


@app.command("forms")
def forms(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    out: Path = typer.Option(..., "--out", help="XLSX workbook to write."),
    templates: Path = TEMPLATES,
) -> None:
    """Write the blank forms of the appendices the case's unit must send: one XLSX workbook,
    one sheet per appendix, the rows the campaign decides already filled in and locked.

    Example: inspect-engine evidence forms 136 --out stp-phu-luc.xlsx
    """
    from inspect_engine.cli.common import write_file
    from inspect_engine.documents.xlsx_forms import write_form
    from inspect_engine.services import evidence

    with unit_of_work(ctx) as uow:
        made = evidence.case_forms(uow, case_id, templates)
    write_file(out, write_form(made.sheets))
    codes = ", ".join(s.code for s in made.sheets)
    say(f"case {case_id} ({made.unit_code}, {made.unit_name}): wrote {out} with {codes}")


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    from inspect_engine.domain.calendar import parse_vn_date

    try:
        return parse_vn_date(text)
    except ValueError as exc:
        raise InputError(str(exc), field="--received-on") from None


@app.command("import")
def import_(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    file: Path = typer.Argument(..., metavar="FILE", help="The filled XLSX workbook."),
    received_on: str = typer.Option(
        None,
        "--received-on",
        help="Day the forms arrived (2026-08-05 or 5/8/2026). Default: today.",
    ),
    actor: str = typer.Option(
        None, "--actor", help="Who records it (default: the unit's code, with --role unit)."
    ),
    role: str = typer.Option("unit", "--role", help="Role acted in: unit or team_lead."),
    templates: Path = TEMPLATES,
    as_json: bool = AS_JSON,
) -> None:
    """Check a filled forms workbook and record it as what the unit sent: one receive_submission
    event with the appendices filled, the file's name and the figures. Any problem in the file:
    one line naming the sheet, row and column, exit 2, nothing recorded.

    Example: inspect-engine evidence import 136 stp-phu-luc.xlsx --received-on 2026-08-05
    """
    from inspect_engine.services import evidence

    day = _day(received_on)
    with unit_of_work(ctx) as uow:
        done = evidence.import_evidence(
            uow,
            case_id,
            file,
            actor=actor,
            role=role,
            received_on=day,
            templates_dir=templates,
        )
    if as_json:
        print_json(done.to_json())
        return
    _said(done)


def _said(done: EvidenceImport) -> None:
    """The transition, what was received and what is still missing."""
    moved = done.advanced
    say(
        f"case {moved.case_id} ({moved.unit_code}): {moved.from_state} -> {moved.to_state} "
        f"by {moved.trigger}, version {moved.version}, event {moved.seq} {moved.hash[:12]}"
    )
    rows = ", ".join(f"{code} ({n} {'row' if n == 1 else 'rows'})" for code, n in done.rows)
    assessed = done.assessed
    late = assessed.get("late_working_days", 0)
    days = "working day" if late == 1 else "working days"
    timing = "on time" if assessed.get("on_time", True) else f"{late} {days} late"
    say(f"  received {done.received_on:%d/%m/%Y} in {done.document}: {rows}; {timing}")
    missing = assessed.get("missing_appendices") or []
    say(f"  still missing: {', '.join(missing)}" if missing else "  every required appendix is in")


@app.command("import-package")
def import_package(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="The unit's reply package (.edxml)."),
    campaign: str = typer.Option(
        None, "--campaign", help="The campaign, when the package answers no document of ours."
    ),
    received_on: str = typer.Option(
        None,
        "--received-on",
        help="Day the package arrived (2026-08-05 or 5/8/2026). Default: today.",
    ),
    templates: Path = TEMPLATES,
    as_json: bool = AS_JSON,
) -> None:
    """Record a unit's reply from the document axis (an edXML package, QCVN 102) as what it
    sent: its forms (.xlsx attachments), checked as `evidence import` checks them, become one
    receive_submission by the unit, each attachment listed with its SHA-256.

    The unit is the one whose agency code is the package's From/OrganId; the case is the one of
    the document it answers (ResponseFor), else the unit's case in --campaign. A bad package,
    an unknown sender, no workbook or a bad form: one line, exit 2, nothing recorded.

    Example: inspect-engine evidence import-package inbox/stp-tra-loi.edxml --received-on 2026-08-07
    """
    from inspect_engine.services.evidence_package import import_package as service

    day = _day(received_on)
    rt = runtime(ctx)
    with rt.unit_of_work() as uow:
        done = service(
            uow, file, campaign=campaign, received_on=day, templates_dir=templates, clock=rt.clock
        )
    if as_json:
        print_json(done.to_json())
        return
    moved = done.delivery.advanced
    answers = f" answering {done.answers}" if done.answers else ""
    say(f"case {moved.case_id} ({moved.unit_code}, {done.unit_name}): package {file.name}{answers}")
    for item in done.attachments:
        say(f"  {item['name']}: {item['size']:,} bytes, sha256 {item['sha256'][:16]}")
    _said(done.delivery)
