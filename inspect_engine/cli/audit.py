"""`inspect-engine audit ...`: what an auditor runs to trust the history without trusting the
operators: verify everything stored, anchor the heads outside the database."""

from __future__ import annotations

from pathlib import Path

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    new_app,
    print_json,
    runtime,
    say,
    unit_of_work,
)

app = new_app(help="Audit: verify everything stored against its events, anchor the history.")


@app.command("verify")
def verify(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    anchor: Path = typer.Option(
        None, "--anchor", help="An anchor file (`audit anchor`): the history must extend it."
    ),
    trust_key: str = typer.Option(
        None, "--trust-key", help="The public key (base64) the anchor must be signed with."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Verify a campaign: both hash chains, each case replayed through its workflow, every
    row derived from the events (case state, unit, version, planned visit, deadlines,
    documents), the stored campaign file and workflow definitions against the fingerprints
    sealed in the chain, and the team decisions. Exit 1 if anything was altered.

    With --anchor, also prove the history still extends the anchored one: re-sealed,
    cut-off or inserted history fails.

    Example: inspect-engine audit verify hanoi-2026 --anchor anchors/2026-10-01.json
    """
    from inspect_engine.domain.verification import merged
    from inspect_engine.services import anchors, audit

    anchored = None
    if anchor is not None:
        anchored = anchors.read_anchor(anchor, trusted_key=trust_key)
        if anchored["campaign"] != key:
            raise typer.BadParameter(
                f"the anchor is of campaign {anchored['campaign']!r}", param_hint="--anchor"
            )
    with unit_of_work(ctx) as uow:
        result = audit.verify_campaign(uow, key)
        found = list(result.found)
        if anchored is not None:
            found = merged([*found, *anchors.verify_against(uow, anchored)])
    problems = [p.line() for p in found]
    extends = (
        f"; extends the anchor of {anchored['taken_at']} (position {anchored['chain']['seq']}, "
        f"key {anchors.key_id(anchored['public_key'])})"
        if anchored is not None and not problems
        else ""
    )
    if as_json:
        print_json(
            {
                "campaign": result.campaign_key,
                "cases": result.cases,
                "events": result.events,
                "head": result.head,
                "chain_seq": result.chain_seq,
                "valid": not problems,
                "problems": [
                    {"case": p.case_id, "seq": p.seq, "problem": p.what, "line": p.line()}
                    for p in found
                ],
                "notes": list(result.notes),
                "anchor": None
                if anchored is None
                else {"taken_at": anchored["taken_at"], "chain": anchored["chain"]},
            }
        )
    elif problems:
        say(f"{key}: {len(problems)} problems")
        for line in problems:
            say(f"  {line}")
    else:
        say(
            f"{key}: {result.cases} cases, {result.events} events, everything stored matches "
            f"its events; head {result.chain_seq}:{result.head[:16]}{extends}"
        )
        for note in result.notes:
            say(f"  note: {note}")
    if problems:
        raise typer.Exit(1)


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
