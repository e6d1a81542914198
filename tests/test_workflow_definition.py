"""Workflow definitions: loader checks (one per mistake), the shipped workflow, the machine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspect_engine.domain.workflow.machine import (
    CaseModel,
    GuardRejected,
    IllegalTrigger,
    MissingData,
    RoleNotAllowed,
    build_machine,
    check_requirements,
    check_role,
    entry_effects,
    fire,
    fire_on_machine,
    needs_history,
)
from inspect_engine.domain.workflow.model import WorkflowDefinition, WorkflowDefinitionError
from inspect_engine.domain.workflow.rules import (
    GUARDS,
    REFORM_AREAS,
    REQUIREMENTS,
    GuardContext,
)
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import InputError, NotFound
from inspect_engine.storage.workflow_files import (
    default_workflows_dir,
    find_definition,
    list_definitions,
    load_definition,
)

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "workflows" / "cchc-inspection" / "v1.yaml"

SERIOUS = {"findings": [{"area": 2, "severity": "serious", "text": "Chưa công khai TTHC"}]}
MINOR = {"findings": [{"area": 4, "severity": "minor", "text": "Thiếu báo cáo quý"}]}
FLAGGED = {"findings": [{"area": 5, "severity": "minor", "text": "x", "reinspection": True}]}
CLEAN = {"findings": [{"area": 1, "severity": "none", "text": "Không có tồn tại"}]}
REPORT = {"summary": "Đã khắc phục", "documents": ["BC 12/BC-UBND"]}

# Line numbers below refer to this text.
BASE = """\
name: mini
version: 1
initial: a
terminal: [z]
states:
  - name: a
  - name: b
    on_enter:
      - {effect: start_deadline, deadline: d1}
  - name: z
transitions:
  - trigger: go
    source: [a]
    dest: b
    roles: [team_lead]
  - trigger: finish
    source: [b]
    dest: z
    roles: [team_lead]
