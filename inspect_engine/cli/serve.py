"""`inspect-engine serve`: the portal (docs/portal.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from inspect_engine.cli.common import runtime
from inspect_engine.cli.portal import DEFAULT_URL
from inspect_engine.services.clock import Clock
from inspect_engine.settings import DISPLAY_TZ


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback unless told)."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        envvar="INSPECT_PORTAL_URL",
        show_envvar=True,
        help="Where users reach the portal (behind a proxy: its https address).",
    ),
    uploads: Path | None = typer.Option(
        None,
        "--uploads",
        help="Folder for the units' uploads (default: INSPECT_UPLOADS_DIR, else the data folder's uploads).",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Proxies trusted for X-Forwarded-For, comma-separated (e.g. 127.0.0.1).",
    ),
) -> None:
    """Serve the portal: each unit's page through its link, and the team leads' and auditors'
    pages after signing in. Listens on 127.0.0.1 unless --host says otherwise; it speaks plain
    HTTP, so anything beyond this machine goes through a reverse proxy with TLS.

    Example: inspect-engine --db sqlite:///demo/inspect.db serve --port 8000
    """
    from inspect_engine.services.portal import secret
    from inspect_engine.services.portal import uploads as upload_store
    from inspect_engine.web.app import Portal
    from inspect_engine.web.server import is_loopback
    from inspect_engine.web.server import serve as run_server

    rt = runtime(ctx)
    key = secret.portal_secret()
    folder = uploads or upload_store.uploads_dir()
    url = base_url or (
        DEFAULT_URL if (host, port) == ("127.0.0.1", 8000) else f"http://{host}:{port}"
    )
    if not is_loopback(host):
        typer.echo(
            f"warning: listening on {host}, reachable from other machines; the portal speaks plain "
            "HTTP: put it behind a reverse proxy with TLS (docs/portal.md)",
            err=True,
        )
    log = _log_line(rt.clock)
    with rt.database() as units_of_work:
        portal = Portal(units_of_work, key, folder, url, clock=rt.clock, log=log)
        log(f"portal on http://{host}:{port}/ for {url}; uploads in {folder}; Ctrl-C stops it")
        run_server(portal, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips)


def _log_line(clock: Clock) -> Callable[[str], None]:
    """A request or event per line on stdout, with its time in Vietnam."""

    def log(line: str) -> None:
        moment = clock().astimezone(DISPLAY_TZ).isoformat(sep=" ", timespec="seconds")
        typer.echo(f"{moment} {line}")

    return log
