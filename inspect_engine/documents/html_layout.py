"""The HTML preview of a `Letter`: one self-contained page (inline CSS, no fonts or images to
fetch) that looks like the printed letter and prints on A4, each appendix on a new sheet. The
layout is the Jinja2 template `layouts/letter.html.j2`; every value of the letter is
escaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from inspect_engine.documents.letter_parts import (
    FIRST_LINE_INDENT_CM,
    HEADER_LEFT_MM,
    MARGINS_MM,
    MOTTO,
    NATIONAL_TITLE,
    RECIPIENTS_TITLE,
    SIGN_SPACE_PT,
    SUBJECT_PREFIX,
    addressee_lines,
    is_landscape,
    recipient_lines,
    text_width_mm,
)
from inspect_engine.domain.documents.letter import AppendixPage, Figure, Letter, Table


def _is_table(block: object) -> bool:
    return isinstance(block, Table)


def _is_figure(block: object) -> bool:
    return isinstance(block, Figure)


def _is_landscape(page: object) -> bool:
    return isinstance(page, AppendixPage) and is_landscape(page)


def column_percents(table: Table) -> list[float]:
    total = sum(table.widths) or 1.0
    return [round(100 * w / total, 3) for w in table.widths]


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("inspect_engine.documents", "layouts"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.tests["table"] = _is_table
    environment.tests["figure"] = _is_figure
    environment.tests["landscape"] = _is_landscape
    environment.globals["column_percents"] = column_percents
    return environment


def render_html(letter: Letter) -> str:
    """The letter as an HTML page (lang="vi", UTF-8) laid out like its print."""
    template = _environment().get_template("letter.html.j2")
    return template.render(_context(letter))


def _context(letter: Letter) -> dict[str, Any]:
    title = " ".join(p for p in (letter.number, letter.type_name, letter.summary) if p)
    return {
        "letter": letter,
        "title": title,
        "margins": MARGINS_MM,
        "indent_cm": FIRST_LINE_INDENT_CM,
        "header_left_percent": round(100 * HEADER_LEFT_MM / text_width_mm(), 3),
        "sign_space_pt": SIGN_SPACE_PT,
        "national_title": NATIONAL_TITLE,
        "motto": MOTTO,
        "subject_prefix": SUBJECT_PREFIX,
        "recipients_title": RECIPIENTS_TITLE,
        "recipients": recipient_lines(letter.recipients),
        "addressees": addressee_lines(letter.addressees),
    }
