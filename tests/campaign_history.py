"""A realistic history for the example campaign, driven through the engine's services on a clock
of the test's own: every case announced on 28/07, then day by day its unit's deliveries (most on
time, some late, some after the deadline passed and the worker marked them late), the visit on
its planned day with minutes, the team's draft findings (some marked as models worth spreading),
the signer's conclusion, the remediation report (on time, late or never), re-inspections that
pass or fail, and the worker's firing of every deadline that passes. Seeded: the same seed gives
the same events."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspect_engine.bootstrap import bootstrap
from inspect_engine.errors import InputError
from tests.campaign_clock import KEY, Clock, announce_on_own_dates, at

SIGNER = "Nguyễn Văn An"
GOOD = [
    "Ban hành đầy đủ, kịp thời kế hoạch cải cách hành chính năm",
    "Niêm yết công khai đầy đủ thủ tục hành chính tại bộ phận một cửa",
    "Tỷ lệ hồ sơ trực tuyến toàn trình đạt trên 80%",
]
SHORT = {
    "minor": ["Báo cáo định kỳ gửi chậm so với quy định", "Chưa cập nhật kịp thời trang thông tin"],
    "major": ["Còn hồ sơ giải quyết quá hạn chưa có văn bản xin lỗi", "Chưa rà soát văn bản QPPL"],
    "serious": ["Chưa niêm yết đầy đủ thủ tục hành chính tại bộ phận một cửa"],
}
MODELS = ["Mô hình “Chính quyền thân thiện” giải quyết hồ sơ ngoài giờ hành chính"]


@dataclass
class Step:
    day: date
    case_id: int
    trigger: str
    role: str
    data: dict


def _minutes(number: str, day: date) -> dict:
    return {
        "number": number,
        "visit_date": day.isoformat(),
        "team_participants": [{"name": "Trần Thị Bình", "position": "Trưởng đoàn"}],
        "unit_participants": [{"name": "Lê Minh Tuấn", "position": "Thủ trưởng đơn vị"}],
    }


def _findings(rng: random.Random, areas: list[str]) -> list[dict]:
    out = []
    for area in rng.sample(areas[:6], rng.randint(2, 3)):
        severity = rng.choices(["none", "minor", "major", "serious"], [45, 30, 17, 8])[0]
        if severity == "none":
            item = {"area": area, "severity": "none", "text": rng.choice(GOOD)}
            if rng.random() < 0.08:
                item = {**item, "text": MODELS[0], "model": True}
        else:
            item = {"area": area, "severity": severity, "text": rng.choice(SHORT[severity])}
        out.append(item)
    return out


def build(db_url: str, *, until: date, seed: int = 7) -> History:
    """The campaign from import to `until`, every step on its own day."""
    history = History(db_url, seed)
    history.run_until(until)
    return history


class History:
    """The campaign's steps, planned from the seed; `run_until` plays them up to a day."""

    def __init__(self, db_url: str, seed: int = 7) -> None:
        self.clock, self.runtime, self.cal, self.pending = _plan(db_url, seed)
        self.day = date(2026, 7, 29)
        self.blocked: set[int] = set()

    def run_until(self, until: date) -> None:
        from inspect_engine.services import cases, deadline_firing

        actors = {"unit": "van-thu-don-vi", "inspector": "Trần Thị Bình",
                  "team_lead": "Trần Thị Bình", "signer": SIGNER}  # fmt: skip
        cal, clock = self.cal, self.clock
        with self.runtime.unit_of_work() as uow:
            while self.day <= until:
                day = self.day
                if cal.is_working_day(day):
                    clock.now = at(day, 7)
                    deadline_firing.fire_due(uow, KEY, clock=clock)
                    for step in [s for s in self.pending if s.day == day]:
                        self.pending.remove(step)
                        if step.case_id in self.blocked:
                            continue
                        clock.now = at(day, 10)
                        request = cases.Request(
                            step.trigger, actors[step.role], step.role, step.data
                        )
                        try:
                            cases.advance(uow, step.case_id, request, clock=clock)
                        except InputError:
                            self.blocked.add(step.case_id)  # refused: the case stops there
                self.day = date.fromordinal(day.toordinal() + 1)
        clock.now = at(until, 17)


