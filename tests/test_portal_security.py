"""The portal's security, each claim of docs/portal.md tried: a unit's link reaches its own case
only, on every route; every form needs its CSRF token; downloads take ids, never paths;
uploads are kept under their hash outside any served folder; bad tokens and passwords are
slowed down; revoked, replaced and expired links are refused; auditors write nothing; the
server binds to loopback unless told."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from inspect_engine.services.portal import links
from inspect_engine.web import lead_routes, unit_routes
from inspect_engine.web.security import Backoff
from inspect_engine.web.server import is_loopback
from tests.campaign_clock import KEY, at
from tests.portal_site import Site, csrf_of, sign_in, site, upload, world, world_template
from tests.portal_world import AUDITOR, LEAD, PASSWORD, SECRET, events_of

__all__ = ["site", "world", "world_template"]  # the fixtures


def _letter_ids(site: Site, unit: str) -> list[int]:
    from inspect_engine.services.portal.case_view import case_view

    with site.world.runtime().unit_of_work() as uow:
        return [letter.id for letter in case_view(uow, site.world.cases[unit]).letters]


def _sent_file(site: Site, unit: str) -> str:
    """A PDF the unit sent: its hash."""
    pdf = b"%PDF-1.4 scan of " + unit.encode()
    done = upload(site.client(), site.unit(unit), [("scan.pdf", pdf)], figures_as_of="")
    assert done.status_code == 303, done.text
    return hashlib.sha256(pdf).hexdigest()


UNIT_ROUTES = {r.path for r in unit_routes.routes()}


def test_a_units_link_reaches_no_other_units_case_on_any_route(site: Site) -> None:
    client = site.client()
    stp, syt = site.unit("STP"), site.unit("SYT")
    theirs = _letter_ids(site, "SYT")
    their_file = _sent_file(site, "SYT")
    assert theirs and client.get(f"{syt}/van-ban/{theirs[0]}.pdf").status_code == 200
    assert client.get(f"{syt}/tep/{their_file}").status_code == 200
    tried = set()
    # Letters: another unit's ids, and the campaign's own documents (team decisions).
    for doc in [*theirs, *range(1, 4)]:
        for fmt in ("pdf", "docx"):
            if doc not in _letter_ids(site, "STP"):
                assert client.get(f"{stp}/van-ban/{doc}.{fmt}").status_code == 404
    tried.add("/u/{token}/van-ban/{doc_id:int}.{fmt}")
    assert client.get(f"{stp}/tep/{their_file}").status_code == 404
    tried.add("/u/{token}/tep/{sha}")
    # The page, the forms and the upload know only the link's case: nothing of SYT shows.
    page = client.get(stp).text
    assert "Sở Tư pháp" in page and "Sở Y tế" not in page and their_file[:12] not in page
    tried.add("/u/{token}")
    forms = client.get(f"{stp}/bieu-mau.xlsx")
    assert forms.status_code == 200 and b"STP" in _sheet_meta(forms.content)
    tried.add("/u/{token}/bieu-mau.xlsx")
    # SYT's own workbook sent through STP's link is refused: it is another unit's form.
    refused = upload(client, stp, [("syt.xlsx", site.world.forms("SYT", {}))])
    assert refused.status_code == 400 and "this form is for unit SYT, not STP" in refused.text
    tried.add("/u/{token}/gui")
    assert tried == UNIT_ROUTES  # a new route of the unit's must be tried here too
    stp_events = events_of(site.world, site.world.cases["STP"])
    assert [e.trigger for e in stp_events].count("receive_submission") == 0


def _sheet_meta(xlsx: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return b"".join(book.read(n) for n in book.namelist() if n.startswith("xl/"))


def test_a_token_altered_to_name_another_unit_is_refused(site: Site) -> None:
    token = site.world.tokens["STP"]
    body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims[1] = "SYT"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    answer = site.client().get(f"/u/{forged}.{signature}")
    assert answer.status_code == 404 and "Đường dẫn không hợp lệ" in answer.text
    other_secret = links.make_token(b"x" * 40, KEY, "SYT", 1, site.world.clock.now + timedelta(1))
    assert site.client().get(f"/u/{other_secret}").status_code == 404


POST_ROUTES = {
    r.path
    for r in [*unit_routes.routes(), *lead_routes.routes()]
    if isinstance(r, Route) and r.methods and "POST" in r.methods
}


def test_every_form_needs_its_csrf_token(site: Site) -> None:
    case = site.world.cases["STP"]
    unit = site.client()
    base = site.unit("STP")
    pdf = ("a.pdf", b"%PDF-1.4 a")
    tried = set()
    for token in (None, "", "0" * 40, csrf_of(unit.get(site.unit("SYT")).text)):  # SYT's: wrong
        data = {} if token is None else {"csrf": token}
        sent = unit.post(f"{base}/gui", data=data, files=[("files", pdf)])
        assert sent.status_code == 403, token
    tried.add("/u/{token}/gui")
    assert "receive_submission" not in [e.trigger for e in events_of(site.world, case)]

    lead = site.client()
    good = sign_in(lead, LEAD)
    seq = upload(site.client(), base, [pdf], figures_as_of="").headers["location"]
    seq = int(seq.split("da-gui=")[1].split("#")[0])
    pattern, delivery = "/ho-so/{case_id:int}/lan-gui/{seq:int}", f"/ho-so/{case}/lan-gui/{seq}"
    writes = {
        f"{pattern}/chap-nhan": f"{delivery}/chap-nhan",
        f"{pattern}/tra-lai": f"{delivery}/tra-lai",
        "/chien-dich/{key}/nhac-han": f"/chien-dich/{KEY}/nhac-han",
        "/dang-xuat": "/dang-xuat",
    }
    theirs = sign_in(site.client(), "lan.nt")  # another lead's session
    for route, path in writes.items():
        for token in (None, "wrong", theirs):
            data: dict[str, Any] = {"reason": "Thiếu", "appendices": []}
            if token is not None:
                data["csrf"] = token
            assert lead.post(path, data=data).status_code == 403, (route, token)
        tried.add(route)
    # Signing in needs the token of the sign-in page too.
    assert (
        site.client().post("/dang-nhap", data={"name": LEAD, "password": PASSWORD}).status_code
        == 403
    )
    tried.add("/dang-nhap")
    assert tried == POST_ROUTES
    # Nothing was written, and the right token still works.
    assert [e.trigger for e in events_of(site.world, case)][-1] == "receive_submission"
    ok = lead.post(f"{delivery}/chap-nhan", data={"csrf": good})
    assert ok.status_code == 303
    assert events_of(site.world, case)[-1].trigger == "accept_submission"


def test_another_sessions_csrf_token_is_refused(site: Site) -> None:
    first, second = site.client(), site.client()
    sign_in(first, LEAD)
    theirs = sign_in(second, "lan.nt")
    assert first.post("/dang-xuat", data={"csrf": theirs}).status_code == 403
    assert first.get("/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "path",
    [
        "/van-ban/..%2F..%2Fportal.db.pdf",
        "/van-ban/1%2F..%2F2.pdf",
        "/tep/..%2F..%2Fportal.db",
        "/tep/../../portal.db",
        "/tep/%2e%2e%2f%2e%2e%2fportal.db",
        "/tep/" + "0" * 64,
        "/tep/" + "a" * 63 + "/",
        "/bieu-mau.xlsx/../../portal.db",
    ],
)
def test_downloads_take_ids_never_paths(site: Site, path: str) -> None:
    answer = site.client().get(site.unit("STP") + path)
    assert answer.status_code == 404
    assert b"SQLite format" not in answer.content


def test_static_files_reach_nothing_outside_their_folder(site: Site) -> None:
    client = site.client()
    assert client.get("/static/htmx.min.js").status_code == 200
    for path in ("/static/../portal.db", "/static/%2e%2e/%2e%2e/web/app.py", "/static/..%2Fapp.py"):
        assert client.get(path).status_code == 404, path


def test_uploads_are_kept_under_their_hash_outside_any_served_folder(site: Site) -> None:
    pdf = b"%PDF-1.4 the unit's signed report"
    sent = upload(site.client(), site.unit("STP"), [("../../báo cáo.pdf", pdf)], figures_as_of="")
    assert sent.status_code == 303, sent.text
    digest = hashlib.sha256(pdf).hexdigest()
    kept = site.world.uploads / digest[:2] / digest
    assert kept.read_bytes() == pdf
    assert sorted(p.relative_to(site.world.uploads) for p in site.world.uploads.rglob("*")) == [
        Path(digest[:2]),
        Path(digest[:2]) / digest,
    ]
    static = Path(unit_routes.__file__).parent / "static"
    assert not site.world.uploads.resolve().is_relative_to(static.resolve())
    event = events_of(site.world, site.world.cases["STP"])[-1]
    files = event.payload["submission"]["files"]
    assert files == [{"name": "báo cáo.pdf", "sha256": digest, "size": len(pdf),
                      "type": "application/pdf"}]  # fmt: skip
    assert site.client().get(f"/static/{digest[:2]}/{digest}").status_code == 404


def test_repeated_bad_tokens_are_slowed_down(world: Any) -> None:
    moment = [0.0]
    backoff = Backoff(free=5, base=30, clock=lambda: moment[0])
    with world.runtime().database() as units_of_work:
        site = Site(world, world.portal(units_of_work, backoff=backoff))
        client, other = site.client("10.0.0.7"), site.client("10.0.0.8")
        for i in range(5):
            assert client.get(f"/u/nope.{i}").status_code == 404
        blocked = client.get("/u/nope.6")
        assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "30"
        # Blocked means blocked: the right link too, until the wait is over.
        assert client.get(site.unit("STP")).status_code == 429
        assert other.get(site.unit("STP")).status_code == 200  # another client is not
        moment[0] = 31.0  # the wait is over; the next miss waits twice as long
        again = client.get("/u/nope.7")
        assert again.status_code == 429 and again.headers["Retry-After"] == "60"
        moment[0] = 92.0
        assert client.get(site.unit("STP")).status_code == 200


def test_repeated_bad_passwords_are_slowed_down(world: Any) -> None:
    backoff = Backoff(free=3, base=30, clock=lambda: 0.0)
    with world.runtime().database() as units_of_work:
        site = Site(world, world.portal(units_of_work, backoff=backoff))
        client = site.client("10.0.0.9")
        for _ in range(3):
            form = client.get("/dang-nhap")
            wrong = {"csrf": csrf_of(form.text), "name": LEAD, "password": "đoán bừa 123"}
            assert client.post("/dang-nhap", data=wrong).status_code == 401
        form = client.get("/dang-nhap")
        wrong["csrf"] = csrf_of(form.text)
        fourth = client.post("/dang-nhap", data=wrong)
        assert fourth.status_code == 429 and fourth.headers["Retry-After"] == "30"
        form = client.get("/dang-nhap")
        right = {"csrf": csrf_of(form.text), "name": LEAD, "password": PASSWORD}
        answer = client.post("/dang-nhap", data=right)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0


def test_revoked_replaced_and_expired_links_are_refused(site: Site) -> None:
    client = site.client()
    world = site.world
    assert client.get(site.unit("STP")).status_code == 200
    with world.runtime().unit_of_work() as uow:
        links.revoke_link(uow, KEY, "STP", actor="van-thu", clock=world.clock)
    revoked = client.get(site.unit("STP"))
    assert revoked.status_code == 403 and "Đường dẫn đã bị thu hồi" in revoked.text
    assert client.get(site.unit("STP") + "/bieu-mau.xlsx").status_code == 403
    with world.runtime().unit_of_work() as uow:
        fresh = links.issue_link(uow, KEY, "STP", days=5, actor="van-thu", secret=SECRET,
                                 clock=world.clock)  # fmt: skip
    assert client.get(f"/u/{fresh.token}").status_code == 200
    assert client.get(site.unit("STP")).status_code == 403  # the old one stays refused
    with world.runtime().unit_of_work() as uow:
        newer = links.issue_link(uow, KEY, "STP", days=5, actor="van-thu", secret=SECRET,
                                 clock=world.clock)  # fmt: skip
    replaced = client.get(f"/u/{fresh.token}")
    assert replaced.status_code == 403 and "Đường dẫn đã được thay" in replaced.text
    world.clock.now = at(world.clock.now.date() + timedelta(days=6), 9)
    expired = client.get(f"/u/{newer.token}")
    assert expired.status_code == 410 and "Đường dẫn đã hết hạn" in expired.text
    # Refusals of a well-signed link do not count as guessing.
    assert site.portal.backoff.retry_after("testclient") == 0


def test_auditors_read_and_every_write_refuses_them(site: Site) -> None:
    case = site.world.cases["STP"]
    sent = upload(site.client(), site.unit("STP"), [("a.pdf", b"%PDF-1.4 a")], figures_as_of="")
    seq = int(sent.headers["location"].split("da-gui=")[1].split("#")[0])
    auditor = site.client()
    token = sign_in(auditor, AUDITOR)
    assert auditor.get(f"/chien-dich/{KEY}").status_code == 200
    assert auditor.get(f"/chien-dich/{KEY}/bang-theo-doi").status_code == 200
    shown = auditor.get(f"/ho-so/{case}")
    assert shown.status_code == 200 and "Lịch sử hồ sơ" in shown.text
    assert "Chấp nhận</button>" not in shown.text  # no buttons to press
    writes = [
        f"/ho-so/{case}/lan-gui/{seq}/chap-nhan",
        f"/ho-so/{case}/lan-gui/{seq}/tra-lai",
        f"/chien-dich/{KEY}/nhac-han",
    ]
    lead_writes = {p for p in POST_ROUTES if not p.startswith(("/u/", "/dang-"))}
    assert len(writes) == len(lead_writes)
    for path in writes:
        answer = auditor.post(path, data={"csrf": token, "reason": "Thử", "appendices": []})
        assert answer.status_code == 403 and "chỉ được xem" in answer.text, path
    assert events_of(site.world, case)[-1].seq == seq


def test_signing_in_sets_an_httponly_samesite_cookie_and_pages_need_it(site: Site) -> None:
    client = site.client()
    assert client.get("/").status_code == 303  # to the sign-in page
    assert (
        client.get(f"/ho-so/{site.world.cases['STP']}").headers["location"].startswith("/dang-nhap")
    )
    form = client.get("/dang-nhap")
    done = client.post(
        "/dang-nhap",
        data={"csrf": csrf_of(form.text), "name": LEAD, "password": PASSWORD, "after": "//evil"},
    )
    assert done.headers["location"] == "/"  # never on to another site
    cookie = next(
        v for k, v in done.headers.multi_items() if k == "set-cookie" and "ie_session" in v
    )
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    # The sign-in form's token must be the one its cookie holds (double submit).
    other = site.client()
    other.cookies.set("ie_login", "x" * 32, path="/dang-nhap")
    mismatch = other.post("/dang-nhap", data={"csrf": "y" * 32, "name": LEAD, "password": PASSWORD})
    assert mismatch.status_code == 403
    for name in ("nobody", AUDITOR):
        fresh = site.client()
        page = fresh.get("/dang-nhap")
        bad = fresh.post("/dang-nhap", data={"csrf": csrf_of(page.text), "name": name,
                                             "password": "sai mật khẩu rồi"})  # fmt: skip
        assert bad.status_code == 401 and "không đúng" in bad.text


def test_every_page_says_what_it_may_load(site: Site) -> None:
    answer = site.client().get(site.unit("STP"))
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    lead = site.client()
    sign_in(lead, LEAD)
    board = lead.get(f"/chien-dich/{KEY}/bang-theo-doi")
    policy = board.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in board.text and "unsafe-inline" not in policy


def test_the_server_binds_to_loopback_unless_told(
    monkeypatch: pytest.MonkeyPatch, world: Any
) -> None:
    from inspect_engine.web import server
    from tests.conftest import Cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(server, "serve", lambda portal, **kw: seen.update(kw))
    monkeypatch.setenv("INSPECT_PORTAL_SECRET", SECRET.decode())
    monkeypatch.setenv("INSPECT_UPLOADS_DIR", str(world.uploads))
    cli = Cli(world.db_url)
    quiet = cli("serve")
    assert quiet.exit_code == 0, quiet.stderr
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8000) and "warning" not in quiet.stderr
    loud = cli("serve", "--host", "0.0.0.0", "--port", "8080")
    assert seen["host"] == "0.0.0.0"
    assert (
        "warning: listening on 0.0.0.0" in loud.stderr and "reverse proxy with TLS" in loud.stderr
    )
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.4")
