"""`report KEY`: the campaign's Báo cáo kết quả kiểm tra, issued once per cut-off through the
same machinery as the notices (template, `Letter`, number register, document store) and drawn
as DOCX and PDF.

The first run for a day (or a period) takes the next number of the issuing body's register and
stores the letter with the campaign's chain position it counted up to; a later run for the same
day finds it, computes the figures again from the log up to that position, says whether they
still give the same letter, and draws the stored one, so the files are identical byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from inspect_engine.documents.charts import CHARTS, render_chart
from inspect_engine.documents.templates import Templates, compose
from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.kinds import KINDS, REPORT
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.domain.events import as_utc, canonical
from inspect_engine.domain.reporting.chart_data import chart_data
from inspect_engine.domain.reporting.figures import Figures
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.notices.context import CampaignFacts
from inspect_engine.services.notices.issuing import content_hash, template_folders
from inspect_engine.services.notices.records import file_stem
from inspect_engine.services.notices.rendering import render
from inspect_engine.services.reporting.source import Cut, choose_cut, load_figures
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.document_store import DocumentRecord, DocumentStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork

KIND = KINDS[REPORT]


@dataclass(frozen=True)
class Report:
    record: DocumentRecord
    figures: Figures
    cut: Cut
    new: bool  # issued by this run
    same_as_issued: bool  # the log still gives the letter that was issued
    files: tuple[Path, ...] = ()


def source_key(key: str, cut: Cut) -> str:
    return f"report:{key}:{cut.source_key_suffix}"


def text_hash(letter: Letter | dict[str, Any]) -> str:
    """The letter's hash without its pictures: what the figures decide. A chart drawn by
    another matplotlib release may differ in its pixels, not in what it says."""
    data = letter.to_json() if isinstance(letter, Letter) else dict(letter)

    def plain(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**b, "figure": ""} if "figure" in b else b for b in blocks]

    data["blocks"] = plain(data["blocks"])
    data["appendices"] = [{**a, "blocks": plain(a["blocks"])} for a in data["appendices"]]
    return hashlib.sha256(canonical(data)).hexdigest()


def _letter(
    uow: UnitOfWork,
    key: str,
    figures: Figures,
    cut: Cut,
    number: str,
    issued_on: date | None,
    templates: Sequence[Path],
) -> Letter:
    from inspect_engine.services.reporting.values import report_values

    facts = CampaignFacts(uow.connection, key)
    spec = facts.spec
    data = chart_data(figures)
    charts = {name: render_chart(name, data, "png", titled=False) for name in CHARTS}
    context = {
        **facts.base(KIND, number, issued_on),
        **report_values(spec, figures, cut, charts, data),
    }
    folders = template_folders(spec.notices.templates, templates)
    parts = Templates(folders).render(KIND.template, context)
    header = {
        "parent_body": spec.issuer.parent_body.upper(),
        "body": spec.issuer.body.upper(),
        "number": f"Số: {number}",
        "place_date": vn_format.place_date(spec.issuer.place, issued_on),
        "type_name": KIND.type_name,
    }
    return compose(parts, header, KIND.key, KIND.form)


def _existing(store: DocumentStore, key: str, source: str) -> DocumentRecord | None:
    return next((d for d in store.list(key, kind=REPORT) if d.source_key == source), None)


def make_report(
    uow: UnitOfWork,
    key: str,
    *,
    as_of: date | None = None,
    period: str | None = None,
    year: int | None = None,
    templates: Sequence[Path] = (),
    actor: str = "inspect-engine",
    clock: Clock = utc_now,
) -> Report:
    """Issue the report for the cut-off the options ask for, or find the one issued."""
    with uow:
        conn = uow.connection
        spec, cut = choose_cut(conn, key, as_of=as_of, period=period, year=year, clock=clock)
        documents = DocumentStore(conn)
        source = source_key(key, cut)
        found = _existing(documents, key, source)
        if found is not None:
            assert found.source_seq is not None
            cut = replace(cut, chain_seq=found.source_seq)
            figures = load_figures(conn, key, spec, cut)
            code = vn_format.code_of(
                KIND.type_code, spec.issuer.body_code, spec.issuer.drafting_unit or "VP"
            )
            number = found.number or vn_format.so_ky_hieu(None, code)
            again = _letter(uow, key, figures, cut, number, found.issued_on, templates)
            same = text_hash(again) == text_hash(found.content)
            return Report(found, figures, cut, new=False, same_as_issued=same)
        # Issuers of a campaign take turns (its append lock): the number and the chain
        # position are read under it.
        store = EventStore(conn)
        store.lock_campaign(key)
        cut = replace(cut, chain_seq=store.chain_head(key)[0])
        figures = load_figures(conn, key, spec, cut)
        today = as_utc(clock()).astimezone(DISPLAY_TZ).date()
        issuer = spec.issuer
        code = vn_format.code_of(KIND.type_code, issuer.body_code, issuer.drafting_unit or "VP")
        series = "" if spec.notices.numbering == "shared" else (KIND.type_code or "")
        awaiting = spec.notices.numbered_by == "records_office"
        seq = None if awaiting else documents.next_number(issuer.body_code, today.year, series)
        number = vn_format.so_ky_hieu(seq, code)
        issued_on = None if awaiting else today
        letter = _letter(uow, key, figures, cut, number, issued_on, templates)
        doc_id = documents.insert(
            campaign_key=key,
            case_id=None,
            kind=KIND.key,
            source_key=source,
            source_case_id=None,
            source_seq=cut.chain_seq,  # the chain position the figures count up to
            issuer_code=issuer.body_code,
            year=today.year,
            series=series,
            number_seq=seq,
            number=None if awaiting else number,
            issued_on=issued_on,
            status="awaiting_number" if awaiting else "issued",
            content=letter.to_json(),
            content_hash=content_hash(letter),
            template=KIND.template,
            recorded_by=actor,
            created_at=clock(),
        )
        record = documents.get(doc_id)
        assert record is not None
        uow.commit()
    return Report(record, figures, cut, new=True, same_as_issued=True)


def write_files(report: Report, out: Path, formats: Sequence[str]) -> tuple[Path, ...]:
    """Draw the stored letter in each format under `out`."""
    from inspect_engine.services.notices.package import ensure_folder

    ensure_folder(out)
    letter = Letter.from_json(report.record.content)
    written = []
    for fmt in formats:
        path = out / f"{file_stem(report.record)}.{fmt}"
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(render(letter, fmt))
        tmp.replace(path)
        written.append(path)
    return tuple(written)
