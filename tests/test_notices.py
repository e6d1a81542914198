"""Issuing documents from the log, on both backends: each once, numbered without gaps, with the
appendices each unit must prepare, worded by templates a province can replace."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from inspect_engine.services.notices import issuing
from tests.conftest import EXAMPLES, Cli
from tests.test_workflow_v2 import LEAD, free_day, planned  # noqa: F401  (the fixture)

CAMPAIGN = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")


def announce_all(cli: Cli) -> None:
    done = cli("case", "advance-all", "hanoi-2026", "announce", "--state", "planned", *LEAD)
    assert done.exit_code == 0, done.stderr


def documents(cli: Cli, *args: str) -> list[dict[str, Any]]:
    listed = cli("notices", "list", "hanoi-2026", "--json", *args)
    assert listed.exit_code == 0, listed.stderr
    found: list[dict[str, Any]] = json.loads(listed.stdout)
    return found


def letter(cli: Cli, doc_id: int) -> dict[str, Any]:
    shown = cli("notices", "show", str(doc_id), "--json")
    assert shown.exit_code == 0, shown.stderr
    found: dict[str, Any] = json.loads(shown.stdout)["letter"]
    return found


def case_of(cli: Cli, unit: str) -> int:
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    return int(next(v["case_id"] for v in plan if v["unit_code"] == unit))


def register_numbers(docs: list[dict[str, Any]]) -> list[int]:
    """The register's numbers of the Sở's documents (not the teams' minutes)."""
    return sorted(int(d["number"].split("/")[0]) for d in docs if d["number"].endswith("-SNV"))


def test_issuing_twice_issues_nothing_new(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    first = planned("notices", "issue", "hanoi-2026")
    assert first.exit_code == 0, first.stderr
    docs = documents(planned)
    kinds = Counter(d["kind"] for d in docs)
    assert kinds == {"quyet-dinh-thanh-lap-doan": 3, "thong-bao-kiem-tra": 141}
    again = planned("notices", "issue", "hanoi-2026")
    assert again.exit_code == 0 and "nothing was due" in again.stdout
    assert documents(planned) == docs
    # One shared sequence: the decisions' 125-127, then every notice, no gap, none twice.
    numbers = register_numbers(docs)
    assert numbers == list(range(125, 125 + len(docs)))
    assert len({d["number"] for d in docs}) == len(docs)


def test_each_document_is_in_its_case_history(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    planned("notices", "issue", "hanoi-2026")
    case = case_of(planned, "STP")
    [notice] = documents(planned, "--case", str(case))
    events = json.loads(planned("case", "show", str(case), "--json").stdout)["events"]
    recorded = events[-1]
    assert recorded["trigger"] == "issue_document"
    assert recorded["to"] == "announced"  # the history says it; the state stays
    assert recorded["payload"]["document"] == {
        "id": notice["id"],
        "kind": "thong-bao-kiem-tra",
        "number": notice["number"],
        "content_hash": notice["content_hash"],
        "source": notice["source"],
    }
    assert planned("case", "verify", "hanoi-2026").exit_code == 0


def _appendix_labels(cli: Cli, unit: str) -> list[str]:
    [notice] = documents(cli, "--case", str(case_of(cli, unit)))
    return [a["label"] for a in letter(cli, notice["id"])["appendices"]]


def test_each_unit_is_asked_for_its_own_appendices(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    planned("notices", "issue", "hanoi-2026")
    # Sở Tư pháp leads Cải cách thể chế: Phụ lục III, with the area it leads in the list.
    assert _appendix_labels(planned, "STP") == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]
    [notice] = documents(planned, "--case", str(case_of(planned, "STP")))
    text = json.dumps(letter(planned, notice["id"]), ensure_ascii=False)
    assert "Phụ lục III: Tiến độ, kết quả lĩnh vực cải cách hành chính do sở chủ trì" in text
    assert "đơn vị chủ trì: Cải cách thể chế" in text
    # Sở Giáo dục và Đào tạo leads nothing; a commune gets the commune appendices.
    assert _appendix_labels(planned, "SGDDT") == ["Phụ lục I", "Phụ lục II"]
    assert _appendix_labels(planned, "00004") == ["Phụ lục I", "Phụ lục II"]


def test_letters_keep_every_diacritic(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    planned("notices", "issue", "hanoi-2026")
    [notice] = documents(planned, "--case", str(case_of(planned, "STP")))
    shown = planned("notices", "show", str(notice["id"]))
    body = shown.stdout
    assert unicodedata.normalize("NFC", body) == body
    for words in ("SỞ NỘI VỤ", "Kiểm tra công tác cải cách hành chính",
                  "Phụ lục I", "Lưu: VT, CCHC.", "thứ", "Trưởng đoàn"):  # fmt: skip
        assert words in body
    assert re.search(r"Số: \d{2,}/TB-SNV", body)
    assert re.search(r"Hà Nội, ngày \d{2} tháng \d{1,2} năm 2026", body)


class Killed(Exception):
    pass


def test_a_failure_midway_leaves_no_gap_and_no_duplicate(
    planned: Cli,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each document is its own transaction: the one that fails rolls back with its number."""
    announce_all(planned)
    real = issuing.Issuer._record_in_case
    calls = {"n": 0}

    def dies_on_the_tenth(self: issuing.Issuer, *args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 10:
            raise Killed  # as a kill would, after the number and the insert
        real(self, *args)

    monkeypatch.setattr(issuing.Issuer, "_record_in_case", dies_on_the_tenth)
    with pytest.raises(Killed):
        planned("notices", "issue", "hanoi-2026")
    half = documents(planned)
    assert len(half) == 3 + 9  # the decisions and nine notices; the tenth rolled back whole
    monkeypatch.setattr(issuing.Issuer, "_record_in_case", real)
    assert planned("notices", "issue", "hanoi-2026").exit_code == 0
    docs = documents(planned)
    assert len(docs) == 3 + 141 and docs[:12] == half
    assert register_numbers(docs) == list(range(125, 125 + len(docs)))
    sources = [d["source"] for d in docs]
    assert len(set(sources)) == len(sources)


def test_a_province_rewords_a_letter_with_its_own_template(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    own = tmp_path / "own"
    own.mkdir()
    # Only the piece it rewords: the rest comes from the shipped folder.
    shipped = (EXAMPLES.parent / "notices" / "_announcement_body.xml.j2").read_text("utf-8")
    (own / "_announcement_body.xml.j2").write_text(
        shipped.replace("chuẩn bị và phối hợp thực hiện", "phối hợp, tạo điều kiện cho Đoàn"),
        encoding="utf-8",
    )
    announce_all(planned)
    assert planned("notices", "issue", "hanoi-2026", "--templates", str(own)).exit_code == 0
    [notice] = documents(planned, "--case", str(case_of(planned, "STP")))
    text = json.dumps(letter(planned, notice["id"]), ensure_ascii=False)
    assert "phối hợp, tạo điều kiện cho Đoàn" in text
    assert notice["template"] == "thong-bao-kiem-tra.xml.j2"


def test_a_template_error_names_the_template_and_line(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    own = tmp_path / "own"
    own.mkdir()
    (own / "thong-bao-kiem-tra.xml.j2").write_text(
        "<letter>\n<summary>{{ unit.name }}</summary>\n<p>{{ unit.address }}</p>\n</letter>\n",
        encoding="utf-8",
    )
    announce_all(planned)
    failed = planned("notices", "issue", "hanoi-2026", "--templates", str(own))
    assert failed.exit_code == 2
    [line] = failed.stderr.strip().splitlines()
    assert "thong-bao-kiem-tra.xml.j2:3" in line and "address" in line
    assert "Traceback" not in failed.stderr
    # Nothing of the failed notice was written; the decisions before it were issued.
    assert Counter(d["kind"] for d in documents(planned)) == {"quyet-dinh-thanh-lap-doan": 3}


def test_the_records_office_numbers_drafts_after_signing(cli: Cli, tmp_path: Path) -> None:
    campaign = tmp_path / "hanoi.toml"
    campaign.write_text(
        CAMPAIGN.replace('numbered_by = "engine"', 'numbered_by = "records_office"'), "utf-8"
    )
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(campaign)).exit_code == 0
    assert cli("plan", "hanoi-2026", "--as-of", "2026-07-27").exit_code == 0
    for team in (1, 2, 3):
        path = EXAMPLES / "decisions" / f"doan-{team}.json"
        decided = cli("campaign", "decide-team", "hanoi-2026", "--data-file", str(path),
                      "--actor", "vt")  # fmt: skip
        assert decided.exit_code == 0, decided.stderr
    case = case_of(cli, "STP")
    assert cli("case", "advance", str(case), "announce", *LEAD).exit_code == 0
    assert cli("notices", "issue", "hanoi-2026").exit_code == 0
    [draft] = documents(cli, "--case", str(case))
    assert draft["status"] == "awaiting_number" and draft["number"] is None
    assert letter(cli, draft["id"])["number"] == "Số: \u00a0\u00a0\u00a0\u00a0\u00a0/TB-SNV"
    numbered = cli("notices", "number", str(draft["id"]), "--number", "7", "--date", "2026-12-01")
    assert numbered.exit_code == 0, numbered.stderr
    [done] = documents(cli, "--case", str(case))
    assert done["number"] == "07/TB-SNV" and done["issued_on"] == "2026-12-01"
    text = json.dumps(letter(cli, done["id"]), ensure_ascii=False)
    assert "Số: 07/TB-SNV" in text and "Hà Nội, ngày 01 tháng 12 năm 2026" in text
    assert "Kèm theo Thông báo số 07/TB-SNV ngày 01 tháng 12 năm 2026" in text
    assert done["content_hash"] != draft["content_hash"]
    again = cli("notices", "number", str(draft["id"]), "--number", "8", "--date", "2026-12-01")
    assert again.exit_code == 2 and "already has its number" in again.stderr


def test_issue_renders_and_package_delivers_one_folder_per_unit(
    planned: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    announce_all(planned)
    out = tmp_path / "letters"
    issued = planned("notices", "issue", "hanoi-2026", "--out", str(out), "--json")
    assert issued.exit_code == 0, issued.stderr
    report = json.loads(issued.stdout)
    assert len(report["issued"]) == 144 and len(report["files"]) == 2 * 144
    assert all(Path(f).is_file() for f in report["files"])
    delivery = tmp_path / "delivery"
    packaged = planned("notices", "package", "hanoi-2026", "--out", str(delivery), "--zip")
    assert packaged.exit_code == 0, packaged.stderr
    zips = sorted(p.name for p in delivery.glob("*.zip"))
    assert len(zips) == 1 + 141 and "_chien-dich.zip" in zips
    [stp] = [z for z in zips if z.startswith("STP_")]
    import zipfile

    with zipfile.ZipFile(delivery / stp) as archive:
        names = sorted(archive.namelist())
    assert [n.rsplit(".", 1)[1] for n in names] == ["docx", "pdf", "xlsx"]
    assert all(n.isascii() for n in names)  # a document system takes these names as they are
    index = (delivery / "danh-sach-van-ban.csv").read_text("utf-8-sig").splitlines()
    assert index[0].startswith("don_vi,ten_don_vi,loai,so_ky_hieu") and len(index) == 1 + 144


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("notices", "issue", "no-such"), "no campaign 'no-such'"),
        (("notices", "render", "999", "--out", "."), "no document 999"),
        (("notices", "list", "hanoi-2026", "--kind", "thong-bao"), "unknown kind 'thong-bao'"),
        (("notices", "issue", "hanoi-2026", "--format", "odt"), "unknown format 'odt'"),
        (("notices", "number", "1", "--number", "3", "--date", "5/8/2026"), "not a date"),
    ],
)
def test_bad_arguments_get_one_line(planned: Cli, args: tuple[str, ...], says: str) -> None:  # noqa: F811
    done = planned(*args)
    assert done.exit_code == 2
    [line] = done.stderr.strip().splitlines()
    assert says in line


def test_a_clashing_number_is_refused_and_the_rest_issued(planned: Cli, tmp_path: Path) -> None:  # noqa: F811
    """The records office re-forms a team with a number the engine already gave a notice (one
    shared sequence): that decision is refused with what to do; the other documents go out."""
    announce_all(planned)
    assert planned("notices", "issue", "hanoi-2026").exit_code == 0
    taken = next(d["number"] for d in documents(planned) if d["kind"] == "thong-bao-kiem-tra")
    decision = json.loads((EXAMPLES / "decisions" / "doan-1.json").read_text("utf-8"))
    decision |= {"number": taken.replace("/TB-", "/QĐ-"), "supersedes": decision["number"]}
    path = tmp_path / "again.json"
    path.write_text(json.dumps(decision, ensure_ascii=False), encoding="utf-8")
    recorded = planned("campaign", "decide-team", "hanoi-2026", "--data-file", str(path),
                       "--actor", "vt")  # fmt: skip
    assert recorded.exit_code == 0, recorded.stderr
    visit = next(v for v in json.loads(planned("plan", "show", "hanoi-2026", "--json").stdout)
                 if v["unit_code"] == "STP")  # fmt: skip
    move = tmp_path / "move.json"
    later = free_day(planned, visit["team"], "2026-10-26")
    move.write_text(json.dumps({"visit_date": later, "reason": "Đơn vị đề nghị"}), "utf-8")
    moved = planned("case", "advance", str(visit["case_id"]), "reschedule", "--data-file",
                    str(move), *LEAD)  # fmt: skip
    assert moved.exit_code == 0, moved.stderr
    issued = planned("notices", "issue", "hanoi-2026")
    assert issued.exit_code == 2
    [line] = issued.stderr.strip().splitlines()
    assert "issued 1, refused quyet-dinh-thanh-lap-doan of team decision 4" in line
    assert 'numbering = "per_type"' in line
    assert [d["kind"] for d in documents(planned)][-1] == "thong-bao-doi-lich"
