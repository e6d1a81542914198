"""Delivery: one folder (or ZIP) per unit with its letters and forms, named so a records clerk
can upload them to the document system as they are, and an index of everything in it."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspect_engine.domain.text import spreadsheet_cell
from inspect_engine.errors import InputError
from inspect_engine.services.notices import rendering
from inspect_engine.services.notices.file_names import file_stem, folder_name, slug
from inspect_engine.storage.document_store import DocumentRecord

if TYPE_CHECKING:
    from inspect_engine.services.signing.prepare import Signing

INDEX = "danh-sach-van-ban.csv"


def jobs_for(
    records: Sequence[DocumentRecord],
    units: dict[int, tuple[str, str]],
    out: Path,
    formats: Sequence[str],
    *,
    signing: Signing | None = None,
    signed_at: Callable[[DocumentRecord], datetime] | None = None,
) -> list[rendering.Job]:
    """Where each document goes: `out/<unit folder>/<date_number_kind>.<format>`; with
    `signing`, how each PDF is signed (at `signed_at(record)`, default the signing's time).
    Every signature is checked here, before anything is written."""
    jobs = []
    for record in records:
        code, name = (
            units.get(record.case_id or -1, (None, None)) if record.case_id else (None, None)
        )
        folder = out / folder_name(code, name)
        for fmt in formats:
            request = None
            if signing is not None and fmt == "pdf":
                at = signed_at(record) if signed_at is not None else None
                request = signing.request(record.content, draft=record.status != "issued", at=at)
            path = folder / f"{file_stem(record)}.{fmt}"
            jobs.append(rendering.Job(record.content, fmt, path, request))
    return jobs


def issue_time(record: DocumentRecord) -> datetime:
    """When the document was issued (numbered and recorded): the time its signatures carry
    when the PDFs are written later, as a replay on a simulated clock does."""
    return record.created_at


def signed_count(jobs: Sequence[rendering.Job]) -> tuple[int, int]:
    """(PDFs signed, PDFs left unsigned) among the jobs."""
    pdfs = [j for j in jobs if j.fmt == "pdf"]
    signed = sum(1 for j in pdfs if j.signing is not None)
    return signed, len(pdfs) - signed


def write_index(out: Path, records: Sequence[DocumentRecord], units: dict[int, tuple[str, str]],
                formats: Sequence[str]) -> Path:  # fmt: skip
    """A CSV (UTF-8 with BOM, so Excel reads the diacritics) listing each document's files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["don_vi", "ten_don_vi", "loai", "so_ky_hieu", "ngay", "trich_yeu", "tep"])
    for record in records:
        code, name = units.get(record.case_id or -1, ("", ""))
        folder = folder_name(code or None, name)
        files = [f"{folder}/{file_stem(record)}.{fmt}" for fmt in formats]
        files = [f for f in files if (out / f).is_file()]  # no edXML package for a decision
        day = record.issued_on.isoformat() if record.issued_on else ""
        summary = str(record.content.get("summary", ""))
        cells = [code, name, record.kind, record.number or "", day, summary, " ".join(files)]
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    path = out / INDEX
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return path


def zip_folders(out: Path) -> int:
    """Each unit folder becomes `<folder>.zip` beside it (the folder is removed)."""
    count = 0
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        target = out / f"{folder.name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.iterdir()):
                archive.write(file, f"{folder.name}/{file.name}")
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
        count += 1
    return count


def ensure_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder: {exc.strerror}", source=str(out)) from None


def write_forms(uow: Any, key: str, out: Path, units: dict[int, tuple[str, str]]) -> int:
    """Each announced unit's fillable appendix workbook beside its letters: the forms of the
    appendices it must prepare (`evidence forms` writes the same for one case)."""
    from inspect_engine.services import evidence
    from inspect_engine.services.notices.records import list_documents

    announced = {
        r.case_id
        for r in list_documents(uow, key)
        if r.kind in ("thong-bao-kiem-tra", "cong-van-kiem-tra") and r.case_id is not None
    }
    for case_id in sorted(announced):
        code, name = units[case_id]
        data = evidence.write_forms(uow, case_id, None)  # the campaign's forms
        (out / folder_name(code, name) / f"phu-luc_{slug(code)}.xlsx").write_bytes(data)
    return len(announced)
