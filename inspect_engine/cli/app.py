"""The root command and its sub-apps."""

from __future__ import annotations

import typer

from inspect_engine import __version__
from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli import (
    audit,
    board,
    calendar,
    campaign,
    case,
    database,
    deadlines,
    demo,
    evidence,
    notices,
    plan,
    portal,
    report,
    serve,
    simulate,
    units,
    worker,
    workflow,
)
from inspect_engine.cli.common import ErrorHandlingGroup, new_app

app = new_app(
    "Run inspection campaigns from plan to closed case.\n\n"
    "Example: inspect-engine --db sqlite:///inspect.db units list",
    cls=ErrorHandlingGroup,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"inspect-engine {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="INSPECT_DB_URL",
        help="Database URL (default: sqlite:///inspect.db in the working directory).",
        show_envvar=True,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Run inspection campaigns from plan to closed case."""
    ctx.obj = bootstrap(db or None)


app.command("init")(database.init)
app.command("demo")(demo.demo)
app.add_typer(units.app, name="units")
app.add_typer(campaign.app, name="campaign")
app.add_typer(case.app, name="case")
app.add_typer(evidence.app, name="evidence")
app.add_typer(workflow.app, name="workflow")
app.add_typer(plan.app, name="plan")
app.add_typer(notices.app, name="notices")
app.add_typer(deadlines.app, name="deadlines")
app.add_typer(audit.app, name="audit")
app.command("calendar")(calendar.show)
app.command("worker")(worker.run)
app.command("report")(report.report)
app.command("board")(board.board)
app.command("simulate")(simulate.run)
app.add_typer(portal.app, name="portal")
app.command("serve")(serve.serve)


def main() -> None:
    app()
