"""Reminders the deadlines call for: the submission due soon, the remediation report due soon,
and the remediation report overdue. One of each kind per deadline, ever (its source key names
the event that started the deadline), so running the reminders every day sends each once.
A workflow that declares what a passing deadline does (v3) sends the overdue notice itself,
when the worker fires the deadline: the reminders leave that one to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection

from inspect_engine.domain.documents.kinds import KINDS, REMINDERS, reminder_source_key
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.services.notices.issuing import Pending
from inspect_engine.storage.deadline_store import DeadlineStore
from inspect_engine.storage.document_store import DocumentStore
from inspect_engine.storage.uow import UnitOfWork

# The state a case is in while its deadline runs: a reminder is pointless after it.
_WAITING = {"submission_due": "announced", "remediation_report_due": "remediation"}


def due_reminders(uow: UnitOfWork, key: str, *, as_of: date, days_before: int) -> list[Pending]:
    """The reminders due on `as_of`: `days_before` working days or fewer before a deadline
    still running, or after it for an overdue notice."""
    with uow:
        conn = uow.connection
        calendar = campaign_spec(conn, key)[1]
        # The deadline rows say what each waiting case's history would (the last start of each
        # kind and its due date), without reading its events at every sweep: those due soon,
        # and those passed (an overdue notice).
        store = DeadlineStore(conn)
        soon_to = calendar.add_working_days(as_of, days_before + 1)  # checked exactly below
        waited = store.waited_on(key, _WAITING, due_from=as_of, due_to=soon_to)
        waited += store.waited_on(key, _WAITING, due_to=as_of - timedelta(days=1))
        out = []
        for row, workflow, version in sorted(waited, key=lambda w: (w[0].case_id, w[0].id)):
            for kind, deadline, when in REMINDERS:
                if deadline != row.kind:
                    continue
                if when == "after" and _fired_by_worker(conn, workflow, version, deadline):
                    continue
                due = db_date(row.due) or row.due
                soon = calendar.add_working_days(due, -days_before) <= as_of <= due
                if (when == "before" and soon) or (when == "after" and as_of > due):
                    source = reminder_source_key(row.case_id, row.created_seq, kind)
                    out.append(
                        Pending(source, KINDS[kind], row.case_id, row.created_seq, dated=as_of)
                    )
        done = DocumentStore(conn).issued_among(p.source_key for p in out)
        return [p for p in out if p.source_key not in done]


def _fired_by_worker(conn: Connection, workflow: str, version: int, deadline: str) -> bool:
    return workflows.stored(conn, workflow, version).deadline(deadline) is not None
