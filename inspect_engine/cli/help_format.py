"""Plain help text in the conventions of command-line tools.

Typer labels every parameter with its Python type (`CASE <int>`, `--json <bool>`, `{CASE}` for
a required argument in the usage line). This formatter writes them the way `--help` of most
tools does: `CASE`, `--as-of TEXT`, `--json`; it is installed on every command of the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from typer import _click  # Typer vendors Click; its help formatter has no public name
from typer.core import TyperGroup

_TYPE_TAG = re.compile(r" <([^<>]*)>")
_REQUIRED = re.compile(r"\{([^{}]+)\}")
_VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH"}


def _plain(term: str) -> str:
    def value_name(match: re.Match[str]) -> str:
        label = match.group(1)
        if not term.startswith("-") or label == "bool":
            return ""  # an argument's name says enough; a flag takes no value
        inner = label.removeprefix("list[").removesuffix("]")
        return " " + _VALUE_NAMES.get(inner, inner.upper())

    return _TYPE_TAG.sub(value_name, term)


class PlainHelpFormatter(_click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _REQUIRED.sub(r"\1", args), prefix)

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(_plain(term), text) for term, text in rows], *args, **kwargs)


class PlainHelpContext(typer.Context):
    formatter_class = PlainHelpFormatter


def install(commands: Iterable[_click.Command]) -> None:
    """Give each command (and those of its groups) the plain help formatter."""
    for command in commands:
        command.context_class = PlainHelpContext
        if isinstance(command, TyperGroup):
            install(command.commands.values())