def _plan(db_url: str, seed: int) -> tuple[Clock, Any, Any, list[Step]]:
    from inspect_engine.services.campaigns import read_campaign_file, unit_appendices
    from inspect_engine.services.planning.views import planned_visits
    from tests.conftest import HANOI

    clock = announce_on_own_dates(db_url)
    spec = read_campaign_file(HANOI)[0]
    cal = spec.working_calendar()
    areas = list(spec.content_areas)
    rng = random.Random(seed)
    runtime = bootstrap(db_url, clock=clock)
    steps: list[Step] = []
    with runtime.unit_of_work() as uow:
        visits = planned_visits(uow, KEY)
        required = {
            v.case_id: [
                a.code for a in unit_appendices(uow, KEY, v.unit_code)[0].appendices.required
            ]
            for v in visits
        }
    for n, visit in enumerate(visits):
        case, due, v = visit.case_id, visit.evidence_due, visit.date
        fate = rng.random()
        sent = (
            cal.add_working_days(due, -1)
            if fate < 0.75
            else (cal.add_working_days(due, 2) if fate < 0.88 else cal.add_working_days(v, -1))
        )
        delivery = {"received_on": sent.isoformat(), "appendices": required[case]}
        steps.append(Step(sent, case, "receive_submission", "unit", {"submission": delivery}))
        steps.append(
            Step(
                v,
                case,
                "record_visit",
                "inspector",
                {"minutes": _minutes(f"{n + 1:02d}/BB-ĐKT", v)},
            )
        )
        findings = _findings(rng, areas)
        steps.append(
            Step(
                cal.add_working_days(v, 1),
                case,
                "record_findings",
                "team_lead",
                {"findings": findings},
            )
        )
        signed = cal.add_working_days(v, 3)
        shortcomings = [i for i, f in enumerate(findings) if f["severity"] != "none"]
        remedies = [
            {"finding": i, "remedy": "Khắc phục dứt điểm tồn tại đã nêu"} for i in shortcomings
        ]
        conclusion = {"conclusion": {"date": signed.isoformat(), "remedies": remedies}}
        steps.append(Step(signed, case, "approve_conclusion", "signer", conclusion))
        if not shortcomings:
            continue
        rdue = cal.add_working_days(signed, spec.lead_times.remediation_working_days)
        fate = rng.random()
        if fate >= 0.8:
            continue  # never reported: overdue
        reported = cal.add_working_days(rdue, -2 if fate < 0.6 else 3)
        report = {"summary": "Đã khắc phục các tồn tại theo kết luận", "documents": ["Báo cáo"]}
        steps.append(Step(reported, case, "report_remediation", "unit", report))
        if any(findings[i]["severity"] == "serious" for i in shortcomings):
            again = cal.add_working_days(reported, 5)
            move = {"visit_date": again.isoformat(), "reason": "Hẹn tái kiểm tra việc khắc phục"}
            steps.append(Step(reported, case, "reschedule", "team_lead", move))
            minutes = _minutes(f"{n + 1:02d}/BB-TKT", again)
            if rng.random() < 0.7:
                steps.append(Step(again, case, "reinspect_pass", "inspector", {"minutes": minutes}))
            else:
                fail = {"minutes": minutes, "findings": [{"area": findings[shortcomings[0]]["area"],
                        "severity": "major", "text": "Khắc phục chưa dứt điểm"}]}  # fmt: skip
                steps.append(Step(again, case, "reinspect_fail", "inspector", fail))
                signed = cal.add_working_days(again, 2)
                remedies = [{"finding": 0, "remedy": "Khắc phục dứt điểm"}]
                again_concluded = {"conclusion": {"date": signed.isoformat(), "remedies": remedies}}
                steps.append(Step(signed, case, "approve_conclusion", "signer", again_concluded))
    steps.sort(key=lambda s: (s.day, s.case_id))
    return clock, runtime, cal, steps
