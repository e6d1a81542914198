"""The calendar page of a plan (`plan show --html`): what a team lead reads off it, on screen,
in print and on a phone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from lxml import html as lxml_html

from tests.conftest import EXAMPLES, Cli
from tests.css_cascade import StyleSheet

AS_OF = ("--as-of", "2026-07-27")


@pytest.fixture
def planned(cli: Cli, hanoi_v1: Path, tmp_path: Path) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    # One unit whose area is the code of another unit: the page shows that unit's name.
    moved = tmp_path / "area.csv"
    moved.write_text(
        "code,name,kind,parent_code,sectors,area,address\n"
        '00004,Phường Ba Đình,commune,01,,01,"Số 1 Đội Cấn, Ba Đình"\n',
        encoding="utf-8",
    )
    assert cli("units", "import", str(moved)).exit_code == 0
    toml = hanoi_v1.read_text(encoding="utf-8").replace(
        "extra_days_off = []", "extra_days_off = [2026-11-20]"
    )
    campaign = tmp_path / "hanoi.toml"
    campaign.write_text(toml, encoding="utf-8")
    assert cli("campaign", "create", str(campaign)).exit_code == 0
    team_off = ("plan", "team-off", "hanoi-2026", "--team", "Đoàn 2", "2026-09-14..2026-09-15")
    assert cli(*team_off, "--reason", "tập huấn").exit_code == 0
    assert cli("plan", "hanoi-2026", *AS_OF).exit_code == 0
    return cli


def page(cli: Cli, folder: Path, *extra: str) -> Any:
    path = folder / "plan.html"
    result = cli("plan", "show", "hanoi-2026", "--html", str(path), *extra)
    assert result.exit_code == 0, result.stderr
    return lxml_html.document_fromstring(path.read_text(encoding="utf-8"))


def plan(cli: Cli) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    return data


def cell(root: Any, team_index: int, day: str) -> Any:
    """The day cell of a team's section for `day` shown as dd/mm."""
    section = root.xpath("//section[contains(@class, 'team')]")[team_index]
    (found,) = section.xpath(f".//td[contains(@class, 'day')][.//span[@class='short'][.='{day}']]")
    return found


def text(element: Any) -> str:
    return " ".join(element.text_content().split())


