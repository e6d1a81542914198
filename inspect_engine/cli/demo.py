"""`inspect-engine demo`: the whole journey on a fresh SQLite database."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import typer

from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli.common import say, write_file
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ, data_dir


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo files."),
) -> None:
    """Run the whole demo on a fresh SQLite database in --dir (ignores --db).

    Imports Hanoi's units, creates the 2026 campaign, plans its visits as of the plan's date
    (calendar files plan.ics and plan.html), records the decisions forming the teams, walks one
    case the announced way (notice, submissions, minutes, findings, approved conclusion,
    remediation, re-inspection) and one the unannounced way to closed, and verifies the audit
    chains. The demo keeps its own clock, from the plan's date on.

    Example: inspect-engine demo --dir ./demo
    """
    from inspect_engine.cli.demo_story import Story, start_of
    from inspect_engine.services import audit, campaigns, units
    from inspect_engine.services.planning import exports
    from inspect_engine.services.planning.calendar_page import calendar_page
    from inspect_engine.services.planning.make import make_plan
    from inspect_engine.services.planning.views import check_plan, planned_visits

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder: {exc.strerror}", source=str(directory)) from None
    db_file = directory / "inspect.db"
    for stale in (db_file, db_file.with_suffix(".db-wal"), db_file.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    examples = data_dir("examples")
    spec = campaigns.read_campaign_file(examples / "hanoi-2026.toml")[0]
    clock = start_of(spec.plan.date)
    with bootstrap(f"sqlite:///{db_file}", clock=clock).unit_of_work(schema="upgrade") as uow:
        say(f"database: {db_file}")
        report = units.import_units(uow, examples / "hanoi-units.csv", clock=clock)
        say(f"units: {report.created} imported from hanoi-units.csv")
        summary = campaigns.create_campaign(
            uow, examples / "hanoi-2026.toml", workflows_dirs=[data_dir("workflows")], clock=clock
        )
        kind_of = {u.code: u.kind for u in units.list_units(uow)}
        kinds = Counter(kind_of.values())
        say(f"campaign {summary.key}: {summary.title}")
        say(
            f"  {kinds['department']} departments, {kinds['commune']} communes/wards, "
            f"{summary.cases} open cases"
        )
        plan = make_plan(uow, summary.key, as_of=spec.plan.date, clock=clock)
        say(
            f"plan as of {spec.plan.date:%d/%m/%Y} ({spec.plan.number}): {len(plan.visits)} "
            f"visits {plan.visits[0].date:%d/%m} .. {plan.visits[-1].date:%d/%m}, objective "
            f"{plan.objective:,}, gap {plan.gap:.1%}; checker: "
            f"{'valid' if not check_plan(uow, summary.key) else 'BROKEN'}"
        )
        visits = planned_visits(uow, summary.key)
        write_file(directory / "plan.ics", exports.to_ics(summary.key, spec.title, visits, clock()))
        write_file(directory / "plan.html", calendar_page(uow, summary.key))
        say(f"  calendars: {directory / 'plan.ics'}, {directory / 'plan.html'}")
        story = Story(uow, spec, spec.working_calendar(), clock, say)
        story.form_teams()
        first = visits[0]
        other = next(v for v in reversed(visits) if v.team != first.team)
        story.announce([v for v in visits if v is not other])
        say(f"announced {len(visits) - 1} visits (one case is kept for an unannounced inspection)")
        _issue(uow, summary.key, clock)
        asked = campaigns.unit_appendices(uow, spec.key, first.unit_code)[0].appendices
        required = [a.code for a in asked.required]
        story.announced(first, kind_of[first.unit_code], required)
        _walked(
            audit.show_case(uow, first.case_id), first.unit_name, f"asked for {', '.join(required)}"
        )
        after = story.free_day(other.team, story.calendar.add_working_days(clock.now.date(), 1))
        story.unannounced(other, kind_of[other.unit_code], after)
        _walked(audit.show_case(uow, other.case_id), other.unit_name, "unannounced")
        _documents(uow, summary.key, directory, clock)
        verified = audit.verify_campaign(uow, summary.key)
        say(
            f"audit: {verified.events} events in {verified.cases} cases, chains "
            f"{'valid' if not verified.problems else 'BROKEN'}; head {verified.head[:16]}"
        )
        _results(uow, summary.key, directory, clock)
    say(f"explore: {_command()} --db sqlite:///{db_file} plan show {summary.key}")


def _results(uow: Any, key: str, directory: Path, clock: Any) -> None:
    """The campaign's report as of the demo's last day (DOCX, PDF) and its board."""
    from inspect_engine.services.reporting import board, report

    made = report.make_report(uow, key, clock=clock, actor="van-thu")
    files = report.write_files(made, directory / "report", ("docx", "pdf"))
    figures = made.figures
    say(
        f"report {made.record.number} as of {made.cut.as_of:%d/%m/%Y}: "
        f"{len(figures.inspected)}/{len(figures.cases)} units inspected; "
        f"{', '.join(str(f) for f in files)}"
    )
    page, shown = board.board_page(uow, key, clock=clock)
    write_file(directory / "board.html", page)
    say(f"board: {directory / 'board.html'} ({shown['cases']} cases, {shown['overdue']} overdue)")


def _issue(uow: Any, key: str, clock: Any) -> None:
    """What the records office (văn thư) does after each step: issue what the log asks for."""
    from inspect_engine.services.notices import issuing

    issued = issuing.issue_due(uow, key, clock=clock, actor="van-thu")
    kinds = Counter(i.kind for i in issued)
    say(f"documents issued: {len(issued)} ({', '.join(f'{n} {k}' for k, n in kinds.items())})")


def _documents(uow: Any, key: str, directory: Path, clock: Any) -> None:
    """Issue what the log asks for (decisions, notices, minutes, conclusions) and write them,
    one folder per unit, as `notices package` does."""
    from inspect_engine.services.notices import package, records, rendering

    _issue(uow, key, clock)
    out = directory / "notices"
    if out.exists():
        shutil.rmtree(out)
    package.ensure_folder(out)
    found = records.list_documents(uow, key)
    units = records.case_units(uow, key)
    jobs = package.jobs_for(found, units, out, ("docx", "pdf"))
    rendering.render_all(jobs)
    forms = package.write_forms(uow, key, out, units)
    package.write_index(out, found, units, ("docx", "pdf"))
    say(f"  {len(jobs)} DOCX and PDF files and {forms} appendix workbooks under {out}")


def _command() -> str:
    """How to call the CLI from here: `inspect-engine` if it is on PATH, else its full path
    (after `make demo` it is in .venv/bin, which is not on PATH until activated)."""
    if shutil.which("inspect-engine"):
        return "inspect-engine"
    script = Path(sys.executable).parent / "inspect-engine"
    if not script.exists():
        return "inspect-engine"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _walked(view: Any, name: str, how: str) -> None:
    from inspect_engine.domain.events import as_utc

    say(f"case {view.id} ({name}, {how}), one event per step:")
    for event in view.events:
        at = as_utc(event.at).astimezone(DISPLAY_TZ)
        say(f"  {at:%d/%m} {_step(event.trigger, event.to_state, event.payload)}")


def _step(trigger: str, state: str, payload: Mapping[str, Any]) -> str:
    """A step of the walk, with what it recorded; a step that leaves the state as it is (the
    planner's `reschedule`, a partial delivery) says what it did."""
    assessed = payload.get("assessed", {})
    if trigger == "open":
        return f"open -> {state}"
    if trigger == "reschedule":
        day = date.fromisoformat(str(payload["visit_date"]))
        team = f", {payload['team']}" if "team" in payload else ""
        return f"reschedule -> {state} (visit {day:%d/%m/%Y}{team}: {payload['reason']})"
    if trigger == "receive_submission":
        codes = ", ".join(payload["submission"]["appendices"])
        late = assessed["late_working_days"]
        when = "on time" if not late else f"{late} working day{'s' * (late > 1)} late"
        return f"receive_submission -> {state} ({codes}, {when})"
    if trigger == "issue_document":
        document = payload["document"]
        return f"{trigger} ({document['kind']} {document['number'] or 'unnumbered'})"
    if "minutes" in payload:
        return f"{trigger} -> {state} (biên bản {payload['minutes']['number']})"
    if trigger == "approve_conclusion" and "remediation_due" in assessed:
        due = date.fromisoformat(assessed["remediation_due"])
        return f"{trigger} -> {state} (remediation due {due:%d/%m/%Y})"
    return f"{trigger} -> {state}"
