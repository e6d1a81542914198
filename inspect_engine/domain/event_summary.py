"""One line saying what an event recorded, for `case show`: the history should read like the
file of a real inspection (who was met, what was found, what is due), not like JSON. The full
data stays in `case show --json`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from inspect_engine.domain.events import Event

WIDTH = 110  # data shown as it is (a trigger this module does not know) is cut here


def _day(value: Any) -> str:
    try:
        return f"{date.fromisoformat(str(value)):%d/%m/%Y}"
    except ValueError:
        return str(value)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _open(p: Mapping[str, Any]) -> str:
    return f"case opened for unit {p.get('unit_code', '?')}"


def _reschedule(p: Mapping[str, Any]) -> str:
    team = f", {p['team']}" if p.get("team") else ""
    return f"visit on {_day(p.get('visit_date'))}{team}: {p.get('reason', '')}"


def _submission(p: Mapping[str, Any]) -> str:
    sent = p.get("submission", {})
    assessed = p.get("assessed", {})
    codes = ", ".join(sent.get("appendices", [])) or "nothing"
    late = assessed.get("late_working_days", 0)
    when = "on time" if not late else f"{_plural(late, 'working day')} late"
    missing = assessed.get("missing_appendices") or []
    still = f"; still missing {', '.join(missing)}" if missing else "; complete"
    return f"received {codes} on {_day(sent.get('received_on'))}, {when}{still}"


def _minutes(p: Mapping[str, Any]) -> str:
    m = p.get("minutes", {})
    people = len(m.get("team_participants", [])) + len(m.get("unit_participants", []))
    text = f"biên bản {m.get('number', '?')}, visit of {_day(m.get('visit_date'))}, "
    text += _plural(people, "participant")
    return text + (f"; {_findings(p)}" if "findings" in p else "")


def _findings(p: Mapping[str, Any]) -> str:
    found = p.get("findings", [])
    severities = Counter(f.get("severity", "none") for f in found)
    short = [f"{n} {s}" for s, n in sorted(severities.items()) if s != "none"]
    what = ", ".join(short) if short else "no shortcoming"
    return f"{_plural(len(found), 'finding')} ({what})"


def _conclusion(p: Mapping[str, Any]) -> str:
    c, assessed = p.get("conclusion", {}), p.get("assessed", {})
    remedies = len(assessed.get("remedies", c.get("remedies", [])))
    due = assessed.get("remediation_due")
    then = f", remediation due {_day(due)}" if due else ""
    return f"conclusion of {_day(c.get('date'))}, {_plural(remedies, 'remedy')}{then}"


def _remediation(p: Mapping[str, Any]) -> str:
    docs = p.get("documents", [])
    return f"{p.get('summary', '')}" + (f" ({_plural(len(docs), 'document')})" if docs else "")


def _document(p: Mapping[str, Any]) -> str:
    d = p.get("document", {})
    return f"{d.get('kind', '?')} {d.get('number') or '(number awaited)'}"


def _deadline(p: Mapping[str, Any]) -> str:
    d = p.get("deadline", {})
    return f"{d.get('kind', '?')} of {_day(d.get('due'))} passed"


def _axis_status(p: Mapping[str, Any]) -> str:
    """What the recipient's e-office system did with a document: a refusal with its reason."""
    s = p.get("axis_status", {})
    number = s.get("document", {}).get("number", "?")
    said = f"{number}: {s.get('code', '?')} {str(s.get('name', '')).lower()}".rstrip()
    if s.get("status") == "refused":
        said += f": {s.get('description') or 'no reason given'}"
    sender = s.get("from", {}).get("name") or s.get("from", {}).get("organ_id", "")
    try:
        moment = datetime.fromisoformat(str(s.get("timestamp")))
        when = f"{moment:%d/%m/%Y %H:%M}"
    except ValueError:
        when = str(s.get("timestamp", ""))
    return f"{said} ({', '.join(x for x in (sender, when) if x)})"


def _reason(p: Mapping[str, Any]) -> str:
    return str(p.get("reason", ""))


def _accepted(p: Mapping[str, Any]) -> str:
    a = p.get("accepted", {})
    note = f": {a['note']}" if a.get("note") else ""
    return f"delivery {a.get('submission')} accepted{note}"


def _returned(p: Mapping[str, Any]) -> str:
    r, assessed = p.get("returned", {}), p.get("assessed", {})
    codes = ", ".join(r.get("appendices", [])) or "its documents"
    again = assessed.get("resubmit_by")
    due = f"; due again {_day(again)}" if again else ""
    return f"delivery {r.get('submission')} returned ({codes}): {r.get('reason', '')}{due}"


_BY_TRIGGER: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "open": _open,
    "reschedule": _reschedule,
    "receive_submission": _submission,
    "record_visit": _minutes,
    "record_unannounced_visit": _minutes,
    "reinspect_pass": _minutes,
    "reinspect_fail": _minutes,
    "record_findings": _findings,
    "approve_conclusion": _conclusion,
    "report_remediation": _remediation,
    "issue_document": _document,
    "deadline": _deadline,
    "axis_status": _axis_status,
    "mark_submission_late": _deadline,
    "cancel": _reason,
    "accept_submission": _accepted,
    "return_submission": _returned,
}


def _effects(event: Event) -> str:
    """What a passing deadline did besides: escalations and refused triggers."""
    said = []
    for effect in event.effects:
        args = effect.get("args", {})
        if effect.get("effect") == "escalate":
            said.append(f"escalated to {args.get('lead') or args.get('team') or 'the team lead'}")
        elif effect.get("effect") == "trigger" and "refused" in args:
            said.append(f"{args.get('trigger')} not possible: {args['refused']}")
    return "; ".join(said)


def summarize(event: Event) -> str:
    """What the event recorded, in one line."""
    payload = event.payload
    describe = _BY_TRIGGER.get(event.trigger)
    if describe is not None:
        try:
            text = describe(payload)
        except (AttributeError, TypeError):  # data of an unexpected shape: show it as it is
            text = _raw(payload)
    else:
        text = _raw(payload)
    extra = _effects(event) if event.trigger == "deadline" else _queued(event)
    return "; ".join(part for part in (text, extra) if part)


def _queued(event: Event) -> str:
    """What a transition asked for: documents, and deadlines with their due dates."""
    notices, starts = [], []
    for effect in event.effects:
        args = effect.get("args", {})
        name = effect.get("effect")
        if name == "issue_notice":
            notices.append(str(args.get("notice")))
        elif name == "start_deadline" and "due" in args:
            starts.append(f"{args.get('deadline')} {_day(args['due'])}")
    said = [f"asks for {', '.join(notices)}"] if notices else []
    said += [f"due: {', '.join(starts)}"] if starts else []
    return "; ".join(said)


def _raw(payload: Mapping[str, Any]) -> str:
    if not payload:
        return ""
    text = json.dumps(dict(payload), ensure_ascii=False)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
