"""`audit replay CASE --at TIME`: a case as it stood at a moment, from its sealed events alone
(domain/case_as_of.py), with the workflow version then in force."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from inspect_engine.domain.case_as_of import (
    AwaitedDocument,
    CaseAsOf,
    Conclusion,
    DeadlineAsOf,
    DocumentAsOf,
    RemediationReport,
    Submission,
    Visit,
    case_as_of,
)
from inspect_engine.domain.events import as_utc
from inspect_engine.errors import NotFound
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.services.clock import shown
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


def replay_case(uow: UnitOfWork, case_id: int, at: datetime) -> CaseAsOf:
    """The case `case_id` as of `at` (an aware moment): one read of its events, one fold."""
    with uow:
        conn = uow.connection
        store = EventStore(conn)
        head = store.case(case_id)
        if head is None:
            raise NotFound(f"no case {case_id}", field="CASE")
        events = store.events(case_id)
        if not events or as_utc(events[0].at) > as_utc(at):
            raise NotFound(f"case {case_id} did not exist yet at {shown(at)}", field="--at")
        form = campaign_spec(conn, head.campaign_key)[0].notices.announcement_form
        dates = conn.execute(
            text("SELECT id, issued_on FROM document WHERE case_id = :id"), {"id": case_id}
        )
        result = case_as_of(
            events,
            at.astimezone(DISPLAY_TZ),
            zone=DISPLAY_TZ,
            announcement_form=form,
            document_dates={int(i): db_date(day) for i, day in dates},
        )
        defn = workflows.stored(conn, result.workflow, result.workflow_version)
    result.unit_code = result.unit_code or head.unit_code
    if defn.has_state(result.state):
        result.state_label = defn.state(result.state).label
    return result


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _moment(moment: datetime | None) -> str | None:
    return as_utc(moment).astimezone(DISPLAY_TZ).isoformat() if moment else None


def case_as_of_json(case: CaseAsOf) -> dict[str, Any]:
    """`audit replay --json` (docs/json.md)."""
    return {
        "case": case.case_id,
        "campaign": case.campaign_key,
        "unit_code": case.unit_code,
        "at": _moment(case.at),
        "state": case.state,
        "state_label": case.state_label,
        "workflow": case.workflow,
        "workflow_version": case.workflow_version,
        "version": case.version,
        "last_event": {"seq": case.last_seq, "at": _moment(case.last_at), "hash": case.last_hash},
        "plan": {
            "visit_date": _iso(case.planned_visit),
            "team": case.team,
            "reinspection_date": _iso(case.reinspection_visit),
        },
        "deadlines": [_deadline(d, case.day) for d in case.deadlines],
        "documents": [_document(d) for d in case.documents],
        "awaited_documents": [_awaited(a) for a in case.awaited_documents],
        "submissions": [_submission(s) for s in case.submissions],
        "submission_marked_late": case.submission_marked_late,
        "visits": [_visit(v) for v in case.visits],
        "draft_findings": {
            "seq": case.draft_seq,
            "findings": [
                {
                    "area": f.area,
                    "severity": f.severity,
                    "text": f.text,
                    "model": f.model,
                    "remedy": f.remedy,
                }
                for f in case.draft_findings
            ],
        },
        "conclusions": [_conclusion(c) for c in case.conclusions],
        "remediation_reports": [_report(r) for r in case.remediation_reports],
        "cancelled_reason": case.cancelled_reason,
    }


def _deadline(d: DeadlineAsOf, day: date) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "due": d.due.isoformat(),
        "status": d.status,
        "overdue": d.overdue_on(day),
        "started_by": d.started_by,
        "ended_by": d.ended_by,
    }


def _document(d: DocumentAsOf) -> dict[str, Any]:
    return {
        "seq": d.seq,
        "id": d.id,
        "kind": d.kind,
        "number": d.number,
        "issued_on": _iso(d.issued_on),
        "recorded_on": d.recorded_on.isoformat(),
        "content_hash": d.content_hash,
        "source": d.source,
    }


def _awaited(a: AwaitedDocument) -> dict[str, Any]:
    return {"seq": a.seq, "kind": a.kind, "source": a.source}


def _submission(s: Submission) -> dict[str, Any]:
    return {
        "seq": s.seq,
        "received_on": _iso(s.received_on),
        "appendices": list(s.appendices),
        "documents": list(s.documents),
        "note": s.note,
        "on_time": s.on_time,
        "late_working_days": s.late_working_days,
        "missing_appendices": list(s.missing_appendices),
    }


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "seq": v.seq,
        "what": v.what,
        "visit_date": _iso(v.visit_date),
        "minutes": v.minutes_number,
        "noted": list(v.noted),
    }


def _conclusion(c: Conclusion) -> dict[str, Any]:
    return {
        "seq": c.seq,
        "date": _iso(c.concluded_on),
        "remedies": [dict(r) for r in c.remedies],
        "remediation_due": _iso(c.remediation_due),
    }


def _report(r: RemediationReport) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "reported_on": r.reported_on.isoformat(),
        "summary": r.summary,
        "documents": list(r.documents),
    }
