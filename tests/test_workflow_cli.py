"""`inspect-engine workflow ...`: validate, list and draw definitions from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from inspect_engine.cli import app
from tests.conftest import REPO

V1 = REPO / "workflows" / "cchc-inspection" / "v1.yaml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_validate_accepts_the_shipped_definition() -> None:
    result = run("workflow", "validate", str(V1))
    assert result.exit_code == 0
    assert "cchc-inspection v1 is valid: 9 states" in result.stdout


def test_validate_names_the_line_of_a_mistake(tmp_path: Path) -> None:
    text = V1.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "dest: announced" in t)
    bad = tmp_path / "v1.yaml"
    bad.write_text(text.replace("dest: announced", "dest: anounced", 1), encoding="utf-8")
    result = run("workflow", "validate", str(bad))
    assert result.exit_code == 2
    assert f"v1.yaml:{line}" in result.stderr and "anounced" in result.stderr


def test_show_draws_a_mermaid_diagram_of_the_newest_version() -> None:
    result = run("workflow", "show", "cchc-inspection", "--mermaid")
    assert result.exit_code == 0
    assert result.stdout.startswith("stateDiagram-v2")
    assert "%% cchc-inspection v4" in result.stdout
    assert "[*] --> planned" in result.stdout
    assert "findings_drafted --> remediation : approve_conclusion [has_shortcomings]" in (
        result.stdout
    )
    assert "planned --> visited : record_unannounced_visit" in result.stdout
    v1 = run("workflow", "show", "cchc-inspection", "--version", "1", "--mermaid")
    assert "reinspection --> remediation" in v1.stdout


def test_list_finds_the_shipped_workflows() -> None:
    found = json.loads(run("workflow", "list", "--json").stdout)
    assert [{"name": w["name"], "version": w["version"]} for w in found] == [
        {"name": "cchc-inspection", "version": 1},
        {"name": "cchc-inspection", "version": 2},
        {"name": "cchc-inspection", "version": 3},
        {"name": "cchc-inspection", "version": 4},
    ]
