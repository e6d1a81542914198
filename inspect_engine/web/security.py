"""What every response and every form of the portal shares: the security headers, the CSRF
tokens, and the backoff that slows down a client trying tokens or passwords."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing from elsewhere: scripts, styles and images are the portal's own (the board's charts
# are data: URIs); no frames, no form posting elsewhere, no referrer leaking a link's token.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers to every response (a route may set its own CSP: the board's nonce)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One line per request: method, path, status. A unit's token never reaches the log (the
    path shows `/u/…`), nor does a query string."""

    def __init__(self, app: ASGIApp, log: Callable[[str], None] | None) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.log is None:
            await self.app(scope, receive, send)
            return
        status = [0]

        async def send_noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting)
        finally:
            path = _TOKEN_PATH.sub("/u/…", scope.get("path", ""))
            client = scope.get("client") or ("-", 0)
            self.log(f"{client[0]} {scope.get('method', '')} {path} {status[0] or 500}")


_TOKEN_PATH = re.compile(r"^/u/[^/]+")


def link_csrf(secret: bytes, token: str) -> str:
    """The CSRF token of a unit's pages: bound to its link (a new link, a new token)."""
    mac = hmac.new(
        secret, b"inspect-engine portal csrf\x00" + token.encode("ascii"), hashlib.sha256
    )
    return mac.hexdigest()[:40]


def same(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class _Record:
    failures: int
    first: float
    blocked_until: float


class Backoff:
    """Per client: `free` failures in `window` seconds go by; each one after blocks the
    client for `base` seconds, doubling, up to `ceiling`. A blocked client is answered 429 with
    Retry-After whatever it asks (a right token too), so guessing costs time. In memory: one
    server process (docs/portal.md)."""

    def __init__(
        self,
        *,
        free: int = 5,
        window: float = 900.0,
        base: float = 30.0,
        ceiling: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = 10_000,
    ) -> None:
        self.free, self.window, self.base, self.ceiling = free, window, base, ceiling
        self.clock = clock
        self.capacity = capacity
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds the client must wait, 0 if it may ask now."""
        with self._lock:
            record = self._records.get(client)
            if record is None:
                return 0
            left = record.blocked_until - self.clock()
            return math.ceil(left) if left > 0 else 0

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            record = self._records.get(client)
            if record is None or (now - record.first > self.window and now >= record.blocked_until):
                if len(self._records) >= self.capacity:
                    self._forget_old(now)
                record = self._records[client] = _Record(0, now, 0.0)
            record.failures += 1
            over = record.failures - self.free
            if over > 0:
                record.blocked_until = now + min(self.base * 2 ** (over - 1), self.ceiling)

    def succeeded(self, client: str) -> None:
        with self._lock:
            record = self._records.get(client)
            if record is not None and record.blocked_until <= self.clock():
                del self._records[client]

    def _forget_old(self, now: float) -> None:
        for key in [
            k
            for k, r in self._records.items()
            if now - r.first > self.window and now >= r.blocked_until
        ]:
            del self._records[key]
        while len(self._records) >= self.capacity:  # still full: the oldest go
            del self._records[min(self._records, key=lambda k: self._records[k].first)]
