"""The docs stay true to the CLI: a generated command reference, a README that starts with the
two commands that work, and links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from inspect_engine.cli.app import app
from inspect_engine.cli.reference import END, START, commands, main, render
from tests.conftest import REPO

CLI_DOC = REPO / "docs" / "cli.md"
# Written on another branch at the same time; drop once it is merged.
LINK_RE = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE_RE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
COMMAND_RE = re.compile(r"(\.venv/bin/)?inspect-engine ")


def _block(text: str) -> str:
    found = re.search(re.escape(START) + ".*?" + re.escape(END), text, re.S)
    assert found, "docs/cli.md lacks the CLI reference block"
    return found.group(0)


def test_cli_reference_matches_the_cli() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    assert _block(doc) == render(), "docs/cli.md is stale: run `make docs`"


def test_reference_check_fails_on_drift_and_write_repairs_it(tmp_path: Path) -> None:
    stale = tmp_path / "cli.md"
    text = CLI_DOC.read_text(encoding="utf-8").replace("Pin a visit", "Pin a vist")
    stale.write_text(text, encoding="utf-8")

    with pytest.raises(SystemExit) as failed:
        main(["--check", str(stale)])
    assert "stale" in str(failed.value.code)
    assert stale.read_text(encoding="utf-8") == text, "--check never writes"

    main(["--write", str(stale)])
    assert stale.read_text(encoding="utf-8") == CLI_DOC.read_text(encoding="utf-8")
    main(["--check", str(stale)])


def test_every_command_has_help_with_an_example() -> None:
    missing = [
        path
        for path, command in commands(typer.main.get_command(app))
        if "Example: inspect-engine" not in (command.help or "")
    ]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_section = readme.split("\n## ", 1)[1]
    assert first_section.startswith("Quick start\n")
    first_block = FENCE_RE.search(first_section)
    assert first_block and first_block.group(1) == "make demo\nmake test\n"


def test_readme_puts_the_command_on_path_before_using_it() -> None:
    """After `make demo` the engine is in .venv: the first command shown must reach it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for block in FENCE_RE.findall(readme):
        lines = block.splitlines()
        uses = [i for i, line in enumerate(lines) if COMMAND_RE.match(line)]
        if uses:
            first = uses[0]
            assert lines[first].startswith(".venv/bin/") or ". .venv/bin/activate" in lines[:first]
            return
    pytest.fail("README shows no inspect-engine command")


def _documents() -> list[Path]:
    folders = ("docs", "workflows", "notices", "examples", "bench/data")
    return [REPO / "README.md", *(p for f in folders for p in sorted((REPO / f).glob("*.md")))]


def test_links_in_the_docs_lead_to_files_of_the_repository() -> None:
    broken = []
    for doc in _documents():
        for target in LINK_RE.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            inside = path.is_relative_to(REPO.resolve())
            if not inside or not (path.exists()):
                broken.append(f"{doc.relative_to(REPO)}: {target}")
    assert broken == []
