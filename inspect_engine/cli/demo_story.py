"""What the demo does once the campaign is planned: the teams are formed by decisions, one case
goes the announced way (notice, submissions, visit with minutes, draft findings, approved
conclusion, remediation, re-inspection) and one the unannounced way, each step on its own day.

The demo's clock is its own: it starts on the plan's date and moves forward with the story, so
the history reads like a real round of inspections whatever day the demo is run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from inspect_engine.settings import DISPLAY_TZ, data_dir

if TYPE_CHECKING:
    from inspect_engine.domain.calendar import WorkingCalendar
    from inspect_engine.domain.campaign.model import CampaignSpec
    from inspect_engine.services.planning.context import PlannedVisit
    from inspect_engine.storage.uow import UnitOfWork

POSITIONS = {"trưởng đoàn": "Trưởng đoàn", "thành viên": "Thành viên", "thư ký": "Thư ký"}
UNIT_PEOPLE = {
    "department": [("Lê Minh Tuấn", "Giám đốc Sở"), ("Phan Thị Hoa", "Chánh Văn phòng Sở")],
    "commune": [("Nguyễn Văn Hùng", "Chủ tịch UBND"), ("Trịnh Thị Lan", "Công chức Văn phòng")],
}


@dataclass
class StoryClock:
    """The demo's notion of now: set to a day and hour in Vietnam, then read by the services."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int) -> None:
        moment = datetime.combine(day, time(hour), DISPLAY_TZ).astimezone(UTC)
        self.now = max(moment, self.now + timedelta(minutes=1))  # never back in time


def start_of(day: date) -> StoryClock:
    return StoryClock(datetime.combine(day, time(8), DISPLAY_TZ).astimezone(UTC))