"""

EXTRA_STATE = "  - name: z\n"
EXTRA_TRANSITION = "    roles: [team_lead]\n"  # replaced at its last occurrence


def _with(old: str, new: str, *, last: bool = False) -> str:
    assert old in BASE, old
    if last:
        head, _, tail = BASE.rpartition(old)
        return head + new + tail
    return BASE.replace(old, new, 1)


def _add_transition(text: str) -> str:
    return BASE + text


# (text, words the message must contain, field, line); one entry per mistake.
MISTAKES: dict[str, tuple[str, list[str], str | None, int | None]] = {
    "yaml syntax": (_with("terminal: [z]", "terminal: [z"), ["not valid YAML"], None, 5),
    "duplicate yaml key": (
        _with("    dest: b\n", "    dest: b\n    dest: z\n"),
        ["'dest' is given twice"],
        "transitions[0].dest",
        15,
    ),
    "not a mapping": ("- just\n- a list\n", ["must be a mapping"], None, None),
    "missing name": (_with("name: mini\n", ""), ["missing 'name'"], None, None),
    "invalid name": (_with("name: mini", "name: Mini Flow"), ["'Mini Flow'"], "name", 1),
    "version zero": (_with("version: 1", "version: 0"), ["positive whole"], "version", 2),
    "version text": (_with("version: 1", "version: one"), ["'one'"], "version", 2),
    "missing version": (_with("version: 1\n", ""), ["missing 'version'"], None, None),
    "unknown top-level key": (
        _with("version: 1\n", "version: 1\ntitel: Mini\n"),
        ["unknown key 'titel'", "did you mean 'title'"],
        "titel",
        3,
    ),
    "unknown state key": (
        _with("  - name: a\n", "  - name: a\n    lable: A\n"),
        ["unknown key 'lable'", "did you mean 'label'"],
        "states[0].lable",
        7,
    ),
    "unknown transition key": (
        _with("    dest: b\n", "    dest: b\n    guard: [no_shortcomings]\n"),
        ["unknown key 'guard'", "did you mean 'guards'"],
        "transitions[0].guard",
        15,
    ),
    "missing dest": (_with("    dest: b\n", ""), ["missing 'dest'"], "transitions[0]", 12),
    "duplicate state": (
        _with(EXTRA_STATE, "  - name: b\n" + EXTRA_STATE),
        ["duplicate state 'b'", "states[1]"],
        "states[2].name",
        10,
    ),
    "bad state name": (_with("  - name: a\n", "  - name: A-1\n"), ["'A-1'"], "states[0].name", 6),
    "unknown initial": (_with("initial: a", "initial: q"), ["unknown state 'q'"], "initial", 3),
    "initial is terminal": (
        _with("initial: a", "initial: z"),
        ["cannot be terminal"],
        "initial",
        3,
    ),
    "unknown terminal": (
        _with("terminal: [z]", "terminal: [zz]"),
        ["unknown state 'zz'"],
        "terminal[0]",
        4,
    ),
    "unknown source": (
        _with("source: [b]", "source: [bb]"),
        ["unknown state 'bb'"],
        "transitions[1].source[0]",
        17,
    ),
    "source not a list": (
        _with("source: [b]", "source: b"),
        ["list of states or '*'"],
        "transitions[1].source",
        17,
    ),
    "unknown dest": (
        _with("dest: z", "dest: zed"),
        ["unknown state 'zed'"],
        "transitions[1].dest",
        18,
    ),
    "unreachable state": (
        _with(EXTRA_STATE, EXTRA_STATE + "  - name: lost\n"),
        ["'lost' is unreachable", "initial state 'a'"],
        "states[3].name",
        11,
    ),
    "dead end": (
        _add_transition(
            "  - trigger: stray\n    source: [a]\n    dest: y\n    roles: [team_lead]\n"
        ).replace(EXTRA_STATE, EXTRA_STATE + "  - name: y\n"),
        ["'y' is a dead end", "no transition leaves it"],
        "states[3].name",
        11,
    ),
    "trap without a path to a terminal state": (
        _add_transition(
            "  - trigger: stray\n    source: [a]\n    dest: y\n    roles: [team_lead]\n"
            "  - trigger: hop\n    source: [y]\n    dest: w\n    roles: [team_lead]\n"
            "  - trigger: back\n    source: [w]\n    dest: y\n    roles: [team_lead]\n"
        ).replace(EXTRA_STATE, EXTRA_STATE + "  - name: y\n  - name: w\n"),
        ["'y' is a dead end", "no path leads from it to a terminal state (z)"],
        "states[3].name",
        11,
    ),
    "terminal with outgoing transition": (
        _add_transition(
            "  - trigger: reopen\n    source: [z]\n    dest: b\n    roles: [team_lead]\n"
        ),
        ["terminal state 'z' cannot have outgoing transitions"],
        "transitions[2].source[0]",
        21,
    ),
    "duplicate trigger": (
        _add_transition(
            "  - trigger: finish\n    source: [b]\n    dest: a\n    roles: [team_lead]\n"
        ),
        ["duplicate trigger 'finish' from state 'b'", "transitions[1]"],
        "transitions[2].trigger",
        20,
    ),
    "alternative that can never fire": (
        _add_transition(
            "  - trigger: finish\n    source: [b]\n    dest: a\n    roles: [team_lead]\n"
            "    guards: [has_shortcomings]\n"
        ),
        ["can never take this transition", "transitions[1] is tried first"],
        "transitions[2].guards",
        24,
    ),
    "roles differ between alternatives": (
        _with(
            "    dest: z\n    roles: [team_lead]\n",
            "    dest: z\n    roles: [team_lead]\n    guards: [no_shortcomings]\n"
            "  - trigger: finish\n    source: [b]\n    dest: a\n    roles: [unit]\n"
            "    guards: [has_shortcomings]\n",
        ),
        ["trigger 'finish' allows roles unit here", "same roles"],
        "transitions[2].roles",
        24,
    ),
    "reserved trigger": (
        _with("trigger: go", "trigger: migrate"),
        ["'migrate' is reserved"],
        "transitions[0].trigger",
        12,
    ),
    "unknown guard": (
        _with("    dest: b\n", "    dest: b\n    guards: [is_ready]\n"),
        ["unknown guard 'is_ready'", "has_shortcomings"],
        "transitions[0].guards[0]",
        15,
    ),
    "unknown effect": (
        _with("effect: start_deadline", "effect: start_deadlin"),
        ["unknown effect 'start_deadlin'", "did you mean 'start_deadline'"],
        "states[1].on_enter[0].effect",
        9,
    ),
    "unknown effect argument": (
        _with("deadline: d1}", "deadline: d1, days: 3}"),
        ["unknown argument 'days' of effect 'start_deadline'", "working_days"],
        "states[1].on_enter[0].days",
        9,
    ),
    "start_deadline without deadline": (
        _with("{effect: start_deadline, deadline: d1}", "{effect: start_deadline}"),
        ["effect 'start_deadline' needs the argument 'deadline'"],
        "states[1].on_enter[0]",
        9,
    ),
    "issue_notice without notice": (
        _with("{effect: start_deadline, deadline: d1}", "{effect: issue_notice}"),
        ["effect 'issue_notice' needs the argument 'notice'"],
        "states[1].on_enter[0]",
        9,
    ),
    "issue_notice with another effect's argument": (
        _with("{effect: start_deadline, deadline: d1}", "{effect: issue_notice, deadline: d1}"),
        ["unknown argument 'deadline' of effect 'issue_notice'", "arguments: notice"],
        "states[1].on_enter[0].deadline",
        9,
    ),
    "cancel_deadline without deadline": (
        _with("{effect: start_deadline, deadline: d1}", "{effect: cancel_deadline}"),
        ["effect 'cancel_deadline' needs the argument 'deadline'"],
        "states[1].on_enter[0]",
        9,
    ),
    "unknown requirement": (
        _with("    dest: b\n", "    dest: b\n    requires: [evidence]\n"),
        ["unknown requirement 'evidence'", "findings"],
        "transitions[0].requires[0]",
        15,
    ),
    "unknown role": (
        _with("roles: [team_lead]", "roles: [boss]"),
        ["unknown role 'boss'", "team_lead, inspector, unit, signer, system"],
        "transitions[0].roles[0]",
        15,
    ),
    "auditor role": (
        _with("roles: [team_lead]", "roles: [team_lead, auditor]"),
        ["role 'auditor' may not fire triggers", "only reads"],
        "transitions[0].roles[1]",
        15,
    ),
    "empty roles": (
        _with("roles: [team_lead]", "roles: []"),
        ["must not be empty"],
        "transitions[0].roles",
        15,
    ),
}


@pytest.mark.parametrize("case", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_reported_with_its_place(
    case: tuple[str, list[str], str | None, int | None],
) -> None:
    text, words, field, line = case
    with pytest.raises(WorkflowDefinitionError) as caught:
        parse_definition(text, "mini.yaml")
    error = caught.value
    assert isinstance(error, InputError)
    message = str(error)
    assert message.startswith("mini.yaml"), message
    for word in words:
        assert word in message, message
    assert error.field == field, message
    if line is not None:
        assert error.line == line, message
        assert f"mini.yaml:{line}" in message
    if field is not None:
        assert f"field '{field}'" in message


def test_the_base_text_is_valid_and_guarded_alternatives_are_allowed() -> None:
    assert parse_definition(BASE, "mini.yaml").name == "mini"
    text = _with(
        "    dest: z\n    roles: [team_lead]\n",
        "    dest: z\n    roles: [team_lead]\n    guards: [no_shortcomings]\n"
        "  - trigger: finish\n    source: [b]\n    dest: a\n    roles: [team_lead]\n"
        "    guards: [has_shortcomings]\n",
    )
    defn = parse_definition(text, "mini.yaml")
    assert [t.dest for t in defn.transitions_for("finish", "b")] == ["z", "a"]


def test_a_bare_equals_sign_and_numeric_effect_arguments_are_read() -> None:
    text = _with("deadline: d1}", "deadline: d1, working_days: 10}") + (
        "  - trigger: wait\n    source: [b]\n    dest: =\n    roles: [system]\n"
    )
    defn = parse_definition(text, "mini.yaml")
    assert defn.state("b").on_enter[0].args == {"deadline": "d1", "working_days": "10"}
    assert defn.transitions_for("wait", "b")[0].dest == "="


def test_load_definition_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(_with("dest: z", "dest: zed"), encoding="utf-8")
    with pytest.raises(
        WorkflowDefinitionError, match=r"bad\.yaml:18, field 'transitions\[1\]\.dest'"
    ):
        load_definition(path)
    with pytest.raises(WorkflowDefinitionError, match="cannot read"):
        load_definition(tmp_path / "missing.yaml")


# --- the shipped workflow ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def defn() -> WorkflowDefinition:
    return load_definition(SHIPPED)


def test_shipped_definition_loads(defn: WorkflowDefinition) -> None:
    assert (defn.name, defn.version, defn.initial) == ("cchc-inspection", 1, "planned")
    assert defn.title == "Kiểm tra công tác cải cách hành chính"
    assert [s.name for s in defn.states] == [
        "planned", "announced", "evidence_requested", "visited", "findings",
        "remediation", "reinspection", "closed", "cancelled",
    ]  # fmt: skip
    assert defn.terminal == {"closed", "cancelled"}
    assert all(s.label for s in defn.states) and all(t.label for t in defn.transitions)
    assert defn.source_path == str(SHIPPED)
    announced = defn.state("announced").on_enter
    assert [(c.effect, dict(c.args)) for c in announced] == [
        ("issue_notice", {"notice": "thong-bao-kiem-tra"}),
        ("start_deadline", {"deadline": "evidence_due"}),
    ]
    cancelled = {c.args["deadline"] for c in defn.state("cancelled").on_enter}
    assert cancelled == {"evidence_due", "visit", "remediation_report_due", "reinspection_visit"}
    with pytest.raises(NotFound, match="no state 'nowhere'"):
        defn.state("nowhere")


def test_find_and_list_find_the_shipped_definition(defn: WorkflowDefinition) -> None:
    assert default_workflows_dir() == REPO / "workflows"
    found = find_definition("cchc-inspection", 1)
    assert found.fingerprint() == defn.fingerprint() and found.version == 1
    assert find_definition("cchc-inspection").version == 4  # the newest, for new campaigns
    assert [(d.name, d.version) for d in list_definitions()] == [
        ("cchc-inspection", 1),
        ("cchc-inspection", 2),
        ("cchc-inspection", 3),
        ("cchc-inspection", 4),
    ]


def test_every_state_is_reachable_and_can_finish(defn: WorkflowDefinition) -> None:
    seen, todo = {defn.initial}, [defn.initial]
    while todo:
        state = todo.pop()
        for trigger in defn.triggers_from(state):
            for t in defn.transitions_for(trigger, state):
                if t.dest_from(state) not in seen:
                    seen.add(t.dest_from(state))
                    todo.append(t.dest_from(state))
    assert seen == {s.name for s in defn.states}
    non_terminal = {s.name for s in defn.states} - defn.terminal
    assert set(defn.transitions_for("cancel", "planned")[0].sources) == non_terminal


def test_triggers_and_roles(defn: WorkflowDefinition) -> None:
    assert defn.triggers()[:3] == ["announce", "request_evidence", "record_visit"]
    assert defn.allowed_roles("announce") == {"team_lead", "system"}
    assert defn.allowed_roles("report_remediation") == {"unit", "team_lead"}
    assert defn.allowed_roles("cancel") == {"team_lead"}
    check_role(defn, "announce", "system")
    check_role(defn, "report_remediation", "unit")
    with pytest.raises(
        RoleNotAllowed, match="role 'unit' may not fire 'announce'; allowed: team_lead, system"
    ):
        check_role(defn, "announce", "unit")
    with pytest.raises(
        RoleNotAllowed, match=r"role 'auditor' may not fire 'cancel' \(auditors only read\)"
    ):
        check_role(defn, "cancel", "auditor")
    with pytest.raises(RoleNotAllowed, match="unknown role 'boss'"):
        check_role(defn, "announce", "boss")
    with pytest.raises(IllegalTrigger, match="no trigger 'explode'"):
        check_role(defn, "explode", "team_lead")


# --- firing -----------------------------------------------------------------------------------

History = list[tuple[str, Mapping[str, Any]]]


def _fire(
    defn: WorkflowDefinition,
    model: CaseModel,
    trigger: str,
    payload: Mapping[str, Any] | None = None,
    history: History | None = None,
) -> str:
    payload = payload or {}
    ctx = GuardContext(model.state, payload, tuple(history or ()))
    t = fire(defn, model, trigger, ctx)
    if history is not None:
        history.append((trigger, payload))
    return t.dest


def _to_remediation(
    defn: WorkflowDefinition, findings: Mapping[str, Any]
) -> tuple[CaseModel, History]:
    model, history = CaseModel(defn.initial), History()
    for trigger, payload in [
        ("announce", {}), ("request_evidence", {}), ("record_visit", {}),
        ("record_findings", findings), ("request_remediation", {}),
    ]:  # fmt: skip
        _fire(defn, model, trigger, payload, history)
    assert model.state == "remediation"
    return model, history


@pytest.mark.parametrize(
    ("findings", "expected"),
    [(SERIOUS, "reinspection"), (FLAGGED, "reinspection"), (MINOR, "closed")],
    ids=["serious", "flagged", "minor"],
)
def test_report_remediation_routes_by_the_latest_findings(
    defn: WorkflowDefinition, findings: Mapping[str, Any], expected: str
) -> None:
    model, history = _to_remediation(defn, findings)
    dest = _fire(defn, model, "report_remediation", REPORT, history)
    assert dest == expected and model.state == expected


def test_after_a_failed_reinspection_the_next_report_is_reinspected(
    defn: WorkflowDefinition,
) -> None:
    model, history = _to_remediation(defn, SERIOUS)
    _fire(defn, model, "report_remediation", REPORT, history)
    assert _fire(defn, model, "reinspect_fail", MINOR, history) == "remediation"
    assert _fire(defn, model, "report_remediation", REPORT, history) == "reinspection"
    assert _fire(defn, model, "reinspect_pass", {}, history) == "closed"


def test_findings_decide_between_closing_and_remediation(defn: WorkflowDefinition) -> None:
    model, history = CaseModel("visited"), History()
    _fire(defn, model, "record_findings", CLEAN, history)
    with pytest.raises(GuardRejected, match="refused in state 'findings': guard has_shortcomings"):
        _fire(defn, model, "request_remediation", {}, history)
    assert model.state == "findings"
    assert _fire(defn, model, "close_without_shortcomings", {}, history) == "closed"

    model, history = CaseModel("visited"), History()
    _fire(defn, model, "record_findings", MINOR, history)
    with pytest.raises(GuardRejected, match="no_shortcomings"):
        _fire(defn, model, "close_without_shortcomings", {}, history)


def test_reschedule_keeps_the_state(defn: WorkflowDefinition) -> None:
    for state in ("planned", "announced"):
        model = CaseModel(state)
        t = fire(defn, model, "reschedule", GuardContext(state, {"visit_date": "2026-10-05"}, ()))
        assert (t.trigger, t.dest, model.state) == ("reschedule", "=", state)
        assert t.dest_from(state) == state
    with pytest.raises(IllegalTrigger, match="not allowed in state 'visited'"):
        fire(defn, CaseModel("visited"), "reschedule", GuardContext("visited", {}, ()))


def test_illegal_and_unknown_triggers(defn: WorkflowDefinition) -> None:
    model = CaseModel("planned")
    with pytest.raises(
        IllegalTrigger,
        match="trigger 'record_visit' is not allowed in state 'planned'; "
        "allowed here: announce, reschedule, cancel",
    ):
        fire(defn, model, "record_visit", GuardContext("planned", {}, ()))
    with pytest.raises(IllegalTrigger, match="has no trigger 'explode'"):
        fire(defn, model, "explode", GuardContext("planned", {}, ()))
    with pytest.raises(IllegalTrigger, match="allowed here: none"):
        fire(defn, CaseModel("closed"), "cancel", GuardContext("closed", {}, ()))
    with pytest.raises(IllegalTrigger, match="'limbo' is not a state"):
        fire(defn, CaseModel("limbo"), "cancel", GuardContext("limbo", {}, ()))
    assert model.state == "planned"


REQUIREMENT_CASES = {
    "bad severity": (
        "record_findings",
        {"findings": [{"area": 2, "severity": "bad", "text": "x"}]},
        "record_findings needs data: "
        "findings[0].severity must be one of none, minor, major, serious",
    ),
    "bad area and text": (
        "record_findings",
        {"findings": [{"area": 9, "severity": "minor", "text": " "}]},
        "findings[0].area must be a reform area number 1-6; findings[0].text must be a non-empty",
    ),
    "typo in a finding": (
        "record_findings",
        {"findings": [{"area": 1, "severity": "none", "text": "x", "reinspect": True}]},
        "findings[0].reinspect is not a finding field",
    ),
    "no findings": ("reinspect_fail", {"findings": []}, "findings must be a non-empty list"),
    "no reason": ("cancel", {}, "cancel needs data: reason must be a non-empty string"),
    "bad visit date": (
        "reschedule",
        {"visit_date": "05/10/2026"},
        "visit_date must be an ISO date",
    ),
    "no summary": (
        "report_remediation",
        {"documents": ["ok", 3]},
        "summary must be a non-empty string; documents[1] must be a non-empty string",
    ),
}


@pytest.mark.parametrize("case", REQUIREMENT_CASES.values(), ids=REQUIREMENT_CASES.keys())
def test_requirement_messages(
    defn: WorkflowDefinition, case: tuple[str, dict[str, Any], str]
) -> None:
    trigger, payload, message = case
    transition = next(t for t in defn.transitions if t.trigger == trigger)
    with pytest.raises(MissingData) as caught:
        check_requirements(defn, transition, GuardContext(transition.sources[0], payload, ()))
    assert message in str(caught.value)
    assert caught.value.problems


def test_good_data_passes_the_requirements(defn: WorkflowDefinition) -> None:
    good: dict[str, Mapping[str, Any]] = {
        "record_findings": SERIOUS,
        "reinspect_fail": FLAGGED,
        "cancel": {"reason": "Đơn vị đã sáp nhập"},
        "reschedule": {"visit_date": "2026-10-05", "team": "Đoàn 2"},
        "report_remediation": REPORT,
        "announce": {},
    }
    for trigger, payload in good.items():
        transitions = [t for t in defn.transitions if t.trigger == trigger]
        assert transitions, f"no transition fires {trigger!r}: nothing was checked"
        assert trigger == "announce" or all(t.requires for t in transitions), trigger
        for t in transitions:
            # raises MissingData on a refusal
            check_requirements(defn, t, GuardContext(t.sources[0], payload, ()))
    assert REFORM_AREAS[1] == "Cải cách thể chế" and len(REFORM_AREAS) == 6
    assert all(fn.__doc__ for fn in [*GUARDS.values(), *REQUIREMENTS.values()])


# --- machine, mermaid, fingerprint ------------------------------------------------------------


def test_build_machine_is_built_once(defn: WorkflowDefinition) -> None:
    machine = build_machine(defn)
    assert build_machine(defn) is machine
    same = parse_definition(SHIPPED.read_text(encoding="utf-8"), "again")
    assert build_machine(same) is machine
    assert set(machine.events) == set(defn.triggers())
    assert not machine.models, "the machine keeps no case models"


def test_mermaid_has_every_edge(defn: WorkflowDefinition) -> None:
    text = defn.to_mermaid()
    assert text.startswith("stateDiagram-v2\n")
    assert "    [*] --> planned\n" in text
    assert "    closed --> [*]\n" in text and "    cancelled --> [*]\n" in text
    for t in defn.transitions:
        guard = f" [{', '.join(t.guards)}]" if t.guards else ""
        for source in t.sources:
            assert f"    {source} --> {t.dest_from(source)} : {t.trigger}{guard}\n" in text
    assert "remediation --> reinspection : report_remediation [reinspection_required]" in text
    assert "planned --> planned : reschedule" in text


def test_fingerprint_is_stable_and_follows_the_content(defn: WorkflowDefinition) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert len(defn.fingerprint()) == 64
    assert parse_definition(text, "elsewhere").fingerprint() == defn.fingerprint()
    commented = text.replace("initial: planned", "initial: planned  # start here")
    assert parse_definition(commented, "x").fingerprint() == defn.fingerprint()
    changed = text.replace("roles: [team_lead, system]", "roles: [team_lead]", 1)
    assert parse_definition(changed, "x").fingerprint() != defn.fingerprint()
    relabelled = text.replace("label: Hủy kiểm tra", "label: Hủy")
    assert parse_definition(relabelled, "x").fingerprint() != defn.fingerprint()


def test_find_definition_in_search_dirs(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "cchc-inspection").mkdir(parents=True)
    (second / "cchc-inspection").mkdir(parents=True)
    (second / "cchc-inspection" / "v1.yaml").write_text(text, encoding="utf-8")
    (second / "cchc-inspection" / "v2.yaml").write_text(
        text.replace("version: 1", "version: 2", 1), encoding="utf-8"
    )
    override = text.replace("title: Kiểm tra", "title: Bản sửa - Kiểm tra", 1)
    (first / "cchc-inspection" / "v1.yaml").write_text(override, encoding="utf-8")
    dirs = [first, second]
    assert find_definition("cchc-inspection", search_dirs=dirs).version == 2
    assert find_definition("cchc-inspection", 1, dirs).title.startswith("Bản sửa")
    listed = [(d.name, d.version) for d in list_definitions(dirs)]
    assert listed == [("cchc-inspection", 1), ("cchc-inspection", 2)]
    with pytest.raises(
        NotFound,
        match=r"no workflow definition cchc-inspection v3 .*; "
        r"found: cchc-inspection v1, cchc-inspection v2",
    ):
        find_definition("cchc-inspection", 3, dirs)
    with pytest.raises(NotFound, match="no workflow definition other in"):
        find_definition("other", None, dirs)
    (second / "cchc-inspection" / "v3.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError, match=r"named v3\.yaml but says version 1"):
        find_definition("cchc-inspection", 3, dirs)


# --- property: random trigger sequences -------------------------------------------------------

PAYLOADS: list[Mapping[str, Any]] = [
    {},
    SERIOUS,
    MINOR,
    FLAGGED,
    CLEAN,
    REPORT,
    {"reason": "x"},
    {"visit_date": "2026-10-05"},
]
SHIPPED_DEFN = load_definition(SHIPPED)
STEPS = st.lists(
    st.tuples(
        st.sampled_from([*SHIPPED_DEFN.triggers(), "explode"]),
        st.sampled_from(range(len(PAYLOADS))),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_random_trigger_sequences_follow_the_definition(steps: list[tuple[str, int]]) -> None:
    defn = SHIPPED_DEFN
    model, history = CaseModel(defn.initial), History()
    for trigger, which in steps:
        payload = PAYLOADS[which]
        before = model.state
        ctx = GuardContext(before, payload, tuple(history))
        alternatives = defn.transitions_for(trigger, before)
        try:
            t = fire(defn, model, trigger, ctx)
        except IllegalTrigger:
            assert not alternatives and model.state == before
            continue
        except GuardRejected:
            assert all(not all(GUARDS[g](ctx) for g in a.guards) for a in alternatives)
            assert model.state == before
            continue
        assert defn.has_state(model.state)
        assert t in alternatives and model.state == t.dest_from(before)
        # The machine took the first alternative whose guards all pass, in definition order.
        first = next(a for a in alternatives if all(GUARDS[g](ctx) for g in a.guards))
        assert t is first
        history.append((trigger, payload))


# Alternatives whose guards can pass together: the one tried first must fire.
OVERLAPPING = parse_definition(
    """\
