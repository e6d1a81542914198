"""`inspect-engine audit ...`: what an auditor does: verify the history (online, or from an
export without the database), replay a case as of a moment, read its timeline, export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CASE_ID,
    new_app,
    print_json,
    print_table,
    runtime,
    say,
    unit_of_work,
    write_file,
)
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ

if TYPE_CHECKING:
    from inspect_engine.services.audit import Verification
    from inspect_engine.services.audit_offline import ExportCheck

app = new_app("Audit: verify the history, replay a case as of a moment, its timeline, exports.")

OPTIONAL_KEY = typer.Argument(None, metavar="KEY", help="Campaign key (default: every campaign).")


def verification_json(result: Verification) -> dict[str, Any]:
    """One campaign's verification, as `case verify --json` has always printed it."""
    return {
        "campaign": result.campaign_key,
        "cases": result.cases,
        "events": result.events,
        "head": result.head,
        "valid": not result.problems,
        "problems": [str(p) for p in result.problems],
    }


def say_verification(result: Verification) -> None:
    key = result.campaign_key
    if result.problems:
        say(f"{key}: {len(result.problems)} problems")
        for problem in result.problems:
            say(f"  {problem}")
    else:
        say(
            f"{key}: {result.cases} cases, {result.events} events, chains valid; head {result.head}"
        )


def verify_one(ctx: typer.Context, key: str, as_json: bool) -> None:
    """`audit verify KEY`, and `case verify KEY` (its alias)."""
    from inspect_engine.services import audit

    with unit_of_work(ctx) as uow:
        result = audit.verify_campaign(uow, key)
    if as_json:
        print_json(verification_json(result))
    else:
        say_verification(result)
    if result.problems:
        raise typer.Exit(1)


