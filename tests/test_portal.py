"""The portal's pages through Starlette's TestClient: what a unit sees and sends with its link,
what a lead reviews and sends, and the `portal` commands."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from inspect_engine.services import cases
from inspect_engine.services.portal import uploads
from tests.campaign_clock import KEY, at
from tests.conftest import Cli
from tests.portal_site import Site, sign_in, site, upload, world, world_template
from tests.portal_world import FILLED, LEAD, PL1, SECRET, World, events_of

__all__ = ["site", "world", "world_template"]  # the fixtures


def _rows(html: str, table: str) -> list[str]:
    """The text of each body row of a table, its cells' words joined by single spaces."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = body.split("<tr")[2:]  # [0] before the header row, [1] the header
    return [" ".join(re.sub(r"<[^>]+>", " ", r.split(">", 1)[1]).split()) for r in rows]


def _delivered(answer: Any) -> int:
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("da-gui=")[1].split("#")[0])


def test_a_unit_sees_its_letters_deadlines_and_checklist(site: Site) -> None:
    page = site.client().get(site.unit("STP"))
    assert page.status_code == 200
    html = page.text
    assert (
        "<h1>Sở Tư pháp</h1>" in html and "Kiểm tra công tác cải cách hành chính năm 2026" in html
    )
    letters = _rows(html, "letters")
    assert len(letters) == 1 and letters[0].startswith("Thông báo ")
    assert re.search(r"\d+/TB-SNV ngày 28/07/2026", letters[0])
    deadlines = _rows(html, "deadlines")
    assert any(
        re.fullmatch(r"Hạn nộp báo cáo, phụ lục \d\d/\d\d/2026 Đang chờ", d) for d in deadlines
    )
    assert _rows(html, "checklist") == [
        "Phụ lục 1 Báo cáo số liệu kết quả thực hiện công tác cải cách hành chính Chưa nhận",
        "Phụ lục 2 Tiến độ, kết quả thực hiện nhiệm vụ cải cách hành chính được giao Chưa nhận",
        "Phụ lục 3 Tiến độ, kết quả lĩnh vực cải cách hành chính do sở chủ trì Chưa nhận",
    ]
    assert "Đơn vị chưa gửi lần nào." in html


