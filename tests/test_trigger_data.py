"""A trigger's data against its declared schema (domain/workflow/data_keys.py): the keys each
transition takes, their shapes and sizes, and a definition's `accepts:` for more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inspect_engine.domain.workflow.data_keys import (
    MAX_FINDINGS,
    OPTIONAL_DATA,
    REQUIREMENT_DATA,
    schema_for,
)
from inspect_engine.domain.workflow.machine import MissingData, check_data
from inspect_engine.domain.workflow.model import TransitionDef, WorkflowDefinition
from inspect_engine.domain.workflow.rules import REQUIREMENTS
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import InputError
from inspect_engine.storage.workflow_files import load_definition

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "workflows" / "cchc-inspection"
# The fingerprints the shipped definitions were stored with before `accepts:` existed: a field
# a definition does not use must not change them (cases running on them check it).
FINGERPRINTS = {
    1: "a70b993646d9bb3d5841c53cd489875d7a9104f9a2c558f469312b10f212163f",
    2: "2dc5f174f330f6a1c90dc5cb622c41df02ad269d3db9a0acfe81f99f643dcdbb",
    3: "c20b4883f61dcbd29c344329092537838e030035df64bfdea006070376f80071",
}
MINUTES = {
    "number": "07/BB-ĐKT",
    "visit_date": "2026-08-24",
    "team_participants": [{"name": "Trần Thị Lan", "position": "Trưởng đoàn"}],
    "unit_participants": [{"name": "Lê Văn Hùng", "position": "Giám đốc Sở"}],
}


def shipped(version: int) -> WorkflowDefinition:
    return load_definition(SHIPPED / f"v{version}.yaml")


def transition(defn: WorkflowDefinition, trigger: str, source: str | None = None) -> TransitionDef:
    return next(
        t
        for t in defn.transitions
        if t.trigger == trigger and (source is None or source in t.sources)
    )


def refused(defn: WorkflowDefinition, trigger: str, payload: dict[str, Any]) -> str:
    with pytest.raises(MissingData) as caught:
        check_data(defn, transition(defn, trigger), payload)
    assert caught.value.problems
    return str(caught.value)


def test_every_requirement_declares_its_data() -> None:
    assert set(REQUIREMENT_DATA) == set(REQUIREMENTS)
    for name, schema in REQUIREMENT_DATA.items():
        assert schema.required, f"requirement {name!r} requires no key"


@pytest.mark.parametrize("version", [1, 2, 3])
def test_the_shipped_fingerprints_are_unchanged(version: int) -> None:
    defn = shipped(version)
    assert defn.fingerprint() == FINGERPRINTS[version]
    assert all(not t.accepts for t in defn.transitions)


def test_a_key_no_transition_takes_is_refused_with_a_hint() -> None:
    v3 = shipped(3)
    line = refused(v3, "cancel", {"reason": "Sáp nhập", "reasno": "x"})
    assert "cancel does not take 'reasno' (did you mean 'reason'?)" in line
    assert "it takes: note, reason" in line
    assert "announce does not take 'visit_date'" in refused(v3, "announce", {"visit_date": "x"})
    # a trigger with no requirement takes a note, and only that
    check_data(v3, transition(v3, "announce"), {"note": "Đã gọi điện báo trước"})
    check_data(v3, transition(v3, "announce"), {})


def test_nested_keys_types_and_sizes_are_checked() -> None:
    v3 = shipped(3)
    assert "minutes.signed is not a minutes field" in refused(
        v3, "record_visit", {"minutes": {**MINUTES, "signed": True}}
    )
    bad_team = [{"name": "Lan", "position": "Trưởng đoàn", "phone": "0912"}]
    assert "minutes.team_participants[0].phone is not a participant field" in refused(
        v3, "record_visit", {"minutes": {**MINUTES, "team_participants": bad_team}}
    )
    long_name = [{"name": "L" * 501, "position": "x"}]
    assert "minutes.unit_participants[0].name is 501 characters, more than 500" in refused(
        v3, "record_visit", {"minutes": {**MINUTES, "unit_participants": long_name}}
    )
    two_lines = {**MINUTES, "number": "07/BB\n-ĐKT"}
    assert "minutes.number must be one line" in refused(v3, "record_visit", {"minutes": two_lines})
    far = {**MINUTES, "visit_date": "2999-01-01"}
    assert "minutes.visit_date 2999-01-01 is not in the years 2000-2100" in refused(
        v3, "record_visit", {"minutes": far}
    )
    finding = {"area": "Cải cách thể chế", "severity": "minor", "text": "Chậm"}
    many = {"findings": [finding] * (MAX_FINDINGS + 1)}
    assert f"findings has {MAX_FINDINGS + 1} items, more than {MAX_FINDINGS}" in refused(
        v3, "record_findings", many
    )
    days = {
        "date": "2026-09-07",
        "remedies": [{"finding": 0, "remedy": "x", "due_working_days": None}],
    }
    assert (
        "conclusion.remedies[0].due_working_days must be a whole number from 1 to 250"
        in refused(v3, "approve_conclusion", {"conclusion": days})
    )
    nan = {"submission": {"received_on": "2026-08-05", "appendices": ["Phụ lục 1"],
                          "figures": {"Phụ lục 1": [{"so_luong": float("nan")}]}}}  # fmt: skip
    assert "submission.figures['Phụ lục 1'][0].so_luong must be text or a number" in refused(
        v3, "receive_submission", nan
    )


def test_the_engines_own_keys_pass() -> None:
    """What the planner, the simulation and the worker send (previous dates, the deadline)."""
    for version in (1, 2, 3):
        defn = shipped(version)
        moved = {
            "visit_date": "2026-10-05",
            "team": "Đoàn 2",
            "reason": "replan",
            "previous_date": "2026-09-28",
            "previous_team": None,
        }
        for t in defn.transitions:
            if t.trigger == "reschedule":
                check_data(defn, t, moved)
    v3 = shipped(3)
    late = {"deadline": {"id": 4, "kind": "submission_due", "due": "2026-08-20", "started_by": 3}}
    check_data(v3, transition(v3, "mark_submission_late"), late)
    check_data(v3, transition(v3, "mark_submission_late"), {})  # by hand, as role system
    assert "deadline.id must be a whole number" in refused(
        v3, "mark_submission_late", {"deadline": {**late["deadline"], "id": "4"}}
    )
    assert "cancel does not take 'deadline'" in refused(v3, "cancel", {"reason": "x", **late})


ACCEPTING = """\
name: mini
version: 4
initial: a
terminal: [z]
states:
  - name: a
  - name: z
