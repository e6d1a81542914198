"""`inspect-engine workflow ...`: check, draw and migrate workflow definitions."""

from __future__ import annotations

from pathlib import Path

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    new_app,
    print_json,
    print_table,
    runtime,
    say,
    unit_of_work,
)
from inspect_engine.errors import InputError

app = new_app("Workflow definitions (state machines as data).")


@app.command("validate")
def validate(
    file: Path = typer.Argument(..., metavar="FILE", help="Workflow definition (YAML)."),
) -> None:
    """Check a workflow definition file; one clear error per mistake.

    Example: inspect-engine workflow validate workflows/cchc-inspection/v1.yaml
    """
    from inspect_engine.storage.workflow_files import load_definition

    defn = load_definition(file)
    say(
        f"{file}: {defn.name} v{defn.version} is valid: {len(defn.states)} states, "
        f"{len(defn.transitions)} transitions"
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = AS_JSON) -> None:
    """List the workflow definitions found in the workflow folders.

    Example: inspect-engine workflow list
    """
    from inspect_engine.storage.workflow_files import list_definitions

    found = list_definitions(runtime(ctx).settings.workflows_dirs)
    if as_json:
        print_json(
            [
                {"name": d.name, "version": d.version, "title": d.title, "file": d.source_path}
                for d in found
            ]
        )
        return
    rows = [(d.name, d.version, d.title, d.source_path) for d in found]
    print_table("workflows", ["name", "version", "title", "file"], rows)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Workflow name, or a definition file."),
    version: int = typer.Option(None, help="Version (default: the newest)."),
    mermaid: bool = typer.Option(False, "--mermaid", help="Print a Mermaid state diagram."),
) -> None:
    """Show a workflow's states and transitions, or draw it as a Mermaid diagram.

    Example: inspect-engine workflow show cchc-inspection --mermaid
    """
    from inspect_engine.storage.workflow_files import find_definition, load_definition

    path = Path(name)
    if path.suffix in {".yaml", ".yml"}:
        defn = load_definition(path)
    else:
        defn = find_definition(name, version, runtime(ctx).settings.workflows_dirs)
    if mermaid:
        say(defn.to_mermaid())
        return
    say(f"{defn.name} v{defn.version}: {defn.title}")
    rows = [
        (
            t.trigger,
            ", ".join(t.sources),
            t.dest,
            ", ".join(sorted(t.roles)),
            ", ".join(t.guards),
            ", ".join(t.requires),
        )
        for t in defn.transitions
    ]
    print_table("transitions", ["trigger", "from", "to", "roles", "guards", "requires"], rows)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"{pair!r} is not OLD=NEW", field="--map")
        mapping[old.strip()] = new.strip()
    return mapping


@app.command("migrate")
def migrate(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Workflow name."),
    from_version: int = typer.Option(..., "--from", help="Version the cases run on now."),
    to_version: int = typer.Option(..., "--to", help="Version to move them to."),
    map_: list[str] = typer.Option([], "--map", help="State mapping OLD=NEW (repeatable)."),
    campaign: str = typer.Option(None, "--campaign", help="Only cases of this campaign."),
    actor: str = typer.Option(..., "--actor", help="Who migrates."),
    role: str = typer.Option("team_lead", "--role", help="team_lead or system."),
) -> None:
    """Move in-flight cases to another workflow version; each gets a `migrate` event.

    Example: inspect-engine workflow migrate cchc-inspection --from 1 --to 2 --map findings=review --actor lan
    """
    from inspect_engine.services import migration

    with unit_of_work(ctx) as uow:
        moved = migration.migrate(
            uow,
            name,
            from_version,
            to_version,
            _mapping(map_),
            actor=actor,
            role=role,
            workflows_dirs=runtime(ctx).settings.workflows_dirs,
            campaign_key=campaign,
        )
    say(f"{len(moved)} cases moved from {name} v{from_version} to v{to_version}")
