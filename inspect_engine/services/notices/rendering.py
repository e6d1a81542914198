"""Rendering stored letters to files: DOCX, PDF, HTML, on every core.

A document is rendered from the letter stored when it was issued, never from the templates
again, so a re-render says exactly what the issued one said. Layouts are pure functions of the
letter; a pool of processes renders many at once (PDF layout is CPU-bound Python).

Every issued PDF the engine writes goes through `render`, so it is signed there when the job
asks for it (`services/signing`): the files of `notices issue --out`, `render` and `package`,
and the bytes other packagers take from `render`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspect_engine.domain.documents.letter import Letter
from inspect_engine.errors import InputError

if TYPE_CHECKING:
    from inspect_engine.services.signing.pdf_signing import SignRequest

FORMATS = ("docx", "pdf", "html")


def parse_formats(value: str) -> tuple[str, ...]:
    """`docx,pdf` -> ("docx", "pdf"); an unknown format is an error naming the known ones."""
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    for fmt in formats:
        if fmt not in FORMATS:
            raise InputError(
                f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}", field="--format"
            )
    if not formats:
        raise InputError("no format given; formats: " + ", ".join(FORMATS), field="--format")
    return formats


def render(letter: Letter, fmt: str, signing: SignRequest | None = None) -> bytes:
    """One letter in one format; a PDF signed as `signing` asks (unsigned without it)."""
    if fmt == "docx":
        from inspect_engine.documents.docx_layout import render_docx

        return render_docx(letter)
    if fmt == "pdf":
        if signing is None:
            from inspect_engine.documents.pdf_layout import render_pdf

            return render_pdf(letter)
        from inspect_engine.documents.pdf_layout import render_pdf_laid_out
        from inspect_engine.services.signing.pdf_signing import sign_letter

        data, geometry = render_pdf_laid_out(letter)
        return sign_letter(letter, data, geometry, signing)
    from inspect_engine.documents.html_layout import render_html

    return render_html(letter).encode("utf-8")


@dataclass(frozen=True)
class Job:
    content: Mapping[str, Any]  # the stored letter
    fmt: str
    path: Path
    signing: SignRequest | None = None  # a PDF to sign, and how


def _run(job: Job) -> Path:
    data = render(Letter.from_json(job.content), job.fmt, job.signing)
    job.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.path.with_name(job.path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(job.path)  # a killed render leaves no half-written file under the real name
    return job.path


def workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def render_all(
    jobs: Sequence[Job], *, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
    """Render every job, in parallel when there are enough to pay for the processes (not when
    a token signs: it has one key, and its sessions belong to one process)."""
    done: list[Path] = []
    on_token = any(j.signing is not None and j.signing.config.uses_token for j in jobs)
    if len(jobs) < 8 or workers() == 1 or on_token:
        for i, job in enumerate(jobs, start=1):
            done.append(_run(job))
            if progress:
                progress(i, len(jobs))
        return done
    with ProcessPoolExecutor(max_workers=workers()) as pool:
        for i, path in enumerate(pool.map(_run, jobs, chunksize=4), start=1):
            done.append(path)
            if progress:
                progress(i, len(jobs))
    return done
