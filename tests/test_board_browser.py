"""The board in a real browser (headless Chromium): no console errors, the counts it shows are
the database's, a filter and the search narrow the cases, the drawer shows a case's history and
documents, and it lays out on a desktop and on a phone (screenshots saved)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspect_engine.storage.db import make_engine, upgrade
from tests.browser import chromium
from tests.campaign_clock import KEY
from tests.campaign_history import History
from tests.conftest import Cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("board")
    url = f"sqlite:///{folder / 'campaign.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    History(url).run_until(date(2026, 10, 1))
    issued = Cli(url)("notices", "issue", KEY)
    assert issued.exit_code == 0, issued.stderr
    page = folder / "board.html"
    result = Cli(url)("board", KEY, "--out", str(page))
    assert result.exit_code == 0, result.stderr
    return page, folder / "campaign.db"


@pytest.fixture(scope="module")
def browser() -> Any:
    driver = chromium()
    yield driver
    driver.quit()


def _shown(driver: Any) -> int:
    return int(driver.find_element("id", "shown").text)


def _visible_rows(driver: Any) -> list[Any]:
    return [r for r in driver.find_elements("css selector", "tr.case") if r.is_displayed()]


def _save(driver: Any, path: Path, name: str) -> None:
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page was drawn
    keep = os.environ.get("INSPECT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)


def test_the_board_shows_the_database_and_filters_it(
    board: tuple[Path, Path], browser: Any, tmp_path: Path
) -> None:
    page, db_file = board
    db = sqlite3.connect(db_file)
    states = Counter(dict(db.execute("SELECT state, count(*) FROM inspection_case GROUP BY state")))
    total = sum(states.values())
    browser.get(page.as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert int(browser.find_element("id", "total").text) == total == 141
    shown_states = {
        b.get_attribute("data-state"): int(b.find_element("tag name", "b").text)
        for b in browser.find_elements("css selector", ".state-count")
    }
    assert shown_states == dict(states)
    assert _shown(browser) == len(_visible_rows(browser)) == total
    overdue = db.execute(
        "SELECT count(*) FROM deadline WHERE status = 'pending' AND due < date('now')"
    ).fetchone()[0]
    assert len(browser.find_elements("css selector", ".overdue-list tbody tr")) == overdue
    if overdue:  # the cases with an overdue deadline come first
        first = _visible_rows(browser)[0]
        assert first.find_elements("css selector", ".late")

    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "f-team")).select_by_visible_text("Đoàn 2")
    in_team = db.execute(
        "SELECT count(*) FROM inspection_case WHERE plan_team = 'Đoàn 2'"
    ).fetchone()[0]
    assert _shown(browser) == len(_visible_rows(browser)) == in_team
    assert all(r.get_attribute("data-team") == "Đoàn 2" for r in _visible_rows(browser))
    Select(browser.find_element("id", "f-team")).select_by_visible_text("Tất cả")

    search = browser.find_element("id", "f-search")
    search.send_keys("so tu phap")  # without diacritics
    rows = _visible_rows(browser)
    assert (
        _shown(browser) == len(rows) == 1
        and rows[0].find_element("css selector", ".unit").text == "Sở Tư pháp"
    )
    rows[0].click()
    drawer = browser.find_element("id", "drawer")
    assert drawer.is_displayed()
    case_id = int(drawer.get_attribute("data-case"))
    events = db.execute("SELECT count(*) FROM case_event WHERE case_id = ?", (case_id,)).fetchone()[
        0
    ]
    documents = db.execute(
        "SELECT count(*) FROM document WHERE case_id = ?", (case_id,)
    ).fetchone()[0]
    assert len(browser.find_elements("css selector", "#drawer-history li")) == events
    assert len(browser.find_elements("css selector", "#drawer-documents li")) == documents >= 2
    assert "Sở Tư pháp" in drawer.text
    _save(browser, tmp_path / "board-drawer.png", "board-drawer.png")
    browser.find_element("css selector", "#drawer .close").click()
    assert not drawer.is_displayed()
    search.clear()
    search.send_keys(" ")
    search.clear()
    browser.execute_script("document.getElementById('f-search').dispatchEvent(new Event('input'))")
    assert _shown(browser) == total
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    browser.set_window_size(1400, 2400)
    _save(browser, tmp_path / "board-desktop.png", "board-desktop.png")


def test_the_board_fits_a_phone(board: tuple[Path, Path], browser: Any, tmp_path: Path) -> None:
    page, _ = board
    browser.set_window_size(390, 1800)
    browser.get(page.as_uri())
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone: no sideways scrolling
    assert browser.find_element("id", "f-search").is_displayed()
    _save(browser, tmp_path / "board-phone.png", "board-phone.png")
