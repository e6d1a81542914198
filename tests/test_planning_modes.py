"""Which cases the planner handles is the workflow's to say (`planning:` per state)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_engine.domain.workflow.model import WorkflowDefinitionError
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from tests.conftest import EXAMPLES, Cli

SHIPPED = Path(__file__).resolve().parent.parent / "workflows" / "cchc-inspection" / "v1.yaml"
LEAD = ("--actor", "lan", "--role", "team_lead")

# A province's own workflow: other state names, the same planning semantics.
PROVINCE = """
name: kiem-tra-tinh
version: 1
initial: du_kien
terminal: [xong]
states:
  - {name: du_kien, planning: movable}
  - {name: da_bao, planning: locked}
  - {name: chuan_bi, planning: fixed}
  - {name: xong}
transitions:
  - {trigger: bao, source: [du_kien], dest: da_bao, roles: [team_lead]}
  - {trigger: chuan_bi_ho_so, source: [da_bao], dest: chuan_bi, roles: [team_lead]}
  - {trigger: ket_thuc, source: [chuan_bi], dest: xong, roles: [team_lead]}
  - {trigger: reschedule, source: [du_kien, da_bao], dest: "=", roles: [team_lead, system],
     requires: [visit_date]}
"""


def test_the_shipped_workflow_declares_its_planning_modes() -> None:
    defn = parse_definition(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))
    assert defn.planning_modes() == {
        "planned": "movable",
        "announced": "locked",
        "evidence_requested": "fixed",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("{name: du_kien, planning: movable}", None),
        ("{name: du_kien, planning: sometimes}", "unknown planning mode 'sometimes'"),
        ("{name: xong, planning: fixed}", "terminal state 'xong' cannot be planned"),
    ],
)
def test_planning_modes_are_checked(change: str, message: str | None) -> None:
    text = PROVINCE.replace(
        "{name: xong}" if "xong" in change else "{name: du_kien, planning: movable}", change
    )
    if message is None:
        assert parse_definition(text, "p.yaml").planning_modes()["du_kien"] == "movable"
        return
    with pytest.raises(WorkflowDefinitionError, match=message) as info:
        parse_definition(text, "p.yaml")
    assert info.value.field is not None and info.value.field.endswith(".planning")
    assert info.value.line is not None


def test_a_movable_state_must_allow_the_reschedule_trigger() -> None:
    text = PROVINCE.replace("source: [du_kien, da_bao], dest", "source: [du_kien], dest")
    with pytest.raises(WorkflowDefinitionError, match="'reschedule' trigger") as info:
        parse_definition(text, "p.yaml")
    assert info.value.field == "states[1].planning"


def _province_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workflow: str) -> Path:
    folder = tmp_path / "wf" / "kiem-tra-tinh"
    folder.mkdir(parents=True)
    (folder / "v1.yaml").write_text(workflow, encoding="utf-8")
    monkeypatch.setenv("INSPECT_WORKFLOWS_PATH", str(tmp_path / "wf"))
    spec = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
    spec = spec.replace('key = "hanoi-2026"', 'key = "tinh-2026"')
    spec += '\n[workflow]\nname = "kiem-tra-tinh"\n'
    path = tmp_path / "tinh.toml"
    path.write_text(spec, encoding="utf-8")
    return path


def test_a_province_workflow_plans_by_its_own_states(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _province_campaign(tmp_path, monkeypatch, PROVINCE)
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    created = cli("campaign", "create", str(spec))
    assert created.exit_code == 0, created.stderr
    first = cli("plan", "tinh-2026", "--as-of", "2026-07-27", "--json")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["visits"] == 141
    plan = json.loads(cli("plan", "show", "tinh-2026", "--json").stdout)
    locked = plan[0]
    fixed = next(v for v in plan if (v["team"], v["date"]) != (locked["team"], locked["date"]))
    assert cli("case", "advance", str(locked["case_id"]), "bao", *LEAD).exit_code == 0
    for trigger in ("bao", "chuan_bi_ho_so"):
        assert cli("case", "advance", str(fixed["case_id"]), trigger, *LEAD).exit_code == 0
    # The locked visit's team is off on its day: only a forced re-plan may move it; the fixed
    # visit stays where it is.
    day_off = ("--team", locked["team"], locked["date"])
    assert cli("plan", "team-off", "tinh-2026", *day_off).exit_code == 0
    replan = cli("plan", "tinh-2026", "--replan", "--force", "--as-of", "2026-07-27", "--json")
    assert replan.exit_code == 0, replan.stderr
    after = {v["case_id"]: v for v in json.loads(cli("plan", "show", "tinh-2026", "--json").stdout)}
    assert (after[fixed["case_id"]]["team"], after[fixed["case_id"]]["date"]) == (
        fixed["team"],
        fixed["date"],
    )
    assert after[locked["case_id"]]["state"] == "da_bao"
    assert (after[locked["case_id"]]["team"], after[locked["case_id"]]["date"]) != (
        locked["team"],
        locked["date"],
    )


def test_a_workflow_without_planning_modes_has_nothing_to_plan(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = PROVINCE.replace(", planning: movable", "").replace(", planning: locked", "")
    bare = bare.replace(", planning: fixed", "")
    spec = _province_campaign(tmp_path, monkeypatch, bare)
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(spec)).exit_code == 0
    result = cli("plan", "tinh-2026", "--as-of", "2026-07-27")
    assert result.exit_code == 2
    assert "no case left to plan" in result.stderr
