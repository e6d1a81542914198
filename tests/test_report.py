"""`report KEY`: the campaign's results report, recomputed independently from the event log,
reproducible for a past day after more events, its periods and its per-unit scores."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest

from inspect_engine.bootstrap import bootstrap
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, at
from tests.campaign_history import History
from tests.conftest import HANOI, Cli

AS_OF = date(2026, 10, 15)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, History]:
    folder = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{folder / 'campaign.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    played = History(url)
    played.run_until(date(2026, 10, 16))
    return url, folder / "campaign.db", played


def _report(url: str, clock_day: date, out: Path, **options: object):  # type: ignore[no-untyped-def]
    from inspect_engine.services.reporting import report

    clock = lambda: at(clock_day, 9)  # noqa: E731
    with bootstrap(url, clock=clock).unit_of_work() as uow:
        made = report.make_report(uow, KEY, clock=clock, **options)  # type: ignore[arg-type]
    return made, report.write_files(made, out, ("docx", "pdf"))


def _local_day(text: str) -> date:
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return moment.astimezone(DISPLAY_TZ).date()


def independent_figures(db_file: Path, as_of: date, chain_seq: int) -> dict[str, object]:
    """The report's figures counted straight from the `case_event` rows with sqlite3."""
    conn = sqlite3.connect(db_file)
    kinds = dict(
        conn.execute(
            "SELECT c.id, k.label FROM inspection_case c JOIN unit u ON u.code = c.unit_code "
            "JOIN unit_kind k ON k.name = u.kind WHERE c.campaign_key = ?",
            (KEY,),
        ).fetchall()
    )
    rows = conn.execute(
        "SELECT case_id, trigger, at, payload FROM case_event WHERE campaign_key = ? "
        "AND chain_seq <= ? ORDER BY case_id, seq",
        (KEY, chain_seq),
    ).fetchall()
    visited: set[int] = set()
    draft: dict[int, list[dict]] = {}
    concluded: dict[int, list[dict]] = {}
    due: dict[int, date | None] = {}
    reported: dict[int, date] = {}
    for case_id, trigger, moment, payload in rows:
        if _local_day(moment) > as_of:
            continue
        data = json.loads(payload)
        if trigger in ("record_visit", "record_unannounced_visit"):
            visited.add(case_id)
        elif trigger in ("record_findings", "reinspect_fail"):
            draft[case_id] = data["findings"]
        elif trigger == "approve_conclusion":
            concluded.setdefault(case_id, draft[case_id])
            remediation_due = data["assessed"].get("remediation_due")
            due[case_id] = date.fromisoformat(remediation_due) if remediation_due else None
            reported.pop(case_id, None)
        elif trigger == "report_remediation":
            reported[case_id] = _local_day(moment)
    severities = Counter(
        f["severity"]
        for findings in concluded.values()
        for f in findings
        if f["severity"] != "none"
    )
    owed = {c: d for c, d in due.items() if d is not None}
    return {
        "inspected": len(visited),
        "targeted": len(kinds),
        "by_kind": Counter(kinds[c] for c in visited),
        "targeted_by_kind": Counter(kinds.values()),
        "shortcomings": sum(severities.values()),
        "severities": severities,
        "overdue": sum(1 for c, d in owed.items() if c not in reported and d < as_of),
        "in_time": sum(1 for c, d in owed.items() if c not in reported and d >= as_of),
        "on_time": sum(1 for c, d in owed.items() if c in reported and reported[c] <= d),
        "late": sum(1 for c, d in owed.items() if c in reported and reported[c] > d),
    }


def _docx_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    return text, tables


