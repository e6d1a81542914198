"""The wording of the documents: jinja2 content templates, read into `Letter`s.

Templates are looked up in the given folders in order, then in the shipped `notices/`: a
province that rewords only its inspection notice puts that one file in its folder. Every value
is escaped (autoescape) because the templates render markup (domain/documents/markup.py), and
a missing value is an error (StrictUndefined), never an empty space in an issued letter.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.domain.documents.markup import LetterParts, MarkupError, parse_letter
from inspect_engine.errors import InputError

FILTERS = {
    "ngay": vn_format.ngay,
    "ngay_ngan": vn_format.ngay_ngan,
    "thu": vn_format.thu,
    "so_ky_hieu": vn_format.so_ky_hieu,
    "so_tien": vn_format.so_tien,
    "la_ma": vn_format.la_ma,
    "phan_tram": vn_format.phan_tram,
}


class TemplateProblem(InputError):
    """A template that cannot render (syntax, a missing value, bad markup): every document of
    its kind would fail the same way, so issuing stops at the first."""


# One environment per list of folders, so each template is compiled once per process: a worker
# or a simulation issues documents sweep after sweep, and compiling took 4/5 of issuing a
# reminder. jinja2 still checks each file's modification time, so an edited template is read
# again.
_ENVIRONMENTS: dict[tuple[Path, ...], jinja2.Environment] = {}


def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    env = _ENVIRONMENTS.get(folders)
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters.update(FILTERS)
        _ENVIRONMENTS[folders] = env
    return env


class Templates:
    """The content templates of one campaign: its own folders, then the shipped ones."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(folders)
        self.env = _environment(self.folders)

    def source_of(self, name: str) -> Path:
        """The file a template name resolves to (the first folder that has it)."""
        for folder in self.folders:
            if (folder / name).is_file():
                return folder / name
        raise TemplateProblem(f"no template {name!r} in {', '.join(map(str, self.folders))}")

    def render(self, name: str, context: Mapping[str, Any]) -> LetterParts:
        """Render one template and read its markup; any problem names the template and line."""
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise TemplateProblem(
                f"no template {name!r} in {', '.join(map(str, self.folders))}"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            where = _where(exc.filename, name)
            problem = exc.message or "syntax error"
            raise TemplateProblem(problem, source=where, line=exc.lineno) from None
        try:
            text = template.render(context)
        except jinja2.TemplateError as exc:
            line = _template_line(template.filename)
            where = template.filename or name
            raise TemplateProblem(_message(exc), source=where, line=line) from None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            line = _template_line(template.filename)
            problem = f"{type(exc).__name__}: {exc}"
            raise TemplateProblem(problem, source=template.filename or name, line=line) from None
        try:
            return parse_letter(text)
        except MarkupError as exc:
            raise TemplateProblem(
                f"line {exc.line} of what it renders: {exc.detail}",
                source=_where(template.filename, name),
            ) from None


def compose(parts: LetterParts, header: Mapping[str, str], kind: str, form: str) -> Letter:
    """The letter: the template's parts under the header the issuer and the register decide."""
    return Letter(
        kind=kind,
        form="letter" if form == "letter" else "notice",
        parent_body=header["parent_body"],
        body=header["body"],
        number=header["number"],
        place_date=header["place_date"],
        type_name=header["type_name"],
        summary=parts.summary,
        blocks=tuple(parts.blocks),
        signers=tuple(parts.signers),
        recipients=tuple(parts.recipients),
        addressees=tuple(parts.addressees),
        appendices=tuple(parts.appendices),
    )


def _where(filename: str | None, name: str) -> str:
    return filename or name


def _message(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"{exc.message} (the template uses a value the engine does not give)"
    return exc.message or type(exc).__name__


def _template_line(filename: str | None) -> int | None:
    """The template line being rendered when it failed: jinja2 rewrites the traceback so its
    frames point into the template file."""
    if filename is None:
        return None
    tb = sys.exc_info()[2]
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            line = frame.lineno
    return line
