"""The named rules a workflow definition may reference: guards, data requirements, effects.

Definitions are data, so they cannot carry code: they name a rule here, and the loader rejects a
name that is not registered. Guards decide between alternatives of one trigger, requirements
check the data given with a trigger, and effects are only declared here (name and arguments);
the engine queues them and their workers carry them out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspect_engine.domain.campaign.model import REFORM_AREAS as _AREA_NAMES

ROLES = ("team_lead", "inspector", "unit", "auditor", "system")
READ_ONLY_ROLES = frozenset({"auditor"})  # may never fire a trigger
REFORM_AREAS: dict[int, str] = {number: name for number, name in enumerate(_AREA_NAMES, start=1)}
SEVERITIES = ("none", "minor", "major", "serious")
FINDINGS_TRIGGERS = frozenset({"record_findings", "reinspect_fail"})
_FINDING_KEYS = frozenset({"area", "severity", "text", "reinspection"})
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the case's state, this trigger's data and the earlier events."""

    state: str
    payload: Mapping[str, Any]  # data given with this trigger
    history: Sequence[tuple[str, Mapping[str, Any]]]  # (trigger, payload), oldest first


Guard = Callable[[GuardContext], bool]
Requirement = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class EffectSpec:
    """An effect's name and the arguments a definition must / may give it."""

    name: str
    required_args: frozenset[str]
    optional_args: frozenset[str]
    doc: str

    @property
    def all_args(self) -> frozenset[str]:
        return self.required_args | self.optional_args


# --- guards -----------------------------------------------------------------------------------


def _findings_of(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The well-formed finding items of a payload; guards tolerate junk, requirements report it."""
    items = payload.get("findings")
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _latest_findings(ctx: GuardContext) -> tuple[str | None, list[Mapping[str, Any]]]:
    """The trigger that recorded the latest findings and those findings.

    This trigger's own payload counts first when it carries `findings`; otherwise the most recent
    `record_findings` or `reinspect_fail` event of the history.
    """
    if "findings" in ctx.payload:
        return None, _findings_of(ctx.payload)
    for trigger, payload in reversed(ctx.history):
        if trigger in FINDINGS_TRIGGERS:
            return trigger, _findings_of(payload)
    return None, []


def has_shortcomings(ctx: GuardContext) -> bool:
    """The latest findings contain at least one finding whose severity is not `none`."""
    _, findings = _latest_findings(ctx)
    return any(item.get("severity", "none") != "none" for item in findings)


def no_shortcomings(ctx: GuardContext) -> bool:
    """The opposite of `has_shortcomings` (so exactly one of the two alternatives fires)."""
    return not has_shortcomings(ctx)


def reinspection_required(ctx: GuardContext) -> bool:
    """A remediation report must be checked on site.

    True when the latest findings contain a finding marked `reinspection: true` or of severity
    `serious`, and always after a failed re-inspection (`reinspect_fail`): a unit that failed one
    re-inspection is not closed on its own report.
    """
    source, findings = _latest_findings(ctx)
    if source == "reinspect_fail":
        return True
    return any(
        item.get("reinspection") is True or item.get("severity") == "serious" for item in findings
    )


def reinspection_not_required(ctx: GuardContext) -> bool:
    """The opposite of `reinspection_required`: the remediation report closes the case."""
    return not reinspection_required(ctx)


GUARDS: Mapping[str, Guard] = {
    "has_shortcomings": has_shortcomings,
    "no_shortcomings": no_shortcomings,
    "reinspection_required": reinspection_required,
    "reinspection_not_required": reinspection_not_required,
}


# --- data requirements ------------------------------------------------------------------------


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _finding_problems(index: int, item: Any) -> list[str]:
    path = f"findings[{index}]"
    if not isinstance(item, Mapping):
        return [f"{path} must be an object with area, severity and text"]
    problems = [f"{path}.{key} is not a finding field" for key in sorted(set(item) - _FINDING_KEYS)]
    area = item.get("area")
    if isinstance(area, bool) or not isinstance(area, int) or area not in REFORM_AREAS:
        problems.append(f"{path}.area must be a reform area number 1-{len(REFORM_AREAS)}")
    if item.get("severity") not in SEVERITIES:
        problems.append(f"{path}.severity must be one of {', '.join(SEVERITIES)}")
    if not _is_text(item.get("text")):
        problems.append(f"{path}.text must be a non-empty string")
    if "reinspection" in item and not isinstance(item["reinspection"], bool):
        problems.append(f"{path}.reinspection must be true or false")
    return problems


def require_findings(payload: Mapping[str, Any]) -> list[str]:
    """`findings`: a non-empty list of {area: 1-6, severity, text, reinspection?: bool}."""
    items = payload.get("findings")
    if not isinstance(items, list) or not items:
        return ["findings must be a non-empty list"]
    return [problem for i, item in enumerate(items) for problem in _finding_problems(i, item)]


def require_reason(payload: Mapping[str, Any]) -> list[str]:
    """`reason`: why (e.g. a cancellation); the audit log must say."""
    return [] if _is_text(payload.get("reason")) else ["reason must be a non-empty string"]


def require_visit_date(payload: Mapping[str, Any]) -> list[str]:
    """`visit_date`: an ISO date (YYYY-MM-DD); optional `team`: a non-empty string."""
    problems = []
    value = payload.get("visit_date")
    if not (isinstance(value, str) and _ISO_DATE_RE.match(value) and _valid_date(value)):
        problems.append("visit_date must be an ISO date (YYYY-MM-DD)")
    if "team" in payload and not _is_text(payload["team"]):
        problems.append("team must be a non-empty string")
    return problems


def _valid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def require_remediation_report(payload: Mapping[str, Any]) -> list[str]:
    """`summary`: a non-empty string; optional `documents`: a list of non-empty strings."""
    problems = [] if _is_text(payload.get("summary")) else ["summary must be a non-empty string"]
    documents = payload.get("documents", [])
    if not isinstance(documents, list):
        problems.append("documents must be a list of strings")
    else:
        problems += [
            f"documents[{i}] must be a non-empty string"
            for i, doc in enumerate(documents)
            if not _is_text(doc)
        ]
    return problems


REQUIREMENTS: Mapping[str, Requirement] = {
    "findings": require_findings,
    "reason": require_reason,
    "visit_date": require_visit_date,
    "remediation_report": require_remediation_report,
}


# --- effects ----------------------------------------------------------------------------------


def _effect(name: str, required: set[str], optional: set[str], doc: str) -> EffectSpec:
    return EffectSpec(name, frozenset(required), frozenset(optional), doc)


EFFECTS: Mapping[str, EffectSpec] = {
    spec.name: spec
    for spec in (
        _effect("issue_notice", {"notice"}, set(), "Draft the notice `notice` for the unit."),
        _effect(
            "start_deadline",
            {"deadline"},
            {"working_days"},
            "Start the deadline `deadline` (length from the campaign, or `working_days`).",
        ),
        _effect("cancel_deadline", {"deadline"}, set(), "Stop the deadline `deadline` if open."),
        _effect("record_plan", set(), {"note"}, "Record the case in the visit plan."),
    )
}
