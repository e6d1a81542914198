"""Running the portal with uvicorn: loopback unless told otherwise, no access log of the
links' tokens (uvicorn's log would print every path)."""

from __future__ import annotations

import ipaddress
from typing import Any

from inspect_engine.web.app import Portal, create_app

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    portal: Portal,
    *,
    host: str,
    port: int,
    forwarded_allow_ips: str | None = None,
    log_level: str = "info",
    **options: Any,
) -> None:
    import uvicorn

    app = create_app(portal)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # paths carry the units' tokens: logged redacted by the app instead
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level=log_level,
        **options,
    )
    uvicorn.Server(config).run()
