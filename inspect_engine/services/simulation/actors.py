"""The simulated people: what each does next on a case, and when.

For each open case the actors say the next step due today, if any: the unit's deliveries and
remediation report, the team's visit, draft findings, moves and re-inspections, the signer's
conclusion. A step is a request to the engine, made as a person would make it (a role, a name,
the data the workflow requires); the engine checks it as it checks anyone's.

Every choice is drawn from a `random.Random` seeded with the simulation's seed, the case and
the event the choice follows (the notice, the visit, the conclusion...), so each is drawn the
same whatever else happens, in whatever order the cases are looked at. Steps that the actors
put off fall at the latest on the window's last working day, so a campaign simulated to the end
of its window leaves no case waiting on a person.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.domain.campaign.model import CampaignSpec, Team
from inspect_engine.domain.campaign.simulation import SimulationSettings
from inspect_engine.services.cases import Request
from inspect_engine.services.simulation import texts
from inspect_engine.services.simulation.papers import Papers
from inspect_engine.services.simulation.world import SimCase, World
from inspect_engine.settings import DISPLAY_TZ

DAY_START = 8 * 60  # office hours, minutes after midnight in Vietnam
LAST_STEP = 17 * 60 + 25  # the evening sweep is at 17:30
FOLLOW_UP = timedelta(minutes=10)  # a step following another on the same case, the same day
VISIT_LENGTH = (150, 210)  # minutes from the visit's start to the minutes being signed
MOVE_GAP = (3, 10)  # working days a team lead moves a visit by
HAND_OVER = 3  # a visit that must move goes to another team free this many working days sooner
_T = TypeVar("_T")


@dataclass(frozen=True)
class Step:
    """A step due on a case: at `minute` of the day, the request `make()` builds when it runs
    (None: nothing to do after all)."""

    case_id: int
    minute: int
    make: Callable[[], Request | None]


Next = Step | date | None  # a step due today, the day to look again, or nothing until it changes


def at_minute(day: date, minute: int) -> datetime:
    local = datetime.combine(day, time(minute // 60, minute % 60), DISPLAY_TZ)
    return local.astimezone(UTC)


class Actors:
    def __init__(
        self,
        spec: CampaignSpec,
        settings: SimulationSettings,
        calendar: WorkingCalendar,
        world: World,
        seed: int,
    ) -> None:
        self.spec, self.settings, self.calendar, self.world, self.seed = (
            spec,
            settings,
            calendar,
            world,
            seed,
        )
        self.teams: dict[str, Team] = {t.name: t for t in spec.teams}
        self.last_day = calendar.previous_working_day(spec.window_end)
        hour, minute = spec.notices.visit_time.split(":")
        self.visit_start = int(hour) * 60 + int(minute)
        self.signer = spec.issuer.signer_name
        self._drawn: dict[tuple[int, str, int], Any] = {}
        self.papers = Papers(spec, settings, world, lambda who, purpose: self.rng(who, purpose))
        # A case with nothing to do before some day is not looked at again before it, unless
        # it changes (its version): (version, the day, or None for "until it changes").
        self._waits: dict[int, tuple[int, date | None]] = {}
        self.handlers: dict[str, Callable[[SimCase, date], Next]] = {
            "planned": self._planned,
            "announced": self._before_visit,
            "submission_late": self._before_visit,
            "submitted": self._before_visit,
            "visited": self._visited,
            "findings_drafted": self._drafted,
            "remediation": self._remediation,
            "reinspection": self._reinspection,
        }

    # --- drawing -------------------------------------------------------------------------------

    def rng(self, case: SimCase | str, purpose: str, anchor: int = 0) -> random.Random:
        """The draws of one choice: the same for the same seed, case and event, whatever else
        was drawn before (a string seed is hashed with SHA-512, the same in every process)."""
        who = case if isinstance(case, str) else case.id
        return random.Random(f"{self.seed}:{who}:{purpose}:{anchor}")

    def drawn(
        self, case: SimCase, purpose: str, anchor: int, draw: Callable[[random.Random], _T]
    ) -> _T:
        """What `draw` draws for one choice, drawn once: the actors look at every open case
        every day, and seeding a generator costs more than the look."""
        key = (case.id, purpose, anchor)
        if key not in self._drawn:
            self._drawn[key] = draw(self.rng(case, purpose, anchor))
        return self._drawn[key]  # type: ignore[no-any-return]

    def wd(self, day: date, n: int) -> date:
        return self.calendar.add_working_days(day, n)

    def latest(self, day: date, today: date) -> date:
        """A step put off falls at the latest on the window's last working day."""
        return min(day, max(self.last_day, today))

    def next_step(self, case: SimCase, today: date) -> Step | None:
        """The step due on the case today, if any."""
        wait = self._waits.get(case.id)
        if wait is not None and wait[0] == case.version and (wait[1] is None or today < wait[1]):
            return None
        handler = self.handlers.get(case.state)
        found = None if handler is None else handler(case, today)
        if isinstance(found, Step):
            return found
        self._waits[case.id] = (case.version, found)
        return None

    # --- the states ----------------------------------------------------------------------------

    def _planned(self, case: SimCase, today: date) -> Next:
        """A case left `planned` once the others were announced is inspected unannounced on its
        planned day (kiểm tra đột xuất)."""
        if case.visit_date is None:
            return None
        if case.visit_date < today:
            return self._move(case, today, DAY_START + 15, texts.MISSED, self.wd(today, 1))
        if case.visit_date > today:
            return case.visit_date
        minute = self._visit_end(case, "unannounced", case.entered_seq)

        def visit() -> Request:
            minutes = self.papers.minutes(case, today, texts.UNANNOUNCED_NOTES)
            return Request(
                "record_unannounced_visit", self.papers.recorder(case), "inspector", minutes
            )

        return Step(case.id, minute, visit)

    def _before_visit(self, case: SimCase, today: date) -> Next:
        """After the notice: the unit's deliveries, a move by the team lead, the visit."""
        visit = case.visit_date
        if visit is None:
            return None
        evidence = self.spec.lead_times.evidence_working_days
        if visit < today:  # its day passed before the simulation began
            return self._move(
                case, today, DAY_START + 15, texts.MISSED, self.wd(today, evidence + 1)
            )
        found: list[Next] = [self._delivery(case, today), self._planned_move(case, today)]
        ready = not case.missing or self.spec.rules.visit_with_missing_appendices
        eve = self.wd(visit, -1)  # the team lead moves a visit the unit is not ready for
        if not ready and today < eve:
            found.append(eve)
        elif not ready:
            minute = DAY_START + 15 if today == visit else 16 * 60 + 30
            found.append(
                self._move(case, today, minute, texts.NOT_READY, self.wd(today, evidence + 2))
            )
        elif visit > today:
            found.append(visit)
        else:
            minute = self._visit_end(case, "visit", case.announced_seq)

            def record() -> Request:
                minutes = self.papers.minutes(case, today, texts.VISIT_NOTES)
                return Request("record_visit", self.papers.recorder(case), "inspector", minutes)

            found.append(Step(case.id, minute, record))
        return _soonest(found)

    def _delivery(self, case: SimCase, today: date) -> Next:
        """What the unit sends, on time, late or in parts (drawn once per notice)."""
        if not case.missing and case.deliveries:
            return None
        s = self.settings

        def draw(rng: random.Random) -> tuple[float, int, int, float, tuple[int, int]]:
            how, early = rng.random(), rng.randint(*s.early_working_days)
            late, split = rng.randint(*s.late_working_days), rng.random()
            return how, early, late, split, (rng.randint(480, 960), rng.randint(480, 960))

        how, early, late, split, minutes = self.drawn(case, "submission", case.announced_seq, draw)
        due = case.evidence_due or case.first_evidence_due or today
        first_due = case.first_evidence_due or due
        notice = case.announced_on or today
        on_time = max(self.wd(due, -early), self.wd(notice, 1))
        late_day = self.latest(max(self.wd(first_due, late), self.wd(notice, 1)), today)
        codes = list(case.required)
        if how < s.submission_on_time:
            plan = [(on_time, codes)]
        elif how < s.submission_on_time + s.submission_late:
            plan = [(late_day, codes)]
        else:  # partial: some appendices by the due date, the rest late
            cut = 1 + int(split * (len(codes) - 1)) if len(codes) > 1 else 0
            plan = [(on_time, codes[:cut]), (late_day, codes[cut:])]
        for (day, part), minute in zip(plan, minutes, strict=False):
            todo = [c for c in part if c not in case.received]
            first = case.deliveries == 0
            if day > today:
                return day
            if todo or first:
                return Step(case.id, minute, partial(self._deliver, case, today, todo, first))
        return None

    def _deliver(self, case: SimCase, today: date, codes: list[str], first: bool) -> Request:
        submission: dict[str, Any] = {"received_on": today.isoformat(), "appendices": codes}
        if first:
            submission["documents"] = [texts.SELF_REPORT.format(year=self.spec.year)]
        return Request("receive_submission", self.papers.unit_officer(case), "unit",
                       {"submission": submission})  # fmt: skip

    def _planned_move(self, case: SimCase, today: date) -> Next:
        """Some announced visits are moved once by the team lead, for a reason of the unit's
        or the team's, some working days later (drawn once per notice)."""
        first = case.first_visit or case.visit_date
        notice = case.announced_on
        if case.moved or first is None or notice is None or case.visit_date is None:
            return None
        span = self.calendar.count_working_days(self.wd(notice, 1), self.wd(first, -2))

        def draw(rng: random.Random) -> tuple[bool, int, int, str, int]:
            moves = rng.random() < self.settings.moved_visits
            offset, gap = rng.randrange(max(span, 1)), rng.randint(*MOVE_GAP)
            return moves, offset, gap, rng.choice(texts.MOVE_REASONS), rng.randint(540, 660)

        moves, offset, gap, reason, minute = self.drawn(case, "move", case.announced_seq, draw)
        on = self.wd(notice, 1 + offset)
        if not moves or span < 1 or on < today or case.visit_date <= self.wd(today, 1):
            return None
        if on > today:
            return on
        evidence = self.spec.lead_times.evidence_working_days
        earliest = max(self.wd(case.visit_date, gap), self.wd(today, evidence + 1))
        return Step(case.id, minute, lambda: self._moved(case, today, earliest, reason, False))

    def _visited(self, case: SimCase, today: date) -> Next:
        """The team's draft findings, one per content area, a working day or two after."""
        delay, minute = self._when(case, "findings", self.settings.findings_working_days, 840)
        if (day := self._due(case, today, delay)) > today:
            return day
        lead = self.papers.lead(case)

        def draft() -> Request:
            findings = self.papers.findings(self.rng(case, "findings-drawn", case.entered_seq))
            return Request("record_findings", lead, "team_lead", {"findings": findings})

        return Step(case.id, minute, draft)

    def _drafted(self, case: SimCase, today: date) -> Next:
        """The signer approves the conclusion a few working days after the draft."""
        delay, minute = self._when(case, "conclusion", self.settings.conclusion_working_days, 870)
        if (day := self._due(case, today, delay)) > today:
            return day

        def approve() -> Request:
            remedies = [
                {"finding": i, "remedy": f["remedy"]}
                for i, f in enumerate(case.findings)
                if f.get("severity", "none") != "none" and f.get("remedy")
            ]
            conclusion = {"date": today.isoformat(), "remedies": remedies}
            return Request("approve_conclusion", self.signer, "signer", {"conclusion": conclusion})

        return Step(case.id, minute, approve)

    def _remediation(self, case: SimCase, today: date) -> Next:
        """The unit reports its remediation before its due date, or sometimes after it."""
        s = self.settings

        def draw(rng: random.Random) -> tuple[bool, int, int, int]:
            late, early = rng.random() < s.remediation_late, rng.randint(*s.early_working_days)
            return late, early, rng.randint(*s.late_working_days), rng.randint(480, 990)

        late, early, after, minute = self.drawn(case, "remediation", case.entered_seq, draw)
        entered = case.entered_on or today
        due = case.remediation_due or self.wd(
            entered, self.spec.lead_times.remediation_working_days
        )
        day = max(self.wd(due, after) if late else self.wd(due, -early), self.wd(entered, 1))
        if due <= self.last_day:  # a report due after the window may come after it too
            day = self.latest(day, today)
        if day > today:
            return day
        shortcomings = [f for f in case.findings if f.get("severity", "none") != "none"]
        summary = (
            f"Đơn vị đã khắc phục {len(shortcomings)} tồn tại, hạn chế theo Thông báo kết luận "
            f"{case.conclusion_number or 'của Đoàn kiểm tra'}: "
            + "; ".join(str(f.get("remedy", f.get("text", ""))) for f in shortcomings)
        )
        report = {"summary": summary, "documents": [texts.REMEDIATION_REPORT]}
        officer = self.papers.unit_officer(case)
        return Step(case.id, minute, lambda: Request("report_remediation", officer, "unit", report))

    def _reinspection(self, case: SimCase, today: date) -> Next:
        """The team lead sets the re-inspection on a day the team is free; the team passes or
        fails the unit on that day."""
        on = case.reinspection_on
        if on is None:
            gap, minute = self._when(
                case, "reinspection", self.settings.reinspection_working_days, 510, 630
            )
            if (day := self._due(case, today, 1)) > today:
                return day
            target = self.wd(case.entered_on or today, gap)
            reason = texts.REINSPECTION.format(number=case.conclusion_number or "").strip()
            return Step(case.id, minute, lambda: self._moved(case, today, target, reason, True))
        if on < today:
            return self._move(case, today, DAY_START + 15, texts.MISSED, self.wd(today, 1))
        if on > today:
            return on
        passed = self.drawn(
            case, "reinspect", case.reinspection_seq,
            lambda rng: rng.random() < self.settings.reinspection_pass,
        )  # fmt: skip
        minute = self._visit_end(case, "reinspection", case.reinspection_seq)
        notes = tuple(n.format(number=case.conclusion_number) for n in texts.REINSPECTION_NOTES)

        def visit() -> Request:
            minutes = self.papers.minutes(case, today, notes)
            if passed:
                return Request("reinspect_pass", self.papers.recorder(case), "inspector", minutes)
            findings = self.papers.still_open(
                case, self.rng(case, "still-open", case.reinspection_seq)
            )
            return Request("reinspect_fail", self.papers.recorder(case), "inspector",
                           {**minutes, "findings": findings})  # fmt: skip

        return Step(case.id, minute, visit)

    # --- moving a visit ------------------------------------------------------------------------

    def _move(self, case: SimCase, today: date, minute: int, reason: str, earliest: date) -> Step:
        """The team lead must move the visit (or the re-inspection) to a free day from
        `earliest` on; with none left in the window, the inspection is cancelled."""
        return Step(case.id, minute, lambda: self._moved(case, today, earliest, reason, True))

    def _moved(
        self, case: SimCase, today: date, earliest: date, reason: str, needed: bool
    ) -> Request | None:
        """The request moving the visit to the team's first free day from `earliest` on. A move
        that is `needed` goes to another team when that one is free some days sooner (or the
        case's is not at all), a re-inspection to an earlier free day when none is left after
        `earliest`; with no day left in the window, the inspection is cancelled. A move that is
        not needed (the unit asked) stays with its team or is dropped."""
        floor = self.wd(today, 1)
        team, found = self._free_slot(case, max(earliest, floor), needed)
        if found is None and needed and case.state == "reinspection":
            team, found = self._free_slot(case, floor, needed)
        lead = self.papers.lead(case)
        if found is None:
            if not needed:
                return None
            why = texts.NO_DAY_LEFT.format(year=self.spec.year)
            return Request("cancel", lead, "team_lead", {"reason": why})
        payload: dict[str, Any] = {"visit_date": found.isoformat(), "reason": reason}
        if case.visit_date is not None:
            payload["previous_date"] = case.visit_date.isoformat()
        if team != case.team:
            payload["team"] = team
        return Request("reschedule", lead, "team_lead", payload)

    def _free_slot(
        self, case: SimCase, earliest: date, any_team: bool
    ) -> tuple[str | None, date | None]:
        """The case's team and its first free day from `earliest` on; with `any_team`, another
        team's when that one is free `HAND_OVER` working days sooner, or the case's is not."""
        days = self.calendar.working_days(earliest, self.spec.window_end)
        own = self.free_day(case, case.team, days)
        team, found = case.team, own
        for name in sorted(self.teams) if any_team else ():
            if name == case.team or case.unit_code in self.teams[name].member_units:
                continue
            other = self.free_day(case, name, days)
            if other is None or (found is not None and other >= found):
                continue
            if own is None or self.calendar.count_working_days(other, own) > HAND_OVER:
                team, found = name, other
        return team, found

    def free_day(self, case: SimCase, team: str | None, days: list[date]) -> date | None:
        """The first of `days` on which `team` has a visit free and is not off, and the unit
        has not asked not to be visited."""
        if team is None or team not in self.teams:
            return None
        per_day = self.teams[team].visits_per_day
        off = self.world.team_off.get(team, set())
        blackout = self.world.blackouts.get(case.unit_code, set())
        booked = self.world.booked
        return next(
            (d for d in days if d not in off and d not in blackout and booked[(team, d)] < per_day),
            None,
        )

    # --- people and papers ---------------------------------------------------------------------

    def _due(self, case: SimCase, today: date, delay: int) -> date:
        """The day of a step `delay` working days after the case entered its state."""
        entered = case.entered_on or today
        return self.latest(self.wd(entered, delay), today)

    def _when(
        self, case: SimCase, purpose: str, days: tuple[int, int], start: int, end: int = 990
    ) -> tuple[int, int]:
        """A delay in working days after the case entered its state, and the minute of the day
        (drawn once per state entered)."""
        return self.drawn(
            case, purpose, case.entered_seq, lambda r: (r.randint(*days), r.randint(start, end))
        )

    def _visit_end(self, case: SimCase, purpose: str, anchor: int) -> int:
        length = self.drawn(case, f"{purpose}-hour", anchor, lambda r: r.randint(*VISIT_LENGTH))
        return self.visit_start + length


def _soonest(found: list[Next]) -> Next:
    """The earliest step due today, else the first day something falls due, else None."""
    steps = [f for f in found if isinstance(f, Step)]
    if steps:
        return min(steps, key=lambda s: s.minute)
    days = [f for f in found if isinstance(f, date)]
    return min(days, default=None)