def test_every_visit_is_on_its_day_with_its_area_by_name(planned: Cli, tmp_path: Path) -> None:
    root = page(planned, tmp_path)
    visits = plan(planned)
    assert len(root.xpath("//div[contains(@class, 'visit')]")) == len(visits) == 141
    teams = ["Đoàn 1", "Đoàn 2", "Đoàn 3"]
    for v in visits[:: len(visits) // 12]:
        day = f"{v['date'][8:10]}/{v['date'][5:7]}"
        shown = text(cell(root, teams.index(v["team"]), day))
        assert v["unit_name"] in shown
    ba_dinh = next(v for v in visits if v["unit_code"] == "00004")
    day = f"{ba_dinh['date'][8:10]}/{ba_dinh['date'][5:7]}"
    shown = text(cell(root, teams.index(ba_dinh["team"]), day))
    assert "Thành phố Hà Nội" in shown and " 01 " not in f" {shown} ", "the area by its name"
    assert "Số 1 Đội Cấn, Ba Đình" in shown, "and the unit's address"


def test_days_off_make_up_days_team_days_off_and_blackouts_are_marked(
    planned: Cli, tmp_path: Path
) -> None:
    unit = next(v for v in plan(planned) if v["team"] == "Đoàn 3")
    blackout = ("plan", "blackout", "hanoi-2026", unit["unit_code"], "2026-10-05..2026-10-06")
    assert planned(*blackout, "--reason", "đại hội").exit_code == 0
    root = page(planned, tmp_path)
    holiday = cell(root, 0, "02/09")
    assert "holiday" in holiday.get("class") and "Quốc khánh" in text(holiday)
    assert "Ngày nghỉ (thay cho ngày 22/08/2026)" in text(cell(root, 0, "31/08"))
    extra = cell(root, 1, "20/11")
    assert "holiday" in extra.get("class") and "Ngày nghỉ bổ sung" in text(extra)
    saturday = cell(root, 2, "22/08")
    assert "make-up" in saturday.get("class") and "Làm bù cho thứ Hai 31/08/2026" in text(saturday)
    off = cell(root, 1, "14/09")
    assert "team-off" in off.get("class") and "Đoàn không đi kiểm tra: tập huấn" in text(off)
    assert "team-off" not in cell(root, 0, "14/09").get("class"), "only Đoàn 2 is away"
    training = cell(root, 0, "13/10")  # Đoàn 1's training week, from the campaign file
    assert "team-off" in training.get("class") and "Đoàn không đi kiểm tra" in text(training)
    marked = cell(root, 2, "05/10")
    assert f"{unit['unit_name']} (đại hội)" in text(marked)
    assert unit["unit_name"] + " (đại hội)" not in text(cell(root, 0, "05/10")), "its team only"
    assert "weekend" in cell(root, 0, "23/08").get("class")


def test_each_week_shows_its_load_against_capacity_empty_weeks_too(
    planned: Cli, tmp_path: Path
) -> None:
    root = page(planned, tmp_path, "--team", "Đoàn 2")
    (section,) = root.xpath("//section[contains(@class, 'team')]")
    assert "Đoàn 2" in text(section.xpath(".//h2")[0])
    weeks = section.xpath(".//tbody/tr[contains(@class, 'week')]")
    assert len(weeks) == 23, "every calendar week from 27/07 to 03/01"
    loads = {}
    for row in weeks:
        head = text(row.xpath("./th")[0])
        load = text(row.xpath("./td[contains(@class, 'load')]")[0]).split(" / ")
        loads[head.split(" ", 2)[2].split(" ")[0]] = (int(load[0]), int(load[1]))
    assert loads["10/08"] == (3, 5)
    assert loads["17/08"][1] == 6, "the make-up Saturday 22/08 adds a slot"
    assert loads["14/09"][1] == 3, "two days of training"
    assert loads["31/08"][1] == 2, "31/08, 1/9 and 2/9 are off"
    assert loads["21/12"] == (0, 5), "a reserve week, shown although it has no visit"
    assert sum(v for v, _ in loads.values()) == sum(v["team"] == "Đoàn 2" for v in plan(planned))
    reserve = [row for row in weeks if "reserve" in row.get("class")]
    assert reserve and all("Dự phòng" in text(row) for row in reserve)


def test_the_page_prints_on_a4_landscape_and_reflows_on_a_phone(
    planned: Cli, tmp_path: Path
) -> None:
    root = page(planned, tmp_path)
    sheet = StyleSheet.parse("\n".join(s.text or "" for s in root.iter("style")))
    css = "\n".join(s.text or "" for s in root.iter("style"))
    assert "@page { size: A4 landscape" in css
    assert "@media screen and (max-width: 720px)" in css
    assert root.xpath("//meta[@name='viewport']"), "phones lay it out at their own width"
    week = root.xpath("//tr[contains(@class, 'week')]")[0]
    assert sheet.value(week, "display", media="screen and (max-width: 720px)") == "block"
    assert root.get("lang") == "vi"


def _print_to_pdf(source: Path) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on PATH")
    pdf = source.with_suffix(".pdf")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        source.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return pdf


@pytest.mark.browser
def test_printed_by_chromium_each_team_from_a_new_a4_landscape_sheet(
    planned: Cli, tmp_path: Path
) -> None:
    page(planned, tmp_path)
    with pdfplumber.open(_print_to_pdf(tmp_path / "plan.html")) as pdf:
        texts = [pg.extract_text() or "" for pg in pdf.pages]
        for pg in pdf.pages:
            assert (pg.width, pg.height) == pytest.approx((841.9, 595.3), abs=2), "A4 landscape"
    firsts = {}
    for index, body in enumerate(texts):
        for team in ("Đoàn 1", "Đoàn 2", "Đoàn 3"):
            if f"{team} · Trưởng đoàn" in body:
                firsts.setdefault(team, index)
                assert body.index(f"{team} · Trưởng đoàn") < 60 or index == 0, "page top"
    assert firsts["Đoàn 1"] == 0 and firsts["Đoàn 1"] < firsts["Đoàn 2"] < firsts["Đoàn 3"]
    assert "Đoàn 1 · Trưởng đoàn" not in texts[firsts["Đoàn 2"]], "Đoàn 2 starts a sheet"
    assert "Quốc khánh" in "".join(texts) and "Sở Tư pháp" in "".join(texts)
