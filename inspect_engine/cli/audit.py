"""`inspect-engine audit ...`: what an auditor runs to trust the history without trusting the
operators: verify everything stored (online, or from an export without the database), anchor
the heads outside the database, replay a case as of a moment, read its timeline, export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
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
    from inspect_engine.domain.verification import Problem
    from inspect_engine.services.audit import Verification
    from inspect_engine.services.audit_offline import ExportCheck

app = new_app(
    "Audit: verify everything stored against its events, anchor the history, replay a case as "
    "of a moment, its timeline, exports."
)

OPTIONAL_KEY = typer.Argument(None, metavar="KEY", help="Campaign key (default: every campaign).")


def verification_json(result: Verification) -> dict[str, Any]:
    """One campaign's verification as `case verify --json` has always printed it (problems as
    lines)."""
    return {
        "campaign": result.campaign_key,
        "cases": result.cases,
        "events": result.events,
        "head": result.head,
        "valid": not result.problems,
        "problems": [str(p) for p in result.problems],
    }


def _campaign_json(
    result: Verification, found: list[Problem], anchored: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One campaign's verification as `audit verify --json` prints it (docs/json.md)."""
    return {
        "campaign": result.campaign_key,
        "cases": result.cases,
        "events": result.events,
        "head": result.head,
        "chain_seq": result.chain_seq,
        "valid": not found,
        "problems": [
            {"case": p.case_id, "seq": p.seq, "problem": p.what, "line": p.line()} for p in found
        ],
        "notes": list(result.notes),
        "anchor": None
        if anchored is None
        else {"taken_at": anchored["taken_at"], "chain": anchored["chain"]},
    }


def _say_campaign(result: Verification, problems: list[str], extends: str = "") -> None:
    key = result.campaign_key
    if problems:
        say(f"{key}: {len(problems)} problems")
        for line in problems:
            say(f"  {line}")
        return
    say(
        f"{key}: {result.cases} cases, {result.events} events, everything stored matches "
        f"its events; head {result.chain_seq}:{result.head[:16]}{extends}"
    )
    for note in result.notes:
        say(f"  note: {note}")


