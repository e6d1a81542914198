"""`inspect-engine plan ...`: plan the visits of a campaign, re-plan, check, export, pin."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from inspect_engine.cli.common import (
    AS_JSON,
    CAMPAIGN_KEY,
    CASE_ID,
    new_app,
    print_json,
    print_table,
    runtime,
    say,
    unit_of_work,
    write_file,
)
from inspect_engine.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from inspect_engine.services.planning.make import PlanReport
    from inspect_engine.services.planning.weeks import TeamWeek


class PlanGroup(TyperGroup):
    """`plan KEY ...` is short for `plan make KEY ...`."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().resolve_command(ctx, args)


DAYS = typer.Argument(..., metavar="DATES", help="Days: 2026-10-05 or 5/10/2026 or A..B.")
REASON = typer.Option("", "--reason", help="Why (kept with the days).")

app = new_app(
    "Visit plans: `plan KEY` plans a campaign (short for `plan make KEY`).", cls=PlanGroup
)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    from inspect_engine.domain.calendar import parse_vn_date

    try:
        return parse_vn_date(text)
    except ValueError as exc:
        raise InputError(str(exc), field=option) from None


def _dates(texts: list[str]) -> list[date]:
    from inspect_engine.domain.calendar import parse_date_range

    days: list[date] = []
    for text in texts:
        try:
            days += parse_date_range(text)
        except ValueError as exc:
            raise InputError(str(exc), field="DATES") from None
    return days


