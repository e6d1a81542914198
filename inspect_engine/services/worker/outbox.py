"""The sweep the worker runs, campaign by campaign: fire the deadlines that passed, issue what
the event logs ask for, then the reminders due today.

Firing comes first because a firing may ask for a document (the overdue notice) that the
outbox then issues in the same sweep; the outbox issues in log (chain) order, exactly as
`inspect-engine notices issue` does; reminders as `notices remind` does, each once per
deadline. A stop asked during a sweep is honoured between deadlines and between documents'
campaigns: what was done stays done, the rest waits for the next worker.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from inspect_engine.services.anchors import AnchorSchedule

from inspect_engine.errors import InspectError
from inspect_engine.services.clock import Clock, local_today
from inspect_engine.services.worker.loop import Sweep, SweepReport

if TYPE_CHECKING:
    from inspect_engine.services.notices.issuing import Issued
    from inspect_engine.storage.uow import UnitOfWork


# As `notices remind --days`: a reminder goes out from this many working days before the due.
REMIND_WORKING_DAYS_BEFORE = 2


class WorkerRuntime(Protocol):
    """What a sweep needs of `bootstrap.Runtime` (services may not import the layer above)."""

    @property
    def clock(self) -> Clock: ...

    def unit_of_work(self, *, schema: str = ...) -> AbstractContextManager[UnitOfWork]: ...


def default_sweep(
    runtime: WorkerRuntime,
    stop: threading.Event | None = None,
    *,
    keys: Collection[str] | None = None,
    anchoring: AnchorSchedule | None = None,
) -> Sweep:
    """A sweep firing every campaign's passed deadlines and issuing its due documents, one log
    line per action; a campaign whose documents are refused gets a line saying why, and the
    others go on. `stop` (the worker's) ends it between deadlines. `keys`: only these campaigns
    (a simulation moves one campaign's clock, not the others'). `anchoring`: write each
    campaign's signed anchor when one is due (services/anchors.py)."""
    stopping = stop.is_set if stop is not None else (lambda: False)

    def sweep() -> SweepReport:
        from inspect_engine.services import campaigns, deadline_firing
        from inspect_engine.services.notices import issuing

        lines: list[str] = []
        actions = 0
        # A unit of work per sweep: a database restarted or upgraded meanwhile is met afresh.
        with runtime.unit_of_work() as uow:
            for campaign in campaigns.list_campaigns(uow):
                if keys is not None and campaign.key not in keys:
                    continue
                if stopping():
                    break
                fired = deadline_firing.fire_due(
                    uow, campaign.key, clock=runtime.clock, should_stop=stopping
                )
                lines += [f"{campaign.key}: {deadline_firing.describe(f)}" for f in fired]
                actions += len(fired)
                for work in (_outbox, _reminders):
                    refused: str | None = None
                    try:
                        issued = work(uow, campaign.key, runtime.clock)
                    except issuing.NotIssued as exc:  # the others were issued
                        issued, refused = exc.issued, str(exc)
                    except InspectError as exc:  # a template that cannot render, say
                        issued, refused = [], str(exc)
                    lines += [f"{campaign.key}: {describe(item)}" for item in issued]
                    actions += len(issued)
                    if refused is not None:
                        lines.append(f"{campaign.key}: {refused}")
                if anchoring is not None:
                    from inspect_engine.services.anchors import anchor_if_due

                    written = anchor_if_due(uow, campaign.key, anchoring, clock=runtime.clock)
                    if written is not None:
                        lines.append(f"{campaign.key}: anchored in {written}")
        return SweepReport(actions, tuple(lines))

    return sweep


def _outbox(uow: UnitOfWork, key: str, clock: Clock) -> list[Issued]:
    """The documents the log asks for (`notices issue`)."""
    from inspect_engine.services.notices import issuing

    return issuing.issue_due(uow, key, clock=clock)


def _reminders(uow: UnitOfWork, key: str, clock: Clock) -> list[Issued]:
    """The reminders due today (`notices remind`)."""
    from inspect_engine.services.notices import issuing, reminders

    today = local_today(clock)
    due = reminders.due_reminders(uow, key, as_of=today, days_before=REMIND_WORKING_DAYS_BEFORE)
    return issuing.issue_items(uow, key, due, clock=clock)


def describe(item: Issued) -> str:
    """ "issued thong-bao-kiem-tra 128/TB-SNV for case 130"."""
    number = item.number or "(its number awaits the records office)"
    case = f" for case {item.case_id}" if item.case_id is not None else ""
    return f"issued {item.kind} {number}{case}"
