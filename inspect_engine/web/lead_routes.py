"""What a signed-in account reaches: the campaigns, their board, the deliveries to review, the
reminders to send and each case's history. Team leads act (role team_lead); auditors read, and
every route that writes refuses them. Every form carries the session's CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy import text
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from inspect_engine.domain.calendar import parse_vn_date
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.clock import local_today
from inspect_engine.services.portal import accounts, case_view, links, review
from inspect_engine.services.reporting.board import board_page
from inspect_engine.storage.uow import UnitOfWork
from inspect_engine.web import unit_routes
from inspect_engine.web.app import client_of, error_page, portal_of, too_many
from inspect_engine.web.pages import page, render
from inspect_engine.web.security import same

SESSION_COOKIE = "ie_session"
LOGIN_COOKIE = "ie_login"
FORM_BODY = 64 * 1024
REMIND_DAYS = 2  # as `notices remind` by default: the working days before a due date
REMINDER_NAMES = {
    "nhac-nop-bao-cao": "Nhắc nộp báo cáo, phụ lục",
    "nhac-bao-cao-khac-phuc": "Nhắc báo cáo kết quả khắc phục",
    "qua-han-bao-cao-khac-phuc": "Thông báo quá hạn báo cáo kết quả khắc phục",
}


async def _session(request: Request) -> accounts.Session | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    portal = portal_of(request)
    return await portal.run(accounts.session_of, token, clock=portal.clock)


Handler = Callable[[Request, accounts.Session], Awaitable[Response]]


def reads(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page for any signed-in account; without a session, the sign-in page."""

    async def endpoint(request: Request) -> Response:
        session = await _session(request)
        if session is None:
            return RedirectResponse(f"/dang-nhap?sau={request.url.path}", status_code=303)
        return await handler(request, session)

    return endpoint


def writes(handler: Callable[[Request, accounts.Session, FormData], Awaitable[Response]]) -> Any:
    """A POST of a lead: a session, its CSRF token, and the role that may act (403 else)."""

    async def endpoint(request: Request) -> Response:
        session = await _session(request)
        if session is None:
            return error_page(403, "Chưa đăng nhập", "Đề nghị đăng nhập lại.")
        form = await request.form(max_files=0, max_fields=50)
        given = form.get("csrf") or request.headers.get("x-csrf-token")
        if not same(given if isinstance(given, str) else None, session.csrf):
            return error_page(
                403,
                "Phiên làm việc không hợp lệ",
                "Thao tác không thực hiện được (thiếu mã xác thực). Đề nghị tải lại trang.",
            )
        if session.account.engine_role is None:
            return error_page(
                403,
                "Không có quyền",
                "Tài khoản kiểm toán chỉ được xem, không thay đổi hồ sơ.",
            )
        return await handler(request, session, form)

    return endpoint


# --- signing in -------------------------------------------------------------------------------


async def login_form(request: Request) -> Response:
    return _login_page(request, "")


