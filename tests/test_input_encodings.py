"""Text as people's tools save it: a UTF-8 byte order mark is accepted everywhere, and text
typed with combining marks (NFD, as macOS and some Vietnamese keyboards send it) is stored
NFC, so it equals the same words typed precomposed. (What is refused, UTF-16, Windows-1258 and
TCVN3, is in the bad-input corpus.)"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.storage.workflow_files import load_definition
from tests.conftest import EXAMPLES, HANOI, Cli

BOM = b"\xef\xbb\xbf"


def nfd(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    return decomposed


def is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_units_with_a_bom_and_nfd_names_are_stored_nfc(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    csv = "code,name,kind,parent_code,sectors,area\nX1," + nfd("Xã Đoài Phương") + ",commune,,,\n"
    result = cli("units", "import", str(write("u.csv", BOM + csv.encode("utf-8"))))
    assert result.exit_code == 0, result.stderr
    (unit,) = json.loads(cli("units", "list", "--json").stdout)
    assert unit["name"] == "Xã Đoài Phương" and is_nfc(unit["name"])


def test_a_campaign_file_with_a_bom_and_nfd_text(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    title = "Kiểm tra công tác cải cách hành chính năm 2026"
    text = HANOI.read_text(encoding="utf-8").replace(title, nfd(title), 1)
    result = cli("campaign", "create", str(write("c.toml", BOM + text.encode("utf-8"))))
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("campaign", "show", "hanoi-2026", "--json").stdout)
    assert shown["title"] == title


def test_a_data_file_with_a_bom_and_nfd_text_is_recorded_nfc(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(HANOI)).exit_code == 0
    reason = "Đơn vị sáp nhập theo Nghị quyết của Ủy ban Thường vụ Quốc hội"
    data = json.dumps({"reason": nfd(reason), "note": nfd("Ghi chú")}, ensure_ascii=False)
    path = write("d.json", BOM + data.encode("utf-8"))
    result = cli("case", "advance", "1", "cancel", "--actor", "lan", "--role", "team_lead",
                 "--data-file", str(path))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    events = json.loads(cli("case", "show", "1", "--json").stdout)["events"]
    assert events[-1]["payload"] == {"reason": reason, "note": "Ghi chú"}


def test_a_decision_naming_members_in_nfd_matches_the_campaign(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(HANOI)).exit_code == 0
    text = (EXAMPLES / "decisions" / "doan-1.json").read_text(encoding="utf-8")
    path = write("doan-1.json", BOM + nfd(text).encode("utf-8"))
    result = cli("campaign", "decide-team", "hanoi-2026", "--data-file", str(path), "--actor", "vt")
    assert result.exit_code == 0, result.stderr
    (decision,) = json.loads(cli("campaign", "decisions", "hanoi-2026", "--json").stdout)
    assert decision["number"] == "125/QĐ-SNV"
    assert decision["members"][0]["name"] == "Trần Thị Bình"


def test_a_definition_with_a_bom_and_nfd_labels(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parent.parent / "workflows" / "cchc-inspection" / "v3.yaml"
    text = shipped.read_text(encoding="utf-8")
    label = "Hủy kiểm tra"
    path = tmp_path / "v3.yaml"
    path.write_bytes(BOM + text.replace(f"label: {label}", f"label: {nfd(label)}").encode())
    defn = load_definition(path)
    assert next(t for t in defn.transitions if t.trigger == "cancel").label == label
    assert defn.fingerprint() == parse_definition(text, "v3.yaml").fingerprint()