def verify_one(ctx: typer.Context, key: str, as_json: bool) -> None:
    """`case verify KEY`: the checks of `audit verify KEY`, its JSON as it has always been."""
    from inspect_engine.services import audit

    with unit_of_work(ctx) as uow:
        result = audit.verify_campaign(uow, key)
    if as_json:
        print_json(verification_json(result))
    else:
        _say_campaign(result, list(result.problems))
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
    anchor: Path = typer.Option(
        None, "--anchor", help="An anchor file (`audit anchor`): the history must extend it."
    ),
    trust_key: str = typer.Option(
        None, "--trust-key", help="The public key (base64) the anchor must be signed with."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Verify a campaign (every campaign without KEY): both hash chains, each case replayed
    through its workflow, every row derived from the events (case state, unit, version,
    planned visit, deadlines, documents), the stored campaign file and workflow definitions
    against the fingerprints sealed in the chain, and the team decisions. Exit 1 if anything
    was altered.

    With --anchor, also prove the history still extends the anchored one: re-sealed,
    cut-off or inserted history fails. The anchor names its campaign.

    With --export FILE, no database is opened: the export is loaded into a fresh temporary
    database built by the engine's own migrations and the same verification runs there (with
    --anchor too); the export's recorded chain heads, row counts and SHA-256 must match what it
    holds, so a cut or edited export fails. KEY then picks one campaign of the export.

    Example: inspect-engine audit verify hanoi-2026 --anchor anchors/2026-10-01.json
    """
    from inspect_engine.services import anchors

    anchored = None
    if anchor is not None:
        anchored = anchors.read_anchor(anchor, trusted_key=trust_key)
        if key is not None and anchored["campaign"] != key:
            raise typer.BadParameter(
                f"the anchor is of campaign {anchored['campaign']!r}", param_hint="--anchor"
            )
        key = str(anchored["campaign"])
    if export is not None:
        _verify_export(export, key, anchored, as_json)
        return
    if key is None:
        _verify_all(ctx, as_json)
        return
    from inspect_engine.domain.verification import merged
    from inspect_engine.services import audit

    with unit_of_work(ctx) as uow:
        result = audit.verify_campaign(uow, key)
        found = list(result.found)
        if anchored is not None:
            found = merged([*found, *anchors.verify_against(uow, anchored)])
    _print_campaign(result, found, anchored, as_json)
    if found:
        raise typer.Exit(1)


def _print_campaign(
    result: Verification, found: list[Problem], anchored: dict[str, Any] | None, as_json: bool
) -> None:
    if as_json:
        print_json(_campaign_json(result, found, anchored))
    else:
        _say_campaign(result, [p.line() for p in found], _extends(anchored, not found))


def _extends(anchored: dict[str, Any] | None, valid: bool) -> str:
    if anchored is None or not valid:
        return ""
    from inspect_engine.services import anchors

    return (
        f"; extends the anchor of {anchored['taken_at']} (position {anchored['chain']['seq']}, "
        f"key {anchors.key_id(anchored['public_key'])})"
    )


def _verify_all(ctx: typer.Context, as_json: bool) -> None:
    from inspect_engine.services.audit_verify import verify_all

    with unit_of_work(ctx) as uow:
        results = verify_all(uow)
    valid = not any(r.problems for r in results)
    if as_json:
        print_json(
            {"valid": valid, "campaigns": [_campaign_json(r, list(r.found)) for r in results]}
        )
    elif not results:
        say("no campaigns to verify")
    else:
        for result in results:
            _say_campaign(result, list(result.problems))
    if not valid:
        raise typer.Exit(1)


def _verify_export(
    path: Path, key: str | None, anchored: dict[str, Any] | None, as_json: bool
) -> None:
    from inspect_engine.services.audit_offline import verify_export

    check = verify_export(path, anchor=anchored)
    if key is not None:
        check.campaigns = [c for c in check.campaigns if c.campaign_key == key]
        if not check.campaigns:
            raise InputError(f"the export holds no campaign {key!r}", field="KEY")
    if as_json:
        print_json(_export_json(check, anchored))
    else:
        _say_export(check, anchored)
    if not check.valid:
        raise typer.Exit(1)


def _anchored_for(key: str, anchored: dict[str, Any] | None) -> dict[str, Any] | None:
    return anchored if anchored is not None and anchored["campaign"] == key else None


def _export_json(check: ExportCheck, anchored: dict[str, Any] | None) -> dict[str, Any]:
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
        "campaigns": [
            _campaign_json(c, list(c.found), _anchored_for(c.campaign_key, anchored))
            for c in check.campaigns
        ],
    }


def _say_export(check: ExportCheck, anchored: dict[str, Any] | None) -> None:
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
        mine = _anchored_for(result.campaign_key, anchored)
        _say_campaign(result, list(result.problems), _extends(mine, not result.problems))


@app.command("anchor")
def anchor(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    out: Path = typer.Option(..., "--out", help="File to write the signed anchor to."),
    key_file: Path = typer.Option(
        None,
        "--key",
        help="Ed25519 private key (PEM); default: $INSPECT_ANCHOR_KEY, else your own, "
        "created on first use in your data folder.",
    ),
) -> None:
    """Write a signed checkpoint of the campaign's history: its chain head, each case's head
    and the team decisions' head, signed with an Ed25519 key kept off the database. Keep the
    file where the operators cannot change it (give it to the auditors).

    Example: inspect-engine audit anchor hanoi-2026 --out anchors/2026-10-01.json
    """
    from inspect_engine.services import anchors

    signing = anchors.load_key(key_file)
    if signing.created:
        say(f"created the anchor key {signing.path} (keep it off the database host's backups)")
    with unit_of_work(ctx) as uow:
        made = anchors.make_anchor(uow, key, signing, clock=runtime(ctx).clock)
    anchors.write_anchor(made, out)
    say(
        f"{out}: {key} at position {made['chain']['seq']} ({len(made['cases'])} cases), "
        f"signed by key {anchors.key_id(made['public_key'])}"
    )


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