def _summary(report: PlanReport) -> None:
    say(
        f"campaign {report.campaign_key}: {len(report.visits)} visits planned as of "
        f"{report.as_of:%d/%m/%Y} ({report.pace} pace) in {report.seconds:.2f} s"
    )
    table = report.per_month_and_team()
    months = sorted({m for per in table.values() for m in per}, key=lambda m: (m[3:], m[:2]))
    utilisation = report.utilisation()
    empty: Counter[str] = Counter()
    rows = [
        (team, *(table.get(team, empty)[m] for m in months), f"{utilisation[team]:.0%}")
        for team in report.capacity
    ]
    print_table("visits per month and team", ["team", *months, "utilisation"], rows)
    busiest, quietest = report.busiest_week(), report.quietest_week()
    if busiest and quietest:
        say(
            f"  weekly load before the reserve: largest {_week(busiest)}, "
            f"smallest {_week(quietest)}"
        )
    if report.reserve_start is not None:
        say(
            f"  reserve from {report.reserve_start:%d/%m/%Y}: {report.reserve_visits()} of "
            f"{report.reserve_slots} slots used"
        )
    focus, other = report.mean_focus_date(), report.mean_other_date()
    if focus and other:
        say(f"  mean date of focus-sector visits {focus:%d/%m}, of the others {other:%d/%m}")
    say(
        f"  objective {report.objective:,} (preference terms), lower bound "
        f"{report.lower_bound:,}, gap {report.gap:.2%} (the core assignment is solved exactly)"
    )
    if report.replan:
        cases = f": cases {', '.join(map(str, report.moved))}" if report.moved else ""
        say(f"  moved {_plural(len(report.moved), 'visit')} (minimum {report.min_moves}){cases}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _week(week: TeamWeek) -> str:
    return (
        f"{_plural(week.visits, 'visit')} of {_plural(week.slots, 'slot')} ({week.team}, "
        f"week from {week.monday:%d/%m})"
    )


@app.command("make")
def make(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_of: str = typer.Option(None, "--as-of", help="Plan as of this date (default: today)."),
    replan: bool = typer.Option(False, "--replan", help="Change an existing plan, moving few."),
    force: bool = typer.Option(False, "--force", help="With --replan: announced visits may move."),
    time_limit: float = typer.Option(
        5.0, "--time-limit", min=0, max=600, help="Seconds for grouping by area."
    ),
    as_json: bool = AS_JSON,
) -> None:
    """Plan every visit of a campaign and store it; exit 1 with the reason if it cannot be done.

    Without --as-of the plan starts from today. The campaign's [planning] pace spreads each
    team's visits over the weeks ("even", the default) or plans them as early as possible.

    Example: inspect-engine plan hanoi-2026 --as-of 2026-07-27
    """
    from inspect_engine.services.planning.make import make_plan

    with unit_of_work(ctx) as uow:
        report = make_plan(
            uow,
            key,
            as_of=_date(as_of, "--as-of"),
            replan=replan,
            force=force,
            time_limit=time_limit,
            clock=runtime(ctx).clock,
        )
    if as_json:
        print_json(
            {
                "campaign": report.campaign_key,
                "as_of": report.as_of.isoformat(),
                "visits": len(report.visits),
                "pace": report.pace,
                "moved": report.moved,
                "min_moves": report.min_moves,
                "objective": report.objective,
                "lower_bound": report.lower_bound,
                "gap": report.gap,
                "reserve_start": (
                    report.reserve_start.isoformat() if report.reserve_start else None
                ),
                "reserve_visits": report.reserve_visits(),
                "weeks": [
                    {
                        "team": w.team,
                        "week": w.monday.isoformat(),
                        "visits": w.visits,
                        "slots": w.slots,
                    }
                    for w in report.weeks
                ],
            }
        )
    else:
        _summary(report)


@app.command("show")
def show(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    as_json: bool = AS_JSON,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
    ics: Path = typer.Option(None, "--ics", help="Write an iCalendar file of the visits."),
    html: Path = typer.Option(
        None, "--html", help="Write the calendar page: per team, a row per week (prints on A4)."
    ),
    team: str = typer.Option(None, "--team", help="Only this team's visits."),
) -> None:
    """Show the stored plan, or export it as JSON, CSV, iCalendar or a calendar page.

    Example: inspect-engine plan show hanoi-2026 --html doan-1.html --team "Đoàn 1"
    """
    from inspect_engine.services.campaigns import get_campaign
    from inspect_engine.services.planning import exports
    from inspect_engine.services.planning.views import planned_visits

    with unit_of_work(ctx) as uow:
        visits = planned_visits(uow, key, team)
        _, spec = get_campaign(uow, key)
    if ics is not None:
        write_file(ics, exports.to_ics(key, spec.title, visits, runtime(ctx).clock()))
        say(f"{ics}: {len(visits)} visits")
    if html is not None:
        from inspect_engine.services.planning.calendar_page import calendar_page

        with unit_of_work(ctx) as uow:
            page = calendar_page(uow, key, team)
        write_file(html, page)
        say(f"{html}: {len(visits)} visits")
    if as_json:
        print_json([v.to_json() for v in visits])
    elif as_csv:
        typer.echo(exports.to_csv(visits), nl=False)
    elif ics is None and html is None:
        rows = [
            (
                f"{v.date:%d/%m/%Y}",
                v.team,
                v.unit_code,
                v.unit_name,
                v.area,
                v.state,
                f"{v.notice_due:%d/%m}",
                f"{v.evidence_due:%d/%m}",
                "pinned" if v.pinned else "",
            )
            for v in visits
        ]
        print_table(
            f"{len(visits)} planned visits of {key}",
            ["date", "team", "unit", "name", "area", "state", "notice by", "evidence by", ""],
            rows,
        )


@app.command("check")
def check(ctx: typer.Context, key: str = CAMPAIGN_KEY) -> None:
    """Check every hard constraint of the stored plan; exit 1 and list what is broken.

    Example: inspect-engine plan check hanoi-2026
    """
    from inspect_engine.services.planning.views import check_plan

    with unit_of_work(ctx) as uow:
        problems = check_plan(uow, key)
    if problems:
        for problem in problems:
            typer.echo(problem)
        noun = "problem" if len(problems) == 1 else "problems"
        raise CheckFailed(f"plan of {key}: {len(problems)} {noun}")
    say(f"plan of {key}: every hard constraint holds")


@app.command("pin")
def pin(
    ctx: typer.Context,
    case_id: int = CASE_ID,
    team: str = typer.Option(None, "--team", help="Team (default: the planned one)."),
    on: str = typer.Option(None, "--date", help="Day (default: the planned one)."),
) -> None:
    """Pin a visit to a team and day; `plan --replan` keeps it there.

    Example: inspect-engine plan pin 12 --team "Đoàn 2" --date 2026-10-05
    """
    from inspect_engine.services.planning import constraints

    with unit_of_work(ctx) as uow:
        case = constraints.pin(uow, case_id, team, _date(on, "--date"))
    say(f"case {case_id} ({case.unit_code}) pinned to {case.pin_team} on {case.pin_date:%d/%m/%Y}")


@app.command("unpin")
def unpin(ctx: typer.Context, case_id: int = CASE_ID) -> None:
    """Let the planner move a pinned visit again.

    Example: inspect-engine plan unpin 12
    """
    from inspect_engine.services.planning import constraints

    with unit_of_work(ctx) as uow:
        constraints.unpin(uow, case_id)
    say(f"case {case_id} unpinned")


@app.command("team-off")
def team_off(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    dates: list[str] = DAYS,
    team: str = typer.Option(..., "--team", help="Team name."),
    reason: str = REASON,
) -> None:
    """Mark days on which a team cannot visit; then `plan KEY --replan`.

    Example: inspect-engine plan team-off hanoi-2026 --team "Đoàn 1" 2026-10-05..2026-10-09
    """
    from inspect_engine.services.planning.constraints import block_days

    with unit_of_work(ctx) as uow:
        added = block_days(uow, key, "team", team, _dates(dates), reason)
    say(f"{team}: {added} days off added")


@app.command("blackout")
def blackout(
    ctx: typer.Context,
    key: str = CAMPAIGN_KEY,
    unit: str = typer.Argument(..., metavar="UNIT", help="Unit code."),
    dates: list[str] = DAYS,
    reason: str = REASON,
) -> None:
    """Mark days on which a unit asked not to be visited; then `plan KEY --replan`.

    Example: inspect-engine plan blackout hanoi-2026 00004 2026-10-12..2026-10-16
    """
    from inspect_engine.services.planning.constraints import block_days

    with unit_of_work(ctx) as uow:
        added = block_days(uow, key, "unit", unit, _dates(dates), reason)
    say(f"{unit}: {added} blackout days added")
