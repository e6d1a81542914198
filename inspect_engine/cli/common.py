"""What every command shares: the runtime, output helpers, error handling.

Nothing heavy is imported here at module level (no SQLAlchemy, no rich): every command pays
for this module, `--help` included. Commands import their services inside the function.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer import _click  # Typer vendors Click: its usage errors have no public name
from typer.core import TyperGroup

from inspect_engine.bootstrap import Runtime
from inspect_engine.cli.help_format import PlainHelpContext
from inspect_engine.cli.help_format import install as install_plain_help
from inspect_engine.domain.input_limits import MAX_DEPTH, MAX_PAYLOAD_BYTES
from inspect_engine.errors import InputError, InspectError

if TYPE_CHECKING:
    from inspect_engine.storage.uow import UnitOfWork

JSON_HELP = "Print JSON (stable keys, documented in docs/json.md) instead of a table."
# Parameters many commands share, declared once (Typer reads them as defaults).
AS_JSON = typer.Option(False, "--json", help=JSON_HELP)
CAMPAIGN_KEY = typer.Argument(..., metavar="KEY", help="Campaign key.")
CASE_ID = typer.Argument(..., metavar="CASE", help="Case id.")


class ErrorHandlingGroup(TyperGroup):
    """The root command: plain help on every command, and engine errors turned into one line
    on stderr with the documented exit code."""

    context_class = PlainHelpContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_plain_help(self.commands.values())

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InspectError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except _click.exceptions.NoArgsIsHelpError:
            raise
        except _click.exceptions.UsageError as exc:
            # A bad option or argument is bad input like any other: one line, exit 2 (click
            # would print the usage and a hint around it).
            typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            typer.echo(f"error: database: {message}", err=True)
            raise typer.Exit(2) from None


# What PostgreSQL refuses to an account that may not write (docs/audit-readonly.md): a
# read-only transaction, a missing privilege.
_REFUSED_WRITES = {
    "25006": "this database account may only read",
    "42501": "this database account has no right to do this",
}


def _database_error(exc: Exception) -> str | None:
    """The first line of a driver error, if `exc` is one: wrapped by SQLAlchemy, or raw from
    the engine's hot path, which talks to the driver (SQLAlchemy and the drivers are only
    loaded by the commands that use a database, so only look for their errors when they are)."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DatabaseError

    if isinstance(exc, DatabaseError):
        error: BaseException = exc.orig or exc
    elif _is_driver_error(exc):
        error = exc
    else:
        return None
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    refused = _REFUSED_WRITES.get(str(getattr(error, "sqlstate", "")))
    return f"{refused} ({first})" if refused else first


def _is_driver_error(exc: Exception) -> bool:
    sqlite3 = sys.modules.get("sqlite3")
    psycopg = sys.modules.get("psycopg")
    return (sqlite3 is not None and isinstance(exc, sqlite3.Error)) or (
        psycopg is not None and isinstance(exc, psycopg.Error)
    )


def new_app(help: str, **options: Any) -> typer.Typer:
    """A command group: help as plain text (Typer's rich help costs 40 ms at every start and
    prints type tags such as `<bool>`), no arguments shows the help."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, **options)


def runtime(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


@contextmanager
def unit_of_work(ctx: typer.Context, *, schema: str = "require") -> Iterator[UnitOfWork]:
    """The command's unit of work, from the runtime the root command built."""
    with runtime(ctx).unit_of_work(schema=schema) as uow:
        yield uow


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table on a terminal; tab-separated rows with a header when piped, so that scripts and
    `grep` see whole values rather than cells squeezed to 80 columns."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if not sys.stdout.isatty():
        if title:
            sys.stdout.write(f"# {title}\n")
        for line in (list(columns), *cells):
            sys.stdout.write("\t".join(c.replace("\t", " ").replace("\n", " ") for c in line))
            sys.stdout.write("\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in cells:
        table.add_row(*row)
    Console(soft_wrap=True).print(table)


def write_file(path: Path, data: str | bytes) -> None:
    """Write an output file; a path that cannot be written is bad input, not a crash."""
    try:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", source=str(path)) from None


# Twice the largest data a trigger accepts (domain/input_limits.py): the file may be indented.
MAX_DATA_FILE_BYTES = 2 * MAX_PAYLOAD_BYTES


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in a data file (UTF-8, a byte order mark allowed); an unreadable file,
    a key given twice, NaN or Infinity, or anything but an object is bad input naming the
    file."""
    from inspect_engine.domain.text import decode_utf8

    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DATA_FILE_BYTES:
            raise InputError(
                f"the file is {size:,} bytes, more than a data file's {MAX_DATA_FILE_BYTES:,}",
                source=source,
            )
        text = decode_utf8(path.read_bytes(), source)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=source) from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_repeats,
            parse_constant=_no_constant,
            parse_float=_finite,
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"not UTF-8 JSON: {exc}", source=source, line=exc.lineno) from None
    except _Refused as exc:
        raise InputError(str(exc), source=source, line=_line_of(text, exc.token)) from None
    except ValueError as exc:  # an integer of thousands of digits
        raise InputError(f"not a plain JSON value: {exc}", source=source) from None
    except RecursionError:
        raise InputError(
            f"nested deeper than Python can read (a data file nests at most {MAX_DEPTH} levels)",
            source=source,
        ) from None
    if not isinstance(data, dict):
        raise InputError("the data must be a JSON object", source=source, line=1)
    return data


class _Refused(ValueError):
    """JSON the standard allows but the engine does not; `token` finds its line."""

    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.token = token


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are each given once (json keeps the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"key {key!r} is given twice", json.dumps(key, ensure_ascii=False))
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON numbers (Python reads them, nothing else does)."""
    raise _Refused(f"{name} is not a number JSON allows", name)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"{text} is beyond any number a data file holds", text)
    return number


def _line_of(text: str, token: str) -> int | None:
    """The line of the last occurrence of `token`: the repeat of a key, or the constant."""
    at = text.rfind(token)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def say(message: str) -> None:
    typer.echo(message)
