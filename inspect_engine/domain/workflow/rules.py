"""The named rules a workflow definition may reference: guards, data requirements, effects.

Definitions are data, so they cannot carry code: they name a rule here, and the loader rejects a
name that is not registered. Guards decide between alternatives of one trigger, requirements
check the data given with a trigger, and effects are only declared here (name and arguments);
the engine queues them and their workers carry them out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from inspect_engine.domain.campaign.model import REFORM_AREAS as _AREA_NAMES
from inspect_engine.domain.workflow import inspection_rules as inspection
from inspect_engine.domain.workflow import review_rules as review
from inspect_engine.domain.workflow.context import GuardContext as GuardContext  # re-exported

ROLES = ("team_lead", "inspector", "unit", "signer", "auditor", "system")
# Where a deadline's count starts: the event's own day, a date the plan gave the case, or a date
# in the trigger's data (`data.remediation_due`).
DEADLINE_ANCHORS = ("event", "visit_date", "notice_due", "evidence_due")
# Campaign settings (`[lead_times]`) a deadline may take its length from.
DEADLINE_SETTINGS = ("notice_working_days", "evidence_working_days", "remediation_working_days")
READ_ONLY_ROLES = frozenset({"auditor"})  # may never fire a trigger
REFORM_AREAS: dict[int, str] = {number: name for number, name in enumerate(_AREA_NAMES, start=1)}
SEVERITIES = inspection.SEVERITIES
_FINDING_KEYS = frozenset({"area", "severity", "text", "reinspection"})
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


Guard = Callable[[GuardContext], bool]
Requirement = Callable[[GuardContext], list[str]]  # every problem of the trigger's data
Assessment = Callable[[GuardContext], dict[str, Any]]  # what the engine records beside the data


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


def has_shortcomings(ctx: GuardContext) -> bool:
    """The latest findings contain at least one finding whose severity is not `none`."""
    _, findings = inspection.latest_findings(ctx)
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
    source, findings = inspection.latest_findings(ctx)
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
    "team_decided": inspection.team_decided,
    "submission_complete": inspection.submission_complete,
    "missing_appendices_allowed": inspection.missing_appendices_allowed,
    "returns_appendices": review.returns_appendices,
}
# Why a guard refused, in the user's terms (a guard not listed is named instead).
GUARD_EXPLANATIONS: Mapping[str, Callable[[GuardContext], str]] = {
    "team_decided": inspection.explain_team_decided,
    "missing_appendices_allowed": inspection.explain_missing_appendices,
}


# --- data requirements ------------------------------------------------------------------------


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
    if not inspection.is_text(item.get("text")):
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
    if inspection.is_text(payload.get("reason")):
        return []
    return ["reason must be a non-empty string"]


def require_visit_date(payload: Mapping[str, Any]) -> list[str]:
    """`visit_date`: an ISO date (YYYY-MM-DD); optional `team`: a non-empty string."""
    problems = []
    value = payload.get("visit_date")
    if not (isinstance(value, str) and _ISO_DATE_RE.match(value) and _valid_date(value)):
        problems.append("visit_date must be an ISO date (YYYY-MM-DD)")
    if "team" in payload and not inspection.is_text(payload["team"]):
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
    summary = payload.get("summary")
    problems = [] if inspection.is_text(summary) else ["summary must be a non-empty string"]
    documents = payload.get("documents", [])
    if not isinstance(documents, list):
        problems.append("documents must be a list of strings")
    else:
        problems += [
            f"documents[{i}] must be a non-empty string"
            for i, doc in enumerate(documents)
            if not inspection.is_text(doc)
        ]
    return problems


def _on_payload(check: Callable[[Mapping[str, Any]], list[str]]) -> Requirement:
    """A requirement that needs the trigger's data only."""

    @wraps(check)
    def requirement(ctx: GuardContext) -> list[str]:
        return check(ctx.payload)

    return requirement


REQUIREMENTS: Mapping[str, Requirement] = {
    "findings": _on_payload(require_findings),
    "reason": _on_payload(require_reason),
    "visit_date": _on_payload(require_visit_date),
    "remediation_report": _on_payload(require_remediation_report),
    "submission": inspection.require_submission,
    "minutes": inspection.require_minutes,
    "draft_findings": inspection.require_draft_findings,
    "conclusion": inspection.require_conclusion,
    "accepted_submission": review.require_accepted,
    "returned_submission": review.require_returned,
}
# Requirements that read the case's earlier events: a trigger requiring one gets the history
# even when none of its alternatives has a guard.
HISTORY_REQUIREMENTS = frozenset({"accepted_submission", "returned_submission"})
# Requirements whose data the engine assesses, recording the result in the event's `assessed`.
ASSESSMENTS: Mapping[str, Assessment] = {
    "submission": inspection.assess_submission,
    "conclusion": inspection.assess_conclusion,
    "returned_submission": review.assess_returned,
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
            {"from", "working_days", "setting"},
            "Start the deadline `deadline`, due `working_days` (or the campaign `setting`) "
            "working days after `from`; the engine records the due date in the event.",
        ),
        _effect("cancel_deadline", {"deadline"}, set(), "Stop the deadline `deadline` if open."),
        _effect("record_plan", set(), {"note"}, "Record the case in the visit plan."),
    )
}
