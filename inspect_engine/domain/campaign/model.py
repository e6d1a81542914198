"""A campaign: the declaration of one inspection round, as values.

`toml_reader.parse_campaign` reads one from its file and checks everything the file alone can tell
(types, ranges, the window inside the year); `check_against_registry` here checks what needs the
stored units (kinds, target codes). The file format is documented in docs/campaign-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.reporting import DEFAULT_WINDOWS, ReportingWindow
from inspect_engine.domain.campaign.simulation import SimulationSettings
from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.errors import InputError

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
DEFAULT_WORKFLOW = "cchc-inspection"
# The six reform areas of the 2021-2030 programme, by their full names in Resolution 76/NQ-CP.
# The order matters: v1 findings number the areas 1-6 in this order (workflow/rules.py).
REFORM_AREAS = (
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số",
)


@dataclass(frozen=True)
class PlanRef:
    number: str
    date: date


@dataclass(frozen=True)
class Contact:
    """Whom a unit calls about its notice (the letter's contact line)."""

    name: str
    position: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Issuer:
    parent_body: str
    body: str
    body_code: str
    place: str
    signer_title: str
    signer_name: str
    signer_authority: str = ""  # e.g. "KT. GIÁM ĐỐC" when a deputy signs
    # The drafting unit's code: a Công văn's number (12/SNV-CCHC) and "- Lưu: VT, CCHC.".
    drafting_unit: str = ""
    contact: Contact | None = None
    # The issuer's mã định danh on the document axis (domain/agency_codes.py); edXML's From.
    agency_code: str = ""


ANNOUNCEMENT_FORMS = ("thong-bao", "cong-van")
NUMBERINGS = ("shared", "per_type")
NUMBERED_BY = ("engine", "records_office")


@dataclass(frozen=True)
class NoticeSettings:
    """How the campaign's documents are worded, numbered and sent ([notices] in the file)."""

    # The inspection notice as a Thông báo (05/TB-SNV) or a Công văn (12/SNV-CCHC, "V/v").
    announcement_form: str = "thong-bao"
    # One sequence for every type of the issuing body, or one per type code (agencies differ).
    numbering: str = "shared"
    # "records_office": the engine issues drafts unnumbered and the records office (văn thư)
    # gives the number and date after signing (`notices number`).
    numbered_by: str = "engine"
    templates: str = ""  # a folder of the province's own templates, over the shipped ones
    visit_time: str = "08:00"  # when the visit starts, HH:MM
    submit_to: str = ""  # how the unit sends its report and appendices
    copies_to: tuple[str, ...] = ()  # Nơi nhận beside the unit and the team ("Giám đốc Sở;")
    # Who at the unit must attend the visit, by unit kind.
    attendees: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    kinds: tuple[str, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Appendix:
    """A Phụ lục of the inspection notice; `appendices.appendices_for` says who prepares it."""

    code: str
    title: str
    contents: str
    kinds: tuple[str, ...]  # unit kinds it applies to; empty: any kind (with `for_leads`)
    # Only of units that lead at least one area or task (Phụ lục 3, 960/SNV-CCHC §3).
    for_leads: bool = False
    # Not asked in an announced inspection: the unit keeps it ready for an unannounced one.
    unannounced_only: bool = False


@dataclass(frozen=True)
class Lead:
    """A unit the city assigned to lead a reform area or a task city-wide: exactly one of
    `area` (one of the campaign's `content_areas`) and `task` (free text)."""

    unit: str
    area: str | None = None
    task: str | None = None

    def __post_init__(self) -> None:
        if (self.area is None) == (self.task is None):
            raise ValueError(f"lead of {self.unit!r}: give exactly one of area and task")

    @property
    def subject(self) -> str:
        """What is led, area or task, for a sentence or a table cell."""
        return self.area if self.area is not None else str(self.task)


@dataclass(frozen=True)
class Member:
    name: str
    unit: str | None = None  # the unit the member works for: never inspects that unit


@dataclass(frozen=True)
class Team:
    name: str
    lead: str
    visits_per_day: int
    members: tuple[Member, ...] = ()
    unavailable: tuple[date, ...] = ()
    max_visits_per_week: int | None = None  # a hard limit per calendar week, if the team has one

    @property
    def member_units(self) -> frozenset[str]:
        return frozenset(m.unit for m in self.members if m.unit)


@dataclass(frozen=True)
class LeadTimes:
    notice_working_days: int = 10
    evidence_working_days: int = 5
    # The remediation report is due this many working days after the conclusion notice.
    # Uncertain: one province sets 15 days (docs/domain.md §2), hence a setting.
    remediation_working_days: int = 15


@dataclass(frozen=True)
class CalendarOverrides:
    extra_days_off: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()


PACES = ("even", "early")


@dataclass(frozen=True)
class PlanningPrefs:
    reserve_share: float = 0.15  # capacity kept free for re-inspections ...
    reserve_weeks: int = 3  # ... in the last weeks of the window
    # "even": each team's visits spread over the weeks of the window in proportion to its
    # capacity in each week; "early": every visit as early as it can be.
    pace: str = "even"


@dataclass(frozen=True)
class InspectionRules:
    """What the campaign allows where practice differs between cities."""

    # May the visit be recorded while a required appendix has not been received?
    visit_with_missing_appendices: bool = False


@dataclass(frozen=True)
class CampaignSpec:
    key: str
    title: str
    plan: PlanRef
    issuer: Issuer
    year: int
    window_start: date
    window_end: date
    targets: Targets
    teams: tuple[Team, ...]
    focus_sectors: tuple[str, ...] = ()
    content_areas: tuple[str, ...] = REFORM_AREAS
    appendices: tuple[Appendix, ...] = ()
    leads: tuple[Lead, ...] = ()
    lead_times: LeadTimes = LeadTimes()
    calendar: CalendarOverrides = CalendarOverrides()
    blackouts: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    planning: PlanningPrefs = PlanningPrefs()
    rules: InspectionRules = InspectionRules()
    notices: NoticeSettings = NoticeSettings()
    # The periodic reporting windows ([reporting]; the national ones by default).
    reporting: Mapping[str, ReportingWindow] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    workflow: str = DEFAULT_WORKFLOW
    workflow_version: int | None = None
    simulation: SimulationSettings = field(default_factory=SimulationSettings)  # `simulate`

    def is_focus(self, sectors: Collection[str]) -> bool:
        return bool(set(sectors) & set(self.focus_sectors))

    def team_problem(self, team: str) -> str | None:
        """Why `team` is not a team of this campaign, or None if it is."""
        names = [t.name for t in self.teams]
        return (
            None
            if team in names
            else f"no team {team!r} in campaign {self.key}; teams: " + (", ".join(names))
        )

    def day_problem(self, calendar: WorkingCalendar, day: date) -> str | None:
        """Why no visit can be held on `day`: outside the window, or not a working day."""
        if not self.window_start <= day <= self.window_end:
            return (
                f"{day:%d/%m/%Y} is outside the window "
                f"{self.window_start:%d/%m/%Y} .. {self.window_end:%d/%m/%Y}"
            )
        if not calendar.is_working_day(day):
            why = calendar.day_off_reason(day) or "a day off"
            return f"{day:%d/%m/%Y} is not a working day ({why})"
        return None

    def working_calendar(self) -> WorkingCalendar:
        """Vietnam's working days with this campaign's overrides."""
        return WorkingCalendar(
            [self.year],
            extra_days_off=self.calendar.extra_days_off,
            extra_working_days=self.calendar.extra_working_days,
        )


def check_against_registry(
    spec: CampaignSpec, toml: TomlSource | None, *, kinds: Collection[str], units: Collection[str]
) -> None:
    """Every kind and unit code the campaign names must exist in the registry."""

    def error(path: str, message: str) -> InputError:
        return toml.error(path, message) if toml else InputError(message, field=path)

    known = ", ".join(sorted(kinds))
    for i, kind in enumerate(spec.targets.kinds):
        if kind not in kinds:
            raise error(f"targets.kinds[{i}]", f"unknown unit kind {kind!r}; known: {known}")
    for i, appendix in enumerate(spec.appendices):
        for kind in appendix.kinds:
            if kind not in kinds:
                raise error(f"appendices[{i}].kinds", f"unknown unit kind {kind!r}; known: {known}")
    for name in ("include", "exclude"):
        for i, code in enumerate(getattr(spec.targets, name)):
            if code not in units:
                raise error(f"targets.{name}[{i}]", f"unknown target unit {code!r}")
    for t, team in enumerate(spec.teams):
        for m, member in enumerate(team.members):
            if member.unit and member.unit not in units:
                raise error(f"teams[{t}].members[{m}].unit", f"unknown unit {member.unit!r}")
    for i, lead in enumerate(spec.leads):
        if lead.unit not in units:
            raise error(f"leads[{i}].unit", f"unknown unit {lead.unit!r}")
    for code in spec.blackouts:
        if code not in units:
            raise error(f"blackouts.{code}", f"unknown unit {code!r}")