@app.command("verify")
def verify(
    ctx: typer.Context,
    key: str | None = OPTIONAL_KEY,
    export: Path = typer.Option(
        None,
        "--export",
        metavar="FILE",
        help="Verify this export (of `audit export`) instead of the database: offline.",
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Verify the hash chains of a campaign (every campaign without KEY): every case's chain,
    the campaign chain, each case's state against its replay and the chain of the team
    decisions; exit 1 if anything was altered.

    With --export FILE, no database is opened: the export is loaded into a fresh temporary
    database built by the engine's own migrations, the same verification runs there, and the
    export's recorded chain heads, row counts and SHA-256 must match what it holds (a cut or
    edited export fails). KEY then picks one campaign of the export.

    Example: inspect-engine audit verify hanoi-2026
    """
    if export is not None:
        _verify_export(export, key, as_json)
        return
    if key is not None:
        verify_one(ctx, key, as_json)
        return
    from inspect_engine.services.audit_verify import verify_all

    with unit_of_work(ctx) as uow:
        results = verify_all(uow)
    valid = not any(r.problems for r in results)
    if as_json:
        print_json({"valid": valid, "campaigns": [verification_json(r) for r in results]})
    elif not results:
        say("no campaigns to verify")
    else:
        for result in results:
            say_verification(result)
    if not valid:
        raise typer.Exit(1)


def _verify_export(path: Path, key: str | None, as_json: bool) -> None:
    from inspect_engine.services.audit_offline import verify_export

    check = verify_export(path)
    if key is not None:
        check.campaigns = [c for c in check.campaigns if c.campaign_key == key]
        if not check.campaigns:
            raise InputError(f"the export holds no campaign {key!r}", field="KEY")
    if as_json:
        print_json(_export_json(check))
    else:
        _say_export(check)
    if not check.valid:
        raise typer.Exit(1)


def _export_json(check: ExportCheck) -> dict[str, Any]:
    return {
        "export": {
            "file": str(check.path),
            "engine_version": check.header.engine_version,
            "schema_revision": check.header.schema_revision,
            "exported_at": check.header.exported_at,
            "valid": not check.problems,
            "problems": check.problems,
        },
        "valid": check.valid,
        "campaigns": [verification_json(c) for c in check.campaigns],
    }


def _say_export(check: ExportCheck) -> None:
    header = check.header
    say(
        f"export {check.path}: written {header.exported_at} by inspect-engine "
        f"{header.engine_version} (schema {header.schema_revision}), "
        f"{len(header.campaigns)} campaigns"
    )
    if check.problems:
        say(f"export: {len(check.problems)} problems")
        for problem in check.problems:
            say(f"  {problem}")
    for result in check.campaigns:
        say_verification(result)


@app.command("export")
def export(
    ctx: typer.Context,
    key: str | None = OPTIONAL_KEY,
    out: Path = typer.Option(
        ..., "--out", metavar="FILE", help="The JSONL file to write (.gz: compressed)."
    ),
) -> None:
    """Export what verification needs as JSON lines: the chain heads, then every stored row of
    the campaign (every campaign without KEY), table by table, then a closing line with the
    counts and a SHA-256. Read in one snapshot while others work on; the same database gives
    the same bytes. Format: docs/audit-export.md.

    Example: inspect-engine audit export hanoi-2026 --out hanoi-2026.audit.jsonl
    """
    from inspect_engine.services.audit_export import export as write_export

    with unit_of_work(ctx) as uow:
        done = write_export(uow, out, campaign_key=key, clock=runtime(ctx).clock)
    rows = sum(done.rows.values())
    heads = ", ".join(f"{h.key} at {h.chain_seq} {h.chain_hash[:16]}" for h in done.campaigns)
    say(f"{out}: {rows:,} rows of {len(done.campaigns)} campaigns ({heads or 'none'})")


def _moment(text: str) -> datetime:
    from inspect_engine.domain.moments import parse_moment

    try:
        return parse_moment(text, DISPLAY_TZ)
    except ValueError as exc:
        raise InputError(str(exc), field="--at") from None


@app.command("replay")
def replay(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    at: str = typer.Option(
        ...,
        "--at",
        metavar="TIME",
        help="The moment: 2026-10-15 (the end of that day), 2026-10-15T14:00, 15/10/2026 or "
        "15/10/2026 14:00; Vietnam time unless an offset (+07:00) is given.",
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Show a case as it stood at a moment, from its sealed events alone: its state in the
    workflow version then in force, its planned visit, the deadlines as they stood, the
    documents issued by then with their numbers and dates (and those asked for, not yet
    issued), what the unit had sent, the visits, the findings, conclusions and remediation.

    Example: inspect-engine audit replay 13 --at "15/10/2026 14:00"
    """
    from inspect_engine.services.audit_replay import case_as_of_json, replay_case

    with unit_of_work(ctx) as uow:
        case = replay_case(uow, case_id, _moment(at))
    if as_json:
        print_json(case_as_of_json(case))
        return
    from inspect_engine.cli.audit_text import say_case_as_of

    say_case_as_of(case)


@app.command("timeline")
def timeline(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    html: Path = typer.Option(
        None, "--html", metavar="FILE", help="Write the timeline as one HTML page (Vietnamese)."
    ),
    package: Path = typer.Option(
        None,
        "--package",
        metavar="DIR",
        help="Where `notices package` wrote (or will write) the documents, for the page's "
        "links (default: the page's folder).",
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Show who did what in a case, in which role, when and why, with the documents each step
    issued (number, kind, file as `notices package` names it). With --html, one self-contained
    page with Vietnamese labels, linking to the files and carrying each document's number,
    date, summary, sealed hash and text, so it reads without them.

    Example: inspect-engine audit timeline 13 --html ho-so-13.html --package ./delivery
    """
    from inspect_engine.services.timeline import case_timeline, timeline_json, timeline_page

    page_dir = html.parent if html is not None else None
    with unit_of_work(ctx) as uow:
        found = case_timeline(
            uow, case_id, package_dir=package, page_dir=page_dir, clock=runtime(ctx).clock
        )
    if html is not None:
        write_file(html, timeline_page(found))
        say(
            f"{html}: case {found.case_id}, {len(found.entries)} steps, "
            f"{len(found.documents)} documents"
            + ("" if not found.problems else f"; chain BROKEN ({len(found.problems)} problems)")
        )
    elif as_json:
        print_json(timeline_json(found))
    else:
        _say_timeline(found)
    if found.problems:
        raise typer.Exit(1)


def _say_timeline(found: Any) -> None:
    say(
        f"case {found.case_id}: {found.unit_code} {found.unit_name} in {found.campaign_key}, "
        f"state {found.state}, workflow {found.workflow} v{found.workflow_version}"
    )
    rows = [
        (
            e.seq,
            f"{e.at:%d/%m/%Y %H:%M}",
            e.actor,
            e.role,
            e.trigger,
            e.summary,
            "; ".join(e.reasons),
            " ".join(
                f"{d.number or '(no number)'} [{d.files[0] if d.files else d.kind}]"
                for d in e.documents
            ),
        )
        for e in found.entries
    ]
    print_table("timeline", ["seq", "at", "who", "role", "step", "what", "why", "documents"], rows)
    if found.problems:
        say("chain: BROKEN\n  " + "\n  ".join(found.problems))
    else:
        say("chain: valid")