name: overlap
version: 1
initial: a
terminal: [z]
states:
  - name: a
  - name: b
    on_enter:
      - {effect: start_deadline, deadline: d1}
  - name: c
  - name: z
transitions:
  - trigger: step
    source: [a, b, c]
    dest: b
    roles: [team_lead]
    guards: [has_shortcomings]
  - trigger: step
    source: [a, b]
    dest: c
    roles: [team_lead]
    guards: [reinspection_required]
  - trigger: step
    source: [a, c]
    dest: "="
    roles: [team_lead]
  - trigger: finish
    source: "*"
    dest: z
    roles: [team_lead]
""",
    "overlap",
)


def _outcome(
    fire_fn: Any, defn: WorkflowDefinition, state: str, trigger: str, ctx: GuardContext
) -> tuple[Any, ...]:
    model = CaseModel(state)
    try:
        t = fire_fn(defn, model, trigger, ctx)
    except InputError as exc:
        return (type(exc), str(exc), model.state)
    return (defn.transitions.index(t), model.state)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([SHIPPED_DEFN, OVERLAPPING]), st.data())
def test_fire_decides_as_the_machines_own_trigger(
    defn: WorkflowDefinition, data: st.DataObject
) -> None:
    """`fire` walks the machine's table; the machine's own trigger (with its callbacks) must
    take the same alternative, leave the same state and refuse with the same message."""
    state, history = defn.initial, History()
    triggers = st.sampled_from([*defn.triggers(), "explode"])
    for _ in range(data.draw(st.integers(0, 30))):
        trigger, payload = data.draw(triggers), data.draw(st.sampled_from(PAYLOADS))
        ctx = GuardContext(state, payload, tuple(history))
        ours = _outcome(fire, defn, state, trigger, ctx)
        assert ours == _outcome(fire_on_machine, defn, state, trigger, ctx)
        guarded = any(t.guards for t in defn.transitions_for(trigger, state))
        assert needs_history(defn, trigger, state) == guarded
        state = ours[-1]
        if len(ours) == 2:
            history.append((trigger, payload))
            effects = [
                {"effect": c.effect, "args": dict(c.args)} for c in defn.state(state).on_enter
            ]
            assert list(entry_effects(defn, state)) == effects
