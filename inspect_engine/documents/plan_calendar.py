"""The visit plan as a calendar page a team lead works from: one self-contained HTML page
(inline CSS, nothing fetched), a section per team with one row per calendar week of the window,
that prints on A4 landscape (a team per sheet) and reads on a phone (a week per block).

The layout is the Jinja2 template `layouts/plan_calendar.html.j2`; every value is escaped. The
page model below is built by `services/planning/calendar_page.py` from the stored plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

# What a day is, for the team: its class in the page and the legend.
WORK, WEEKEND, HOLIDAY, MAKE_UP, OUTSIDE = "work", "weekend", "holiday", "make-up", "outside"
WEEKDAY_SHORT = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
WEEKDAY_LONG = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class CalendarVisit:
    case_id: int
    unit_code: str
    unit_name: str
    area: str  # the area's name ("" when the unit has none)
    notice_due: date
    evidence_due: date
    pinned: bool
    address: str = ""


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str  # WORK, WEEKEND, HOLIDAY, MAKE_UP or OUTSIDE (not in the campaign's window)
    label: str  # the holiday's or make-up day's name
    team_off: str | None  # why the team cannot visit that day ("" without a reason), or None
    blackouts: tuple[str, ...]  # "unit name (reason)" of this team's units that asked not then
    visits: tuple[CalendarVisit, ...]
    reserve: bool  # in the re-inspection reserve

    @property
    def weekday(self) -> str:
        return WEEKDAY_SHORT[self.day.weekday()]

    @property
    def weekday_long(self) -> str:
        return WEEKDAY_LONG[self.day.weekday()]

    @property
    def quiet(self) -> bool:
        """Nothing to read on it: hidden on a phone."""
        return not (self.visits or self.team_off is not None or self.blackouts or self.label)


@dataclass(frozen=True)
class CalendarWeek:
    monday: date
    number: int  # ISO week number
    days: tuple[CalendarDay, ...]  # Monday to Sunday
    visits: int
    slots: int  # the team's slots that week (working days it is available × visits a day)

    @property
    def reserve(self) -> bool:
        return any(d.reserve for d in self.days if d.kind in (WORK, MAKE_UP))

    @property
    def sunday(self) -> date:
        return self.days[-1].day


@dataclass(frozen=True)
class TeamCalendar:
    name: str
    lead: str
    visits_per_day: int
    max_visits_per_week: int | None
    weeks: tuple[CalendarWeek, ...]
    months: tuple[tuple[str, int], ...]  # ("08/2026", visits)
    visits: int
    slots: int


@dataclass(frozen=True)
class CalendarPage:
    key: str
    title: str
    body: str  # the issuing body
    window_start: date
    window_end: date
    as_of: date | None  # the date the stored plan was made as of
    pace: str
    reserve_start: date | None
    months: tuple[str, ...]  # "08/2026", ... over the window
    teams: tuple[TeamCalendar, ...]
    one_team: bool


def _ngay(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _dm(day: date) -> str:
    return f"{day:%d/%m}"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("inspect_engine.documents", "layouts"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["ngay"] = _ngay
    environment.filters["dm"] = _dm
    return environment


def render_calendar(page: CalendarPage) -> str:
    """The page as HTML (lang="vi", UTF-8)."""
    template = _environment().get_template("plan_calendar.html.j2")
    return template.render(page=page, weekdays=WEEKDAY_SHORT, weekdays_long=WEEKDAY_LONG)
