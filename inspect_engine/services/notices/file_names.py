"""The names documents get as files: what `notices package` writes and what a case's timeline
links to. Light on imports, so a reader of names does not pay for the issuing code."""

from __future__ import annotations

import re
import unicodedata

from inspect_engine.storage.document_store import DocumentRecord


def slug(text: str) -> str:
    """ASCII for file names a document system accepts: `Sở Tư pháp` -> `So-Tu-phap`."""
    text = text.replace("Đ", "D").replace("đ", "d")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def file_stem(record: DocumentRecord) -> str:
    """`2026-08-05_05-TB-SNV_thong-bao-kiem-tra`: date, number and kind, sortable."""
    day = record.issued_on.isoformat() if record.issued_on else "chua-so"
    number = slug(record.number) if record.number else f"id{record.id}"
    return f"{day}_{number}_{record.kind}"


def folder_name(unit_code: str | None, unit_name: str | None) -> str:
    """`STP_So-Tu-phap`; the campaign's own documents (team decisions) go in `_chien-dich`."""
    if unit_code is None:
        return "_chien-dich"
    return f"{slug(unit_code)}_{slug(unit_name or '')}".rstrip("_")
