"""The workflow engine through the CLI: lifecycle, rules, atomicity, audit chains, bulk, migrate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from tests.conftest import EXAMPLES, REPO, Cli

LEAD = ("--actor", "lan", "--role", "team_lead")
INSPECTOR = ("--actor", "binh", "--role", "inspector")
# From a new case to its visit: the steps every lifecycle test starts with.
TO_VISITED = [
    ("announce", None, LEAD),
    ("request_evidence", None, LEAD),
    ("record_visit", None, INSPECTOR),
]
SERIOUS = {"findings": [{"area": 2, "severity": "serious", "text": "Chưa công khai TTHC"}]}
MINOR = {"findings": [{"area": 4, "severity": "minor", "text": "Thiếu báo cáo quý"}]}
CLEAN = {"findings": [{"area": 1, "severity": "none", "text": "Không có tồn tại"}]}
REPORT = {"summary": "Đã khắc phục toàn bộ tồn tại", "documents": ["BC 12/BC-UBND"]}


@pytest.fixture
def campaign(cli: Cli, hanoi_v1: Path) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    return cli


def case_id(cli: Cli, unit: str = "STP") -> int:
    cases = json.loads(cli("case", "list", "hanoi-2026", "--json").stdout)
    return int(next(c["id"] for c in cases if c["unit_code"] == unit))


def show(cli: Cli, case: int) -> dict[str, Any]:
    result = cli("case", "show", str(case), "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def advance(cli: Cli, case: int, trigger: str, *args: str, data: Any = None, tmp: Path):  # type: ignore[no-untyped-def]
    extra: list[str] = []
    if data is not None:
        path = tmp / f"{trigger}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        extra = ["--data-file", str(path)]
    return cli("case", "advance", str(case), trigger, *(args or LEAD), *extra)


def walk(cli: Cli, case: int, steps: list[tuple[str, Any, tuple[str, ...]]], tmp: Path) -> None:
    for trigger, data, who in steps:
        result = advance(cli, case, trigger, *who, data=data, tmp=tmp)
        assert result.exit_code == 0, f"{trigger}: {result.stderr}"


def test_whole_lifecycle_with_a_reinspection_loop(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    unit = ("--actor", "stp-vanthu", "--role", "unit")
    walk(
        campaign,
        case,
        [
            *TO_VISITED,
            ("record_findings", SERIOUS, LEAD),
            ("request_remediation", None, LEAD),
            ("report_remediation", REPORT, unit),
            ("reinspect_fail", MINOR, INSPECTOR),
            ("report_remediation", REPORT, unit),
            ("reinspect_pass", None, INSPECTOR),
        ],
        tmp_path,
    )
    data = show(campaign, case)
    assert data["state"] == "closed" and data["chain_valid"] is True
    moves = [(e["trigger"], e["from"], e["to"]) for e in data["events"]]
    assert moves == [
        ("open", "", "planned"),
        ("announce", "planned", "announced"),
        ("request_evidence", "announced", "evidence_requested"),
        ("record_visit", "evidence_requested", "visited"),
        ("record_findings", "visited", "findings"),
        ("request_remediation", "findings", "remediation"),
        ("report_remediation", "remediation", "reinspection"),
        ("reinspect_fail", "reinspection", "remediation"),
        ("report_remediation", "remediation", "reinspection"),
        ("reinspect_pass", "reinspection", "closed"),
    ]
    assert [e["seq"] for e in data["events"]] == list(range(1, 11))
    for prev, event in zip(data["events"], data["events"][1:], strict=False):
        assert event["prev_hash"] == prev["hash"]
    assert data["events"][4]["payload"] == SERIOUS
    assert data["events"][6]["role"] == "unit"
    assert data["events"][1]["at"].endswith("+07:00"), "shown in Asia/Ho_Chi_Minh"
    assert data["version"] == 10
    assert set(data) >= {"id", "unit_code", "state", "version", "workflow", "workflow_version"}
    assert set(data["events"][0]) >= {
        "seq",
        "trigger",
        "from",
        "to",
        "actor",
        "role",
        "at",
        "payload",
        "hash",
    }


def test_findings_without_shortcomings_close_the_case(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    walk(
        campaign,
        case,
        [
            *TO_VISITED,
            ("record_findings", CLEAN, LEAD),
        ],
        tmp_path,
    )
    refused = advance(campaign, case, "request_remediation", tmp=tmp_path)
    assert refused.exit_code == 2 and "has_shortcomings" in refused.stderr
    assert advance(campaign, case, "close_without_shortcomings", tmp=tmp_path).exit_code == 0
    assert show(campaign, case)["state"] == "closed"


def test_remediation_closes_when_no_reinspection_is_needed(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    walk(
        campaign,
        case,
        [
            *TO_VISITED,
            ("record_findings", MINOR, LEAD),
            ("request_remediation", None, LEAD),
            ("report_remediation", REPORT, ("--actor", "stp", "--role", "unit")),
        ],
        tmp_path,
    )
    assert show(campaign, case)["state"] == "closed"


REFUSALS = {
    "wrong role": ("announce", ("--actor", "stp", "--role", "unit"), None, "may not fire"),
    "auditor": ("announce", ("--actor", "kt", "--role", "auditor"), None, "may not fire"),
    "unknown role": ("announce", ("--actor", "x", "--role", "boss"), None, "boss"),
    "illegal trigger": ("record_visit", LEAD, None, "not allowed in state 'planned'"),
    "unknown trigger": ("explode", LEAD, None, "explode"),
    "missing reason": ("cancel", LEAD, {}, "reason"),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_write_no_event(
    campaign: Cli, tmp_path: Path, case: tuple[str, tuple[str, ...], Any, str]
) -> None:
    trigger, who, data, message = case
    target = case_id(campaign)
    before = show(campaign, target)
    result = advance(campaign, target, trigger, *who, data=data, tmp=tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr and "\n" not in result.stderr.strip()
    assert show(campaign, target) == before


def test_missing_findings_data_is_refused(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    walk(
        campaign,
        case,
        TO_VISITED,
        tmp_path,
    )
    before = show(campaign, case)
    bad = {"findings": [{"area": 9, "text": "x"}]}
    result = advance(campaign, case, "record_findings", data=bad, tmp=tmp_path)
    assert result.exit_code == 2 and "findings[0]" in result.stderr
    assert show(campaign, case) == before


def test_reschedule_keeps_state_and_is_recorded(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    data = {"visit_date": "2026-10-05", "team": "Đoàn 2"}
    assert advance(campaign, case, "reschedule", data=data, tmp=tmp_path).exit_code == 0
    shown = show(campaign, case)
    assert shown["state"] == "planned"
    assert shown["events"][-1]["trigger"] == "reschedule"
    assert shown["events"][-1]["payload"] == data


def test_cancel_with_reason(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    data = {"reason": "Đơn vị đã sáp nhập"}
    assert advance(campaign, case, "cancel", data=data, tmp=tmp_path).exit_code == 0
    assert show(campaign, case)["state"] == "cancelled"
    again = advance(campaign, case, "announce", tmp=tmp_path)
    assert again.exit_code == 2


def test_effects_are_queued_with_the_transition(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    assert advance(campaign, case, "announce", tmp=tmp_path).exit_code == 0
    event = show(campaign, case)["events"][-1]
    assert event["effects"] == [
        {"effect": "issue_notice", "args": {"notice": "thong-bao-kiem-tra"}},
        {"effect": "start_deadline", "args": {"deadline": "evidence_due"}},
    ]


def test_expected_version_conflict(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    assert advance(campaign, case, "announce", tmp=tmp_path).exit_code == 0
    stale = campaign("case", "advance", str(case), "cancel", *LEAD, "--expect-version", "1")
    assert stale.exit_code == 2 and "changed since you read it" in stale.stderr


def test_at_records_when_it_happened_but_not_out_of_order(campaign: Cli) -> None:
    case = case_id(campaign)
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    first = campaign("case", "advance", str(case), "announce", *LEAD, "--at", moment.isoformat())
    assert first.exit_code == 0, first.stderr
    events = show(campaign, case)["events"]
    assert events[-1]["at"] == moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).isoformat()
    back = campaign(
        "case", "advance", str(case), "request_evidence", *LEAD, "--at", "2026-08-01T09:00"
    )
    assert back.exit_code == 2 and "earlier than" in back.stderr
    future = (moment + timedelta(days=1)).isoformat()
    ahead = campaign("case", "advance", str(case), "request_evidence", *LEAD, "--at", future)
    assert ahead.exit_code == 2 and "in the future" in ahead.stderr
    assert len(show(campaign, case)["events"]) == 2


def test_advance_all_announces_every_planned_case(campaign: Cli) -> None:
    result = campaign("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    assert result.exit_code == 0, result.stderr
    assert "141 cases" in result.stdout
    states = {
        c["state"] for c in json.loads(campaign("case", "list", "hanoi-2026", "--json").stdout)
    }
    assert states == {"announced"}
    verified = campaign("case", "verify", "hanoi-2026", "--json")
    assert verified.exit_code == 0
    assert json.loads(verified.stdout)["events"] == 282


def test_advance_all_takes_at_like_advance(campaign: Cli) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    args = ("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    result = campaign(*args, "--at", moment.isoformat())
    assert result.exit_code == 0, result.stderr
    local = moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).isoformat()
    case = case_id(campaign)
    assert show(campaign, case)["events"][-1]["at"] == local
    again = ("case", "advance-all", "hanoi-2026", "request_evidence", "--state", "announced")
    back = campaign(*again, *LEAD, "--at", "2026-08-01T09:00")
    assert back.exit_code == 2 and "earlier than the case's last event" in back.stderr
    assert len(show(campaign, case)["events"]) == 2, "nothing written"


def test_advance_all_is_all_or_nothing(campaign: Cli, tmp_path: Path) -> None:
    one = case_id(campaign, "SNV")
    assert (
        advance(campaign, one, "cancel", data={"reason": "sáp nhập"}, tmp=tmp_path).exit_code == 0
    )
    # Every planned case would need a visit_date to be rescheduled: the first refuses, none moves.
    result = campaign(
        "case", "advance-all", "hanoi-2026", "reschedule", "--state", "planned", *LEAD
    )
    assert result.exit_code == 2 and "visit_date" in result.stderr
    verified = json.loads(campaign("case", "verify", "hanoi-2026", "--json").stdout)
    assert verified["events"] == 142


def test_tampering_is_detected(campaign: Cli, engine: Engine, tmp_path: Path) -> None:
    case = case_id(campaign)
    assert advance(campaign, case, "announce", tmp=tmp_path).exit_code == 0
    assert campaign("case", "verify", "hanoi-2026").exit_code == 0
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE case_event SET actor = 'mallory' WHERE case_id = :c AND seq = 2"),
            {"c": case},
        )
    result = campaign("case", "verify", "hanoi-2026")
    assert result.exit_code == 1 and f"case {case} event 2" in result.stdout
    assert campaign("case", "show", str(case)).exit_code == 1


def test_deleting_a_whole_case_is_detected(campaign: Cli, engine: Engine) -> None:
    case = case_id(campaign, "SNV")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_event WHERE case_id = :c"), {"c": case})
        conn.execute(text("DELETE FROM inspection_case WHERE id = :c"), {"c": case})
    result = campaign("case", "verify", "hanoi-2026", "--json")
    assert result.exit_code == 1
    assert any("removed" in p for p in json.loads(result.stdout)["problems"])


def test_migrate_moves_cases_with_an_event(
    campaign: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = (REPO / "workflows" / "cchc-inspection" / "v1.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "wf" / "cchc-inspection"
    folder.mkdir(parents=True)
    (folder / "v2.yaml").write_text(v1.replace("version: 1", "version: 2", 1), encoding="utf-8")
    monkeypatch.setenv("INSPECT_WORKFLOWS_PATH", str(tmp_path / "wf"))
    case = case_id(campaign)
    assert advance(campaign, case, "announce", tmp=tmp_path).exit_code == 0
    result = campaign(
        "workflow",
        "migrate",
        "cchc-inspection",
        "--from",
        "1",
        "--to",
        "2",
        "--map",
        "announced=planned",
        "--actor",
        "lan",
    )
    assert result.exit_code == 0, result.stderr
    assert "141 cases moved" in result.stdout
    data = show(campaign, case)
    assert data["workflow_version"] == 2 and data["state"] == "planned"
    last = data["events"][-1]
    assert (last["trigger"], last["from"], last["to"]) == ("migrate", "announced", "planned")
    sealed = last["payload"].pop("workflow_fingerprint")
    assert last["payload"] == {"from_version": 1, "to_version": 2} and len(sealed) == 64
    assert campaign("case", "verify", "hanoi-2026").exit_code == 0


def test_changed_definition_under_the_same_version_is_refused(
    campaign: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hanoi_v1: Path
) -> None:
    v1 = (REPO / "workflows" / "cchc-inspection" / "v1.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "wf" / "cchc-inspection"
    folder.mkdir(parents=True)
    (folder / "v1.yaml").write_text(
        v1.replace("roles: [team_lead, system]", "roles: [team_lead]", 1)
    )
    monkeypatch.setenv("INSPECT_WORKFLOWS_PATH", str(tmp_path / "wf"))
    other = hanoi_v1.read_text(encoding="utf-8").replace(
        'key = "hanoi-2026"', 'key = "hanoi-2026-b"'
    )
    path = tmp_path / "b.toml"
    path.write_text(other, encoding="utf-8")
    result = campaign("campaign", "create", str(path))
    assert result.exit_code == 2 and "new version number" in result.stderr


def test_show_as_of_replays_the_case_as_it_stood(campaign: Cli, tmp_path: Path) -> None:
    case = case_id(campaign)
    walk(campaign, case, [("announce", None, LEAD), ("request_evidence", None, LEAD)], tmp_path)
    announced_at = show(campaign, case)["events"][1]["at"]
    result = campaign("case", "show", str(case), "--as-of", announced_at, "--json")
    assert result.exit_code == 0, result.stderr
    then = json.loads(result.stdout)
    assert (then["state"], then["version"], len(then["events"])) == ("announced", 2, 2)
    assert then["chain_valid"] is True
    before = campaign("case", "show", str(case), "--as-of", "2020-01-01T00:00")
    assert before.exit_code == 2 and "did not exist yet" in before.stderr
