"""`inspect-engine notices ...`: the documents the inspection sends, issued from the log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    new_app,
    print_json,
    print_table,
    runtime,
    say,
    unit_of_work,
)
from inspect_engine.errors import InputError

if TYPE_CHECKING:
    from inspect_engine.services.notices.rendering import Job
    from inspect_engine.services.signing.prepare import Signing

app = new_app("Documents: notices, decisions, minutes, conclusions (DOCX, PDF, HTML).")

TEMPLATES = typer.Option(
    None,
    "--templates",
    help="Folder of your own templates, looked up before the campaign's and the shipped ones.",
)
FORMATS = typer.Option("docx,pdf", "--format", help="Comma-separated: docx, pdf, html.")
DOCUMENT_ID = typer.Argument(..., metavar="ID", help="Document id (see `notices list`).")
SIGNING = typer.Option(
    None,
    "--signing",
    envvar="INSPECT_SIGNING_CONFIG",
    show_envvar=True,
    help="Signing configuration (TOML, docs/signing.md): sign the PDFs. Without it they are unsigned.",
)


def _folders(templates: Path | None) -> list[Path]:
    return [templates] if templates else []


@app.command("issue")
def issue(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    out: Path | None = typer.Option(None, "--out", help="Also render what was issued here."),
    formats: str = FORMATS,
    templates: Path | None = TEMPLATES,
    actor: str = typer.Option("inspect-engine", "--actor", help="Who issues (the history says)."),
    signing_file: Path | None = SIGNING,
    as_json: bool = AS_JSON,
) -> None:
    """Issue every document the campaign's log asks for and has not got, each once.

    Each is numbered from the issuing body's register, stored with its content hash and recorded
    in its case's history. Running it again issues nothing new; a run killed midway leaves no gap
    and no duplicate. With --out, the new documents are rendered there, one folder per unit.

    Example: inspect-engine notices issue hanoi-2026 --out ./letters --format docx,pdf
    """
    from rich.progress import Progress

    from inspect_engine.services.notices import issuing, records, rendering
    from inspect_engine.services.notices.package import ensure_folder, jobs_for

    fmts = rendering.parse_formats(formats)
    rt = runtime(ctx)
    signing = _signing(signing_file, rt) if out is not None and "pdf" in fmts else None
    if out is not None:
        ensure_folder(out)
    with rt.unit_of_work() as uow, Progress(transient=True) as bar:
        if signing is not None:
            from inspect_engine.services.campaigns import get_campaign

            signing.check_campaign_signer(key, get_campaign(uow, key)[1].issuer.signer_name)
        task = bar.add_task("issuing", total=None)
        refused: issuing.NotIssued | None = None
        try:
            issued = issuing.issue_due(
                uow, key, templates=_folders(templates), actor=actor, clock=rt.clock,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
        except issuing.NotIssued as exc:  # what was issued is still rendered below
            issued, refused = exc.issued, exc
        paths = []
        if out is not None and issued:
            ids = {i.id for i in issued}
            new = [r for r in records.list_documents(uow, key) if r.id in ids]
            jobs = jobs_for(new, records.case_units(uow, key), out, fmts, signing=signing)
            render = bar.add_task("rendering", total=len(jobs))
            paths = rendering.render_all(
                jobs, progress=lambda done, total: bar.update(render, completed=done)
            )
    if as_json:
        issued_json = [
            {**i.__dict__, "issued_on": i.issued_on.isoformat() if i.issued_on else None}
            for i in issued
        ]
        print_json({"issued": issued_json, "files": [str(p) for p in paths]})
    else:
        kinds: dict[str, int] = {}
        for item in issued:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        listed = ", ".join(f"{n} {k}" for k, n in kinds.items())
        say(f"issued {len(issued)} documents" + (f": {listed}" if listed else " (nothing was due)"))
        if paths:
            say(f"rendered {len(paths)} files under {out}")
            _say_signed(signing, jobs)
    if refused is not None:
        raise refused


@app.command("remind")
def remind(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_of: str | None = typer.Option(None, "--as-of", help="The day (YYYY-MM-DD); default today."),
    days: int = typer.Option(2, "--days", min=0, help="Remind this many working days before."),
    templates: Path | None = TEMPLATES,
) -> None:
    """Issue the reminders the deadlines call for, each once: the submission due soon, the
    remediation report due soon, the remediation report overdue.

    Example: inspect-engine notices remind hanoi-2026 --as-of 2026-08-10 --days 2
    """
    from inspect_engine.services.clock import local_today
    from inspect_engine.services.notices import issuing, reminders

    rt = runtime(ctx)
    day = _date(as_of, "--as-of") if as_of else local_today(rt.clock)
    with rt.unit_of_work() as uow:
        items = reminders.due_reminders(uow, key, as_of=day, days_before=days)
        issued = issuing.issue_items(
            uow, key, items, templates=_folders(templates), clock=rt.clock, actor="inspect-engine"
        )
    for item in issued:
        say(f"case {item.case_id} ({item.unit_code}): {item.kind} {item.number or ''}".rstrip())
    say(f"{len(issued)} reminders issued as of {day:%d/%m/%Y}")


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date: {value!r} (YYYY-MM-DD)", field=field) from None


@app.command("list")
def list_(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    case: int | None = typer.Option(None, "--case", help="Only this case's documents."),
    kind: str | None = typer.Option(
        None, "--kind", help="Only this kind (e.g. thong-bao-kiem-tra)."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """List a campaign's issued documents: id, case, kind, number, date, status.

    Example: inspect-engine notices list hanoi-2026 --case 12
    """
    from inspect_engine.services.notices import records

    with unit_of_work(ctx) as uow:
        found = records.list_documents(uow, key, case_id=case, kind=kind)
    if as_json:
        print_json([records.document_json(r) for r in found])
        return
    rows = [
        (
            r.id,
            r.case_id or "",
            r.kind,
            r.number or "(awaiting number)",
            r.issued_on or "",
            r.content_hash[:12],
        )
        for r in found
    ]
    print_table(f"documents of {key}", ["id", "case", "kind", "number", "date", "hash"], rows)


@app.command("show")
def show(ctx: typer.Context, document_id: int = DOCUMENT_ID, as_json: bool = AS_JSON) -> None:
    """Show one document: its record and its full text.

    Example: inspect-engine notices show 3 --json
    """
    from inspect_engine.services.notices import records

    with unit_of_work(ctx) as uow:
        record = records.get_document(uow, document_id)
    if as_json:
        print_json(records.document_json(record, content=True))
        return
    say(f"document {record.id}: {record.kind}, {record.number or 'awaiting its number'}, "
        f"{record.issued_on or 'undated'} (case {record.case_id or '-'}, {record.status})")  # fmt: skip
    say(f"content hash {record.content_hash}; source {record.source_key}")
    say("")
    say(records.letter_of(record).all_text())


@app.command("render")
def render(
    ctx: typer.Context,
    document_id: int = DOCUMENT_ID,
    formats: str = FORMATS,
    out: Path = typer.Option(Path("."), "--out", help="Folder to write the files to."),
    signing_file: Path | None = SIGNING,
) -> None:
    """Render one issued document as it was issued (same number, date and text); with a
    signing configuration, the PDF is signed by the signer and the organisation (a draft
    awaiting its number by the signer only).

    Example: inspect-engine notices render 3 --format docx,pdf,html --out ./letters --signing signing.toml
    """
    from inspect_engine.services.notices import records, rendering
    from inspect_engine.services.notices.package import ensure_folder

    fmts = rendering.parse_formats(formats)
    rt = runtime(ctx)
    signing = _signing(signing_file, rt) if "pdf" in fmts else None
    with unit_of_work(ctx) as uow:
        record = records.get_document(uow, document_id)
    jobs = []
    for fmt in fmts:
        request = None
        if signing is not None and fmt == "pdf":
            request = signing.request(record.content, draft=record.status != "issued")
        path = out / f"{records.file_stem(record)}.{fmt}"
        jobs.append(rendering.Job(record.content, fmt, path, request))
    ensure_folder(out)
    for path in rendering.render_all(jobs):
        say(str(path))
    _say_signed(signing, jobs)


@app.command("package")
def package(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    out: Path = typer.Option(..., "--out", help="Folder to write the package to."),
    formats: str = typer.Option(
        "docx,pdf",
        "--format",
        help="Comma-separated: docx, pdf, html, and edxml for the document axis (QCVN 102).",
    ),
    as_zip: bool = typer.Option(False, "--zip", help="One ZIP per unit instead of a folder."),
    signing_file: Path | None = SIGNING,
) -> None:
    """Write every issued document, one folder (or ZIP) per unit, with an index CSV.

    Files are named date_number_kind (2026-08-05_05-TB-SNV_thong-bao-kiem-tra.pdf) in
    folders named code_name in ASCII, so a records clerk can upload them as they are. With a
    signing configuration, the PDFs are signed (docs/signing.md). With edxml, each document
    sent to a unit is also one edXML package (.edxml) for the e-office system to send on the
    document axis: its PDF (signed, with a configuration) and, for the inspection notice, the
    unit's forms inside (docs/edxml.md). A unit without an agency code gets no package: the
    rest is written, then one line names the units and the command exits 2.

    Example: inspect-engine notices package hanoi-2026 --out ./delivery --format edxml --signing signing.toml
    """
    from rich.progress import Progress

    from inspect_engine.services.notices import edxml, records, rendering
    from inspect_engine.services.notices import package as service

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    with_edxml = edxml.EXTENSION in wanted
    rest = [f for f in wanted if f != edxml.EXTENSION]
    fmts = rendering.parse_formats(",".join(rest)) if rest or not with_edxml else ()
    signing = _signing(signing_file, runtime(ctx)) if "pdf" in fmts or with_edxml else None
    with unit_of_work(ctx) as uow:
        found = [r for r in records.list_documents(uow, key) if r.status == "issued"]
        units = records.case_units(uow, key)
    jobs = service.jobs_for(found, units, out, fmts, signing=signing)
    service.ensure_folder(out)
    refused: edxml.MissingAgencyCodes | None = None
    packages: list[Path] = []
    with Progress(transient=True) as bar:
        if jobs:
            task = bar.add_task("rendering", total=len(jobs))
            rendering.render_all(
                jobs, progress=lambda done, total: bar.update(task, completed=done)
            )
        if with_edxml:
            step = bar.add_task("edXML", total=None)

            def advanced(done: int, total: int) -> None:
                bar.update(step, completed=done, total=total)

            with unit_of_work(ctx) as uow:
                try:
                    packages = edxml.write_edxml(
                        uow, key, out, progress=advanced, signing=signing
                    ).paths
                except edxml.MissingAgencyCodes as exc:  # what was written is still indexed
                    packages, refused = exc.written.paths, exc
    if fmts:
        with unit_of_work(ctx) as uow:
            service.write_forms(uow, key, out, units)
    listed = [*fmts, edxml.EXTENSION] if with_edxml else list(fmts)
    index = service.write_index(out, found, units, listed)
    folders = len({j.path.parent for j in jobs} | {p.parent for p in packages})
    zipped = service.zip_folders(out) if as_zip else 0
    said = f"{len(found)} documents in {folders} folders under {out}"
    if with_edxml:
        said += f", {len(packages)} edXML package" + ("" if len(packages) == 1 else "s")
    say(said + (f" ({zipped} ZIP files)" if as_zip else "") + f"; index {index}")
    _say_signed(signing, jobs)
    if refused is not None:
        raise refused


def _signing(given: Path | None, rt: Any) -> Signing | None:
    """The command's signing, its keys opened now (before anything is written); the
    documents are signed at the runtime clock's now."""
    from inspect_engine.services.signing.prepare import from_option

    return from_option(given, rt.clock())


