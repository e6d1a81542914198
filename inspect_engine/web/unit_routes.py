"""What a unit reaches with its link, `/u/TOKEN/...`: its case only. Every route checks the
link first (signature, expiry, version, revocation); ids in a path (a letter, a file's hash) are
looked up within that case, so another case's id is not found."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inspect_engine.domain.calendar import parse_vn_date
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services.evidence import write_forms
from inspect_engine.services.notices.records import file_stem, letter_of, slug
from inspect_engine.services.notices.rendering import render
from inspect_engine.services.portal import case_view, links, uploads
from inspect_engine.web.app import client_of, error_page, portal_of, too_many
from inspect_engine.web.pages import page
from inspect_engine.web.security import link_csrf, same

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The upload route takes up to MAX_FILES files of MAX_FILE_BYTES, plus its fields.
UPLOAD_BODY = uploads.MAX_FILES * uploads.MAX_FILE_BYTES + 1024 * 1024
REFUSED = {
    "expired": (
        410,
        "Đường dẫn đã hết hạn",
        "Đường dẫn này đã hết thời hạn sử dụng. Đề nghị liên hệ Đoàn kiểm tra để được cấp "
        "đường dẫn mới.",
    ),
    "revoked": (
        403,
        "Đường dẫn đã bị thu hồi",
        "Đường dẫn này đã bị thu hồi và không còn dùng được. Đề nghị liên hệ Đoàn kiểm tra.",
    ),
    "replaced": (
        403,
        "Đường dẫn đã được thay",
        "Đoàn kiểm tra đã cấp cho đơn vị một đường dẫn mới; đường dẫn này không còn dùng được.",
    ),
}


async def _link(request: Request) -> links.LinkAccess | Response:
    """The link of the request, or the page refusing it."""
    portal = portal_of(request)
    client = client_of(request)
    wait = portal.backoff.retry_after(client)
    if wait:
        return too_many(wait)
    token = request.path_params["token"]
    try:
        access = await portal.run(links.resolve, token, portal.secret, clock=portal.clock)
    except links.LinkRefused as refused:
        if refused.reason == "invalid":
            portal.backoff.failed(client)
            wait = portal.backoff.retry_after(client)
            if wait:
                return too_many(wait)
            return error_page(
                404,
                "Đường dẫn không hợp lệ",
                "Đường dẫn không đúng. Đề nghị mở lại đường dẫn trong thông báo Đoàn kiểm tra "
                "đã gửi, chép đủ cả dòng.",
            )
        status, title, message = REFUSED[refused.reason]
        return error_page(status, title, message)
    portal.backoff.succeeded(client)
    return access


def _base(access: links.LinkAccess) -> str:
    return f"/u/{access.token}"


async def unit_page(request: Request) -> Response:
    access = await _link(request)
    if isinstance(access, Response):
        return access
    sent = request.query_params.get("da-gui", "")
    return await _show(request, access, sent=int(sent) if sent.isdigit() else None)


async def _show(
    request: Request,
    access: links.LinkAccess,
    *,
    sent: int | None = None,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    portal = portal_of(request)
    view = await portal.run(case_view.case_view, access.case_id)
    just_sent = next((d for d in view.deliveries if d.seq == sent), None)
    return page(
        "unit.html.j2",
        {
            "view": view,
            "base": _base(access),
            "csrf": link_csrf(portal.secret, access.token),
            "expires_at": access.expires_at,
            "just_sent": just_sent,
            "error": error,
            "form": form or {"figures_as_of": "", "note": ""},
            "max_files": uploads.MAX_FILES,
            "max_mb": uploads.MAX_FILE_BYTES // (1024 * 1024),
        },
        status,
    )


def _download(data: bytes, name: str, media: str) -> Response:
    ascii_name = slug(name.rsplit(".", 1)[0]) + (
        "." + name.rsplit(".", 1)[1] if "." in name else ""
    )
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


async def letter(request: Request) -> Response:
    access = await _link(request)
    if isinstance(access, Response):
        return access
    return await letter_file(request, access.case_id)


async def letter_file(request: Request, case_id: int) -> Response:
    """One issued letter of the case, rendered from the stored letter as PDF or DOCX."""
    fmt = request.path_params["fmt"]
    if fmt not in FORMATS:
        return error_page(404, "Không tìm thấy", "Văn bản chỉ tải được dạng PDF hoặc DOCX.")
    portal = portal_of(request)
    try:
        record = await portal.run(case_view.case_document, case_id, request.path_params["doc_id"])
    except NotFound:
        return error_page(404, "Không tìm thấy", "Không có văn bản này trong hồ sơ.")
    data = await run_in_threadpool(render, letter_of(record), fmt)
    return _download(data, f"{file_stem(record)}.{fmt}", FORMATS[fmt])


async def forms(request: Request) -> Response:
    access = await _link(request)
    if isinstance(access, Response):
        return access
    portal = portal_of(request)
    try:
        data = await portal.run(write_forms, access.case_id, None)
    except InputError:
        return error_page(404, "Không có biểu mẫu", "Đơn vị không phải gửi phụ lục nào.")
    name = f"bieu-mau-phu-luc_{access.unit_code}.xlsx"
    return _download(data, name, uploads.XLSX)


async def own_file(request: Request) -> Response:
    access = await _link(request)
    if isinstance(access, Response):
        return access
    return await case_file(request, access.case_id)


async def case_file(request: Request, case_id: int) -> Response:
    """A file of one of the case's deliveries, by its hash: read from the uploads folder,
    where the hash alone names it (no name from the request reaches the file system)."""
    portal = portal_of(request)
    sha = request.path_params["sha"]
    try:
        item = await portal.run(case_view.case_file, case_id, sha)
        path = uploads.stored_path(portal.uploads, sha)
        data = path.read_bytes()
    except (NotFound, ValueError, OSError):
        return error_page(404, "Không tìm thấy", "Không có tệp này trong hồ sơ.")
    return _download(data, str(item["name"]), str(item["type"]))


async def send(request: Request) -> Response:
    access = await _link(request)
    if isinstance(access, Response):
        return access
    portal = portal_of(request)
    async with request.form(max_files=uploads.MAX_FILES + 1, max_fields=20) as form:
        if not same(_text(form.get("csrf")), link_csrf(portal.secret, access.token)):
            return error_page(
                403,
                "Phiên làm việc không hợp lệ",
                "Biểu mẫu này không gửi được (thiếu mã xác thực). "
                "Đề nghị tải lại trang rồi gửi lại.",
            )
        values = {
            "figures_as_of": _text(form.get("figures_as_of")),
            "note": _text(form.get("note")),
        }
        files = [
            uploads.IncomingFile(f.filename or "", await f.read())
            for f in form.getlist("files")
            if isinstance(f, UploadFile)
        ]
    day: date | None = None
    if values["figures_as_of"].strip():
        try:
            day = parse_vn_date(values["figures_as_of"].strip())
        except ValueError:
            return await _show(
                request, access, error="Ngày số liệu phải có dạng ngày/tháng/năm, ví dụ 31/7/2026.",
                form=values, status=400,
            )  # fmt: skip
    try:
        received = await portal.run(
            uploads.receive_upload,
            access.case_id,
            files,
            actor=access.unit_code,
            figures_as_of=day,
            note=values["note"],
            root=portal.uploads,
            clock=portal.clock,
        )
    except uploads.UploadRefused as refused:
        return await _show(request, access, error=refused.message_vi, form=values, status=400)
    except InputError as exc:
        message = f"Chưa nhận được lần gửi này: {exc}"
        return await _show(request, access, error=message, form=values, status=400)
    return RedirectResponse(
        f"{_base(access)}?da-gui={received.advanced.seq}#da-gui", status_code=303
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def routes() -> list[Route]:
    return [
        Route("/u/{token}", unit_page),
        Route("/u/{token}/van-ban/{doc_id:int}.{fmt}", letter),
        Route("/u/{token}/bieu-mau.xlsx", forms),
        Route("/u/{token}/tep/{sha}", own_file),
        Route("/u/{token}/gui", send, methods=["POST"], max_body_size=UPLOAD_BODY),
    ]
