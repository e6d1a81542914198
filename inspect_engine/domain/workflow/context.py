"""What a rule may look at when a trigger fires: the case's state, the trigger's data, the case's
earlier events and, loaded only when a rule asks, the campaign's facts about the case."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from inspect_engine.domain.calendar import WorkingCalendar


@dataclass(frozen=True)
class CaseFacts:
    """The campaign's side of a case: its calendar, its dates, what the unit must send."""

    content_areas: tuple[str, ...]
    calendar: WorkingCalendar
    today: date  # in Vietnam
    visit_date: date | None
    notice_due: date | None
    evidence_due: date | None
    appendix_codes: tuple[str, ...]  # every appendix of the campaign
    required_appendices: tuple[str, ...]  # what this unit must send before an announced visit
    visit_with_missing_appendices: bool
    lead_times: Mapping[str, int]  # notice/evidence/remediation_working_days
    team: str | None  # the planned team
    team_decision: str | None  # the number of that team's current Quyết định, if any


class FactsUnavailable(LookupError):
    """A rule needed the campaign's facts but the caller gave none (a bare unit test)."""


@dataclass(frozen=True)
class GuardContext:
    """What a guard or a requirement may look at."""

    state: str
    payload: Mapping[str, Any]  # data given with this trigger
    history: Sequence[tuple[str, Mapping[str, Any]]]  # (trigger, payload), oldest first
    load_facts: Callable[[], CaseFacts] | None = field(default=None, compare=False)

    @cached_property
    def facts(self) -> CaseFacts:
        """Loaded on first use: most transitions need none, and they cost a query."""
        if self.load_facts is None:
            raise FactsUnavailable("this rule needs the campaign's facts about the case")
        return self.load_facts()
