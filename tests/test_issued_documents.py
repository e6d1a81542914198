"""The documents `make demo` writes, checked as a records clerk and a unit would: every announced
unit has its notice in DOCX and PDF with its appendix workbook, the team decisions are there,
and every file meets the Decree 30 format rules the layout tests check."""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from inspect_engine.cli import app
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.services.notices.rendering import render
from tests.docx_checks import check_decree30_docx
from tests.html_checks import check_decree30_html
from tests.pdf_checks import check_decree30_pdf

RUNNER = CliRunner()
PER_KIND = 15


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    done = RUNNER.invoke(app, ["demo", "--dir", str(folder)], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    return folder


def cli(demo: Path, *args: str) -> Any:
    done = RUNNER.invoke(app, ["--db", f"sqlite:///{demo / 'inspect.db'}", *args])
    assert done.exit_code == 0, done.stderr
    return done


def documents(demo: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(
        cli(demo, "notices", "list", "hanoi-2026", "--json").stdout
    )
    return found


def letter_of(demo: Path, doc_id: int) -> Letter:
    shown = json.loads(cli(demo, "notices", "show", str(doc_id), "--json").stdout)
    return Letter.from_json(shown["letter"])


def index(demo: Path) -> list[dict[str, str]]:
    text = (demo / "notices" / "danh-sach-van-ban.csv").read_text("utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def test_every_announced_unit_has_its_notice_and_forms(demo: Path) -> None:
    rows = index(demo)
    notices = [r for r in rows if r["loai"] == "thong-bao-kiem-tra"]
    assert len(notices) == 140  # every case but the one inspected unannounced
    for row in notices:
        files = [demo / "notices" / f for f in row["tep"].split()]
        assert sorted(f.suffix for f in files) == [".docx", ".pdf"]
        for file in files:
            assert file.stat().st_size > 5000, file
        folder = files[0].parent
        assert folder.name.startswith(row["don_vi"] + "_")
        assert (folder / f"phu-luc_{row['don_vi']}.xlsx").is_file()
    decisions = [r for r in rows if r["loai"] == "quyet-dinh-thanh-lap-doan"]
    assert [r["so_ky_hieu"] for r in decisions] == ["125/QĐ-SNV", "126/QĐ-SNV", "127/QĐ-SNV"]
    assert all(r["tep"].startswith("_chien-dich/") for r in decisions)
    kinds = {r["loai"] for r in rows}
    assert {"bien-ban-kiem-tra", "thong-bao-ket-luan", "thong-bao-tai-kiem-tra"} <= kinds


def test_the_workbook_holds_the_units_own_appendices(demo: Path) -> None:
    [stp] = (demo / "notices").glob("STP_*/phu-luc_STP.xlsx")
    assert [ws.title for ws in load_workbook(stp).worksheets if ws.sheet_state == "visible"] == [
        "PL1 Số liệu CCHC",
        "PL2 Nhiệm vụ được giao",
        "PL3 Lĩnh vực chủ trì",
    ]
    [commune] = (demo / "notices").glob("00004_*/phu-luc_00004.xlsx")
    visible = [ws.title for ws in load_workbook(commune).worksheets if ws.sheet_state == "visible"]
    assert len(visible) == 2 and "PL3 Lĩnh vực chủ trì" not in visible


def _check_files(job: tuple[dict[str, Any], list[str]]) -> str:
    """Check one document's files against its stored letter (run in a worker process)."""
    content, files = job
    letter = Letter.from_json(content)
    for name in files:
        data = Path(name).read_bytes()
        if name.endswith(".docx"):
            check_decree30_docx(data, letter)
        else:
            check_decree30_pdf(data, letter)
    check_decree30_html(render(letter, "html").decode("utf-8"), letter)
    return files[0]


@pytest.mark.slow
def test_every_kind_of_issued_file_meets_the_format_rules(demo: Path) -> None:
    """The files under ./demo/notices are checked against the letter stored for each, on every
    core: every kind of document the simulated round issued, the first of each kind up to
    PER_KIND (about 0.4 s of checking a document; the round issues some 700)."""
    # The campaign's report is written by `report` under demo/report, not in the package.
    issued = [d for d in documents(demo) if d["kind"] != "bao-cao-ket-qua-kiem-tra"]
    rows = index(demo)  # in the order the documents were stored, as the list
    assert [(r["loai"], r["so_ky_hieu"]) for r in rows] == [
        (d["kind"], d["number"]) for d in issued
    ]
    taken: dict[str, int] = {}
    jobs = []
    for row, doc in zip(rows, issued, strict=True):
        if taken.setdefault(row["loai"], 0) >= PER_KIND:
            continue
        taken[row["loai"]] += 1
        files = [str(demo / "notices" / name) for name in row["tep"].split()]
        jobs.append((letter_of(demo, doc["id"]).to_json(), files))
    with ProcessPoolExecutor(max_workers=2) as pool:
        checked = list(pool.map(_check_files, jobs))
    assert len(checked) == len(jobs)
    assert set(taken) == {d["kind"] for d in issued}
    assert len(taken) >= 9  # decisions, notices, moves, minutes, conclusions, re-inspections,
    # the reminders and the overdue notice


def test_a_document_renders_again_byte_for_byte(demo: Path, tmp_path: Path) -> None:
    """A stored letter renders to the same bytes whenever it is rendered; the demo's signed
    PDF is that render with its two signatures appended as incremental updates."""
    row = next(r for r in index(demo) if r["loai"] == "thong-bao-ket-luan")
    doc = next(d for d in documents(demo) if d["number"] == row["so_ky_hieu"])
    cli(demo, "notices", "render", str(doc["id"]), "--format", "docx,pdf", "--out", str(tmp_path))
    for name in row["tep"].split():
        again = (tmp_path / Path(name).name).read_bytes()
        issued = (demo / "notices" / name).read_bytes()
        if name.endswith(".pdf"):
            assert issued.startswith(again) and issued.count(b"/ByteRange") == 2, name
        else:
            assert again == issued, name


def test_the_demo_writes_the_campaign_report_and_board(demo: Path) -> None:
    """`make demo` leaves the report (DOCX, PDF) under demo/report/ and demo/board.html; the
    report's figures are those an independent count of the event log gives."""
    import sqlite3

    import docx

    from tests.test_report import independent_figures

    files = sorted((demo / "report").iterdir())
    assert [f.suffix for f in files] == [".docx", ".pdf"]
    assert all("bao-cao-ket-qua-kiem-tra" in f.name for f in files)
    board = (demo / "board.html").read_text(encoding="utf-8")
    assert "http://" not in board and "https://" not in board  # nothing from the network
    report = next(d for d in documents(demo) if d["kind"] == "bao-cao-ket-qua-kiem-tra")
    row = sqlite3.connect(demo / "inspect.db").execute(
        "SELECT source_seq FROM document WHERE id = ?", (report["id"],)
    )
    as_of = date.fromisoformat(report["issued_on"])
    expected = independent_figures(demo / "inspect.db", as_of, row.fetchone()[0])
    text = "\n".join(p.text for p in docx.Document(str(files[0])).paragraphs)
    assert f"Đã kiểm tra {expected['inspected']}/{expected['targeted']} đơn vị" in text
    assert f"đã chỉ ra {expected['shortcomings']} tồn tại, hạn chế" in text
