"""`inspect-engine calendar YEAR`: the national calendar the planner counts on, with its sources.

Also renders docs/calendar.md from the table (`make docs` writes it); a test fails when the page
and the table differ.
Only the calendar is imported here: no database, no solver.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import typer

from inspect_engine.cli.common import JSON_HELP, print_json, print_table, say
from inspect_engine.errors import InputError

if TYPE_CHECKING:
    from inspect_engine.domain import national_days as nd

_KIND_LABELS = {"off": "day off", "weekend": "holiday on a weekend", "worked": "worked"}


def kind(row: nd.NationalDay) -> str:
    """`worked` (a make-up weekend day), `off` (a weekday off) or `weekend` (changes nothing)."""
    if row.worked:
        return "worked"
    return "weekend" if row.day.weekday() >= 5 else "off"


def _weekday(day: date) -> str:
    from inspect_engine.domain import national_days as nd

    name = nd.WEEKDAY_NAMES[day.weekday()]
    return name[0].upper() + name[1:]


def show(
    year: int = typer.Argument(..., metavar="YEAR", help="Year, e.g. 2026."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show a year's days off and make-up working days, each with its legal source.

    2020-2026 come from the engine's own table (docs/calendar.md); other years from the installed holidays package. A campaign overrides any day with calendar.extra_days_off or calendar.extra_working_days.

    Example: inspect-engine calendar 2026 --json
    """
    from inspect_engine.domain import calendar as cal
    from inspect_engine.domain import national_days as nd

    try:
        rows = nd.national_days(year)
    except ValueError as exc:
        raise InputError(str(exc), field="YEAR") from None
    working = cal.WorkingCalendar([year])
    per_month = {
        month: working.count_working_days(date(year, month, 1), _month_end(year, month))
        for month in range(1, 13)
    }
    origin = (
        "the engine's table"
        if nd.in_table(year)
        else f"holidays {nd.holidays_version()} (not in the engine's table)"
    )
    if as_json:
        data: dict[str, Any] = {
            "year": year,
            "origin": "table" if nd.in_table(year) else f"holidays {nd.holidays_version()}",
            "working_days": sum(per_month.values()),
            "working_days_per_month": {str(m): n for m, n in per_month.items()},
            "days": [
                {
                    "date": row.day.isoformat(),
                    "kind": kind(row),
                    "name": row.name,
                    "source": row.source,
                    "swap": row.swap.isoformat() if row.swap else None,
                }
                for row in rows
            ],
        }
        print_json(data)
        return
    rows_out = [
        (f"{row.day:%d/%m/%Y}", _weekday(row.day), _KIND_LABELS[kind(row)], row.name, row.source)
        for row in rows
    ]
    print_table(
        f"National calendar {year}, from {origin}",
        ["date", "weekday", "", "name", "source"],
        rows_out,
    )
    months = ", ".join(f"{m}: {n}" for m, n in per_month.items())
    say(f"{sum(per_month.values())} working days in {year} (per month {months})")


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


# -- docs/calendar.md ------------------------------------------------------------------------------

_DOC_HEAD = """\
# Working-day calendar

<!-- Generated from inspect_engine/domain/national_days.py by `make docs`; edit the table there. -->

The planner counts the working days of Vietnamese state agencies: Monday to Friday, minus the
days off below, plus the make-up working days (a Saturday worked in exchange for a weekday off).
Lead times (`notice_working_days`, `evidence_working_days`) and visit days are all counted on
this calendar.

## Where the dates come from

- **{first}-{last}: the engine's own table** (`NATIONAL_DAYS` in
  `inspect_engine/domain/national_days.py`), listed below. Every day off and every make-up day has
  its legal source: the Labour Code for fixed holidays and "nghỉ bù" (a holiday on a weekend
  moves to the next working day), and the yearly decision (the Prime Minister's or Deputy Prime
  Minister's official letter through Văn phòng Chính phủ, announced by Bộ LĐTBXH, for 2026 by
  Bộ Nội vụ) for Tết, the day next to National Day and every swap. A plan for these years does
  not depend on the installed `holidays` release.
- **Other years: the `holidays` package** (VN, Vietnamese names), pinned to `>=0.109,<1` in
  `pyproject.toml`. Its fixed holidays and substitutes are reliable; swaps it may not know
  until a later release. `inspect-engine calendar YEAR` shows what the installed release gives.
- **Cross-check:** `tests/test_calendar.py` compares the table with the installed `holidays`
  release for every table year and names the days they may differ on (2/1 and 10/1/2026:
  0.109 lacks that swap); an upgrade that disagrees anywhere else fails the tests.
- **24/11 Ngày Văn hóa Việt Nam** is in the table from 2026 as a day off. Its legal status is
  uncertain: the Politburo's Nghị quyết 80-NQ/TW chose it as a paid day off, but it is not yet
  in the Labour Code (the Government's Nghị quyết 30/NQ-CP tasks amending Điều 112), and no
  swap around it was found. If it is not observed, a campaign lists it in
  `extra_working_days`.

## Overriding a day in a campaign

Decisions come late and local bodies differ, so a campaign's `[calendar]` section wins over
both sources (see [campaign-format.md](campaign-format.md)):

```toml
[calendar]
extra_days_off = ["2026-10-09"]          # a local day off
extra_working_days = ["2026-11-24"]      # a day the table has off but the unit works
```

A day listed in `extra_working_days` is worked even if it is a holiday or a weekend; a day in
`extra_days_off` is off (a make-up Saturday listed there is not worked). A day cannot be in both.

`inspect-engine calendar YEAR` prints the same rows for any year, with the number of working
days per month (`--json` for scripts).

"""


def render_doc() -> str:
    """docs/calendar.md: every row of the table with its source, by year."""
    from inspect_engine.domain import calendar as cal
    from inspect_engine.domain import national_days as nd

    first, last = nd.TABLE_YEARS[0], nd.TABLE_YEARS[-1]
    lines = [_DOC_HEAD.format(first=first, last=last).rstrip("\n"), ""]
    for year in nd.TABLE_YEARS:
        working = cal.WorkingCalendar([year])
        total = working.count_working_days(date(year, 1, 1), date(year, 12, 31))
        autumn = working.count_working_days(date(year, 8, 1), date(year, 12, 31))
        lines += [
            f"## {year}",
            "",
            f"{total} working days; {autumn} from August to December.",
            "",
            "| date | weekday | | name | source |",
            "| --- | --- | --- | --- | --- |",
        ]
        for row in nd.national_days(year):
            label = _KIND_LABELS[kind(row)]
            lines.append(
                f"| {row.day:%d/%m/%Y} | {_weekday(row.day)} | {label} | {row.name} | "
                f"{row.source} |"
            )
        lines.append("")
    lines += ["## Where the sources were read", "", "| document | text or summary |"]
    lines.append("| --- | --- |")
    lines += [f"| {document} | <{url}> |" for document, url in nd.DOCUMENTS]
    return "\n".join(lines) + "\n"
