"""Workflow v4's review of what a unit sent: the team lead accepts a delivery, or returns it
with a reason the unit sees; a returned appendix is awaited again, by a date the engine
records (domain/submissions.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from inspect_engine.domain import submissions
from inspect_engine.domain.workflow.context import GuardContext
from inspect_engine.domain.workflow.inspection_rules import is_text, iso_date, missing_appendices

_ACCEPT_KEYS = frozenset({"submission", "note"})
_RETURN_KEYS = frozenset({"submission", "appendices", "reason", "resubmit_by"})


def _target(
    review: Mapping[str, Any], path: str, ctx: GuardContext
) -> tuple[submissions.Delivery | None, list[str]]:
    """The delivery a review names (its event's position in the case), still to be reviewed."""
    seq = review.get("submission")
    if isinstance(seq, bool) or not isinstance(seq, int):
        return None, [f"{path}.submission must be the event number of a delivery"]
    found = submissions.of_history(ctx.history).delivery(seq)
    if found is None:
        return None, [f"{path}.submission: event {seq} of this case is not a delivery"]
    if found.review != submissions.PENDING:
        done = "accepted" if found.review == submissions.ACCEPTED else "returned"
        when = f"event {found.reviewed_seq}"
        return None, [f"{path}.submission: delivery {seq} was already {done} ({when})"]
    return found, []


def require_accepted(ctx: GuardContext) -> list[str]:
    """`accepted`: {submission: the delivery's event number, note?: text}."""
    review = ctx.payload.get("accepted")
    if not isinstance(review, Mapping):
        return ["accepted must be an object with submission (the delivery's event number)"]
    problems = [f"accepted.{k} is not a field" for k in sorted(set(review) - _ACCEPT_KEYS)]
    if "note" in review and not isinstance(review["note"], str):
        problems.append("accepted.note must be text")
    return problems + _target(review, "accepted", ctx)[1]


def require_returned(ctx: GuardContext) -> list[str]:
    """`returned`: {submission, appendices: [codes of that delivery, each not sent again since;
    at least one if it carried any], reason: text the unit sees, resubmit_by?: ISO date}."""
    review = ctx.payload.get("returned")
    if not isinstance(review, Mapping):
        return ["returned must be an object with submission, appendices and reason"]
    problems = [f"returned.{k} is not a field" for k in sorted(set(review) - _RETURN_KEYS)]
    if not is_text(review.get("reason")):
        problems.append("returned.reason must say why (the unit reads it)")
    delivery, wrong = _target(review, "returned", ctx)
    problems += wrong
    codes = review.get("appendices", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        return [*problems, "returned.appendices must be a list of appendix codes"]
    if delivery is not None:
        subs = submissions.of_history(ctx.history)
        for i, code in enumerate(codes):
            latest = subs.latest_of(code)
            if code not in delivery.appendices:
                sent = ", ".join(delivery.appendices) or "no appendix"
                problems.append(
                    f"returned.appendices[{i}] {code!r} is not in delivery {delivery.seq} ({sent})"
                )
            elif latest is not None and latest.seq != delivery.seq:
                problems.append(
                    f"returned.appendices[{i}] {code!r} was sent again in event {latest.seq}: "
                    "review that delivery"
                )
        if delivery.appendices and not codes:
            problems.append("returned.appendices must name the appendices returned")
    if "resubmit_by" in review:
        day = iso_date(review["resubmit_by"])
        if day is None:
            problems.append("returned.resubmit_by must be an ISO date (YYYY-MM-DD)")
        elif day < ctx.facts.today:
            problems.append(f"returned.resubmit_by {day:%d/%m/%Y} has passed")
    return problems


def assess_returned(ctx: GuardContext) -> dict[str, Any]:
    """What is missing now, and (when appendices are returned) the date they are due again:
    the one given, else RETURN_WORKING_DAYS working days after today, never before the
    case's own submission due date."""
    review = ctx.payload["returned"]
    assessed: dict[str, Any] = {"missing_appendices": missing_appendices(ctx)}
    if not review.get("appendices"):
        return assessed
    facts = ctx.facts
    given = iso_date(review.get("resubmit_by"))
    due: date = given or facts.calendar.add_working_days(
        facts.today, submissions.RETURN_WORKING_DAYS
    )
    if facts.evidence_due is not None and facts.evidence_due > due:
        due = facts.evidence_due
    assessed["resubmit_by"] = due.isoformat()
    return assessed


def returns_appendices(ctx: GuardContext) -> bool:
    """The return names appendices: they are awaited again (else only documents went back)."""
    review = ctx.payload.get("returned")
    return isinstance(review, Mapping) and bool(review.get("appendices"))
