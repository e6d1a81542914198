"""The text `audit replay` prints: the case as of a moment, section by section (only the
sections with something to say, besides the deadlines and documents)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from inspect_engine.cli.common import print_table, say
from inspect_engine.settings import DISPLAY_TZ

if TYPE_CHECKING:
    from inspect_engine.domain.case_as_of import CaseAsOf


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "-"


def say_case_as_of(case: CaseAsOf) -> None:
    at = case.at.astimezone(DISPLAY_TZ)
    say(
        f"case {case.case_id} ({case.unit_code}) in {case.campaign_key} as of {at:%d/%m/%Y %H:%M} (+07:00)"
    )
    label = f" ({case.state_label})" if case.state_label else ""
    say(f"state: {case.state}{label}, workflow {case.workflow} v{case.workflow_version}")
    if case.last_at is not None:
        last = case.last_at.astimezone(DISPLAY_TZ)
        say(
            f"after {case.version} events; the last, {case.last_seq}, on {last:%d/%m/%Y %H:%M}, "
            f"hash {case.last_hash[:16]}"
        )
    visit = f"visit: {_day(case.planned_visit)}" + (f", {case.team}" if case.team else "")
    if case.reinspection_visit:
        visit += f"; re-inspection: {_day(case.reinspection_visit)}"
    say(visit)
    if case.cancelled_reason is not None:
        say(f"cancelled: {case.cancelled_reason}")
    rows = [
        (
            d.kind,
            _day(d.due),
            d.status + (" (overdue)" if d.overdue_on(case.day) else ""),
            d.started_by,
            d.ended_by or "",
        )
        for d in case.deadlines
    ]
    print_table("deadlines", ["kind", "due", "status", "started by", "ended by"], rows)
    docs = [
        (
            d.seq,
            d.id or "",
            d.kind,
            d.number or "(awaiting its number)",
            _day(d.issued_on),
            _day(d.recorded_on),
        )
        for d in case.documents
    ]
    columns = ["seq", "id", "kind", "number", "dated", "recorded"]
    print_table("documents issued", columns, docs)
    if case.awaited_documents:
        awaited = [(a.seq, a.kind, a.source) for a in case.awaited_documents]
        print_table("documents asked for, not issued yet", ["seq", "kind", "source"], awaited)
    if case.submissions:
        sent = [
            (
                s.seq,
                _day(s.received_on),
                ", ".join(s.appendices) or "-",
                {True: "yes", False: "no", None: "-"}[s.on_time],
                s.late_working_days if s.late_working_days is not None else "-",
                ", ".join(s.missing_appendices) or "-",
            )
            for s in case.submissions
        ]
        title = "submissions" + (" (marked late)" if case.submission_marked_late else "")
        print_table(
            title, ["seq", "received", "appendices", "on time", "late days", "missing"], sent
        )
    if case.visits:
        visits = [(v.seq, v.what, _day(v.visit_date), v.minutes_number) for v in case.visits]
        print_table("visits", ["seq", "what", "date", "minutes"], visits)
    if case.draft_findings:
        found = [(f.area, f.severity, f.text) for f in case.draft_findings]
        print_table(
            f"findings (drafted by event {case.draft_seq})", ["area", "severity", "text"], found
        )
    if case.conclusions:
        concluded = [
            (c.seq, _day(c.concluded_on), len(c.remedies), _day(c.remediation_due))
            for c in case.conclusions
        ]
        print_table("conclusions", ["seq", "date", "remedies", "remediation due"], concluded)
    if case.remediation_reports:
        reports = [(r.seq, _day(r.reported_on), r.summary) for r in case.remediation_reports]
        print_table("remediation reports", ["seq", "reported", "summary"], reports)
