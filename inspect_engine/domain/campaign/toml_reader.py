"""Read a campaign file (TOML): each field converted and checked with its line and path.

The format is documented in docs/campaign-format.md and shown by examples/hanoi-2026.toml.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any, TypeVar

from inspect_engine.domain.agency_codes import agency_code_problem
from inspect_engine.domain.calendar import parse_date_range, parse_vn_date
from inspect_engine.domain.campaign.model import (
    ANNOUNCEMENT_FORMS,
    DEFAULT_WORKFLOW,
    KEY_RE,
    NUMBERED_BY,
    NUMBERINGS,
    PACES,
    REFORM_AREAS,
    Appendix,
    CalendarOverrides,
    CampaignSpec,
    Contact,
    InspectionRules,
    Issuer,
    Lead,
    LeadTimes,
    Member,
    NoticeSettings,
    PlanningPrefs,
    PlanRef,
    Targets,
    Team,
)
from inspect_engine.domain.campaign.reporting import parse_windows
from inspect_engine.domain.campaign.simulation import parse_simulation
from inspect_engine.domain.text import clean, control_character
from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.errors import InputError

# Bounds no real campaign reaches: a team visits a handful of units a day; a notice goes out
# weeks, not years, ahead; remediation takes months; the reserve is a few weeks of a round.
MAX_VISITS_PER_DAY = 20
MAX_LEAD_DAYS = 60
MAX_REMEDIATION_DAYS = 250
MAX_RESERVE_WEEKS = 20
# One text of the file: a title, a name, an appendix's contents (the longest, a paragraph, is
# ~300 characters).
MAX_TEXT = 4_000

# How a TOML value's expected type is named in an error message.
_KIND_NAMES: dict[type, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def parse_campaign(text: str, source: str) -> CampaignSpec:
    """Parse and validate a campaign file; raises InputError naming the line and field."""
    return _Reader(TomlSource(text, source)).campaign()


_T = TypeVar("_T")


class _Reader:
    """Walks the TOML data, converting and checking each field with its path."""

    def __init__(self, toml: TomlSource) -> None:
        self.toml = toml

    def fail(self, path: str, message: str) -> InputError:
        return self.toml.error(path, message)

    def table(self, data: Mapping[str, Any], path: str, allowed: Collection[str]) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(
                    where, f"unknown field {key!r}; expected one of: {', '.join(allowed)}"
                )

    def get(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        kind: type[_T],
        default: _T | None = None,
    ) -> _T:
        where = f"{path}.{key}" if path else key
        if key not in data:
            if default is None:
                raise self.fail(where, f"missing field {key!r}")
            return default
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(where, f"must be {_KIND_NAMES.get(kind, kind.__name__)}, got {value!r}")
        if isinstance(value, str):
            if found := control_character(value, multiline=True):
                raise self.fail(where, f"control character {found}: type the text plainly")
            if len(value) > MAX_TEXT:
                raise self.fail(where, f"{len(value):,} characters, more than {MAX_TEXT:,}")
            value = clean(value)
        return value  # type: ignore[no-any-return]

    def text(self, data: Mapping[str, Any], path: str, key: str, default: str | None = None) -> str:
        value = self.get(data, path, key, str, default)
        if not value and default is None:
            raise self.fail(f"{path}.{key}" if path else key, f"{key!r} is empty")
        return value

    def texts(self, data: Mapping[str, Any], path: str, key: str) -> tuple[str, ...]:
        values = self.get(data, path, key, list, [])
        out = []
        for i, v in enumerate(values):
            where = f"{path}.{key}[{i}]" if path else f"{key}[{i}]"
            if not isinstance(v, str) or not clean(v):
                raise self.fail(where, "must be text")
            if found := control_character(v):
                raise self.fail(where, f"control character {found}: type the text plainly")
            out.append(clean(v))
        return tuple(out)

    def day(self, value: Any, where: str) -> dt.date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return parse_vn_date(value)
            except ValueError as exc:
                raise self.fail(where, str(exc)) from None
        raise self.fail(where, f"must be a date (2026-08-22 or 22/8/2026), got {value!r}")

    def dates(self, values: Any, where: str) -> tuple[date, ...]:
        """A list of dates; a string `A..B` stands for every day from A to B."""
        if not isinstance(values, list):
            raise self.fail(where, "must be a list of dates")
        out: list[date] = []
        for i, value in enumerate(values):
            if isinstance(value, str) and ".." in value:
                try:
                    out.extend(parse_date_range(value))
                except ValueError as exc:
                    raise self.fail(f"{where}[{i}]", str(exc)) from None
            else:
                out.append(self.day(value, f"{where}[{i}]"))
        return tuple(sorted(set(out)))

    def whole(
        self, data: Mapping[str, Any], path: str, key: str, default: int, low: int, high: int
    ) -> int:
        """A whole number in [low, high]: `high` is far past any real campaign, so a typo of
        extra zeros is caught here and not by the planner running out of memory."""
        value = self.get(data, path, key, int, default)
        if not low <= value <= high:
            raise self.fail(f"{path}.{key}", f"{key} must be between {low} and {high}, got {value}")
        return value

    def section(self, data: Mapping[str, Any], key: str, required: bool = True) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(key, f"missing section [{key}]")
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"[{key}] must be a table")
        return value

    def items(self, data: Mapping[str, Any], key: str, parse: Callable[[Any, str], _T]) -> list[_T]:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            raise self.fail(key, f"{key} must be an array of tables ([[{key}]])")
        return [parse(value, f"{key}[{i}]") for i, value in enumerate(values)]

    # -- the sections ---------------------------------------------------------------------
    def campaign(self) -> CampaignSpec:
        data = self.toml.data
        self.table(data, "", _TOP_KEYS)
        key = self.text(data, "", "key")
        if not KEY_RE.match(key):
            raise self.fail("key", f"key {key!r} must be lowercase letters, digits, '-' or '_'")
        year = self.get(data, "", "year", int)
        if not 2000 <= year <= 2100:
            raise self.fail("year", f"year {year} is not plausible")
        start, end = self.window(self.section(data, "window", required=False), year)
        workflow = self.section(data, "workflow", required=False)
        self.table(workflow, "workflow", ("name", "version"))
        version = workflow.get("version")
        if version is not None and (not isinstance(version, int) or version < 1):
            raise self.fail("workflow.version", "version must be a positive whole number")
        teams = self.items(data, "teams", self.team)
        if not teams:
            raise self.fail("teams", "declare at least one [[teams]]")
        names = [t.name for t in teams]
        for i, name in enumerate(names):
            if names.index(name) != i:
                raise self.fail(f"teams[{i}].name", f"duplicate team name {name!r}")
        for i, team in enumerate(teams):
            outside = [d for d in team.unavailable if d.year != year]
            if outside:
                raise self.fail(f"teams[{i}].unavailable", f"{outside[0]} is outside {year}")
        content_areas = self.texts(data, "", "content_areas") or REFORM_AREAS
        appendices = self.items(data, "appendices", self.appendix)
        codes = [a.code for a in appendices]
        for i, code in enumerate(codes):
            if codes.index(code) != i:
                raise self.fail(f"appendices[{i}].code", f"duplicate appendix code {code!r}")
        leads = self.items(data, "leads", lambda value, path: self.lead(value, path, content_areas))
        for i, lead in enumerate(leads):
            if leads.index(lead) != i:
                raise self.fail(f"leads[{i}]", f"{lead.unit!r} already leads {lead.subject!r}")
        return CampaignSpec(
            key=key,
            title=self.text(data, "", "title"),
            plan=self.plan_ref(self.section(data, "plan")),
            issuer=self.issuer(self.section(data, "issuer")),
            year=year,
            window_start=start,
            window_end=end,
            targets=self.targets(self.section(data, "targets")),
            teams=tuple(teams),
            focus_sectors=self.texts(data, "", "focus_sectors"),
            content_areas=content_areas,
            appendices=tuple(appendices),
            leads=tuple(leads),
            lead_times=self.lead_times(self.section(data, "lead_times", required=False)),
            calendar=self.calendar(self.section(data, "calendar", required=False)),
            blackouts=self.blackouts(self.section(data, "blackouts", required=False)),
            planning=self.planning(self.section(data, "planning", required=False)),
            rules=self.rules(self.section(data, "rules", required=False)),
            notices=self.notices(self.section(data, "notices", required=False)),
            reporting=parse_windows(self.section(data, "reporting", required=False), self.fail),
            workflow=self.text(workflow, "workflow", "name", DEFAULT_WORKFLOW) or DEFAULT_WORKFLOW,
            workflow_version=version,
            simulation=parse_simulation(
                self.section(data, "simulation", required=False), self.fail, content_areas
            ),
        )

    def window(self, data: Mapping[str, Any], year: int) -> tuple[date, date]:
        self.table(data, "window", ("start", "end"))
        start = self.day(data.get("start", date(year, 8, 1)), "window.start")
        end = self.day(data.get("end", date(year, 12, 31)), "window.end")
        for name, day in (("start", start), ("end", end)):
            if day.year != year:
                raise self.fail(f"window.{name}", f"window {name} {day} is outside the year {year}")
        if end < start:
            raise self.fail("window.end", f"window ends ({end}) before it starts ({start})")
        return start, end

    def plan_ref(self, data: Mapping[str, Any]) -> PlanRef:
        self.table(data, "plan", ("number", "date"))
        if "date" not in data:
            raise self.fail("plan.date", "missing field 'date'")
        return PlanRef(self.text(data, "plan", "number"), self.day(data["date"], "plan.date"))

    def issuer(self, data: Mapping[str, Any]) -> Issuer:
        fields = ("parent_body", "body", "body_code", "place", "signer_title", "signer_name")
        optional = ("signer_authority", "drafting_unit", "contact", "agency_code")
        self.table(data, "issuer", (*fields, *optional))
        values = {name: self.text(data, "issuer", name) for name in fields}
        contact = None
        if "contact" in data:
            given = data["contact"]
            if not isinstance(given, dict):
                raise self.fail("issuer.contact", "[issuer.contact] must be a table")
            self.table(given, "issuer.contact", ("name", "position", "phone", "email"))
            contact = Contact(
                self.text(given, "issuer.contact", "name"),
                *(
                    self.text(given, "issuer.contact", k, "")
                    for k in ("position", "phone", "email")
                ),
            )
        agency_code = self.text(data, "issuer", "agency_code", "")
        if agency_code and (problem := agency_code_problem(agency_code)):
            raise self.fail("issuer.agency_code", problem)
        return Issuer(
            **values,
            signer_authority=self.text(data, "issuer", "signer_authority", ""),
            drafting_unit=self.text(data, "issuer", "drafting_unit", ""),
            contact=contact,
            agency_code=agency_code,
        )

    def notices(self, data: Mapping[str, Any]) -> NoticeSettings:
        keys = [f.name for f in dataclasses.fields(NoticeSettings)]
        self.table(data, "notices", keys)
        base = NoticeSettings()
        choices = {
            "announcement_form": ANNOUNCEMENT_FORMS,
            "numbering": NUMBERINGS,
            "numbered_by": NUMBERED_BY,
        }
        picked = {}
        for key, allowed in choices.items():
            value = self.text(data, "notices", key, getattr(base, key))
            if value not in allowed:
                raise self.fail(
                    f"notices.{key}", f"must be one of {', '.join(allowed)}, got {value!r}"
                )
            picked[key] = value
        visit_time = self.text(data, "notices", "visit_time", base.visit_time)
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", visit_time):
            raise self.fail("notices.visit_time", f"must be a time HH:MM, got {visit_time!r}")
        attendees = self.section(data, "attendees", required=False) if "attendees" in data else {}
        return NoticeSettings(
            **picked,
            templates=self.text(data, "notices", "templates", ""),
            visit_time=visit_time,
            submit_to=self.text(data, "notices", "submit_to", ""),
            copies_to=self.texts(data, "notices", "copies_to"),
            attendees={
                kind: self.texts(attendees, "notices.attendees", kind) for kind in attendees
            },
        )

    def targets(self, data: Mapping[str, Any]) -> Targets:
        self.table(data, "targets", ("kinds", "include", "exclude"))
        kinds = self.texts(data, "targets", "kinds")
        include = self.texts(data, "targets", "include")
        if not kinds and not include:
            raise self.fail("targets.kinds", "name at least one unit kind or included unit")
        exclude = self.texts(data, "targets", "exclude")
        both = set(include) & set(exclude)
        if both:
            raise self.fail("targets.exclude", f"{sorted(both)[0]!r} is both included and excluded")
        return Targets(kinds, include, exclude)

    def appendix(self, data: Mapping[str, Any], path: str) -> Appendix:
        self.table(
            data, path, ("code", "title", "contents", "kinds", "for_leads", "unannounced_only")
        )
        kinds = self.texts(data, path, "kinds")
        for_leads = self.get(data, path, "for_leads", bool, False)
        if not kinds and not for_leads:
            raise self.fail(
                f"{path}.kinds",
                "name the unit kinds that must prepare this appendix, or set for_leads = true",
            )
        return Appendix(
            code=self.text(data, path, "code"),
            title=self.text(data, path, "title"),
            contents=self.text(data, path, "contents", ""),
            kinds=kinds,
            for_leads=for_leads,
            unannounced_only=self.get(data, path, "unannounced_only", bool, False),
        )

    def lead(self, data: Mapping[str, Any], path: str, areas: tuple[str, ...]) -> Lead:
        self.table(data, path, ("unit", "area", "task"))
        unit = self.text(data, path, "unit")
        if "area" in data and "task" in data:
            raise self.fail(f"{path}.task", "a lead names an area or a task, not both")
        if "area" not in data and "task" not in data:
            raise self.fail(path, f"name the area or the task {unit!r} leads")
        if "task" in data:
            return Lead(unit, task=self.text(data, path, "task"))
        area = self.text(data, path, "area")
        if area not in areas:
            raise self.fail(
                f"{path}.area",
                f"area {area!r} is not one of the campaign's content_areas{_hint(area, areas)}",
            )
        return Lead(unit, area=area)

    def team(self, data: Mapping[str, Any], path: str) -> Team:
        self.table(
            data,
            path,
            ("name", "lead", "visits_per_day", "max_visits_per_week", "members", "unavailable"),
        )
        members = []
        for i, m in enumerate(data.get("members", [])):
            where = f"{path}.members[{i}]"
            if not isinstance(m, dict):
                raise self.fail(where, "a member is a table with name and unit")
            self.table(m, where, ("name", "unit"))
            unit = self.text(m, where, "unit", "")
            members.append(Member(self.text(m, where, "name"), unit or None))
        return Team(
            name=self.text(data, path, "name"),
            lead=self.text(data, path, "lead"),
            visits_per_day=self.whole(data, path, "visits_per_day", 1, 1, MAX_VISITS_PER_DAY),
            members=tuple(members),
            unavailable=self.dates(data.get("unavailable", []), f"{path}.unavailable"),
            max_visits_per_week=(
                self.whole(data, path, "max_visits_per_week", 1, 1, 5 * MAX_VISITS_PER_DAY)
                if "max_visits_per_week" in data
                else None
            ),
        )

    def lead_times(self, data: Mapping[str, Any]) -> LeadTimes:
        self.table(
            data,
            "lead_times",
            ("notice_working_days", "evidence_working_days", "remediation_working_days"),
        )
        base = LeadTimes()
        notice = self.whole(
            data, "lead_times", "notice_working_days", base.notice_working_days, 0, MAX_LEAD_DAYS
        )
        evidence = self.whole(
            data,
            "lead_times",
            "evidence_working_days",
            base.evidence_working_days,
            0,
            MAX_LEAD_DAYS,
        )
        if evidence > notice:
            raise self.fail(
                "lead_times.evidence_working_days",
                f"evidence is due {evidence} working days before the visit but the notice goes "
                f"out only {notice} before it: evidence would be due before it is asked for",
            )
        remediation = self.whole(
            data,
            "lead_times",
            "remediation_working_days",
            base.remediation_working_days,
            1,
            MAX_REMEDIATION_DAYS,
        )
        return LeadTimes(notice, evidence, remediation)

    def calendar(self, data: Mapping[str, Any]) -> CalendarOverrides:
        self.table(data, "calendar", ("extra_days_off", "extra_working_days"))
        off = self.dates(data.get("extra_days_off", []), "calendar.extra_days_off")
        work = self.dates(data.get("extra_working_days", []), "calendar.extra_working_days")
        if set(off) & set(work):
            both = sorted(set(off) & set(work))[0]
            raise self.fail("calendar.extra_working_days", f"{both} is also an extra day off")
        return CalendarOverrides(off, work)

    def blackouts(self, data: Mapping[str, Any]) -> dict[str, tuple[date, ...]]:
        return {clean(code): self.dates(days, f"blackouts.{code}") for code, days in data.items()}

    def planning(self, data: Mapping[str, Any]) -> PlanningPrefs:
        self.table(data, "planning", ("reserve_share", "reserve_weeks", "pace"))
        base = PlanningPrefs()
        share = self.get(data, "planning", "reserve_share", float, base.reserve_share)
        if not 0 <= share < 1:
            raise self.fail(
                "planning.reserve_share", f"reserve_share must be in [0, 1), got {share}"
            )
        weeks = self.whole(
            data, "planning", "reserve_weeks", base.reserve_weeks, 0, MAX_RESERVE_WEEKS
        )
        pace = self.get(data, "planning", "pace", str, base.pace)
        if pace not in PACES:
            raise self.fail(
                "planning.pace", f"pace must be one of {', '.join(map(repr, PACES))}, got {pace!r}"
            )
        return PlanningPrefs(share, weeks, pace)

    def rules(self, data: Mapping[str, Any]) -> InspectionRules:
        self.table(data, "rules", ("visit_with_missing_appendices",))
        base = InspectionRules()
        missing = self.get(
            data, "rules", "visit_with_missing_appendices", bool, base.visit_with_missing_appendices
        )
        return InspectionRules(visit_with_missing_appendices=missing)


def _hint(value: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_TOP_KEYS = (
    "key",
    "title",
    "year",
    "plan",
    "issuer",
    "window",
    "targets",
    "focus_sectors",
    "content_areas",
    "appendices",
    "leads",
    "teams",
    "lead_times",
    "calendar",
    "blackouts",
    "planning",
    "rules",
    "notices",
    "reporting",
    "workflow",
    "simulation",
)
