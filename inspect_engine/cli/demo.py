"""`inspect-engine demo`: the whole journey on a fresh SQLite database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from inspect_engine.cli.common import say, write_file
from inspect_engine.errors import InputError
from inspect_engine.services import audit, campaigns, cases, plan_export, planning, units
from inspect_engine.services.clock import utc_now
from inspect_engine.settings import data_dir
from inspect_engine.storage.db import make_engine, upgrade
from inspect_engine.storage.uow import UnitOfWork

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
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder: {exc.strerror}", source=str(directory)) from None
    db_file = directory / "inspect.db"
    for stale in (db_file, db_file.with_suffix(".db-wal"), db_file.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    examples = data_dir("examples")
    engine = make_engine(f"sqlite:///{db_file}")
    uow = UnitOfWork(engine)
    try:
        upgrade(engine)
        say(f"database: {db_file}")
        report = units.import_units(uow, examples / "hanoi-units.csv")
        say(f"units: {report.created} imported from hanoi-units.csv")
        summary = campaigns.create_campaign(
            uow, examples / "hanoi-2026.toml", workflows_dirs=[data_dir("workflows")]
        )
        kinds = Counter(u.kind for u in units.list_units(uow))
        say(f"campaign {summary.key}: {summary.title}")
        say(
            f"  {kinds['department']} departments, {kinds['commune']} communes/wards, "
            f"{summary.cases} open cases"
        )
        _, spec = campaigns.get_campaign(uow, summary.key)
        plan = planning.make_plan(uow, summary.key, as_of=spec.plan.date)
        say(
            f"plan as of {spec.plan.date:%d/%m/%Y} ({spec.plan.number}): {len(plan.visits)} "
            f"visits {plan.visits[0].date:%d/%m} .. {plan.visits[-1].date:%d/%m}, objective "
            f"{plan.objective:,}, gap {plan.gap:.1%}; checker: "
            f"{'valid' if not planning.check_plan(uow, summary.key) else 'BROKEN'}"
        )
        visits = planning.planned_visits(uow, summary.key)
        write_file(
            directory / "plan.ics", plan_export.to_ics(summary.key, spec.title, visits, utc_now())
        )
        teams = [t.name for t in spec.teams]
        write_file(
            directory / "plan.html", plan_export.to_html(summary.key, spec.title, teams, visits)
        )
        say(f"  calendars: {directory / 'plan.ics'}, {directory / 'plan.html'}")
        first = visits[0]
        for trigger, role, payload in LIFECYCLE:
            cases.advance(uow, first.case_id, cases.Request(trigger, "demo", role, payload))
        view = audit.show_case(uow, first.case_id)
        path = " -> ".join(e.to_state for e in view.events)
        say(f"case {first.case_id} ({first.unit_name}): {path}")
        verified = audit.verify_campaign(uow, summary.key)
        say(
            f"audit: {verified.events} events in {verified.cases} cases, chains "
            f"{'valid' if not verified.problems else 'BROKEN'}; head {verified.head[:16]}"
        )
    finally:
        uow.close()
        engine.dispose()
    say(f"explore: inspect-engine --db sqlite:///{db_file} plan show {summary.key}")