def _say_signed(signing: Signing | None, jobs: Sequence[Job]) -> None:
    """One line on what was signed, or that nothing was (said once per command)."""
    from inspect_engine.services.notices.package import signed_count
    from inspect_engine.services.signing.prepare import UNSIGNED_NOTICE

    if not any(j.fmt == "pdf" for j in jobs):
        return
    if signing is None:
        say(UNSIGNED_NOTICE)
        return
    signed, unsigned = signed_count(jobs)
    line = f"signed {signed} PDFs as {signing.signer.common_name} and {signing.organisation.common_name}"
    if unsigned:
        line += (
            f"; {unsigned} left unsigned (their signature boxes are the parties', e.g. a Biên bản)"
        )
    say(line)


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., metavar="FILE", help="A signed PDF."),
    trust: list[Path] = typer.Option(
        [],
        "--trust",
        help="A trusted root certificate (PEM or DER); repeatable. Default: the signing configuration's [trust] roots.",
    ),
    signing_file: Path | None = typer.Option(
        None,
        "--signing",
        envvar="INSPECT_SIGNING_CONFIG",
        show_envvar=True,
        help="Signing configuration whose [trust] roots to use when no --trust is given.",
    ),
) -> None:
    """Check a signed PDF: each signature's integrity, that it covers the document up to its
    revision, its certificate chain against the trust roots only, and whether the file was
    changed after the last signature. Names each signer (certificate subject, organisation,
    signing time). Exit 0 valid, 1 invalid (one line per problem), 2 not a signed PDF.

    Example: inspect-engine notices verify demo/notices/STP_So-Tu-phap/2026-07-28_148-TB-SNV_thong-bao-kiem-tra.pdf --trust demo/signing/ca.pem
    """
    from inspect_engine.services.signing.config import config_path, load_config
    from inspect_engine.services.signing.verify import load_trust_roots, verify_pdf

    roots_from = list(trust)
    if not roots_from:
        path = config_path(signing_file)
        if path is not None:
            roots_from = list(load_config(path).trust_roots)
    roots = load_trust_roots(roots_from)
    result = verify_pdf(file, roots)
    if result.signatures:
        noun = "signature" if len(result.signatures) == 1 else "signatures"
        say(f"{file}: {len(result.signatures)} {noun}, {result.revisions} revisions")
        for check in result.signatures:
            say(f"  {check.describe(result.revisions)}")
        if not result.modified_after_last:
            say("  not modified after the last signature")
    for problem in result.problems:
        typer.echo(problem, err=True)
    if result.problems:
        raise typer.Exit(1)
    say(f"{file}: valid")