@dataclass
class Story:
    uow: UnitOfWork
    spec: CampaignSpec
    calendar: WorkingCalendar
    clock: StoryClock
    say: Callable[[str], None]

    def fire(self, case_id: int, trigger: str, role: str, actor: str, data: Any = None) -> None:
        from inspect_engine.services import cases

        request = cases.Request(trigger, actor, role, data or {})
        cases.advance(self.uow, case_id, request, clock=self.clock)

    def form_teams(self) -> None:
        import json

        from inspect_engine.services.team_decisions import record_decision

        self.clock.at(self.spec.plan.date, 14)
        numbers = []
        for team in self.spec.teams:
            path = data_dir("examples") / "decisions" / f"doan-{team.name.split()[-1]}.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            decision = record_decision(
                self.uow, self.spec.key, data, actor="van-thu", clock=self.clock, source=str(path)
            )
            numbers.append(f"{decision.team} {decision.number}")
        self.say(f"teams formed by decision: {', '.join(numbers)}")

    def _minutes(self, visit: PlannedVisit, kind: str, number: str, day: date) -> dict[str, Any]:
        team = next(t for t in self.spec.teams if t.name == visit.team)
        roles = ["trưởng đoàn", "thành viên", "thư ký"]
        return {
            "minutes": {
                "number": number,
                "visit_date": day.isoformat(),
                "team_participants": [
                    {"name": m.name, "position": POSITIONS[r]}
                    for m, r in zip(team.members, roles, strict=False)
                ],
                "unit_participants": [
                    {"name": n, "position": p} for n, p in UNIT_PEOPLE.get(kind, [])
                ],
                "noted": ["Đơn vị báo cáo kết quả thực hiện các nội dung cải cách hành chính"],
            }
        }

    def announce(self, visits: list[PlannedVisit]) -> None:
        """Each team lead announces the team's visits the working day after the plan."""
        self.clock.at(self.calendar.next_working_day(self.spec.plan.date, include_today=False), 8)
        leads = {t.name: t.lead for t in self.spec.teams}
        for visit in visits:
            self.fire(visit.case_id, "announce", "team_lead", leads[visit.team])

    def announced(self, visit: PlannedVisit, kind: str, required: list[str]) -> None:
        """After the notice: two deliveries (the second a day late), visit, findings,
        conclusion, remediation, re-inspection."""
        cal, case = self.calendar, visit.case_id
        team_lead = next(t.lead for t in self.spec.teams if t.name == visit.team)
        first, rest = required[:1], required[1:]
        for day, codes in (
            (cal.add_working_days(visit.evidence_due, -1), first),
            (cal.add_working_days(visit.evidence_due, 1), rest),
        ):
            self.clock.at(day, 10)
            delivery = {"received_on": day.isoformat(), "appendices": codes}
            self.fire(
                case, "receive_submission", "unit", "van-thu-don-vi", {"submission": delivery}
            )
        self.clock.at(visit.date, 16)
        minutes = self._minutes(visit, kind, "01/BB-ĐKT", visit.date)
        self.fire(case, "record_visit", "inspector", team_lead, minutes)
        areas = self.spec.content_areas
        findings = [
            {"area": areas[0], "severity": "none", "text": "Ban hành đủ văn bản theo kế hoạch"},
            {
                "area": areas[1],
                "severity": "serious",
                "text": "Chưa niêm yết đầy đủ thủ tục hành chính tại bộ phận một cửa",
            },
        ]
        self.clock.at(cal.add_working_days(visit.date, 1), 9)
        self.fire(case, "record_findings", "team_lead", team_lead, {"findings": findings})
        signed = cal.add_working_days(visit.date, 3)
        self.clock.at(signed, 15)
        conclusion = {
            "date": signed.isoformat(),
            "remedies": [{"finding": 1, "remedy": "Niêm yết đầy đủ, đúng quy định các TTHC"}],
        }
        signer = self.spec.issuer.signer_name
        self.fire(case, "approve_conclusion", "signer", signer, {"conclusion": conclusion})
        due = cal.add_working_days(signed, self.spec.lead_times.remediation_working_days)
        self.clock.at(cal.add_working_days(due, -2), 10)
        report = {"summary": "Đã niêm yết đầy đủ thủ tục hành chính", "documents": ["Báo cáo"]}
        self.fire(case, "report_remediation", "unit", "van-thu-don-vi", report)
        again = self.free_day(visit.team, cal.add_working_days(due, 3))
        move = {"visit_date": again.isoformat(), "reason": "Hẹn tái kiểm tra việc niêm yết TTHC"}
        self.fire(case, "reschedule", "team_lead", team_lead, move)
        self.clock.at(again, 16)
        minutes = self._minutes(visit, kind, "02/BB-ĐKT", again)
        self.fire(case, "reinspect_pass", "inspector", team_lead, minutes)

    def free_day(self, team: str, day: date) -> date:
        """The first working day from `day` on which `team` is free: no visit, not a day off."""
        from inspect_engine.services.planning.views import planned_visits

        busy = {v.date for v in planned_visits(self.uow, self.spec.key, team)}
        busy |= set(next(t.unavailable for t in self.spec.teams if t.name == team))
        day = self.calendar.next_working_day(day)
        while day in busy:
            day = self.calendar.add_working_days(day, 1)
        return day

    def unannounced(self, visit: PlannedVisit, kind: str, day: date) -> None:
        """A visit without notice, findings without shortcomings, the conclusion closes it."""
        team_lead = next(t.lead for t in self.spec.teams if t.name == visit.team)
        self.clock.at(day, 15)
        minutes = self._minutes(visit, kind, "03/BB-ĐKT", day)
        self.fire(visit.case_id, "record_unannounced_visit", "inspector", team_lead, minutes)
        findings = [
            {"area": a, "severity": "none", "text": "Thực hiện đúng kế hoạch"}
            for a in self.spec.content_areas[:2]
        ]
        self.clock.at(self.calendar.add_working_days(day, 1), 9)
        self.fire(visit.case_id, "record_findings", "team_lead", team_lead, {"findings": findings})
        signed = self.calendar.add_working_days(day, 2)
        self.clock.at(signed, 15)
        conclusion = {"conclusion": {"date": signed.isoformat(), "remedies": []}}
        self.fire(
            visit.case_id, "approve_conclusion", "signer", self.spec.issuer.signer_name, conclusion
        )
