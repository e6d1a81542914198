"""`inspect-engine portal ...`: the units' links to the portal, and the accounts of the team
leads and auditors who sign in to it (docs/portal.md)."""

from __future__ import annotations

import getpass
import sys

import typer

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    new_app,
    print_json,
    print_table,
    say,
    unit_of_work,
)

app = new_app("Portal: the units' links, the accounts of leads and auditors (docs/portal.md).")
users = new_app(
    "Accounts that sign in to the portal: team leads act, auditors read.\n\n"
    "Example: inspect-engine portal user list"
)
app.add_typer(users, name="user")

UNIT = typer.Argument(..., metavar="UNIT", help="Unit code (e.g. STP).")
BASE_URL = typer.Option(
    None,
    "--base-url",
    envvar="INSPECT_PORTAL_URL",
    show_envvar=True,
    help="Where the portal is reached (default http://127.0.0.1:8000).",
)
ACTOR = typer.Option(None, "--actor", help="Who does it (default: your login name).")
DEFAULT_URL = "http://127.0.0.1:8000"


def _actor(given: str | None) -> str:
    return given or getpass.getuser()


@app.command("link")
def link(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    unit: str = UNIT,
    days: int = typer.Option(60, "--days", help="Days the link works, from today (1-366)."),
    base_url: str | None = BASE_URL,
    actor: str | None = ACTOR,
    as_json: bool = AS_JSON,
) -> None:
    """Issue the unit's link to the portal for the campaign and print it: one line, the URL.
    Every earlier link of that unit and campaign stops working.

    Example: inspect-engine portal link hanoi-2026 STP --days 30 --base-url https://kiemtra.example.gov.vn
    """
    from inspect_engine.services.portal import links, secret

    key_bytes = secret.portal_secret()
    with unit_of_work(ctx) as uow:
        issued = links.issue_link(uow, key, unit, days=days, actor=_actor(actor), secret=key_bytes)
    url = issued.url(base_url or DEFAULT_URL)
    if as_json:
        print_json(
            {
                "url": url,
                "campaign": issued.campaign_key,
                "unit_code": issued.unit_code,
                "case_id": issued.case_id,
                "version": issued.version,
                "expires_at": issued.expires_at.isoformat(),
            }
        )
        return
    from inspect_engine.settings import DISPLAY_TZ

    last = issued.expires_at.astimezone(DISPLAY_TZ)
    typer.echo(
        f"link {issued.version} of {issued.unit_code} ({issued.unit_name}), case "
        f"{issued.case_id}, works to the end of {last:%d/%m/%Y}",
        err=True,
    )
    say(url)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    unit: str = UNIT,
    actor: str | None = ACTOR,
) -> None:
    """Revoke the unit's link: it stops working now (`portal link` issues a new one).

    Example: inspect-engine portal revoke hanoi-2026 STP
    """
    from inspect_engine.services.portal import links

    with unit_of_work(ctx) as uow:
        done = links.revoke_link(uow, key, unit, actor=_actor(actor))
    say(f"link of {done.unit_code} in {done.campaign_key} revoked; it no longer opens the portal")


def _password(confirm: bool = True) -> str:
    """From the terminal (typed twice, not shown), else the first line of stdin."""
    if sys.stdin.isatty():
        text: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
        return text
    return sys.stdin.readline().rstrip("\r\n")


@users.command("add")
def user_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Sign-in name, e.g. binh.tt."),
    role: str = typer.Option(..., "--role", help="lead (acts as team_lead) or auditor (reads)."),
) -> None:
    """Add an account; its password (at least 10 characters) is typed twice at the terminal, or
    read from the first line of stdin (a script pipes it in), and kept as a salted scrypt hash.

    Example: inspect-engine portal user add binh.tt --role lead
    """
    from inspect_engine.services.portal import accounts

    password = _password()
    with unit_of_work(ctx) as uow:
        made = accounts.add_account(uow, name, role, password)
    say(f"account {made.name} added as {made.role}")


@users.command("list")
def user_list(ctx: typer.Context, as_json: bool = AS_JSON) -> None:
    """List the accounts: name, role, created, disabled.

    Example: inspect-engine portal user list
    """
    from inspect_engine.services.portal import accounts
    from inspect_engine.settings import DISPLAY_TZ

    with unit_of_work(ctx) as uow:
        found = accounts.list_accounts(uow)
    if as_json:
        print_json(
            [
                {"name": a.name, "role": a.role, "created_at": a.created_at.isoformat(),
                 "disabled": a.disabled}
                for a in found
            ]
        )  # fmt: skip
        return
    rows = [
        (a.name, a.role, f"{a.created_at.astimezone(DISPLAY_TZ):%d/%m/%Y %H:%M}",
         "disabled" if a.disabled else "")
        for a in found
    ]  # fmt: skip
    print_table(f"{len(found)} portal accounts", ["name", "role", "created", "status"], rows)


@users.command("password")
def user_password(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The account."),
) -> None:
    """Set a new password (from the terminal or stdin); the account's sessions end.

    Example: inspect-engine portal user password binh.tt
    """
    from inspect_engine.services.portal import accounts

    password = _password()
    with unit_of_work(ctx) as uow:
        accounts.set_password(uow, name, password)
    say(f"password of {name} changed; its sessions ended")


@users.command("disable")
def user_disable(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The account."),
) -> None:
    """Disable an account: it can no longer sign in, its sessions end (its name stays in the
    cases' histories).

    Example: inspect-engine portal user disable binh.tt
    """
    from inspect_engine.services.portal import accounts

    with unit_of_work(ctx) as uow:
        accounts.disable_account(uow, name)
    say(f"account {name} disabled")
