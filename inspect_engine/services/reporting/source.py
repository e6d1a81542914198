"""What the reporting reads: the campaign's events up to a cut-off, and the units of its cases.

A cut-off is a day (the end of it, in Vietnam) and a position in the campaign's chain: the
figures of a report as of 15/10 computed on 20/10 or in a year's time count the same events,
because events appended after the report was made are past its chain position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.campaign.reporting import PERIODS
from inspect_engine.domain.events import as_utc
from inspect_engine.domain.reporting.figures import Figures, UnitInfo, campaign_figures
from inspect_engine.errors import InputError
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.services.clock import Clock
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import EventStore


@dataclass(frozen=True)
class Cut:
    """Which events a report counts: from `since` (a period's first day) to `as_of`, up to
    the chain position `chain_seq`."""

    as_of: date
    since: date | None
    chain_seq: int
    period: str | None = None  # q1, h1, q3, year
    year: int | None = None

    @property
    def source_key_suffix(self) -> str:
        if self.period:
            return f"{self.period}:{self.year}"
        return f"as-of:{self.as_of.isoformat()}"


def case_units(conn: Connection, key: str) -> dict[int, UnitInfo]:
    rows = conn.execute(
        text(
            "SELECT c.id, u.code, u.name, u.kind, k.label, u.area FROM inspection_case c "
            "JOIN unit u ON u.code = c.unit_code JOIN unit_kind k ON k.name = u.kind "
            "WHERE c.campaign_key = :key ORDER BY c.id"
        ),
        {"key": key},
    )
    return {
        int(case_id): UnitInfo(code, name, kind, label or kind, area or "")
        for case_id, code, name, kind, label, area in rows
    }


def choose_cut(
    conn: Connection,
    key: str,
    *,
    as_of: date | None,
    period: str | None,
    year: int | None,
    clock: Clock,
) -> tuple[CampaignSpec, Cut]:
    """The cut-off the options ask for, checked: not in the future, not before the campaign;
    the chain position is the campaign's head now."""
    store = EventStore(conn)
    if not store.has_campaign(key):
        raise InputError(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    spec = campaign_spec(conn, key)[0]
    today = as_utc(clock()).astimezone(DISPLAY_TZ).date()
    since = None
    if period is not None:
        if as_of is not None:
            raise InputError("give --as-of or --period, not both", field="--period")
        if period not in PERIODS:
            raise InputError(
                f"unknown period {period!r}; periods: {', '.join(PERIODS)}", field="--period"
            )
        year = year or spec.year
        since, as_of = spec.reporting[period].dates(year)
    elif year is not None:
        raise InputError("--year goes with --period", field="--year")
    as_of = as_of or today
    if as_of > today:
        raise InputError(
            f"{as_of:%d/%m/%Y} is in the future (today is {today:%d/%m/%Y}): a report counts "
            "what has happened",
            field="--period" if period else "--as-of",
        )
    created = conn.execute(
        text("SELECT created_at FROM campaign WHERE key = :key"), {"key": key}
    ).scalar()
    if created is not None:
        moment = datetime.fromisoformat(created) if isinstance(created, str) else created
        first_day = as_utc(moment).astimezone(DISPLAY_TZ).date()
        if as_of < first_day:
            raise InputError(
                f"campaign {key} was created on {first_day:%d/%m/%Y}: nothing to report as of "
                f"{as_of:%d/%m/%Y}",
                field="--period" if period else "--as-of",
            )
    head = store.chain_head(key)[0]
    return spec, Cut(as_of, since, head, period, year)


def load_figures(conn: Connection, key: str, spec: CampaignSpec, cut: Cut) -> Figures:
    """The campaign's figures at the cut, from its events alone."""
    events = EventStore(conn).campaign_events(key)
    return campaign_figures(
        case_units(conn, key),
        events,
        as_of=cut.as_of,
        chain_seq=cut.chain_seq,
        zone=DISPLAY_TZ,
        areas=spec.content_areas,
        since=cut.since,
    )