transitions:
  - trigger: finish
    source: [a]
    dest: z
    roles: [team_lead]
    requires: [reason]
    accepts: [documents, team]
"""


def test_a_definition_accepts_optional_keys() -> None:
    defn = parse_definition(ACCEPTING, "mini.yaml")
    t = transition(defn, "finish")
    assert t.accepts == ("documents", "team")
    assert list(schema_for(defn, t).keys) == ["note", "reason", "documents", "team"]
    check_data(defn, t, {"reason": "xong", "documents": ["BC 12/BC-UBND"], "team": "Đoàn 1"})
    assert "documents[0] must be a non-empty string" in refused(
        defn, "finish", {"reason": "x", "documents": [7]}
    )
    assert defn.to_json()["transitions"][0]["accepts"] == ["documents", "team"]
    without = parse_definition(ACCEPTING.replace("    accepts: [documents, team]\n", ""), "m")
    assert without.fingerprint() != defn.fingerprint()


@pytest.mark.parametrize(
    ("accepts", "line", "message"),
    [
        ("[attachments]", 14, "unknown data key 'attachments'"),
        ("[team, team]", 14, "data key 'team' is listed twice"),
        ("[reason]", 14, "data key 'reason' is already taken by requirement 'reason'"),
        ("team", 14, "transitions[0].accepts must be a list"),
    ],
)
def test_accepts_mistakes_name_the_line(accepts: str, line: int, message: str) -> None:
    text = ACCEPTING.replace("[documents, team]", accepts)
    with pytest.raises(InputError) as caught:
        parse_definition(text, "mini.yaml")
    assert f"mini.yaml:{line}" in str(caught.value) and message in str(caught.value)
    assert "transitions[0].accepts" in str(caught.value)


def test_every_optional_key_has_a_shape() -> None:
    for key, shape in OPTIONAL_DATA.items():
        assert shape.problems(None, key), f"{key} accepts null"