def test_a_unit_downloads_its_letter_and_forms(site: Site) -> None:
    client = site.client()
    html = client.get(site.unit("STP")).text
    doc = re.search(r"/van-ban/(\d+)\.pdf", html)
    assert doc
    pdf = client.get(f"{site.unit('STP')}/van-ban/{doc.group(1)}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "thong-bao-kiem-tra.pdf" in pdf.headers["content-disposition"]
    docx = client.get(f"{site.unit('STP')}/van-ban/{doc.group(1)}.docx")
    assert docx.content.startswith(b"PK") and "wordprocessingml" in docx.headers["content-type"]
    forms = client.get(f"{site.unit('STP')}/bieu-mau.xlsx")
    assert (
        forms.content.startswith(b"PK")
        and "bieu-mau-phu-luc_STP.xlsx" in (forms.headers["content-disposition"])
    )


def test_an_upload_of_several_files_is_one_delivery_with_their_hashes(site: Site) -> None:
    client, base = site.client(), site.unit("STP")
    workbook = site.world.forms("STP", FILLED)
    scan = b"%PDF-1.4 signed report"
    photo = b"\x89PNG\r\n\x1a\n a photo of the notice board"
    files = [("phu-luc STP.xlsx", workbook), ("bao-cao.pdf", scan), ("anh.png", photo)]
    seq = _delivered(upload(client, base, files, note="Kính gửi Đoàn kiểm tra"))
    event = events_of(site.world, site.world.cases["STP"])[-1]
    assert (event.seq, event.trigger, event.actor, event.role) == (
        seq, "receive_submission", "STP", "unit"
    )  # fmt: skip
    assert (event.from_state, event.to_state) == ("announced", "submitted")
    sent = event.payload["submission"]
    assert sent["appendices"] == ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    assert sent["figures_as_of"] == "2026-07-31" and sent["received_on"] == "2026-08-03"
    assert sent["note"] == "Kính gửi Đoàn kiểm tra"
    assert [f["sha256"] for f in sent["files"]] == [
        hashlib.sha256(b).hexdigest() for b in (workbook, scan, photo)
    ]
    assert [f["type"] for f in sent["files"]] == [uploads.XLSX, "application/pdf", "image/png"]
    assert sent["figures"]["Phụ lục 1"][0]["chi_tieu"] == 12
    page = client.get(f"{base}?da-gui={seq}").text
    assert "Đã nhận lần gửi thứ 1 ngày 03/08/2026: Phụ lục 1, Phụ lục 2, Phụ lục 3" in page
    assert all(r.endswith("Đã nhận, chờ xem xét Nhận ngày 03/08/2026 (lần gửi thứ 1)")
               for r in _rows(page, "checklist"))  # fmt: skip
    back = client.get(f"{base}/tep/{hashlib.sha256(scan).hexdigest()}")
    assert back.content == scan
    # Once the team has visited, what was received stands: it no longer waits for a review.
    site.world.clock.now = datetime(2026, 8, 13, 3, tzinfo=UTC)
    with site.world.runtime().unit_of_work() as uow:
        minutes = {"minutes": {
            "number": "01/BB-ĐKT", "visit_date": "2026-08-13",
            "team_participants": [{"name": "Trần Thị Bình", "position": "Trưởng đoàn"}],
            "unit_participants": [{"name": "Lê Minh Tuấn", "position": "Giám đốc Sở"}],
        }}  # fmt: skip
        cases.advance(uow, site.world.cases["STP"],
                      cases.Request("record_visit", "Đinh Thị Mai", "inspector", minutes),
                      clock=site.world.clock)  # fmt: skip
    later = client.get(base).text
    assert all(r.endswith("Đã nhận Nhận ngày 03/08/2026 (lần gửi thứ 1)")
               for r in _rows(later, "checklist"))  # fmt: skip
    assert "Chờ xem xét" not in later


@pytest.mark.parametrize(
    ("files", "fields", "message"),
    [
        ([("bao-cao.docx", b"PK\x03\x04 word")], {}, "chỉ nhận tệp XLSX (biểu mẫu), PDF, PNG, JPG"),
        ([("bao-cao.exe", b"MZ")], {}, "chỉ nhận tệp XLSX"),
        ([("phu-luc.xlsx", b"%PDF-1.4 renamed")], {}, "nội dung tệp không phải XLSX như tên tệp"),
        ([("scan.pdf", b"")], {}, "scan.pdf: tệp rỗng"),
        ([("forms.xlsx", "FORMS")], {"figures_as_of": ""}, "Ghi ngày số liệu được tính đến"),
        ([("forms.xlsx", "FORMS")], {"figures_as_of": "31/8/2026"},
         "Ngày số liệu 31/08/2026 chưa đến (hôm nay 03/08/2026)"),
        ([("forms.xlsx", "FORMS")], {"figures_as_of": "31-7"}, "Ngày số liệu phải có dạng"),
        ([("blank.xlsx", "BLANK")], {}, "no row is filled in: nothing to record"),
        ([("a.xlsx", "FORMS"), ("b.xlsx", "FORMS")], {}, "Phụ lục 1 có trong hai tệp biểu mẫu"),
        ([], {}, "Chưa chọn tệp nào để gửi"),
    ],
)  # fmt: skip
def test_a_refused_upload_says_why_and_records_nothing(
    site: Site, files: list[tuple[str, Any]], fields: dict[str, str], message: str
) -> None:
    filled, blank = site.world.forms("STP", FILLED), site.world.forms("STP", {})
    given = [(n, filled if b == "FORMS" else blank if b == "BLANK" else b) for n, b in files]
    before = events_of(site.world, site.world.cases["STP"])
    answer = upload(site.client(), site.unit("STP"), given or [("", b"")], **fields)
    assert answer.status_code == 400
    assert message in answer.text
    assert events_of(site.world, site.world.cases["STP"]) == before


def test_a_file_over_the_size_limit_is_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    big = b"%PDF-1.4 " + b"0" * (2 * 1024 * 1024)
    answer = upload(site.client(), site.unit("STP"), [("to.pdf", big)], figures_as_of="")
    assert answer.status_code == 400 and "to.pdf: tệp lớn hơn 2 MB" in answer.text
    assert not site.world.uploads.exists()


def _review_page(site: Site, lead: Any) -> str:
    return str(lead.get(f"/chien-dich/{KEY}").text)


def test_a_lead_returns_a_delivery_with_a_reason_the_unit_then_sends_again(site: Site) -> None:
    unit, base, case = site.client(), site.unit("STP"), site.world.cases["STP"]
    seq = _delivered(upload(unit, base, [("pl.xlsx", site.world.forms("STP", FILLED))]))
    lead = site.client()
    token = sign_in(lead, LEAD)
    waiting = _review_page(site, lead)
    assert f'id="review-{case}-{seq}"' in waiting and "Báo cáo, phụ lục chờ xem xét (1)" in waiting
    reason = "Phụ lục 1: cột Đã thực hiện chưa khớp báo cáo năm"
    empty = lead.post(f"/ho-so/{case}/lan-gui/{seq}/tra-lai", data={"csrf": token, "reason": " "})
    assert empty.status_code == 400 and "Ghi lý do trả lại" in empty.text
    returned = lead.post(
        f"/ho-so/{case}/lan-gui/{seq}/tra-lai",
        data={"csrf": token, "reason": reason, "appendices": ["Phụ lục 1"]},
        headers={"HX-Request": "true"},
    )
    assert returned.status_code == 200 and returned.text.lstrip().startswith("<article")
    assert "Bị trả lại" in returned.text and reason in returned.text
    event = events_of(site.world, case)[-1]
    assert (event.trigger, event.actor, event.role, event.to_state) == (
        "return_submission", LEAD, "team_lead", "announced"
    )  # fmt: skip
    again = event.payload["assessed"]["resubmit_by"]
    page = unit.get(base).text
    assert f"Lý do trả lại: {reason}" in page
    assert f"Hạn nộp lại: <b>{date.fromisoformat(again):%d/%m/%Y}</b>" in page
    assert "Đoàn kiểm tra đã trả lại phụ lục để đơn vị hoàn thiện" in page
    states = dict(re.findall(r'data-appendix="([^"]+)" data-state="(\w+)"', page))
    assert states == {"Phụ lục 1": "returned", "Phụ lục 2": "accepted", "Phụ lục 3": "accepted"}

    fixed = {PL1: {"C7": 12, "D7": 11}}
    seq2 = _delivered(upload(unit, base, [("pl1.xlsx", site.world.forms("STP", fixed))]))
    assert events_of(site.world, case)[-1].to_state == "submitted"
    accepted = lead.post(f"/ho-so/{case}/lan-gui/{seq2}/chap-nhan", data={"csrf": token})
    assert accepted.status_code == 303
    page = unit.get(base).text
    states = dict(re.findall(r'data-appendix="([^"]+)" data-state="(\w+)"', page))
    assert set(states.values()) == {"accepted"}
    assert "Đoàn kiểm tra đã trả lại" not in page
    assert "Không có lần gửi nào chờ xem xét." in _review_page(site, lead)
    history = lead.get(f"/ho-so/{case}").text
    assert "Trả lại phụ lục để đơn vị hoàn thiện, nộp lại" in history
    assert "Chấp nhận báo cáo, phụ lục đơn vị đã nộp" in history


def test_a_lead_sends_the_reminders_due(site: Site) -> None:
    from inspect_engine.services.deadlines import list_deadlines

    world: World = site.world
    with world.runtime().unit_of_work() as uow:
        due = min(d.due for d in list_deadlines(uow, KEY) if d.kind == "submission_due")
    world.clock.now = at(due, 9)  # reminders go out the days before: on the day, the first ones
    lead = site.client()
    token = sign_in(lead, LEAD)
    page = _review_page(site, lead)
    count = int(re.search(r"Nhắc hạn hôm nay, [\d/]+ \((\d+)\)", page).group(1))  # type: ignore[union-attr]
    assert count > 0 and "Nhắc nộp báo cáo, phụ lục" in page
    sent = lead.post(f"/chien-dich/{KEY}/nhac-han", data={"csrf": token})
    assert sent.status_code == 303 and sent.headers["location"].endswith(f"nhac={count}#nhac-han")
    after = lead.get(sent.headers["location"]).text
    assert f"Đã ban hành {count} văn bản nhắc hạn" in after and "Nhắc hạn hôm nay" in after
    assert "Hôm nay không có hạn nào cần nhắc." in after
    issued = Cli(world.db_url)("notices", "list", KEY, "--kind", "nhac-nop-bao-cao", "--json")
    documents = json.loads(issued.stdout)
    assert len(documents) == count and {d["recorded_by"] for d in documents} == {LEAD}


def test_portal_commands_issue_links_and_manage_accounts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECT_PORTAL_SECRET", SECRET.decode())
    cli = Cli(world.db_url)
    made = cli("portal", "link", KEY, "STP", "--days", "10", "--base-url", "https://kt.example.vn/")
    assert made.exit_code == 0, made.stderr
    url = made.stdout.strip()
    assert url.startswith("https://kt.example.vn/u/") and "\n" not in url
    assert re.match(
        r"link 2 of STP \(Sở Tư pháp\), case \d+, works to the end of \d\d/\d\d/2026", made.stderr
    )
    with world.runtime().database() as units_of_work:
        site = Site(world, world.portal(units_of_work))
        assert site.client().get(url.removeprefix("https://kt.example.vn")).status_code == 200
        assert site.client().get(site.unit("STP")).status_code == 403  # replaced
    assert cli("portal", "revoke", KEY, "STP").exit_code == 0
    twice = cli("portal", "revoke", KEY, "STP")
    assert twice.exit_code == 2 and "already revoked" in twice.stderr
    nobody = cli("portal", "link", KEY, "NOPE")
    assert nobody.exit_code == 2 and "no unit 'NOPE'" in nobody.stderr
    too_long = cli("portal", "link", KEY, "STP", "--days", "400")
    assert too_long.exit_code == 2 and "1 to 366 days" in too_long.stderr

    add = cli.runner.invoke(
        __import__("inspect_engine.cli", fromlist=["app"]).app,
        ["--db", world.db_url, "portal", "user", "add", "an.nv", "--role", "auditor"],
        input="một mật khẩu đủ dài\n",
    )
    assert add.exit_code == 0 and "account an.nv added as auditor" in add.stdout
    short = cli.runner.invoke(
        __import__("inspect_engine.cli", fromlist=["app"]).app,
        ["--db", world.db_url, "portal", "user", "add", "ngan", "--role", "lead"],
        input="ngắn\n",
    )
    assert short.exit_code == 2 and "at least 10 characters" in short.stderr
    listed = json.loads(cli("portal", "user", "list", "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [
        ("an.nv", "auditor"), ("binh.tt", "lead"), ("kiem.toan", "auditor"), ("lan.nt", "lead")
    ]  # fmt: skip
    assert cli("portal", "user", "disable", "an.nv").exit_code == 0
    assert json.loads(cli("portal", "user", "list", "--json").stdout)[0]["disabled"] is True


def test_the_demo_opens_the_portal_in_one_call(world: World) -> None:
    from inspect_engine.services.portal.access import portal_access

    here = "http://127.0.0.1:8000"
    opened = {"base_url": here, "secret": SECRET, "clock": world.clock}
    with world.runtime().unit_of_work() as uow:
        first = portal_access(uow, KEY, "SNV", lead="demo.lead", password="mật khẩu demo 2026",
                              **opened)  # type: ignore[arg-type]  # fmt: skip
        again = portal_access(uow, KEY, "SNV", lead="demo.lead", password="khác hẳn 123456",
                              **opened)  # type: ignore[arg-type]  # fmt: skip
    assert first.url.startswith(f"{here}/u/") and first.unit_name == "Sở Nội vụ"
    assert (first.lead_created, again.lead_created) == (True, False)
    with world.runtime().database() as units_of_work:
        site = Site(world, world.portal(units_of_work))
        assert site.client().get(again.url.removeprefix(here)).status_code == 200
        assert site.client().get(first.url.removeprefix(here)).status_code == 403
        sign_in(site.client(), "demo.lead", "mật khẩu demo 2026")
