"""The portal in a real browser (headless Chromium against a real uvicorn server on a free port):
a unit opens its link, downloads its letter and its forms, sends the filled forms and sees them
received; a lead signs in and returns them with a reason; the unit reads the reason and sends
again; the lead accepts. Screenshots of every step are saved (INSPECT_SCREENSHOTS: a folder to
copy them to)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser import chromium
from tests.campaign_clock import KEY
from tests.portal_world import LEAD, PASSWORD, PL1, PL2, PL3, World, events_of, make_world

pytestmark = pytest.mark.browser
WAIT_S = 20  # the longest a step may take under load; no assertion is on how long it took


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """A uvicorn server in a thread, on a port the OS chose, on a campaign announced."""
    import uvicorn

    from inspect_engine.web.app import create_app

    world = make_world(tmp_path_factory.mktemp("portal-browser"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    with world.runtime().database() as units_of_work:
        world.base_url = f"http://127.0.0.1:{port}"
        app = create_app(world.portal(units_of_work))
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        _until(lambda: server.started, "the server to start")
        yield world.base_url, world
        server.should_exit = True
        thread.join(WAIT_S)
    sock.close()


def _until(done: Any, what: str) -> Any:
    import time

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"waited {WAIT_S} s for {what}")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    driver = chromium(1280, 1000, downloads=downloads, lang="vi")  # as a Vietnamese user's
    yield driver
    driver.quit()


def _shot(driver: Any, folder: Path, name: str) -> None:
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 100, 700), 4000))  # the whole page
    path = folder / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page was drawn
    keep = os.environ.get("INSPECT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    driver.set_window_size(width, 1000)


def _no_console_errors(driver: Any) -> None:
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # a CSP violation, a missing file, a script error


def _css(driver: Any, selector: str) -> Any:
    return driver.find_element("css selector", selector)


def _downloaded(folder: Path, suffix: str) -> Path:
    def found() -> Path | None:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        return done[0] if done else None

    path: Path = _until(found, f"a {suffix} download in {folder}")
    return path


def _fill(path: Path, cells: dict[str, dict[str, Any]]) -> Path:
    book = openpyxl.load_workbook(path)
    for sheet, values in cells.items():
        for ref, value in values.items():
            book[sheet][ref] = value
    out = BytesIO()
    book.save(out)
    filled = path.with_name("da-dien_" + path.name)
    filled.write_bytes(out.getvalue())
    return filled


def _states(driver: Any) -> dict[str, str]:
    rows = driver.find_elements("css selector", "#checklist tr[data-appendix]")
    return {r.get_attribute("data-appendix"): r.get_attribute("data-state") for r in rows}


def _send(driver: Any, files: list[Path], day: str, note: str) -> None:
    _css(driver, "#files").send_keys("\n".join(str(f) for f in files))
    _css(driver, "#figures_as_of").send_keys(day)
    _css(driver, "#note").send_keys(note)
    _css(driver, "#send").click()
    _until(lambda: driver.find_elements("id", "da-gui"), "the page saying it was received")


def test_a_units_journey_and_a_leads_review(
    server: tuple[str, World], browser: Any, downloads: Path, tmp_path: Path
) -> None:
    base, world = server
    case = world.cases["STP"]
    link = f"{base}/u/{world.tokens['STP']}"

    # The unit opens its link: its letter, deadlines, the three appendices not received yet.
    browser.get(link)
    assert _css(browser, "h1").text == "Sở Tư pháp"
    assert set(_states(browser).values()) == {"missing"}
    _no_console_errors(browser)
    _shot(browser, tmp_path, "01-don-vi-mo-duong-dan.png")

    # It downloads the Thông báo as PDF, and the forms.
    _css(browser, "#letters a[href$='.pdf']").click()
    letter = _downloaded(downloads, ".pdf")
    assert letter.read_bytes().startswith(b"%PDF-") and "thong-bao-kiem-tra" in letter.name
    _css(browser, "#forms").click()
    forms = _downloaded(downloads, ".xlsx")

    # It fills the workbook it downloaded and sends it with a scan.
    filled = _fill(forms, {
        PL1: {"C7": 12, "D7": 10, "E7": 83.3, "C8": 40, "D8": 40},
        PL2: {"B7": "Rà soát văn bản QPPL", "E7": "Đang thực hiện"},
        PL3: {"C7": 31, "D7": "Đã hoàn thành"},
    })  # fmt: skip
    scan = tmp_path / "bao-cao-ky-so.pdf"
    scan.write_bytes(b"%PDF-1.4 the signed report")
    _send(browser, [filled, scan], "31/07/2026", "Đơn vị gửi đủ ba phụ lục và báo cáo đã ký.")
    assert set(_states(browser).values()) == {"received"}
    assert "Đã nhận lần gửi thứ 1 ngày 03/08/2026" in _css(browser, "#da-gui").text
    _no_console_errors(browser)
    _shot(browser, tmp_path, "02-don-vi-da-gui.png")
    first = events_of(world, case)[-1]
    assert (first.trigger, first.actor, first.to_state) == (
        "receive_submission",
        "STP",
        "submitted",
    )

    # A lead signs in and finds it waiting.
    browser.get(f"{base}/dang-nhap")
    _shot(browser, tmp_path, "03-dang-nhap.png")
    _css(browser, "#name").send_keys(LEAD)
    _css(browser, "#password").send_keys(PASSWORD)
    _css(browser, "button[type=submit]").click()
    _until(lambda: "Các đợt kiểm tra" in browser.title, "the home page")
    browser.get(f"{base}/chien-dich/{KEY}")
    box = _css(browser, f"#review-{case}-{first.seq}")
    _no_console_errors(browser)
    _shot(browser, tmp_path, "04-truong-doan-cho-xem-xet.png")

    # It returns Phụ lục 1 with a reason (htmx swaps the box in place).
    box.find_element("tag name", "summary").click()
    for checkbox in box.find_elements("css selector", "input[name=appendices]"):
        if checkbox.get_attribute("value") != "Phụ lục 1":
            checkbox.click()
    reason = (
        "Phụ lục 1: số đã thực hiện của Cải cách thể chế chưa khớp báo cáo năm, đề nghị rà soát."
    )
    box.find_element("tag name", "textarea").send_keys(reason)
    box.find_element("css selector", "button.give-back").click()
    swapped = _until(
        lambda: browser.find_elements(
            "css selector", f"#review-{case}-{first.seq}[data-review=returned]"
        ),
        "the box to say it was returned",
    )
    assert reason in swapped[0].text
    _no_console_errors(browser)
    _shot(browser, tmp_path, "05-truong-doan-tra-lai.png")
    returned = events_of(world, case)[-1]
    assert (returned.trigger, returned.actor, returned.role) == (
        "return_submission",
        LEAD,
        "team_lead",
    )

    # The unit reads the reason and sends Phụ lục 1 again.
    browser.get(link)
    assert _states(browser) == {
        "Phụ lục 1": "returned",
        "Phụ lục 2": "accepted",
        "Phụ lục 3": "accepted",
    }
    assert reason in _css(browser, "#checklist").text
    _no_console_errors(browser)
    _shot(browser, tmp_path, "06-don-vi-doc-ly-do.png")
    fixed = _fill(forms, {PL1: {"C7": 12, "D7": 11, "E7": 91.7, "C8": 40, "D8": 40}})
    _send(browser, [fixed], "31/07/2026", "Đã rà soát lại Phụ lục 1.")
    assert _states(browser)["Phụ lục 1"] == "received"
    _shot(browser, tmp_path, "07-don-vi-gui-lai.png")
    again = events_of(world, case)[-1]
    assert again.to_state == "submitted"

    # The lead accepts it.
    browser.get(f"{base}/chien-dich/{KEY}")
    box = _css(browser, f"#review-{case}-{again.seq}")
    box.find_element("css selector", "button.accept").click()
    _until(
        lambda: browser.find_elements(
            "css selector", f"#review-{case}-{again.seq}[data-review=accepted]"
        ),
        "the box to say it was accepted",
    )
    _shot(browser, tmp_path, "08-truong-doan-chap-nhan.png")
    assert events_of(world, case)[-1].trigger == "accept_submission"
    browser.get(f"{base}/ho-so/{case}")
    assert "Chấp nhận báo cáo, phụ lục đơn vị đã nộp" in _css(browser, "#history").text
    _no_console_errors(browser)
    _shot(browser, tmp_path, "09-ho-so-lich-su.png")
    browser.get(f"{base}/chien-dich/{KEY}/bang-theo-doi")
    assert int(_css(browser, "#total").text) == 141
    _no_console_errors(browser)  # the board's inline script ran under its nonce
    _shot(browser, tmp_path, "10-bang-theo-doi.png")

    # Everything accepted, as the unit sees it; and on a phone.
    browser.get(link)
    assert set(_states(browser).values()) == {"accepted"}
    _shot(browser, tmp_path, "11-don-vi-da-chap-nhan.png")
    browser.set_window_size(390, 844)
    browser.get(link)
    _shot(browser, tmp_path, "12-don-vi-dien-thoai.png")
    browser.set_window_size(1280, 1000)
