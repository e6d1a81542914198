"""What every command shares: the database option, output helpers, error handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from inspect_engine.errors import InputError, InspectError
from inspect_engine.settings import Settings
from inspect_engine.storage.db import make_engine, require_schema
from inspect_engine.storage.uow import UnitOfWork

JSON_HELP = "Print JSON (stable keys, documented in the README) instead of a table."


class ErrorHandlingGroup(TyperGroup):
    """Turns engine errors into one line on stderr and the documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InspectError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except OperationalError as exc:
            typer.echo(f"error: database: {str(exc.orig).splitlines()[0]}", err=True)
            raise typer.Exit(2) from None


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


@contextmanager
def unit_of_work(ctx: typer.Context, *, check_schema: bool = True) -> Iterator[UnitOfWork]:
    """A unit of work on the command's database; the handler opens its transaction(s)."""
    engine = make_engine(settings(ctx).db_url)
    try:
        if check_schema:
            require_schema(engine)
        uow = UnitOfWork(engine)
        try:
            yield uow
        finally:
            uow.close()
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(soft_wrap=True).print(table)


def write_file(path: Path, data: str | bytes) -> None:
    """Write an output file; a path that cannot be written is bad input, not a crash."""
    try:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", source=str(path)) from None


def say(message: str) -> None:
    typer.echo(message)
