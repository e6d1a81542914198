"""What one event says, in Vietnamese, for a case's timeline page: what was recorded (`details`)
and why (`reasons`: the reasons, notes and summaries its data gives). The CLI's English line is
`domain/event_summary.py`; the full data stays in `case show --json`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from inspect_engine.domain.events import Event
from inspect_engine.domain.vn_labels import DEADLINE_NAMES, SEVERITY_NAMES

RESERVED_STEPS = {
    "open": "Mở hồ sơ kiểm tra",
    "issue_document": "Ban hành văn bản",
    "deadline": "Quá hạn",
    "migrate": "Chuyển phiên bản quy trình",
    "mark_submission_late": "Ghi nhận quá hạn nộp báo cáo, phụ lục",
}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def day(value: Any) -> str:
    """`05/08/2026` from an ISO date; anything else as it is."""
    try:
        return f"{date.fromisoformat(str(value)):%d/%m/%Y}"
    except ValueError:
        return str(value)


def _people(items: Any) -> str:
    names = [
        f"{p.get('name', '')} ({p.get('position', '')})" if p.get("position") else p.get("name", "")
        for p in (_mapping(i) for i in _list(items))
    ]
    return ", ".join(str(n) for n in names if n)


def _submission(p: Mapping[str, Any]) -> list[str]:
    sent, assessed = _mapping(p.get("submission")), _mapping(p.get("assessed"))
    codes = ", ".join(str(c) for c in _list(sent.get("appendices"))) or "không có phụ lục"
    out = [f"Nhận {codes} ngày {day(sent.get('received_on'))}"]
    late = assessed.get("late_working_days")
    if assessed.get("on_time") is True:
        out.append(f"đúng hạn (hạn {day(assessed.get('due'))})")
    elif isinstance(late, int):
        out.append(f"chậm {late} ngày làm việc (hạn {day(assessed.get('due'))})")
    missing = _list(assessed.get("missing_appendices"))
    out.append(f"còn thiếu {', '.join(map(str, missing))}" if missing else "đã đủ")
    docs = _list(sent.get("documents"))
    if docs:
        out.append("kèm: " + "; ".join(map(str, docs)))
    return ["; ".join(out)]


def _minutes(p: Mapping[str, Any]) -> list[str]:
    m = _mapping(p.get("minutes"))
    out = [f"Biên bản {m.get('number', '?')}, làm việc ngày {day(m.get('visit_date'))}"]
    if team := _people(m.get("team_participants")):
        out.append(f"Đoàn: {team}")
    if unit := _people(m.get("unit_participants")):
        out.append(f"Đơn vị: {unit}")
    return out + _findings(p)


def _findings(p: Mapping[str, Any]) -> list[str]:
    out = []
    for f in (_mapping(i) for i in _list(p.get("findings"))):
        severity = SEVERITY_NAMES.get(str(f.get("severity", "none")), str(f.get("severity")))
        out.append(f"{f.get('area', '')}: {f.get('text', '')} ({severity.lower()})")
    return out


def _conclusion(p: Mapping[str, Any]) -> list[str]:
    c, assessed = _mapping(p.get("conclusion")), _mapping(p.get("assessed"))
    out = [f"Kết luận ngày {day(c.get('date'))}"]
    for r in (_mapping(i) for i in _list(assessed.get("remedies") or c.get("remedies"))):
        due = f" (hạn {day(r['due'])})" if r.get("due") else ""
        out.append(f"Khắc phục: {r.get('remedy', '')}{due}")
    if assessed.get("remediation_due"):
        out.append(f"Hạn báo cáo khắc phục: {day(assessed['remediation_due'])}")
    return out


def _remediation(p: Mapping[str, Any]) -> list[str]:
    docs = _list(p.get("documents"))
    return ["Kèm: " + "; ".join(map(str, docs))] if docs else []


def _reschedule(p: Mapping[str, Any]) -> list[str]:
    out = [f"Ngày làm việc: {day(p.get('visit_date'))}"]
    if p.get("team"):
        out.append(f"{p['team']}")
    if p.get("previous_date"):
        out.append(f"thay ngày {day(p['previous_date'])}")
    return [", ".join(out)]


def _document(p: Mapping[str, Any]) -> list[str]:
    d = _mapping(p.get("document"))
    return [f"Số {d.get('number') or '(chờ cấp số)'}"]


def _deadline(p: Mapping[str, Any]) -> list[str]:
    d = _mapping(p.get("deadline"))
    kind = str(d.get("kind", ""))
    return [f"{DEADLINE_NAMES.get(kind, kind)}: hạn {day(d.get('due'))} đã qua"]


def _migrate(p: Mapping[str, Any]) -> list[str]:
    return [f"Từ phiên bản {p.get('from_version')} sang phiên bản {p.get('to_version')}"]


_DETAILS: Mapping[str, Callable[[Mapping[str, Any]], list[str]]] = {
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
    "mark_submission_late": _deadline,
    "migrate": _migrate,
}


def details(event: Event) -> list[str]:
    """What the event recorded, one item a line; [] when its data says nothing more."""
    describe = _DETAILS.get(event.trigger)
    if describe is None:
        return []
    try:
        return describe(event.payload)
    except (AttributeError, TypeError, KeyError):  # data of an unexpected shape
        return []


def reasons(event: Event) -> list[str]:
    """Why: the reason given (a move, a cancellation), the notes of a delivery or a visit, the
    summary of a remediation report, and what a passing deadline did or could not do."""
    p = event.payload
    out: list[str] = []
    if isinstance(p.get("reason"), str) and p["reason"] not in ("plan", "replan"):
        out.append(p["reason"])
    elif p.get("reason") in ("plan", "replan") and event.trigger == "reschedule":
        out.append("Lập kế hoạch" if p["reason"] == "plan" else "Lập lại kế hoạch")
    note = _mapping(p.get("submission")).get("note")
    if isinstance(note, str) and note:
        out.append(note)
    out += [str(n) for n in _list(_mapping(p.get("minutes")).get("noted"))]
    if event.trigger == "report_remediation" and isinstance(p.get("summary"), str):
        out.append(p["summary"])
    for effect in event.effects:
        args = _mapping(effect.get("args"))
        if effect.get("effect") == "escalate":
            out.append(f"Báo cáo {args.get('lead') or args.get('team') or 'trưởng đoàn'}")
        elif effect.get("effect") == "trigger" and "refused" in args:
            out.append(f"Không thực hiện được {args.get('trigger')}: {args['refused']}")
    return out