def _login_page(request: Request, error: str, status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(24)
    after = request.query_params.get("sau", "/")
    response = HTMLResponse(
        render("login.html.j2", {"csrf": csrf, "error": error, "after": _local(after)}),
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE, csrf, max_age=3600, httponly=True, samesite="strict",
        secure=portal_of(request).secure_cookies, path="/dang-nhap",
    )  # fmt: skip
    return response


def _local(path: str) -> str:
    """Only a path of this site to go on to after signing in (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


async def login(request: Request) -> Response:
    portal = portal_of(request)
    client = client_of(request)
    wait = portal.backoff.retry_after(client)
    if wait:
        return too_many(wait)
    form = await request.form(max_files=0, max_fields=10)
    if not same(_text(form.get("csrf")), request.cookies.get(LOGIN_COOKIE, "")):
        return _login_page(request, "Phiên đăng nhập đã hết, đề nghị nhập lại.", 403)
    name, password = _text(form.get("name")).strip(), _text(form.get("password"))
    try:
        session = await portal.run(accounts.open_session, name, password, clock=portal.clock)
    except accounts.LoginFailed:
        portal.backoff.failed(client)
        wait = portal.backoff.retry_after(client)
        if wait:
            return too_many(wait)
        return _login_page(request, "Tên đăng nhập hoặc mật khẩu không đúng.", 401)
    portal.backoff.succeeded(client)
    response = RedirectResponse(_local(_text(form.get("after")) or "/"), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session.token, max_age=accounts.SESSION_HOURS * 3600, httponly=True,
        samesite="lax", secure=portal.secure_cookies, path="/",
    )  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/dang-nhap")
    return response


async def logout(request: Request) -> Response:
    session = await _session(request)
    form = await request.form(max_files=0, max_fields=5)
    if session is None or not same(_text(form.get("csrf")), session.csrf):
        return error_page(403, "Phiên làm việc không hợp lệ", "Đề nghị tải lại trang.")
    token = request.cookies.get(SESSION_COOKIE, "")
    await portal_of(request).run(accounts.close_session, token)
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- reading ---------------------------------------------------------------------------------


def _campaigns(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.connection.execute(
            text(
                "SELECT k.key, k.title, k.year, count(c.id) FROM campaign k "
                "LEFT JOIN inspection_case c ON c.campaign_key = k.key "
                "GROUP BY k.key, k.title, k.year ORDER BY k.year DESC, k.key"
            )
        ).all()
    return [{"key": r[0], "title": r[1], "year": r[2], "cases": r[3]} for r in rows]


async def home(request: Request, session: accounts.Session) -> Response:
    found = await portal_of(request).run(_campaigns)
    return page("home.html.j2", {"session": session, "campaigns": found})


def _campaign_values(uow: UnitOfWork, key: str, today: date) -> dict[str, Any]:
    cases = review.campaign_cases(uow, key)
    with uow:
        title = uow.connection.execute(
            text("SELECT title FROM campaign WHERE key = :key"), {"key": key}
        ).scalar()
    return {
        "key": key,
        "title": title,
        "cases": cases,
        "waiting": review.waiting_for_review(uow, key),
        "links": links.link_statuses(uow, key),
        "reminders": review.reminders_due(uow, key, as_of=today, days_before=REMIND_DAYS),
        "units": {c.case_id: c for c in cases},
        "reminder_names": REMINDER_NAMES,
        "today": today,
    }


async def campaign(request: Request, session: accounts.Session) -> Response:
    portal = portal_of(request)
    key = request.path_params["key"]
    try:
        values = await portal.run(_campaign_values, key, local_today(portal.clock))
    except NotFound:
        return error_page(404, "Không tìm thấy", f"Không có đợt kiểm tra {key}.")
    notice = request.query_params.get("nhac", "")
    return page(
        "campaign.html.j2",
        {"session": session, **values, "sent_reminders": notice if notice.isdigit() else None},
    )


async def board(request: Request, session: accounts.Session) -> Response:
    portal = portal_of(request)
    key = request.path_params["key"]
    try:
        html, _ = await portal.run(
            board_page, key, clock=portal.clock, back_url=f"/chien-dich/{key}"
        )
    except InputError:
        return error_page(404, "Không tìm thấy", f"Không có đợt kiểm tra {key}.")
    # The board is one self-contained page with its script and styles inline: they run under
    # a nonce of this response alone (every value in the page is escaped, so none can add one).
    nonce = secrets.token_urlsafe(18)
    html = html.replace("<script", f'<script nonce="{nonce}"').replace(
        "<style", f'<style nonce="{nonce}"'
    )
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


async def case(request: Request, session: accounts.Session) -> Response:
    portal = portal_of(request)
    try:
        view = await portal.run(case_view.case_view, request.path_params["case_id"])
    except NotFound:
        return error_page(404, "Không tìm thấy", "Không có hồ sơ này.")
    return page("case.html.j2", {"session": session, "view": view, "error": ""})


async def case_letter(request: Request, session: accounts.Session) -> Response:
    return await unit_routes.letter_file(request, request.path_params["case_id"])


async def case_file(request: Request, session: accounts.Session) -> Response:
    return await unit_routes.case_file(request, request.path_params["case_id"])


# --- acting ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def _after_review(
    request: Request,
    session: accounts.Session,
    form: FormData,
    ids: tuple[int, int],
    error: str,
) -> Response:
    """htmx: the delivery's box as it is now; a plain form: back to where it came from."""
    portal = portal_of(request)
    case_id, seq = ids
    if request.headers.get("hx-request") == "true":
        view = await portal.run(case_view.case_view, case_id)
        delivery = next((d for d in view.deliveries if d.seq == seq), None)
        values = {"session": session, "view": view, "d": delivery, "error": error}
        return HTMLResponse(render("review_box.html.j2", values), status_code=200)
    if error:
        view = await portal.run(case_view.case_view, case_id)
        return page("case.html.j2", {"session": session, "view": view, "error": error}, 400)
    back = _text(form.get("back")) or f"/ho-so/{case_id}"
    return RedirectResponse(_local(back), status_code=303)


async def accept(request: Request, session: accounts.Session, form: FormData) -> Response:
    portal = portal_of(request)
    case_id, seq = request.path_params["case_id"], request.path_params["seq"]
    error = ""
    try:
        await portal.run(
            review.accept, case_id, seq, actor=session.account.name,
            note=_text(form.get("note")), clock=portal.clock,
        )  # fmt: skip
    except NotFound:
        return error_page(404, "Không tìm thấy", "Không có hồ sơ này.")
    except InputError as exc:
        error = f"Chưa chấp nhận được: {exc}"
    return await _after_review(request, session, form, (case_id, seq), error)


async def give_back(request: Request, session: accounts.Session, form: FormData) -> Response:
    portal = portal_of(request)
    case_id, seq = request.path_params["case_id"], request.path_params["seq"]
    reason = _text(form.get("reason")).strip()
    codes = [c for c in form.getlist("appendices") if isinstance(c, str)]
    error = ""
    due: date | None = None
    text_due = _text(form.get("resubmit_by")).strip()
    if not reason:
        error = "Ghi lý do trả lại: đơn vị sẽ đọc lý do này."
    elif text_due:
        try:
            due = parse_vn_date(text_due)
        except ValueError:
            error = "Hạn nộp lại phải có dạng ngày/tháng/năm, ví dụ 15/8/2026."
    if not error:
        try:
            await portal.run(
                review.return_delivery, case_id, seq, appendices=codes, reason=reason,
                actor=session.account.name, resubmit_by=due, clock=portal.clock,
            )  # fmt: skip
        except NotFound:
            return error_page(404, "Không tìm thấy", "Không có hồ sơ này.")
        except InputError as exc:
            error = f"Chưa trả lại được: {exc}"
    return await _after_review(request, session, form, (case_id, seq), error)


async def remind(request: Request, session: accounts.Session, form: FormData) -> Response:
    portal = portal_of(request)
    key = request.path_params["key"]
    try:
        issued = await portal.run(
            review.send_reminders, key, as_of=local_today(portal.clock),
            days_before=REMIND_DAYS, actor=session.account.name, templates=portal.templates,
            clock=portal.clock,
        )  # fmt: skip
    except NotFound:
        return error_page(404, "Không tìm thấy", f"Không có đợt kiểm tra {key}.")
    except InputError as exc:
        return error_page(400, "Chưa gửi được nhắc hạn", str(exc))
    return RedirectResponse(f"/chien-dich/{key}?nhac={len(issued)}#nhac-han", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/", reads(home)),
        Route("/dang-nhap", login_form),
        Route("/dang-nhap", login, methods=["POST"], max_body_size=FORM_BODY),
        Route("/dang-xuat", logout, methods=["POST"], max_body_size=FORM_BODY),
        Route("/chien-dich/{key}", reads(campaign)),
        Route("/chien-dich/{key}/bang-theo-doi", reads(board)),
        Route(
            "/chien-dich/{key}/nhac-han", writes(remind), methods=["POST"], max_body_size=FORM_BODY
        ),
        Route("/ho-so/{case_id:int}", reads(case)),
        Route("/ho-so/{case_id:int}/van-ban/{doc_id:int}.{fmt}", reads(case_letter)),
        Route("/ho-so/{case_id:int}/tep/{sha}", reads(case_file)),
        Route(
            "/ho-so/{case_id:int}/lan-gui/{seq:int}/chap-nhan",
            writes(accept),
            methods=["POST"],
            max_body_size=FORM_BODY,
        ),
        Route(
            "/ho-so/{case_id:int}/lan-gui/{seq:int}/tra-lai",
            writes(give_back),
            methods=["POST"],
            max_body_size=FORM_BODY,
        ),
    ]
