"""The rules of an inspection as a Sở Nội vụ runs it (`cchc-inspection` v2): what the unit sent,
the minutes of a visit, the team's draft findings, the approved conclusion.

Requirements list every problem of the data a trigger carries; guards decide between the
alternatives of a trigger; assessments compute what the engine records beside the data (a late
submission, the remediation due date), so the event says it and no reader has to recompute it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from inspect_engine.domain import submissions
from inspect_engine.domain.workflow.context import GuardContext

SEVERITIES = ("none", "minor", "major", "serious")
FINDINGS_TRIGGERS = frozenset({"record_findings", "reinspect_fail"})
SUBMISSION_TRIGGER = submissions.SUBMISSION_TRIGGER
# `model`: the finding is a model or initiative worth spreading (mô hình, sáng kiến), which the
# campaign's report lists; optional, so definitions and events from before it stay valid.
_DRAFT_FINDING_KEYS = frozenset({"area", "severity", "text", "reinspection", "remedy", "model"})
_REMEDY_KEYS = frozenset({"finding", "remedy", "due_working_days"})


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def iso_date(value: Any) -> date | None:
    """`value` as a date if it is an ISO date string (YYYY-MM-DD), else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _hint(value: object, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _past_date(value: Any, path: str, ctx: GuardContext, *, working: bool) -> list[str]:
    """A date that has happened (a visit, a delivery): ISO, not after today, a working day if
    `working`."""
    day = iso_date(value)
    if day is None:
        return [f"{path} must be an ISO date (YYYY-MM-DD)"]
    facts = ctx.facts
    if day > facts.today:
        return [f"{path} {day:%d/%m/%Y} is in the future (today is {facts.today:%d/%m/%Y})"]
    if working and not facts.calendar.is_working_day(day):
        why = facts.calendar.day_off_reason(day) or "a day off"
        return [f"{path} {day:%d/%m/%Y} is not a working day ({why})"]
    return []


def _text_list(value: Any, path: str, *, non_empty: bool = False) -> list[str]:
    if not isinstance(value, list):
        return [f"{path} must be a list of strings"]
    if non_empty and not value:
        return [f"{path} must not be empty"]
    return [
        f"{path}[{i}] must be a non-empty string" for i, v in enumerate(value) if not is_text(v)
    ]


# --- what the unit sent -----------------------------------------------------------------------


def received_appendices(ctx: GuardContext) -> list[str]:
    """Every appendix code received so far and not returned since (v4), this trigger's delivery
    included and its return left out, in arrival order."""
    seen = dict.fromkeys(submissions.of_history(ctx.history).received())
    submission = ctx.payload.get("submission")
    if isinstance(submission, Mapping):
        for code in submission.get("appendices", ()):
            if isinstance(code, str):
                seen.setdefault(code, None)
    returned = ctx.payload.get("returned")
    if isinstance(returned, Mapping) and isinstance(returned.get("appendices"), list):
        for code in returned["appendices"]:
            if isinstance(code, str):
                seen.pop(code, None)
    return list(seen)


def missing_appendices(ctx: GuardContext) -> list[str]:
    """The required appendices of this unit that have not arrived (this delivery counted)."""
    received = set(received_appendices(ctx))
    return [code for code in ctx.facts.required_appendices if code not in received]


def _figures(value: Any, codes: Any) -> list[str]:
    """`figures`: {appendix code: [row objects by column key]}, each code one received."""
    if not isinstance(value, Mapping):
        return ["submission.figures must be an object of rows by appendix code"]
    received = codes if isinstance(codes, list) else []
    problems = []
    for code, rows in value.items():
        path = f"submission.figures[{code!r}]"
        if code not in received:
            problems.append(f"{path}: {code!r} is not among submission.appendices")
        if not isinstance(rows, list):
            problems.append(f"{path} must be a list of rows")
            continue
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                problems.append(f"{path}[{i}] must be an object of values by column key")
                continue
            problems += [
                f"{path}[{i}].{key} must be text or a number"
                for key, cell in row.items()
                if isinstance(cell, bool) or not isinstance(cell, str | int | float)
            ]
    return problems


def require_submission(ctx: GuardContext) -> list[str]:
    """`submission`: {received_on: ISO date, appendices: [codes], documents?: [names], note?,
    figures?: {code: [rows]}}, `figures` the values of the forms filled (docs/evidence.md)."""
    submission = ctx.payload.get("submission")
    if not isinstance(submission, Mapping):
        return ["submission must be an object with received_on and appendices"]
    fields = {"received_on", "appendices", "documents", "note", "figures", "files", "figures_as_of"}
    problems = [
        f"submission.{key} is not a submission field" for key in sorted(set(submission) - fields)
    ]
    problems += _past_date(
        submission.get("received_on"), "submission.received_on", ctx, working=False
    )
    codes = submission.get("appendices", [])
    problems += _text_list(codes, "submission.appendices")
    known = ctx.facts.appendix_codes
    if isinstance(codes, list):
        problems += [
            f"submission.appendices[{i}] {code!r} is not an appendix of this campaign"
            f"{_hint(code, known)}; appendices: {', '.join(known) or 'none'}"
            for i, code in enumerate(codes)
            if is_text(code) and code not in known
        ]
    documents = submission.get("documents", [])
    problems += _text_list(documents, "submission.documents")
    if not codes and not documents:
        problems.append("submission must list the appendices or documents received")
    if "figures" in submission:
        problems += _figures(submission["figures"], codes)
    if "figures_as_of" in submission:
        problems += _past_date(
            submission["figures_as_of"], "submission.figures_as_of", ctx, working=False
        )
    if "files" in submission:
        problems += _files(submission["files"])
    if "note" in submission and not isinstance(submission["note"], str):
        problems.append("submission.note must be text")
    return problems


_FILE_KEYS = frozenset({"name", "sha256", "size", "type"})


def _files(value: Any) -> list[str]:
    """`files`: [{name, sha256 (64 hex digits), size (bytes), type (a media type)}], the files
    as received and stored under their hash (the portal's uploads)."""
    if not isinstance(value, list):
        return ["submission.files must be a list of {name, sha256, size, type}"]
    problems = []
    for i, item in enumerate(value):
        path = f"submission.files[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{path} must be an object with name, sha256, size and type")
            continue
        problems += [f"{path}.{k} is not a file field" for k in sorted(set(item) - _FILE_KEYS)]
        digest = item.get("sha256")
        if not (isinstance(digest, str) and len(digest) == 64 and _is_hex(digest)):
            problems.append(f"{path}.sha256 must be 64 lowercase hex digits")
        size = item.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            problems.append(f"{path}.size must be a whole number of bytes")
        for key in ("name", "type"):
            if not is_text(item.get(key)):
                problems.append(f"{path}.{key} must be a non-empty string")
    return problems


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def assess_submission(ctx: GuardContext) -> dict[str, Any]:
    """On time or late (in working days after the evidence due date), and what is still missing."""
    facts = ctx.facts
    received_on = iso_date(ctx.payload["submission"]["received_on"])
    assert received_on is not None  # checked by require_submission
    due = facts.evidence_due
    # After a return (v4) the unit has until the date the return set, if that is later.
    again = iso_date(submissions.latest_resubmit_by(submissions.of_history(ctx.history)))
    if again is not None and (due is None or again > due):
        due = again
    late = 0
    if due is not None and received_on > due:
        late = facts.calendar.count_working_days(due + timedelta(days=1), received_on)
        late = max(late, 1)  # delivered on a day off after the due date still counts as late
    return {
        "due": due.isoformat() if due else None,
        "on_time": late == 0,
        "late_working_days": late,
        "missing_appendices": missing_appendices(ctx),
    }


