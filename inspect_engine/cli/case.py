"""`inspect-engine case ...`: the inspections of a campaign and the triggers that move them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    CASE_ID,
    new_app,
    print_json,
    print_table,
    read_json_object,
    say,
    unit_of_work,
)
from inspect_engine.errors import DataError, InputError
from inspect_engine.settings import DISPLAY_TZ

app = new_app("Cases: one inspection of one unit in a campaign.")

DATA_FILE = typer.Option(None, "--data-file", help="JSON object with the data.")
AT = typer.Option(
    None, "--at", help="When it happened (ISO; Vietnam time, +07:00, if no offset). Default: now."
)
ACTOR = typer.Option(..., "--actor", help="Who acts (name or account).")
ROLE = typer.Option(
    ..., "--role", help="Role acted in: team_lead, inspector, unit, signer, auditor, system."
)


@app.command("list")
def list_(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    state: str = typer.Option(None, help="Only cases in this state."),
    as_json: bool = AS_JSON,
) -> None:
    """List the cases of a campaign.

    Example: inspect-engine case list hanoi-2026 --state planned
    """
    from inspect_engine.services import campaigns

    with unit_of_work(ctx) as uow:
        cases = campaigns.campaign_cases(uow, key, state)
    if as_json:
        print_json([{"id": c.id, "unit_code": c.unit_code, "state": c.state} for c in cases])
        return
    rows = [
        (c.id, c.unit_code, c.state, c.version, c.visit_date or "", c.plan_team or "")
        for c in cases
    ]
    print_table(
        f"{len(cases)} cases of {key}", ["id", "unit", "state", "version", "visit", "team"], rows
    )


@app.command("show")
def show(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="Show the case as it stood then (ISO; Vietnam time, +07:00, if no offset).",
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Show a case: state, version and its history, with the hash chain checked.

    Each step says in one line what it recorded (who was met, what was found, what is due);
    --json gives every event's full data and effects.

    With --as-of, the case as it stood at that moment: the replay of its events up to then.

    Example: inspect-engine case show 12 --as-of 2026-09-15T17:00 --json
    """
    from inspect_engine.domain.event_summary import summarize
    from inspect_engine.domain.events import as_utc
    from inspect_engine.services import audit

    with unit_of_work(ctx) as uow:
        view = audit.show_case(uow, case_id, as_of=_at(as_of, "--as-of"))
    if as_json:
        print_json(view.to_json())
        return
    say(
        f"case {view.id}: {view.unit_code} in {view.campaign_key}, state {view.state}, "
        f"version {view.version}, workflow {view.workflow} v{view.workflow_version}"
    )
    rows = [
        (
            e.seq,
            as_utc(e.at).astimezone(DISPLAY_TZ).strftime("%d/%m/%Y %H:%M"),
            e.trigger,
            f"{e.from_state or '-'} -> {e.to_state}",
            f"{e.actor} ({e.role})",
            summarize(e),
            e.hash[:12],
        )
        for e in view.events
    ]
    print_table("history", ["seq", "at", "trigger", "move", "by", "what", "hash"], rows)
    say("chain: valid" if not view.problems else "chain: BROKEN\n  " + "\n  ".join(view.problems))
    if view.problems:
        raise typer.Exit(1)


def _payload(data_file: Path | None) -> dict[str, Any]:
    return {} if data_file is None else read_json_object(data_file)


@contextmanager
def _naming(data_file: Path | None) -> Iterator[None]:
    """A refusal of the data names the file it came from."""
    try:
        yield
    except DataError as exc:
        if data_file is None or exc.source is not None:
            raise
        raise exc.located(str(data_file)) from None


def _at(text: str | None, option: str = "--at") -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not an ISO date-time", field=option) from None
    return moment.replace(tzinfo=DISPLAY_TZ) if moment.tzinfo is None else moment


@app.command("advance")
def advance(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    trigger: str = typer.Argument(..., metavar="TRIGGER", help="Trigger to fire, e.g. announce."),
    actor: str = ACTOR,
    role: str = ROLE,
    data_file: Path = DATA_FILE,
    at: str = AT,
    expect_version: int = typer.Option(
        None, "--expect-version", help="Refuse if the case is no longer at this version."
    ),
) -> None:
    """Fire a trigger on one case, in one transaction, recorded as an audited event.

    Example: inspect-engine case advance 12 announce --actor lan --role team_lead
    """
    from inspect_engine.services import cases as service

    request = service.Request(
        trigger, actor, role, _payload(data_file), _at(at), expected_version=expect_version
    )
    with _naming(data_file), unit_of_work(ctx) as uow:
        done = service.advance(uow, case_id, request)
    say(
        f"case {done.case_id} ({done.unit_code}): {done.from_state} -> {done.to_state} "
        f"by {trigger}, version {done.version}, event {done.seq} {done.hash[:12]}"
    )


@app.command("advance-all")
def advance_all(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    trigger: str = typer.Argument(..., metavar="TRIGGER", help="Trigger to fire, e.g. announce."),
    state: str = typer.Option(..., "--state", help="Fire on every case in this state."),
    actor: str = ACTOR,
    role: str = ROLE,
    data_file: Path = DATA_FILE,
    at: str = AT,
) -> None:
    """Fire a trigger on every case of a campaign in a state: all or nothing.

    The batch is one transaction; if any case refuses, nothing is written and the error names it.
    With --at every event is recorded at that moment (not before any case's last event).

    Example: inspect-engine case advance-all hanoi-2026 announce --state planned --actor lan --role team_lead
    """
    from rich.progress import Progress

    from inspect_engine.services import cases as service

    request = service.Request(trigger, actor, role, _payload(data_file), _at(at))
    with _naming(data_file), unit_of_work(ctx) as uow, Progress(transient=True) as progress:
        task = progress.add_task(f"{trigger}", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        results = service.advance_all(uow, key, state, request, progress=tick)
    moves = Counter(done.to_state for done in results)
    into = ", ".join(f"{to} ({n})" for to, n in sorted(moves.items()))
    say(f"{len(results)} cases of {key} by {trigger}: {state} -> {into or 'nothing'}")


@app.command("verify")
def verify(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_json: bool = AS_JSON,
) -> None:
    """Verify every case's hash chain, the campaign chain and the chain of the team decisions;
    exit 1 if anything was altered (the same as `audit verify KEY`).

    Example: inspect-engine case verify hanoi-2026
    """
    from inspect_engine.cli.audit import verify_one

    verify_one(ctx, key, as_json)
