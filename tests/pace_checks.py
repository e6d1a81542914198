"""The even-pace yardstick of issue 11: over the days the planner spreads visits on (from the
first day a visit may take to the start of the re-inspection reserve), each month should hold
between half and twice its share of those visits, its share being in proportion to the slots
(available team-days × visits a day) the month offers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date


def month_shares(
    span: Iterable[date], slots_on: Callable[[date], int], visit_days: Iterable[date]
) -> dict[tuple[int, int], tuple[int, float]]:
    """(year, month) -> (visits in the span that month, the month's share of them)."""
    days = set(span)
    slots: Counter[tuple[int, int]] = Counter()
    for day in days:
        slots[(day.year, day.month)] += slots_on(day)
    got = Counter((d.year, d.month) for d in visit_days if d in days)
    total_slots, total_visits = sum(slots.values()), sum(got.values())
    return {m: (got[m], total_visits * s / total_slots) for m, s in sorted(slots.items()) if s}


def uneven_months(shares: dict[tuple[int, int], tuple[int, float]]) -> list[str]:
    """The months holding less than half or more than twice their share, as text."""
    return [
        f"{month:02d}/{year}: {got} visits, share {share:.1f}"
        for (year, month), (got, share) in shares.items()
        if not share / 2 <= got <= 2 * share
    ]