def test_the_figures_match_an_independent_count_of_the_event_log(
    history: tuple[str, Path, History], tmp_path: Path
) -> None:
    url, db_file, _ = history
    made, files = _report(url, date(2026, 10, 16), tmp_path, as_of=AS_OF)
    expected = independent_figures(db_file, AS_OF, made.cut.chain_seq)
    assert expected["inspected"] > 100 and expected["shortcomings"] > 50  # a real history
    text, tables = _docx_text(next(f for f in files if f.suffix == ".docx"))
    share = f"{100 * expected['inspected'] / expected['targeted']:.1f}".replace(".", ",")
    assert (
        f"Đã kiểm tra {expected['inspected']}/{expected['targeted']} đơn vị, đạt {share}%" in text
    )
    kinds = next(t for t in tables if t[0][0] == "Loại đơn vị")
    for label, targeted, inspected, _ in kinds[1:-1]:
        assert int(targeted) == expected["targeted_by_kind"][label]
        assert int(inspected) == expected["by_kind"][label]
    assert f"đã chỉ ra {expected['shortcomings']} tồn tại, hạn chế" in text
    remediation = {
        row[0]: int(row[1]) for row in next(t for t in tables if t[0][0] == "Tình trạng")[1:]
    }
    assert remediation == {
        "Đã khắc phục đúng hạn": expected["on_time"],
        "Đã khắc phục, quá hạn": expected["late"],
        "Đang khắc phục, trong hạn": expected["in_time"],
        "Quá hạn, chưa báo cáo khắc phục": expected["overdue"],
    }
    appendix = next(t for t in tables if t[0][0] == "STT")
    assert len(appendix) - 1 == expected["targeted"]
    counted = Counter()
    for row in appendix[1:]:
        for label, cell in zip(("minor", "major", "serious"), row[4:7], strict=True):
            counted[label] += int(cell or 0)
    assert counted == expected["severities"]


def test_a_past_day_s_report_is_identical_after_more_events(
    history: tuple[str, Path, History], tmp_path: Path
) -> None:
    url, db_file, played = history
    first, first_files = _report(url, date(2026, 10, 16), tmp_path / "first", as_of=AS_OF)
    played.run_until(date(2026, 11, 20))  # remediations, re-inspections, deadlines firing
    again, again_files = _report(url, date(2026, 11, 20), tmp_path / "again", as_of=AS_OF)
    assert not again.new and again.same_as_issued
    assert again.record.id == first.record.id and again.record.number == first.record.number
    for a, b in zip(first_files, again_files, strict=True):
        assert a.name == b.name and a.read_bytes() == b.read_bytes()
    later, _ = _report(url, date(2026, 11, 20), tmp_path / "later", as_of=date(2026, 11, 20))
    assert later.new and later.record.number != first.record.number
    assert later.cut.chain_seq > first.cut.chain_seq
    now = independent_figures(db_file, date(2026, 11, 20), later.cut.chain_seq)
    then = independent_figures(db_file, AS_OF, first.cut.chain_seq)
    assert now["on_time"] + now["late"] > then["on_time"] + then["late"]  # more events counted


def test_a_period_report_counts_its_window(
    history: tuple[str, Path, History], tmp_path: Path
) -> None:
    url, db_file, _ = history
    made, files = _report(url, date(2026, 11, 20), tmp_path, period="q3", year=2026)
    assert (made.cut.since, made.cut.as_of) == (date(2026, 6, 15), date(2026, 9, 14))
    text, _ = _docx_text(files[0])
    assert "quý III 2026" in text and "từ ngày 15/6/2026" in text and "14/9/2026" in text
    visits = sqlite3.connect(db_file).execute(
        "SELECT payload FROM case_event "
        "WHERE trigger IN ('record_visit', 'record_unannounced_visit')"
    )
    in_window = sum(1 for (p,) in visits if json.loads(p)["minutes"]["visit_date"] <= "2026-09-14")
    assert f"Đã kiểm tra {in_window}/141 đơn vị" in text