def submission_complete(ctx: GuardContext) -> bool:
    """Every appendix this unit must send has arrived (this delivery counted)."""
    return not missing_appendices(ctx)


def missing_appendices_allowed(ctx: GuardContext) -> bool:
    """The visit may be recorded now: nothing required is missing, or the campaign allows a
    visit with missing appendices (`[rules] visit_with_missing_appendices`)."""
    return ctx.facts.visit_with_missing_appendices or not missing_appendices(ctx)


def explain_missing_appendices(ctx: GuardContext) -> str:
    return (
        f"the unit has not sent {', '.join(missing_appendices(ctx))}, and this campaign requires "
        "every appendix before the visit ([rules] visit_with_missing_appendices = false): "
        "record what arrived with `receive_submission`"
    )


def team_decided(ctx: GuardContext) -> bool:
    """The case's team was formed by a decision (Quyết định thành lập Đoàn kiểm tra), which the
    notice cites."""
    return ctx.facts.team_decision is not None


def explain_team_decided(ctx: GuardContext) -> str:
    team = ctx.facts.team
    if team is None:
        return "the case has no planned visit and team yet: plan the campaign first"
    return (
        f"{team} has no Quyết định thành lập Đoàn kiểm tra yet: record it with "
        "`inspect-engine campaign decide-team`"
    )


