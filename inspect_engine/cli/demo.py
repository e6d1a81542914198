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
from inspect_engine.cli.common import runtime, say, write_file
from inspect_engine.errors import InputError
from inspect_engine.settings import data_dir

SERIOUS = {"findings": [{"area": 2, "severity": "serious", "text": "Chưa niêm yết đủ TTHC"}]}
MINOR = {"findings": [{"area": 6, "severity": "minor", "text": "Cổng dịch vụ công chưa cập nhật"}]}
REPORT = {"summary": "Đã niêm yết đủ thủ tục hành chính", "documents": ["Báo cáo khắc phục"]}
LIFECYCLE = (
    ("announce", "team_lead", None),
    ("request_evidence", "team_lead", None),
    ("record_visit", "inspector", None),
    ("record_findings", "team_lead", SERIOUS),
    ("request_remediation", "team_lead", None),
    ("report_remediation", "unit", REPORT),
    ("reinspect_fail", "inspector", MINOR),
    ("report_remediation", "unit", REPORT),
    ("reinspect_pass", "inspector", None),
)


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo files."),
) -> None:
    """Run the whole demo on a fresh SQLite database in --dir (ignores --db).

    Imports Hanoi's units, creates the 2026 campaign, plans its visits as of the plan's date
    (calendar files plan.ics and plan.html), walks one case through its whole lifecycle with a
    re-inspection, and verifies the audit chains.

    Example: inspect-engine demo --dir ./demo
    """
    from inspect_engine.services import audit, campaigns, cases, units
    from inspect_engine.services.planning import exports
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
    clock = runtime(ctx).clock
    with bootstrap(f"sqlite:///{db_file}", clock=clock).unit_of_work(schema="upgrade") as uow:
        say(f"database: {db_file}")
        report = units.import_units(uow, examples / "hanoi-units.csv", clock=clock)
        say(f"units: {report.created} imported from hanoi-units.csv")
        summary = campaigns.create_campaign(
            uow, examples / "hanoi-2026.toml", workflows_dirs=[data_dir("workflows")], clock=clock
        )
        kinds = Counter(u.kind for u in units.list_units(uow))
        say(f"campaign {summary.key}: {summary.title}")
        say(
            f"  {kinds['department']} departments, {kinds['commune']} communes/wards, "
            f"{summary.cases} open cases"
        )
        _, spec = campaigns.get_campaign(uow, summary.key)
        plan = make_plan(uow, summary.key, as_of=spec.plan.date, clock=clock)
        say(
            f"plan as of {spec.plan.date:%d/%m/%Y} ({spec.plan.number}): {len(plan.visits)} "
            f"visits {plan.visits[0].date:%d/%m} .. {plan.visits[-1].date:%d/%m}, objective "
            f"{plan.objective:,}, gap {plan.gap:.1%}; checker: "
            f"{'valid' if not check_plan(uow, summary.key) else 'BROKEN'}"
        )
        visits = planned_visits(uow, summary.key)
        write_file(directory / "plan.ics", exports.to_ics(summary.key, spec.title, visits, clock()))
        teams = [t.name for t in spec.teams]
        write_file(directory / "plan.html", exports.to_html(summary.key, spec.title, teams, visits))
        say(f"  calendars: {directory / 'plan.ics'}, {directory / 'plan.html'}")
        first = visits[0]
        for trigger, role, payload in LIFECYCLE:
            request = cases.Request(trigger, "demo", role, payload)
            cases.advance(uow, first.case_id, request, clock=clock)
        view = audit.show_case(uow, first.case_id)
        say(f"case {first.case_id} ({first.unit_name}), one event per step:")
        say("  " + " -> ".join(_step(e.trigger, e.to_state, e.payload) for e in view.events))
        verified = audit.verify_campaign(uow, summary.key)
        say(
            f"audit: {verified.events} events in {verified.cases} cases, chains "
            f"{'valid' if not verified.problems else 'BROKEN'}; head {verified.head[:16]}"
        )
    say(f"explore: {_command()} --db sqlite:///{db_file} plan show {summary.key}")


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


def _step(trigger: str, state: str, payload: Mapping[str, Any]) -> str:
    """A state in the walk; the planner's `reschedule` leaves the state as it is, so say what
    it did rather than print a bare `planned -> planned`."""
    if trigger == "open":
        return f"{state} (opened)"
    if trigger == "reschedule":
        day = date.fromisoformat(str(payload["visit_date"]))
        return f"{state} (visit planned: {day:%d/%m/%Y}, {payload['team']})"
    return state