@app.command("import-status")
def import_status(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., metavar="FILE...", help="Status packages (.edxml) from the document axis."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Record the document axis's status packages in the case histories: what the unit's
    e-office system did with a document sent to it (QCVN 102 status codes: 01 arrived,
    02 refused with a reason, 03 accepted, 04 assigned, 05 in progress, 06 done).

    Each status is an axis_status event on the document's case; the state does not change.
    A status imported again is recorded once. A status for a document this database did not
    issue, or any bad file: one line naming the file and line, exit 2, nothing recorded.

    Example: inspect-engine notices import-status inbox/status_acceptance_03.edxml
    """
    from inspect_engine.services.notices.axis_status import import_statuses

    rt = runtime(ctx)
    with rt.unit_of_work() as uow:
        done = import_statuses(uow, files, clock=rt.clock)
    if as_json:
        print_json([d.to_json() for d in done])
        return
    for d in done:
        what = f"{d.number}: {d.code} {d.name.lower()}"
        if d.status == "refused":
            what += f" ({d.description or 'no reason given'})"
        recorded = f"event {d.seq}" if d.new else f"already recorded (event {d.seq})"
        say(f"case {d.case_id} ({d.unit_code}): {what}, {recorded}")
    new = sum(d.new for d in done)
    noun = "status" if len(done) == 1 else "statuses"
    say(f"{len(done)} {noun}: {new} recorded, {len(done) - new} already recorded")


@app.command("number")
def number(
    ctx: typer.Context,
    document_id: int = DOCUMENT_ID,
    given: int = typer.Option(..., "--number", help="The number the records office gave."),
    day: str = typer.Option(..., "--date", help="The date it gave (YYYY-MM-DD)."),
) -> None:
    """Record the number and date the records office gave a draft after signing.

    For campaigns with `numbered_by = "records_office"`: the engine issues drafts unnumbered;
    the document then takes this number and date, and the register never gives them again.

    Example: inspect-engine notices number 7 --number 12 --date 2026-08-05
    """
    from inspect_engine.services.notices import records

    issued_on = _date(day, "--date")
    with unit_of_work(ctx) as uow:
        record = records.record_number(uow, document_id, given, issued_on)
    say(f"document {record.id}: {record.number}, {record.issued_on:%d/%m/%Y}")
