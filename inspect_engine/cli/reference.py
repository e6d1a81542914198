"""Generate the CLI reference in docs/cli.md from the CLI itself, so the two cannot drift.

`python -m inspect_engine.cli.reference --write docs/cli.md` (`make docs`) rewrites the block
between the markers; `--check docs/cli.md` exits 1 when the block differs from the CLI, and so
does a test. `--calendar docs/calendar.md` writes the calendar page from the calendar table the
same way.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from inspect_engine.cli import calendar
from inspect_engine.cli.app import app

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def commands(group: Any, path: tuple[str, ...] = ("inspect-engine",)) -> Iterator[tuple[str, Any]]:
    """Every leaf command as (full command path, click command), in CLI order."""
    for name, command in group.commands.items():
        full = (*path, name)
        if hasattr(command, "commands"):
            yield from commands(command, full)
        else:
            yield " ".join(full), command


def _usage(path: str, command: Any) -> str:
    args = [
        name if p.required else f"[{name}]"
        for p in command.params
        if p.param_type_name == "argument"
        for name in [(p.metavar or p.name or "").upper()]
    ]
    has_options = any(p.param_type_name == "option" for p in command.params)
    subcommand = ["COMMAND"] if hasattr(command, "commands") else []
    return " ".join([path, *(["[OPTIONS]"] if has_options else []), *subcommand, *args])


def render() -> str:
    root = typer.main.get_command(app)
    lines = [START, ""]
    for path, command in [("inspect-engine", root), *commands(root)]:
        lines += [f"### `{_usage(path, command)}`", ""]
        for paragraph in (command.help or "").strip().split("\n\n"):
            text = " ".join(line.strip() for line in paragraph.splitlines())
            if text.startswith("Example: "):
                text = f"Example: `{text.removeprefix('Example: ')}`"
            lines += [text, ""]
        options = [p for p in command.params if p.param_type_name == "option"]
        if options:
            lines += ["| option | meaning |", "| --- | --- |"]
            for option in options:
                names = ", ".join(f"`{o}`" for o in option.opts)
                lines.append(f"| {names} | {(option.help or '').replace('|', '/')} |")
            lines.append("")
    lines.append(END)
    return "\n".join(lines)


def replace_block(document: str, block: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(document):
        raise ValueError(f"no {START} ... {END} block")
    return pattern.sub(lambda _: block, document)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, help="rewrite the block in this file")
    action.add_argument("--check", type=Path, help="exit 1 if the block in this file is stale")
    parser.add_argument("--calendar", type=Path, help="write the calendar page to this file")
    args = parser.parse_args(argv)
    if args.calendar:
        args.calendar.write_text(calendar.render_doc(), encoding="utf-8")
    path: Path | None = args.write or args.check
    if path is None:
        if not args.calendar:
            sys.stdout.write(render() + "\n")
        return
    try:
        document = path.read_text(encoding="utf-8")
        updated = replace_block(document, render())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    if args.check:
        if updated != document:
            raise SystemExit(f"{path}: the CLI reference is stale; run `make docs`")
    elif updated != document:
        path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
