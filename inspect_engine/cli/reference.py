"""Generate the README's CLI reference from the CLI itself, so the two cannot drift.

`python -m inspect_engine.cli.reference --write README.md` rewrites the block between the
markers; a test fails when the README's block differs from what this prints. `--calendar
docs/calendar.md` writes the calendar page from the calendar table the same way.
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
        (p.metavar or p.name or "").upper()
        for p in command.params
        if p.param_type_name == "argument"
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


def replace_block(readme: str, block: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"README has no {START} ... {END} block")
    return pattern.sub(lambda _: block, readme)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="rewrite the block in this README")
    parser.add_argument("--calendar", type=Path, help="write the calendar page to this file")
    args = parser.parse_args(argv)
    if args.calendar:
        args.calendar.write_text(calendar.render_doc(), encoding="utf-8")
    if args.write:
        readme = args.write.read_text(encoding="utf-8")
        args.write.write_text(replace_block(readme, render()), encoding="utf-8")
    else:
        sys.stdout.write(render() + "\n")


if __name__ == "__main__":
    main()
