"""Reminders the deadlines call for: the submission due soon, the remediation report due soon,
and the remediation report overdue. One of each kind per deadline, ever (its source key names
the event that started the deadline), so running the reminders every day sends each once.
A workflow that declares what a passing deadline does (v3) sends the overdue notice itself,
when the worker fires the deadline: the reminders leave that one to it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from inspect_engine.domain.documents.kinds import KINDS, REMINDERS, reminder_source_key
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.services.notices.issuing import Pending
from inspect_engine.services.notices.letters import started
from inspect_engine.storage.document_store import DocumentStore
from inspect_engine.storage.event_store import CaseHead, EventStore
from inspect_engine.storage.uow import UnitOfWork

# The state a case is in while its deadline runs: a reminder is pointless after it.
_WAITING = {"submission_due": "announced", "remediation_report_due": "remediation"}


def due_reminders(uow: UnitOfWork, key: str, *, as_of: date, days_before: int) -> list[Pending]:
    """The reminders due on `as_of`: `days_before` working days or fewer before a deadline
    still running, or after it for an overdue notice."""
    with uow:
        conn = uow.connection
        calendar = campaign_spec(conn, key)[1]
        store = EventStore(conn)
        done = DocumentStore(conn).issued_source_keys(key)
        out = []
        for head in store.cases(key):
            if head.state not in _WAITING.values():
                continue
            history = store.events(head.id)
            for kind, deadline, when in REMINDERS:
                if _WAITING[deadline] != head.state:
                    continue
                if when == "after" and _fired_by_worker(conn, head, deadline):
                    continue
                found = started(history, deadline)
                if found is None:
                    continue
                event, due = found
                soon = calendar.add_working_days(due, -days_before) <= as_of <= due
                if (when == "before" and soon) or (when == "after" and as_of > due):
                    source = reminder_source_key(head.id, event.seq, kind)
                    if source not in done:
                        out.append(Pending(source, KINDS[kind], head.id, event.seq, dated=as_of))
        return out


def _fired_by_worker(conn: Connection, head: CaseHead, deadline: str) -> bool:
    defn = workflows.stored(conn, head.workflow_name, head.workflow_version)
    return defn.deadline(deadline) is not None
