"""The portal as a Starlette application: what it runs with, the routes of the units and of
the leads, the static files (the portal's CSS and htmx), the security headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.uow import UnitOfWork
from inspect_engine.web.pages import page
from inspect_engine.web.security import AccessLog, Backoff, SecurityHeaders

T = TypeVar("T")


@dataclass
class Portal:
    """What the portal runs with: the database, the secret signing the links, where uploads
    are kept, the address the links point at."""

    units_of_work: Callable[[], UnitOfWork]
    secret: bytes
    uploads: Path
    base_url: str
    clock: Clock = utc_now
    backoff: Backoff = field(default_factory=Backoff)
    templates: list[Path] = field(default_factory=list)  # notice templates, for reminders
    log: Callable[[str], None] | None = None  # a line per request (tokens left out)

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS when the portal is reached over HTTPS (behind a proxy)."""
        return self.base_url.startswith("https://")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A service call in a worker thread, in a unit of work of its own."""

        def call() -> T:
            uow = self.units_of_work()
            try:
                return fn(uow, *args, **kwargs)
            finally:
                uow.close()

        return await run_in_threadpool(call)


def portal_of(request: Request) -> Portal:
    found: Portal = request.app.state.portal
    return found


def client_of(request: Request) -> str:
    """Whom the backoff counts: the client's address (behind a proxy, the one uvicorn takes
    from X-Forwarded-For when the proxy is trusted: docs/portal.md)."""
    return request.client.host if request.client else "unknown"


def error_page(status: int, title: str, message: str, **extra: Any) -> Response:
    response = page("error.html.j2", {"title": title, "message": message, **extra}, status)
    return response


def too_many(seconds: int) -> Response:
    minutes = max(1, (seconds + 59) // 60)
    response = error_page(
        429,
        "Tạm khóa vì nhập sai nhiều lần",
        f"Có quá nhiều lần dùng đường dẫn hoặc mật khẩu không đúng từ máy này. "
        f"Vui lòng thử lại sau khoảng {minutes} phút.",
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def create_app(portal: Portal) -> Starlette:
    from inspect_engine.web import lead_routes, unit_routes

    static = Path(__file__).resolve().parent / "static"
    routes = [
        *unit_routes.routes(),
        *lead_routes.routes(),
        Mount("/static", app=StaticFiles(directory=static), name="static"),
        # Browsers ask for it on every page the portal does not declare one (the board).
        Route(
            "/favicon.ico",
            lambda request: FileResponse(static / "favicon.svg", media_type="image/svg+xml"),
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog, log=portal.log), Middleware(SecurityHeaders)],
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.router.redirect_slashes = False  # a path is what it is: no redirects to guess with
    app.state.portal = portal
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_page(404, "Không tìm thấy", "Trang hoặc tệp này không có.")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error_page(405, "Không thực hiện được", "Thao tác này không dùng được ở đây.")