def test_the_per_unit_scores(history: tuple[str, Path, History]) -> None:
    url, db_file, _ = history
    cli = Cli(url)
    as_csv = cli("report", KEY, "--as-of", "2026-10-15", "--scores", "--csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    data = json.loads(cli("report", KEY, "--as-of", "2026-10-15", "--scores", "--json").stdout)
    assert len(rows) == len(data["units"]) == 141
    assert len(data["content_areas"]) == 8 and "area8_serious" in rows[0]
    expected = independent_figures(db_file, AS_OF, data["chain_seq"])
    assert sum(r["inspected"] == "1" for r in rows) == expected["inspected"]
    for severity in ("minor", "major", "serious"):
        assert sum(int(r[severity]) for r in rows) == expected["severities"][severity]
    assert Counter(r["remediation_status"] for r in rows)["overdue"] == expected["overdue"]
    stp = next(u for u in data["units"] if u["unit_code"] == "STP")
    row = next(r for r in rows if r["unit_code"] == "STP")
    assert row["visit_date"] == (stp["visit_date"] or "")
    assert int(row["serious"]) == stp["shortcomings_total"]["serious"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2027-01-01", "--out", "x"], "is in the future"),
        (["--as-of", "2026-07-01", "--out", "x"], "was created on 27/07/2026"),
        (["--period", "q2", "--out", "x"], "unknown period 'q2'; periods: q1, h1, q3, year"),
        (["--period", "q3", "--as-of", "2026-10-01", "--out", "x"], "not both"),
        (["--scores"], "--scores needs one of --csv and --json"),
        (["--as-of", "15/10/2026", "--out", "x"], "is not an ISO date"),
        ([], "give --out DIR"),
    ],
)
def test_bad_options_say_one_line_and_write_nothing(
    history: tuple[str, Path, History], tmp_path: Path, args: list[str], message: str
) -> None:
    url, _, _ = history
    result = Cli(url)("report", KEY, *[str(tmp_path / a) if a == "x" else a for a in args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_reporting_windows_are_the_campaign_s(tmp_path: Path) -> None:
    from inspect_engine.domain.campaign.toml_reader import parse_campaign
    from inspect_engine.errors import InputError

    text = HANOI.read_text(encoding="utf-8")
    spec = parse_campaign(text + '\n[reporting]\nq3 = { from = "01/7", to = "30/9" }\n', "c.toml")
    assert spec.reporting["q3"].dates(2026) == (date(2026, 7, 1), date(2026, 9, 30))
    assert spec.reporting["q1"].dates(2026) == (date(2025, 12, 15), date(2026, 3, 14))
    for bad, problem in [
        ('q4 = { from = "1/10", to = "31/12" }', "unknown period 'q4'"),
        ('q3 = { from = "15/6", to = "31/9" }', "'31/9' is not a day of every year"),
        ('q3 = { from = "15/6" }', "missing field 'to'"),
        ('q3 = { from = "15-6", to = "14/9" }', "must be a day and month DD/MM"),
    ]:
        with pytest.raises(InputError) as caught:
            parse_campaign(text + f"\n[reporting]\n{bad}\n", "c.toml")
        assert problem in str(caught.value) and "c.toml:" in str(caught.value)


def test_report_scores_and_board_on_each_backend(
    engine: object, db_url: str, tmp_path: Path
) -> None:
    """The same commands on SQLite and PostgreSQL: the report issued once and drawn the same on
    a second run, the scores and the board from the same figures."""
    History(db_url).run_until(date(2026, 9, 4))
    first, files = _report(db_url, date(2026, 9, 4), tmp_path / "a", as_of=date(2026, 9, 3))
    again, again_files = _report(db_url, date(2026, 9, 10), tmp_path / "b", as_of=date(2026, 9, 3))
    assert first.new and not again.new and again.same_as_issued
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again_files]
    scores = json.loads(
        Cli(db_url)("report", KEY, "--as-of", "2026-09-03", "--scores", "--json").stdout
    )
    assert sum(u["inspected"] for u in scores["units"]) == len(first.figures.inspected) > 0
    page = tmp_path / "board.html"
    shown = Cli(db_url)("board", KEY, "--out", str(page))
    assert shown.exit_code == 0, shown.stderr
    assert (
        "141 cases" in shown.stdout
        and page.read_text(encoding="utf-8").count('class="case"') == 141
    )
