"""`inspect-engine demo`: the whole journey on a fresh SQLite database."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli.common import say, write_file
from inspect_engine.errors import InputError
from inspect_engine.settings import DISPLAY_TZ, data_dir

DEMO_SEED = 2026  # the demo's draws: fixed, so every run writes the same history
DEMO_UNIT = "STP"  # Sở Tư pháp: its edXML packages and its portal link are shown
# The demo's team lead account on the portal (a demo's password, printed on purpose).
DEMO_LEAD, DEMO_PASSWORD = "binh.tt", "demo-cchc-2026"


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo files."),
    files: bool = typer.Option(
        True,
        "--files/--no-files",
        help="Write the documents' DOCX and PDF files and the workbooks (--no-files: the "
        "database only, much faster).",
    ),
) -> None:
    """Run the whole demo on a fresh SQLite database in --dir (ignores --db).

    Imports Hanoi's units, creates the 2026 campaign, plans its visits as of the plan's date
    (calendar files plan.ics and plan.html), records the decisions forming the teams, announces
    every visit but one (kept for an unannounced inspection), then simulates the campaign to 31
    December with a fixed seed (`inspect-engine simulate`): submissions, visits, findings,
    conclusions, remediation, re-inspections, the deadlines fired and the documents issued by
    the worker's sweep. It prints the summary and one re-inspected case's history, writes every
    document under --dir/notices with its PDF signed by a demo CA's certificates (unless
    --no-files) and Sở Tư pháp's edXML packages under --dir/edxml, verifies everything stored
    and anchors it, writes the report and the board, and gives a team lead's account and Sở
    Tư pháp's link to the portal (`serve`). The demo keeps its own clock, from the plan's date
    on: every run ends with the same history.

    Example: inspect-engine demo --dir ./demo
    """
    from inspect_engine.cli.demo_story import Story, start_of
    from inspect_engine.cli.simulate import summary_lines
    from inspect_engine.services import audit, campaigns, units
    from inspect_engine.services.planning import exports
    from inspect_engine.services.planning.calendar_page import calendar_page
    from inspect_engine.services.planning.make import make_plan
    from inspect_engine.services.planning.views import check_plan, planned_visits
    from inspect_engine.services.simulation.run import simulate

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
        # One visit late in the round, of a team other than the first visit's, is left out of
        # the announcements: the simulation inspects it unannounced on its planned day.
        other = next(v for v in reversed(visits) if v.team != visits[0].team)
        story.announce([v for v in visits if v is not other])
        say(f"announced {len(visits) - 1} visits (case {other.case_id}, {other.unit_name}, is "
            f"kept for an unannounced inspection on {other.date:%d/%m/%Y})")  # fmt: skip
        _issue(uow, summary.key, clock)
        simulated = simulate(uow, summary.key, until=spec.window_end, seed=DEMO_SEED)
        for line in summary_lines(simulated):
            say(line)
        clock.at(spec.window_end, 17)  # the report and the board: at the round's last day
        shown = _reinspected(uow, summary.key)
        if shown is not None:
            view = audit.show_case(uow, shown)
            _walked(view, _name_of(visits, shown), "re-inspected")
        _walked(audit.show_case(uow, other.case_id), other.unit_name, "unannounced")
        signing = _signing(uow, summary.key, directory)
        if files:
            _documents(uow, summary.key, directory, signing)
        _edxml(uow, summary.key, directory, signing, DEMO_UNIT)
        verified = audit.verify_campaign(uow, summary.key)
        say(
            f"audit: {verified.events} events in {verified.cases} cases, everything stored "
            f"{'matches its events' if not verified.problems else 'does NOT match its events'}"
            f"; head {verified.head[:16]}"
        )
        _anchor(uow, summary.key, directory, clock, db_file)
        _results(uow, summary.key, directory, clock)
        _portal(uow, summary.key, db_file, DEMO_UNIT)
    say(f"explore: {_command()} --db sqlite:///{db_file} case show {shown or other.case_id}")


def _anchor(uow: Any, key: str, directory: Path, clock: Any, db_file: Path) -> None:
    """Anchor the history with the demo's own key, derived from a fixed seed so that every run
    prints the same (a real deployment's key is random and kept off the database host), and
    say how an auditor checks it."""
    from inspect_engine.services import anchors

    key_file = directory / "anchor-key.pem"
    key_file.unlink(missing_ok=True)
    signing = anchors.create_key(key_file, seed=b"inspect-engine demo anchor key")
    anchor = directory / "anchors" / f"{key}.json"
    anchors.write_anchor(anchors.make_anchor(uow, key, signing, clock=clock), anchor)
    say(f"  anchored: {anchor} (key {anchors.key_id(signing.public_b64)}); check it with "
        f"{_command()} --db sqlite:///{db_file} audit verify {key} --anchor {anchor}")  # fmt: skip


def _reinspected(uow: Any, key: str) -> int | None:
    """The first case (by id) closed by a passed re-inspection after a failed one, else the
    first closed by a passed re-inspection: the fullest story of the round."""
    from inspect_engine.storage.event_store import EventStore

    with uow:
        store = EventStore(uow.connection)
        closed = [h.id for h in store.cases(key, "closed")]
        passed = []
        for case_id in closed:
            triggers = {trigger for trigger, _ in store.history(case_id)}
            if "reinspect_pass" in triggers:
                if "reinspect_fail" in triggers:
                    return case_id
                passed.append(case_id)
    return passed[0] if passed else None


def _name_of(visits: Any, case_id: int) -> str:
    return next((v.unit_name for v in visits if v.case_id == case_id), f"case {case_id}")


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
    """The records office (văn thư) issues the decisions and notices the same day; from then
    on the worker's sweep issues what the log asks for."""
    from inspect_engine.services.notices import issuing

    issued = issuing.issue_due(uow, key, clock=clock, actor="van-thu")
    kinds = ", ".join(f"{n} {k}" for k, n in Counter(i.kind for i in issued).items())
    say(f"issued by the records office: {len(issued)} ({kinds})")


def _signing(uow: Any, key: str, directory: Path) -> Any:
    """The demo's signing: a demo CA with the signer's and the Sở's certificates under
    --dir/signing (made once, at the real time, so they are valid when checked), each PDF
    signed at the time its document was issued."""
    from inspect_engine.services.campaigns import get_campaign
    from inspect_engine.services.signing.demo import ensure_demo_signing
    from inspect_engine.services.signing.prepare import prepare

    config = ensure_demo_signing(directory / "signing", get_campaign(uow, key)[1].issuer)
    return prepare(config, datetime.now(UTC))


def _documents(uow: Any, key: str, directory: Path, signing: Any) -> None:
    """Write every issued document, one folder per unit, as `notices package --signing`
    does: the PDFs signed by the signer and the Sở."""
    from inspect_engine.services.notices import package, records, rendering

    out = directory / "notices"
    if out.exists():
        shutil.rmtree(out)
    package.ensure_folder(out)
    found = records.list_documents(uow, key)
    units = records.case_units(uow, key)
    jobs = package.jobs_for(
        found, units, out, ("docx", "pdf"), signing=signing, signed_at=package.issue_time
    )
    rendering.render_all(jobs)
    forms = package.write_forms(uow, key, out, units)
    package.write_index(out, found, units, ("docx", "pdf"))
    signed, unsigned = package.signed_count(jobs)
    say(f"  {len(jobs)} DOCX and PDF files and {forms} appendix workbooks under {out}")
    say(f"  {signed} PDFs signed by {signing.signer.common_name} and "
        f"{signing.organisation.common_name} ({unsigned} minutes left to their two parties); "
        f"check one: {_command()} notices verify FILE --trust {directory / 'signing' / 'ca.pem'}")  # fmt: skip


def _edxml(uow: Any, key: str, directory: Path, signing: Any, unit: str) -> None:
    """One unit's edXML packages, as the e-office system would send them on the axis."""
    from inspect_engine.services.notices import package
    from inspect_engine.services.notices.edxml import write_edxml

    out = directory / "edxml"
    if out.exists():
        shutil.rmtree(out)
    written = write_edxml(
        uow, key, out, unit_code=unit, signing=signing, signed_at=package.issue_time
    )
    folder = written.paths[0].parent if written.paths else out
    say(f"  edXML (QCVN 102): {len(written.paths)} packages for {unit} under {folder}")


def _portal(uow: Any, key: str, db_file: Path, unit: str) -> None:
    """A team lead's account and one unit's link to the portal, and how to start it."""
    from inspect_engine.services.portal.access import portal_access
    from inspect_engine.services.portal.secret import portal_secret, secret_path

    access = portal_access(
        uow, key, unit, lead=DEMO_LEAD, password=DEMO_PASSWORD,
        base_url="http://127.0.0.1:8000", secret=portal_secret(), days=90,
    )  # fmt: skip
    say(f"portal: {_command()} --db sqlite:///{db_file} serve   (secret in {secret_path()})")
    say(f"  {access.unit_name}'s link: {access.url}")
    say(f"  team lead sign-in at http://127.0.0.1:8000/dang-nhap: {DEMO_LEAD} / {DEMO_PASSWORD}")


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
        step = _step(event.trigger, event.to_state, event.payload, event.effects)
        say(f"  {at:%d/%m} {step}")


def _step(
    trigger: str, state: str, payload: Mapping[str, Any], effects: Sequence[Mapping[str, Any]]
) -> str:
    """A step of the walk, with what it recorded; a step that leaves the state as it is (the
    planner's `reschedule`, a partial delivery, a deadline passing) says what it did."""
    assessed = payload.get("assessed", {})
    if trigger == "open":
        return f"open -> {state}"
    if trigger == "reschedule":
        day = date.fromisoformat(str(payload["visit_date"]))
        team = f", {payload['team']}" if "team" in payload else ""
        return f"reschedule -> {state} (visit {day:%d/%m/%Y}{team}: {payload['reason']})"
    if trigger == "deadline":
        deadline = payload["deadline"]
        due = date.fromisoformat(str(deadline["due"]))
        did = [str(e["effect"]) for e in effects]
        return f"deadline {deadline['kind']} of {due:%d/%m} passed ({', '.join(did)})"
    if trigger == "cancel":
        return f"cancel -> {state} ({payload['reason']})"
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
