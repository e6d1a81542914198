"""What a unit sent and what the team lead made of it (workflow v4): each delivery
(`receive_submission`) is reviewed once, accepted (`accept_submission`) or returned with a
reason (`return_submission`), and an appendix returned counts as not received until the unit
sends it again. Folded from a case's events in their order; pure, so the workflow's rules, the
portal and the tests read the same answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SUBMISSION_TRIGGER = "receive_submission"
ACCEPT_TRIGGER = "accept_submission"
RETURN_TRIGGER = "return_submission"
# A returned appendix is due again this many working days after the return, or on the case's
# own submission due date when that is later: a return never makes the unit's date earlier.
RETURN_WORKING_DAYS = 3

REVIEW_TRIGGERS = (ACCEPT_TRIGGER, RETURN_TRIGGER)

PENDING, ACCEPTED, RETURNED = "pending", "accepted", "returned"


@dataclass
class Delivery:
    """One `receive_submission` event and its review."""

    seq: int  # the event's position in the case
    received_on: str
    appendices: tuple[str, ...]
    documents: tuple[str, ...]
    note: str
    figures_as_of: str | None
    files: tuple[Mapping[str, Any], ...]
    on_time: bool | None
    number: int = 0  # 1 for the case's first delivery, 2 for the next...
    review: str = PENDING  # pending | accepted | returned
    returned: tuple[str, ...] = ()  # the appendices a return named
    reason: str = ""  # why it was returned (or the lead's note on accepting)
    reviewed_seq: int | None = None
    reviewed_by: str = ""
    resubmit_by: str | None = None


@dataclass
class AppendixStatus:
    """Where one required appendix stands: its latest delivery and that delivery's review."""

    code: str
    state: str  # missing | received | accepted | returned
    delivery: Delivery | None = None
    reason: str = ""


@dataclass
class Submissions:
    deliveries: list[Delivery] = field(default_factory=list)

    def delivery(self, seq: int) -> Delivery | None:
        return next((d for d in self.deliveries if d.seq == seq), None)

    def latest_of(self, code: str) -> Delivery | None:
        """The newest delivery carrying the appendix `code`."""
        return next((d for d in reversed(self.deliveries) if code in d.appendices), None)

    def received(self) -> list[str]:
        """Every appendix received and not returned since, in arrival order."""
        seen: dict[str, None] = {}
        for d in self.deliveries:
            for code in d.appendices:
                seen.setdefault(code, None)
        return [code for code in seen if self.status(code).state != RETURNED]

    def status(self, code: str) -> AppendixStatus:
        latest = self.latest_of(code)
        if latest is None:
            return AppendixStatus(code, "missing")
        if latest.review == RETURNED and code in latest.returned:
            return AppendixStatus(code, RETURNED, latest, latest.reason)
        if latest.review == PENDING:
            return AppendixStatus(code, "received", latest)
        return AppendixStatus(code, ACCEPTED, latest)

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.review == PENDING]


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def fold(events: Iterable[tuple[int, str, Mapping[str, Any], str]]) -> Submissions:
    """The deliveries and reviews of (seq, trigger, payload, actor), oldest first."""
    out = Submissions()
    for seq, trigger, payload, actor in events:
        if trigger == SUBMISSION_TRIGGER:
            sent = _mapping(payload.get("submission"))
            assessed = _mapping(payload.get("assessed"))
            files = sent.get("files")
            out.deliveries.append(
                Delivery(
                    seq=seq,
                    received_on=str(sent.get("received_on", "")),
                    appendices=_texts(sent.get("appendices")),
                    documents=_texts(sent.get("documents")),
                    note=str(sent.get("note", "")),
                    figures_as_of=sent.get("figures_as_of")
                    if isinstance(sent.get("figures_as_of"), str)
                    else None,
                    files=tuple(f for f in files if isinstance(f, Mapping))
                    if isinstance(files, list)
                    else (),
                    on_time=assessed.get("on_time")
                    if isinstance(assessed.get("on_time"), bool)
                    else None,
                    number=len(out.deliveries) + 1,
                )
            )
        elif trigger in (ACCEPT_TRIGGER, RETURN_TRIGGER):
            key = "accepted" if trigger == ACCEPT_TRIGGER else "returned"
            review = _mapping(payload.get(key))
            target = out.delivery(review.get("submission", -1))
            if target is None:
                continue
            target.review = ACCEPTED if trigger == ACCEPT_TRIGGER else RETURNED
            target.reviewed_seq = seq
            target.reviewed_by = actor
            target.reason = str(review.get("reason") or review.get("note") or "")
            if trigger == RETURN_TRIGGER:
                target.returned = _texts(review.get("appendices"))
                due = _mapping(payload.get("assessed")).get("resubmit_by")
                target.resubmit_by = due if isinstance(due, str) else None
    return out


def of_history(history: Iterable[tuple[str, Mapping[str, Any]]]) -> Submissions:
    """From a rule's history: (trigger, payload) in order, the first being event 1 (`open`)."""
    return fold((seq, t, p, "") for seq, (t, p) in enumerate(history, start=1))


def latest_resubmit_by(subs: Submissions) -> str | None:
    """The due date the newest return set, if any (ISO)."""
    returns = [d for d in subs.deliveries if d.review == RETURNED and d.resubmit_by]
    if not returns:
        return None
    newest = max(returns, key=lambda d: d.reviewed_seq or 0)
    return newest.resubmit_by
