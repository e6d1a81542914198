"""What a unit sends through the portal: several files at once, each checked for its size and
its type (by name and by its first bytes), the XLSX forms read and checked as `evidence import`
does, the files stored under their SHA-256 outside any served folder, and the whole recorded as
one delivery (`receive_submission`) with the files' hashes, the day the figures cover and the
unit's comment."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from inspect_engine.errors import InputError
from inspect_engine.services.cases import Advanced
from inspect_engine.services.clock import Clock, local_today, utc_now
from inspect_engine.services.evidence import FilledForms, read_filled_forms, record_submission
from inspect_engine.settings import user_data_dir
from inspect_engine.storage.uow import UnitOfWork

UPLOADS_ENV = "INSPECT_UPLOADS_DIR"
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NOTE = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a unit may send: its forms (XLSX, read and checked), and as evidence PDF and images.
# Each type by its extension and the bytes it starts with, so a renamed file is refused.
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".xlsx": (XLSX, (b"PK\x03\x04",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class UploadRefused(InputError):
    """A file or a field of an upload is wrong: `message_vi` says it to the unit."""

    def __init__(self, message_vi: str, message: str, *, source: str | None = None) -> None:
        self.message_vi = message_vi
        super().__init__(message, source=source)


@dataclass(frozen=True)
class IncomingFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "type": self.type}


@dataclass(frozen=True)
class Received:
    advanced: Advanced
    assessed: dict[str, Any]
    files: tuple[StoredFile, ...]
    appendices: tuple[str, ...]


def uploads_dir() -> Path:
    """`INSPECT_UPLOADS_DIR`, else `uploads` in the user's data folder."""
    given = os.environ.get(UPLOADS_ENV)
    return Path(given) if given else user_data_dir() / "uploads"


def stored_path(root: Path, sha256: str) -> Path:
    """Where a file with this hash is kept: ROOT/ab/abcdef... (the hash alone names it)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256")
    return root / sha256[:2] / sha256


def store(root: Path, data: bytes) -> str:
    """Keep `data` under its hash (once: the same bytes sent twice are one file)."""
    digest = hashlib.sha256(data).hexdigest()
    path = stored_path(root, digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{digest}.{os.getpid()}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return digest


def safe_name(name: str) -> str:
    """The file's own name as the browser gave it, without folders or control characters."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[-120:] or "tep"


def file_type(name: str, data: bytes) -> str:
    ext = os.path.splitext(name)[1].lower()
    known = TYPES.get(ext)
    if known is None:
        raise UploadRefused(
            f"{name}: chỉ nhận tệp XLSX (biểu mẫu), PDF, PNG, JPG",
            f"{name}: not an accepted type (XLSX, PDF, PNG, JPG)",
            source=name,
        )
    media, starts = known
    if not data.startswith(starts):
        raise UploadRefused(
            f"{name}: nội dung tệp không phải {ext[1:].upper()} như tên tệp",
            f"{name}: its content is not {ext[1:].upper()} as its name says",
            source=name,
        )
    return media


def receive_upload(
    uow: UnitOfWork,
    case_id: int,
    files: list[IncomingFile],
    *,
    actor: str,
    figures_as_of: date | None,
    note: str,
    root: Path,
    templates_dir: Path | None = None,
    clock: Clock = utc_now,
) -> Received:
    """Check everything first, then store the files and record the delivery as the unit
    (`actor`, role unit); a refused upload records nothing (the files it stored, under their
    hash, are used by nobody)."""
    files = [f for f in files if f.name or f.data]
    if not files:
        raise UploadRefused("Chưa chọn tệp nào để gửi", "no file given")
    if len(files) > MAX_FILES:
        raise UploadRefused(
            f"Mỗi lần gửi tối đa {MAX_FILES} tệp", f"at most {MAX_FILES} files an upload"
        )
    note = unicodedata.normalize("NFC", note).strip()
    if len(note) > MAX_NOTE:
        raise UploadRefused(
            f"Ý kiến dài quá {MAX_NOTE} ký tự", f"the comment is over {MAX_NOTE} characters"
        )
    today = local_today(clock)
    if figures_as_of is not None and figures_as_of > today:
        raise UploadRefused(
            f"Ngày số liệu {figures_as_of:%d/%m/%Y} chưa đến (hôm nay {today:%d/%m/%Y})",
            f"the figures' day {figures_as_of:%d/%m/%Y} is in the future",
        )
    checked: list[tuple[str, bytes, str]] = []
    forms: list[FilledForms] = []
    for item in files:
        name = safe_name(item.name)
        if len(item.data) > MAX_FILE_BYTES:
            mb = MAX_FILE_BYTES // (1024 * 1024)
            raise UploadRefused(
                f"{name}: tệp lớn hơn {mb} MB", f"{name}: larger than {mb} MB", source=name
            )
        if not item.data:
            raise UploadRefused(f"{name}: tệp rỗng", f"{name}: empty file", source=name)
        media = file_type(name, item.data)
        if media == XLSX:
            forms.append(read_filled_forms(uow, case_id, item.data, name, templates_dir))
        checked.append((name, item.data, media))
    if forms and figures_as_of is None:
        raise UploadRefused(
            "Ghi ngày số liệu được tính đến (số liệu tính đến ngày)",
            "say the day the figures are counted up to",
        )
    appendices: list[str] = []
    figures: dict[str, Any] = {}
    for filled in forms:
        for code in filled.appendices:
            if code in figures:
                raise UploadRefused(
                    f"{code} có trong hai tệp biểu mẫu của lần gửi này: chỉ gửi một bản",
                    f"{code} is filled in two workbooks of this upload",
                    source=filled.document,
                )
            appendices.append(code)
            figures[code] = filled.figures[code]
    stored = tuple(
        StoredFile(name, store(root, data), len(data), media) for name, data, media in checked
    )
    submission: dict[str, Any] = {
        "received_on": today.isoformat(),
        "appendices": appendices,
        "documents": [f.name for f in stored],
        "files": [f.to_json() for f in stored],
    }
    if figures:
        submission["figures"] = figures
    if figures_as_of is not None:
        submission["figures_as_of"] = figures_as_of.isoformat()
    if note:
        submission["note"] = note
    done, assessed = record_submission(
        uow, case_id, submission, actor=actor, role="unit", clock=clock
    )
    return Received(done, assessed, stored, tuple(appendices))
