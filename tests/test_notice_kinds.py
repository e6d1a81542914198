"""What each kind of document says, issued from a case's real history: the moved visit that
replaces the notice, the minutes, the conclusion with its remedies, the reminders, the Công
văn form, numbering per type."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from inspect_engine.domain.documents.letter import Letter
from inspect_engine.services.notices.rendering import render
from tests.conftest import EXAMPLES, Cli
from tests.docx_checks import check_decree30_docx
from tests.pdf_checks import check_decree30_pdf
from tests.test_notices import announce_all, documents, letter
from tests.test_workflow_v2 import (  # noqa: F401  (planned: the fixture)
    CALENDAR,
    INSPECTOR,
    LEAD,
    SIGNER,
    UNIT,
    advance,
    delivery,
    minutes,
    planned,
    visit_of,
)

CAMPAIGN = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")


def text_of(cli: Cli, doc: dict[str, Any]) -> str:
    return Letter.from_json(letter(cli, doc["id"])).all_text().replace("\n", " ")


def issue(cli: Cli) -> None:
    done = cli("notices", "issue", "hanoi-2026")
    assert done.exit_code == 0, done.stderr


def of_kind(cli: Cli, case: int, kind: str) -> list[dict[str, Any]]:
    return [d for d in documents(cli, "--case", str(case)) if d["kind"] == kind]


def test_a_moved_visit_notice_replaces_the_earlier_one(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    issue(planned)
    [first] = of_kind(planned, case, "thong-bao-kiem-tra")
    plan = json.loads(planned("plan", "show", "hanoi-2026", "--json").stdout)
    busy = {v["date"] for v in plan if v["team"] == visit["team"]}
    day = date.fromisoformat(visit["date"])
    free = next(d for d in (CALENDAR.add_working_days(day, k) for k in range(1, 60))
                if d.isoformat() not in busy)  # fmt: skip
    move = {"visit_date": free.isoformat(), "reason": "Đơn vị đề nghị lùi lịch"}
    assert advance(planned, tmp_path, case, "reschedule", LEAD, move).exit_code == 0
    issue(planned)
    [moved] = of_kind(planned, case, "thong-bao-doi-lich")
    said = text_of(planned, moved)
    assert f"Thông báo này thay thế Thông báo số {first['number']}" in said
    assert "Do đơn vị đề nghị lùi lịch" in said
    assert f"ngày {free.day:02d}/{free.month}/{free.year}" in said
    due = CALENDAR.add_working_days(free, -3)
    assert f"trước ngày {due.day:02d}/{due.month}/{due.year}" in said  # the new submission due


def _visited(cli: Cli, tmp: Path, unit: str) -> tuple[int, date]:
    visit = visit_of(cli, unit)
    case = visit["case_id"]
    assert advance(cli, tmp, case, "announce", LEAD).exit_code == 0
    due = date.fromisoformat(visit["evidence_due"])
    sent = delivery(due, "Phụ lục 1", "Phụ lục 2", "Phụ lục 3")
    assert advance(cli, tmp, case, "receive_submission", UNIT, sent).exit_code == 0
    day = date.fromisoformat(visit["date"])
    assert advance(cli, tmp, case, "record_visit", INSPECTOR, minutes(day)).exit_code == 0
    return case, day


def test_the_minutes_and_the_conclusion_say_what_was_found(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    case, day = _visited(planned, tmp_path, "STP")
    findings = {"findings": [
        {"area": "Cải cách thể chế", "severity": "none", "text": "Ban hành đủ văn bản"},
        {"area": "Cải cách thủ tục hành chính", "severity": "major",
         "text": "Chưa niêm yết đủ thủ tục hành chính"},
    ]}  # fmt: skip
    assert advance(planned, tmp_path, case, "record_findings", LEAD, findings).exit_code == 0
    signed = CALENDAR.add_working_days(day, 2)
    conclusion = {"conclusion": {"date": signed.isoformat(), "remedies": [
        {"finding": 1, "remedy": "Niêm yết đầy đủ tại bộ phận một cửa", "due_working_days": 10}
    ]}}  # fmt: skip
    assert advance(planned, tmp_path, case, "approve_conclusion", SIGNER, conclusion).exit_code == 0
    issue(planned)
    [record] = of_kind(planned, case, "bien-ban-kiem-tra")
    assert record["number"] == "01/BB-ĐKT"
    minutes_letter = Letter.from_json(letter(planned, record["id"]))
    assert [s.title for s in minutes_letter.signers] == [
        "ĐẠI DIỆN SỞ TƯ PHÁP",
        "TRƯỞNG ĐOÀN KIỂM TRA",
    ]
    assert "Trần Thị Bình, Trưởng đoàn" in minutes_letter.all_text()
    [concluded] = of_kind(planned, case, "thong-bao-ket-luan")
    said = Letter.from_json(letter(planned, concluded["id"]))
    due = CALENDAR.add_working_days(signed, 10)
    [table] = [b for b in said.blocks if hasattr(b, "rows")]
    assert table.rows[1] == (  # type: ignore[union-attr]
        "1",
        "Chưa niêm yết đủ thủ tục hành chính",
        "Niêm yết đầy đủ tại bộ phận một cửa",
        f"{due.day:02d}/{due.month}/{due.year}",
    )
    headings = [b.text for b in said.blocks if getattr(b, "style", "") == "heading"]
    assert headings[:3] == [
        "I. KẾT QUẢ KIỂM TRA",
        "1. Cải cách thể chế",
        "2. Cải cách thủ tục hành chính",
    ]
    for doc in (minutes_letter, said):
        check_decree30_docx(render(doc, "docx"), doc)
        check_decree30_pdf(render(doc, "pdf"), doc)


def test_reminders_go_out_once_per_deadline(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    visit = visit_of(planned, "STP")
    case = visit["case_id"]
    assert advance(planned, tmp_path, case, "announce", LEAD).exit_code == 0
    due = date.fromisoformat(visit["evidence_due"])
    early = CALENDAR.add_working_days(due, -5).isoformat()
    assert "0 reminders" in planned("notices", "remind", "hanoi-2026", "--as-of", early).stdout
    sent = delivery(CALENDAR.add_working_days(due, -3), "Phụ lục 1")
    assert advance(planned, tmp_path, case, "receive_submission", UNIT, sent).exit_code == 0
    soon = CALENDAR.add_working_days(due, -1).isoformat()
    reminded = planned("notices", "remind", "hanoi-2026", "--as-of", soon)
    assert reminded.exit_code == 0 and "1 reminders" in reminded.stdout
    assert "0 reminders" in planned("notices", "remind", "hanoi-2026", "--as-of", soon).stdout
    [reminder] = of_kind(planned, case, "nhac-nop-bao-cao")
    assert reminder["issued_on"] == soon  # dated the day it is sent
    said = text_of(planned, reminder)
    assert "Phụ lục II" in said and "Phụ lục III" in said and "Phụ lục I:" not in said
    assert reminder["number"].endswith("/SNV-CCHC")  # a Công văn: body and drafting unit


def test_an_overdue_remediation_report_is_noticed(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    case, day = _visited(planned, tmp_path, "STP")
    finding = {"area": "Cải cách thể chế", "severity": "minor", "remedy": "Cập nhật"}
    findings = {"findings": [{**finding, "text": "Chưa cập nhật cổng thông tin"}]}
    assert advance(planned, tmp_path, case, "record_findings", LEAD, findings).exit_code == 0
    signed = CALENDAR.add_working_days(day, 2)
    conclusion = {"conclusion": {"date": signed.isoformat(), "remedies": []}}
    assert advance(planned, tmp_path, case, "approve_conclusion", SIGNER, conclusion).exit_code == 0
    due = CALENDAR.add_working_days(signed, 15)
    before = CALENDAR.add_working_days(due, -2).isoformat()
    after = CALENDAR.add_working_days(due, 1).isoformat()
    assert "1 reminders" in planned("notices", "remind", "hanoi-2026", "--as-of", before).stdout
    # v3 declares the overdue notice as what the passing deadline does: the worker sends it
    # when it fires the deadline (today is after it), and the reminders leave it alone.
    assert "0 reminders" in planned("notices", "remind", "hanoi-2026", "--as-of", after).stdout
    assert of_kind(planned, case, "qua-han-bao-cao-khac-phuc") == []
    assert planned("worker", "--once").exit_code == 0
    assert "0 reminders" in planned("notices", "remind", "hanoi-2026", "--as-of", after).stdout
    [late] = of_kind(planned, case, "qua-han-bao-cao-khac-phuc")
    said = text_of(planned, late)
    assert f"là ngày {due.day:02d}/{due.month}/{due.year}" in said
    assert "Chưa cập nhật cổng thông tin: Cập nhật" in said


def test_a_campaign_may_announce_by_cong_van_numbered_per_type(cli: Cli, tmp_path: Path) -> None:
    campaign = tmp_path / "hanoi.toml"
    text = CAMPAIGN.replace('announcement_form = "thong-bao"', 'announcement_form = "cong-van"')
    campaign.write_text(text.replace('numbering = "shared"', 'numbering = "per_type"'), "utf-8")
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(campaign)).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    for team in (1, 2, 3):
        path = EXAMPLES / "decisions" / f"doan-{team}.json"
        done = cli(
            "campaign", "decide-team", "hanoi-2026", "--data-file", str(path), "--actor", "vt"
        )
        assert done.exit_code == 0, done.stderr
    announce_all(cli)
    issue(cli)
    letters = [d for d in documents(cli) if d["kind"] == "cong-van-kiem-tra"]
    assert len(letters) == 141
    # One sequence per type: the Công văn count from 01, the decisions keep theirs.
    assert sorted(d["number"] for d in letters)[:2] == ["01/SNV-CCHC", "02/SNV-CCHC"]
    assert sorted(int(d["number"].split("/")[0]) for d in letters) == list(range(1, 142))
    stp = next(d for d in letters if "Sở Tư pháp" in text_of(cli, d))
    said = Letter.from_json(letter(cli, stp["id"]))
    assert said.form == "letter" and said.type_name == "" and said.addressees == ("Sở Tư pháp",)
    assert said.recipients[0] == "Như trên;"
    assert said.appendices[0].caption.startswith(f"(Kèm theo Công văn số {stp['number']}")
    check_decree30_docx(render(said, "docx"), said)
    check_decree30_pdf(render(said, "pdf"), said)