# --- the minutes of a visit -------------------------------------------------------------------


def _participants(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not value:
        return [f"{path} must be a non-empty list of {{name, position}}"]
    problems = []
    for i, person in enumerate(value):
        if not isinstance(person, Mapping):
            problems.append(f"{path}[{i}] must be an object with name and position")
            continue
        problems += [
            f"{path}[{i}].{key} must be a non-empty string"
            for key in ("name", "position")
            if not is_text(person.get(key))
        ]
        problems += [
            f"{path}[{i}].{key} is not a participant field"
            for key in sorted(set(person) - {"name", "position"})
        ]
    return problems


def require_minutes(ctx: GuardContext) -> list[str]:
    """`minutes`: the biên bản kiểm tra — {number, visit_date (a working day, not in the
    future), team_participants and unit_participants: [{name, position}], noted?: [text]}."""
    minutes = ctx.payload.get("minutes")
    if not isinstance(minutes, Mapping):
        return ["minutes must be an object with number, visit_date and the participants"]
    fields = {"number", "visit_date", "team_participants", "unit_participants", "noted"}
    problems = [f"minutes.{k} is not a minutes field" for k in sorted(set(minutes) - fields)]
    if not is_text(minutes.get("number")):
        problems.append("minutes.number (số biên bản) must be a non-empty string")
    problems += _past_date(minutes.get("visit_date"), "minutes.visit_date", ctx, working=True)
    for side in ("team_participants", "unit_participants"):
        problems += _participants(minutes.get(side), f"minutes.{side}")
    if "noted" in minutes:
        problems += _text_list(minutes["noted"], "minutes.noted")
    return problems


# --- findings and the conclusion --------------------------------------------------------------


def findings_of(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The well-formed finding items of a payload; guards tolerate junk, requirements report it."""
    items = payload.get("findings")
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def latest_findings(ctx: GuardContext) -> tuple[str | None, list[Mapping[str, Any]]]:
    """The trigger that recorded the latest findings and those findings (this trigger's own
    `findings` first; else the most recent `record_findings` or `reinspect_fail`)."""
    if "findings" in ctx.payload:
        return None, findings_of(ctx.payload)
    for trigger, payload in reversed(ctx.history):
        if trigger in FINDINGS_TRIGGERS:
            return trigger, findings_of(payload)
    return None, []


def shortcomings(findings: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indexes of the findings that are shortcomings (severity other than `none`)."""
    return [i for i, item in enumerate(findings) if item.get("severity", "none") != "none"]


def require_draft_findings(ctx: GuardContext) -> list[str]:
    """`findings`: a non-empty list of {area: one of the campaign's content areas, severity,
    text, reinspection?: bool, remedy?: text, model?: bool}."""
    items = ctx.payload.get("findings")
    if not isinstance(items, list) or not items:
        return ["findings must be a non-empty list"]
    areas = ctx.facts.content_areas
    problems = []
    for i, item in enumerate(items):
        path = f"findings[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{path} must be an object with area, severity and text")
            continue
        extra = sorted(set(item) - _DRAFT_FINDING_KEYS)
        problems += [f"{path}.{key} is not a finding field" for key in extra]
        area = item.get("area")
        if area not in areas:
            problems.append(
                f"{path}.area {area!r} is not a content area of this campaign{_hint(area, areas)}"
            )
        if item.get("severity") not in SEVERITIES:
            problems.append(f"{path}.severity must be one of {', '.join(SEVERITIES)}")
        if not is_text(item.get("text")):
            problems.append(f"{path}.text must be a non-empty string")
        if "reinspection" in item and not isinstance(item["reinspection"], bool):
            problems.append(f"{path}.reinspection must be true or false")
        if "remedy" in item and not is_text(item["remedy"]):
            problems.append(f"{path}.remedy must be a non-empty string")
        if "model" in item and not isinstance(item["model"], bool):
            problems.append(f"{path}.model must be true or false")
    return problems


def require_conclusion(ctx: GuardContext) -> list[str]:
    """`conclusion`: {date, remedies: [{finding: index, remedy, due_working_days?}]}: each
    shortcoming of the latest draft findings gets exactly one remedy."""
    conclusion = ctx.payload.get("conclusion")
    if not isinstance(conclusion, Mapping):
        return ["conclusion must be an object with date and remedies"]
    fields = {"date", "remedies", "summary"}
    problems = [
        f"conclusion.{k} is not a conclusion field" for k in sorted(set(conclusion) - fields)
    ]
    problems += _past_date(conclusion.get("date"), "conclusion.date", ctx, working=False)
    _, findings = latest_findings(ctx)
    if not findings:
        problems.append("there are no draft findings to conclude: record_findings first")
    remedies = conclusion.get("remedies", [])
    if not isinstance(remedies, list):
        return [*problems, "conclusion.remedies must be a list"]
    covered: dict[int, int] = {}
    for j, remedy in enumerate(remedies):
        path = f"conclusion.remedies[{j}]"
        if not isinstance(remedy, Mapping):
            problems.append(f"{path} must be an object with finding and remedy")
            continue
        problems += [
            f"{path}.{k} is not a remedy field" for k in sorted(set(remedy) - _REMEDY_KEYS)
        ]
        index = remedy.get("finding")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(findings):
            problems.append(
                f"{path}.finding must be the index of a draft finding (0-{len(findings) - 1})"
            )
        elif index in covered:
            problems.append(
                f"{path}.finding {index} already has a remedy (remedies[{covered[index]}])"
            )
        else:
            covered[index] = j
        if not is_text(remedy.get("remedy")):
            problems.append(f"{path}.remedy must be a non-empty string")
        days = remedy.get("due_working_days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            problems.append(f"{path}.due_working_days must be a whole number of at least 1")
    for index in shortcomings(findings):
        if index not in covered and "remedy" not in findings[index]:
            problems.append(f"shortcoming findings[{index}] has no remedy in conclusion.remedies")
    return problems


def assess_conclusion(ctx: GuardContext) -> dict[str, Any]:
    """Each shortcoming's remedy with its due date, and `remediation_due`, the latest of them:
    `due_working_days` after the conclusion's date, else the campaign's
    `remediation_working_days`."""
    facts = ctx.facts
    conclusion = ctx.payload["conclusion"]
    day = iso_date(conclusion["date"])
    assert day is not None  # checked by require_conclusion
    default = facts.lead_times["remediation_working_days"]
    _, findings = latest_findings(ctx)
    given = {r["finding"]: r for r in conclusion.get("remedies", [])}
    remedies = []
    for index in shortcomings(findings):
        remedy = given.get(index) or {"remedy": findings[index]["remedy"]}
        days = remedy.get("due_working_days", default)
        due = facts.calendar.add_working_days(day, days)
        remedies.append(
            {
                "finding": index,
                "area": findings[index].get("area"),
                "remedy": remedy["remedy"],
                "due": due.isoformat(),
            }
        )
    assessed: dict[str, Any] = {"remedies": remedies}
    if remedies:
        assessed["remediation_due"] = max(r["due"] for r in remedies)
    return assessed
