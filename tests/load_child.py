"""One of the load test's processes: random actions on one campaign for a while, each logged.

`python -m tests.load_child DB_URL KEY SEED GO SECONDS LOG`

Once loaded, the process says `ready` and waits for the file GO (renamed into place whole),
which holds the moment the run starts (a `time.time()`, the same for every process). Until
SECONDS have passed since, it does what people and the worker do, through the services the
commands call: it reads a case as `case show` does and fires a trigger legal in the state it
read (an actor drawn from the people who could, the data the workflow requires,
`expected_version` the version it read), moves visits, imports a filled appendix workbook,
issues the documents due and fires the passed deadlines. The clock is simulated and shared:
every process reads the same moment, 08:00 on Monday 10 August 2026 at the start, one working
day passing every `DAY_SECONDS`.

Each action is one JSON line in LOG, written after it returned or raised, with what it
believes happened: `committed` with the events it wrote ((case, seq, hash) each), `conflict`
(the engine's ConflictError, by class), `refused` (an InputError: the engine refused the
request as the data stood), `read`, `idle` (nothing to do), or `error` (anything else, with its
traceback: the test fails on any).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import text

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.errors import ConflictError, InputError
from inspect_engine.services import audit, cases, deadline_firing, evidence
from inspect_engine.services.case_facts import campaign_spec
from inspect_engine.services.notices import issuing
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.uow import UnitOfWork

START = datetime(2026, 8, 10, 8, 0, tzinfo=DISPLAY_TZ).astimezone(UTC)
DAY_SECONDS = 4.0  # one simulated working day passes every 4 s: 15 over a 60 s run
TERMINAL = frozenset({"closed", "cancelled"})
UNITS = ("Nguyễn Thị Hoa", "Phạm Văn Đức", "Lê Thị Thu", "Hoàng Minh Tuấn")
INSPECTORS = ("Lê Văn Cường", "Đỗ Thị Lan", "Vũ Quang Hải")
SIGNERS = ("Nguyễn Văn An",)
# The cells of the shipped forms a unit fills in (tests/test_evidence.py), by sheet.
FILLED = {
    "PL1 Số liệu CCHC": {"C7": 12, "D7": 10, "E7": 83.3, "C8": 40, "D8": 40},
    "PL2 Nhiệm vụ được giao": {
        "B7": "Rà soát văn bản QPPL",
        "D7": date(2026, 9, 15),
        "E7": "Đang thực hiện",
    },
    "PL3 Lĩnh vực chủ trì": {"C7": 31, "D7": "Đã hoàn thành", "E7": "Ban hành đủ văn bản"},
}


class SimClock:
    """The shared simulated clock: working days pass, one every DAY_SECONDS of real time."""

    def __init__(self, epoch: float, calendar: Any) -> None:
        self.epoch, self.calendar = epoch, calendar

    def __call__(self) -> datetime:
        elapsed = max(0.0, time.time() - self.epoch)
        days, part = divmod(elapsed / DAY_SECONDS, 1)
        day = self.calendar.add_working_days(START.astimezone(DISPLAY_TZ).date(), int(days))
        moment = datetime.combine(day, clock_time(8), DISPLAY_TZ) + timedelta(hours=9 * part)
        return moment.astimezone(UTC)

    def today(self) -> date:
        return self().astimezone(DISPLAY_TZ).date()


@dataclass
class Case:
    id: int
    unit_code: str
    team: str
    lead: str
    required: list[str]
    visit_date: date | None = None


@dataclass
class Load:
    uow: UnitOfWork
    key: str
    rng: random.Random
    clock: SimClock
    spec: Any
    cases: dict[int, Case]
    folder: Path
    log: Any
    process: int
    n: int = 0
    done: set[int] = field(default_factory=set)  # cases seen in a terminal state
    about: dict[str, Any] = field(default_factory=dict)  # the case and trigger being tried
    minutes_numbers: dict[str, int] = field(default_factory=dict)

    def record(self, action: str, **what: Any) -> None:
        self.n += 1
        line = {"p": self.process, "n": self.n, "t": time.time(), "action": action}
        line.update(self.about, **what)
        self.log.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.log.flush()

    # --- reading -------------------------------------------------------------------------------

    def show(self, case_id: int) -> audit.CaseView:
        return audit.show_case(self.uow, case_id)

    def read(self) -> None:
        case_id = self.rng.choice(list(self.cases))
        view = self.show(case_id)
        if view.problems:
            raise AssertionError(f"case show {case_id} under load: {view.problems}")
        self.record("read", case=case_id, version=view.version)

    def pick(self) -> Case:
        """A case to act on: one this process has not seen closed or cancelled."""
        open_ = [c for c in self.cases if c not in self.done] or list(self.cases)
        return self.cases[self.rng.choice(open_)]

    # --- the actions ---------------------------------------------------------------------------

    def advance(self) -> None:
        case = self.pick()
        view = self.show(case.id)
        if view.state in TERMINAL:
            self.done.add(case.id)  # closed or cancelled for good: not picked again
            self.record("idle", case=case.id, state=view.state)
            return
        made = self.request_for(case, view)
        if made is None:
            self.record("idle", case=case.id, state=view.state)
            return
        self.fire(case, view, made, "advance")

    def fire(self, case: Case, view: audit.CaseView, request: cases.Request, action: str) -> None:
        request = request._replace(expected_version=view.version)
        self.about.update(case=case.id, trigger=request.trigger, version=view.version)
        done = cases.advance(self.uow, case.id, request, clock=self.clock)
        self.record(
            action,
            outcome="committed",
            case=case.id,
            trigger=request.trigger,
            actor=request.actor,
            events=[[done.case_id, done.seq, done.hash]],
        )

    def reschedule(self) -> None:
        case = self.pick()
        view = self.show(case.id)
        if view.state not in (
            "planned",
            "announced",
            "submission_late",
            "submitted",
            "reinspection",
        ):
            self.record("idle", case=case.id, state=view.state)
            return
        day = self.free_day(case)
        if day is None:
            self.record("idle", case=case.id, state=view.state)
            return
        payload = {"visit_date": day.isoformat(), "reason": self.rng.choice(REASONS)}
        if view.state == "reinspection":
            payload["reason"] = "Hẹn tái kiểm tra việc khắc phục tồn tại, hạn chế"
        self.fire(
            case, view, cases.Request("reschedule", case.lead, "team_lead", payload), "reschedule"
        )

    def free_day(self, case: Case) -> date | None:
        """A working day of the window on which the case's team has no visit and is not off,
        and which the unit has not asked to be spared, as read now."""
        key = {"k": self.key, "t": case.team, "u": case.unit_code}
        with self.uow:
            conn = self.uow.connection
            busy = {
                _day(day)
                for (day,) in conn.execute(
                    text(
                        "SELECT visit_date FROM inspection_case WHERE campaign_key = :k "
                        "AND plan_team = :t AND visit_date IS NOT NULL"
                    ),
                    key,
                )
            }
            busy |= {
                _day(day)
                for (day,) in conn.execute(
                    text("SELECT day FROM team_unavailable WHERE campaign_key = :k AND team = :t"),
                    key,
                )
            }
            busy |= {
                _day(day)
                for (day,) in conn.execute(
                    text(
                        "SELECT day FROM unit_blackout WHERE campaign_key = :k AND unit_code = :u"
                    ),
                    key,
                )
            }
        team = next(t for t in self.spec.teams if t.name == case.team)
        busy |= set(team.unavailable) | set(self.spec.blackouts.get(case.unit_code, ()))
        calendar = self.clock.calendar
        first = calendar.add_working_days(self.clock.today(), 12)
        days = [d for d in calendar.working_days(first, self.spec.window_end) if d not in busy]
        return self.rng.choice(days[:20]) if days else None

    def import_evidence(self) -> None:
        case = self.pick()
        view = self.show(case.id)
        if view.state not in ("announced", "submission_late", "submitted"):
            self.record("idle", case=case.id, state=view.state)
            return
        self.about.update(case=case.id, trigger="receive_submission", version=view.version)
        path = self.folder / f"{case.unit_code}.xlsx"
        path.write_bytes(filled(evidence.write_forms(self.uow, case.id, None), self.rng))
        done = evidence.import_evidence(
            self.uow,
            case.id,
            path,
            actor=None,
            role="unit",
            received_on=None,
            templates_dir=None,
            clock=self.clock,
        )
        a = done.advanced
        self.record(
            "evidence",
            outcome="committed",
            case=case.id,
            trigger=a.trigger,
            actor=case.unit_code,
            events=[[a.case_id, a.seq, a.hash]],
        )

    def issue(self) -> None:
        """What `notices issue` does, one document a transaction; each one issued is logged
        even when a later one meets a conflict (the command's report would lose them)."""
        with self.uow:
            items = issuing.pending_documents(self.uow, self.key)
        if not items:
            self.record("issue", outcome="idle")
            return
        issuer = issuing.Issuer(self.uow, self.key, clock=self.clock, actor="van-thu")
        done: list[issuing.Issued] = []
        try:
            for item in items:
                if (issued := issuer.issue(item)) is not None:
                    done.append(issued)
        finally:
            self.record(
                "issue",
                outcome="committed" if done else "idle",
                documents=[[d.id, d.case_id, d.number] for d in done],
            )

    def fire_deadlines(self) -> None:
        fired = deadline_firing.fire_due(self.uow, self.key, clock=self.clock, batch=10)
        events = []
        for f in fired:
            events.append([f.case_id, f.seq, None])
            if f.triggered:
                events.append([f.case_id, f.seq + 1, None])
        self.record(
            "deadlines",
            outcome="committed" if fired else "idle",
            fired=[[f.deadline_id, f.case_id, f.seq] for f in fired],
            events=events,
        )

    # --- what each state asks for --------------------------------------------------------------

    def request_for(self, case: Case, view: audit.CaseView) -> cases.Request | None:
        rng, today = self.rng, self.clock.today()
        worked = self.clock.calendar.previous_working_day(today)
        state = view.state
        if rng.random() < 0.01:
            return cases.Request("cancel", case.lead, "team_lead", {"reason": "Đơn vị sáp nhập"})
        if state == "planned":
            return cases.Request("announce", case.lead, "team_lead")
        if state in ("announced", "submission_late"):
            codes = case.required if rng.random() < 0.7 else case.required[:1]
            submission = {
                "received_on": today.isoformat(),
                "appendices": codes,
                "documents": ["Báo cáo tự kiểm tra công tác CCHC năm 2026"],
            }
            who = rng.choice(UNITS) if rng.random() < 0.8 else case.lead
            role = "unit" if who != case.lead else "team_lead"
            return cases.Request("receive_submission", who, role, {"submission": submission})
        if state == "submitted":
            who = rng.choice((*INSPECTORS, case.lead))
            role = "team_lead" if who == case.lead else "inspector"
            return cases.Request("record_visit", who, role, self.minutes(case, worked))
        if state == "visited" or (state == "findings_drafted" and rng.random() < 0.2):
            return cases.Request(
                "record_findings", case.lead, "team_lead", {"findings": self.findings()}
            )
        if state == "findings_drafted":
            latest = next(
                e.payload["findings"]
                for e in reversed(view.events)
                if e.trigger in ("record_findings", "reinspect_fail")
            )
            remedies = [
                {"finding": i, "remedy": f["remedy"]}
                for i, f in enumerate(latest)
                if f["severity"] != "none"
            ]
            conclusion = {"date": today.isoformat(), "remedies": remedies}
            return cases.Request(
                "approve_conclusion", rng.choice(SIGNERS), "signer", {"conclusion": conclusion}
            )
        if state == "remediation":
            report = {
                "summary": "Đơn vị đã khắc phục các tồn tại, hạn chế",
                "documents": ["Báo cáo kết quả khắc phục"],
            }
            return cases.Request("report_remediation", rng.choice(UNITS), "unit", report)
        if state == "reinspection":
            who = rng.choice((*INSPECTORS, case.lead))
            role = "team_lead" if who == case.lead else "inspector"
            minutes = self.minutes(case, worked)
            if rng.random() < 0.5:
                return cases.Request("reinspect_pass", who, role, minutes)
            return cases.Request(
                "reinspect_fail",
                who,
                role,
                {**minutes, "findings": self.findings()},
            )
        return None

    def minutes(self, case: Case, day: date) -> dict[str, Any]:
        n = self.minutes_numbers[case.team] = self.minutes_numbers.get(case.team, 0) + 1
        return {
            "minutes": {
                "number": f"{self.process}{n:03d}/BB-ĐKT",
                "visit_date": day.isoformat(),
                "team_participants": [{"name": case.lead, "position": "Trưởng đoàn"}],
                "unit_participants": [{"name": self.rng.choice(UNITS), "position": "Lãnh đạo"}],
            }
        }

    def findings(self) -> list[dict[str, Any]]:
        """Draft findings with a shortcoming at least, most of them to be re-inspected: cases
        go round remediation and re-inspection, so that the campaign is still busy at the end
        of the run (the 141 cases closed within 45 s when most had none)."""
        out: list[dict[str, Any]] = []
        for area in self.spec.content_areas[:3]:
            severity = self.rng.choice(("none", "minor", "major", "serious"))
            if not out:
                severity = self.rng.choice(("minor", "major"))
            finding: dict[str, Any] = {
                "area": area,
                "severity": severity,
                "text": f"Kết quả kiểm tra: {area}",
            }
            if severity != "none":
                finding["remedy"] = f"Khắc phục: {area}"
                finding["reinspection"] = self.rng.random() < 0.8
            out.append(finding)
        return out


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


REASONS = (
    "Đơn vị đề nghị dời lịch do trùng hội nghị",
    "Đoàn kiểm tra điều chỉnh lịch công tác",
)


def filled(workbook: bytes, rng: random.Random) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(BytesIO(workbook))
    sheets = [s for s in book.sheetnames if s in FILLED]
    for name in sheets if rng.random() < 0.7 else sheets[:1]:
        for ref, value in FILLED[name].items():
            book[name][ref] = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def load_cases(uow: UnitOfWork, key: str, spec: Any) -> dict[int, Case]:
    leads = {t.name: t.lead for t in spec.teams}
    with uow:
        rows = uow.connection.execute(
            text(
                "SELECT c.id, c.unit_code, c.plan_team, u.kind FROM inspection_case c "
                "JOIN unit u ON u.code = c.unit_code WHERE c.campaign_key = :k"
            ),
            {"k": key},
        ).all()
    return {
        case_id: Case(
            case_id,
            code,
            team,
            leads[team],
            [a.code for a in appendices_for(spec, code, kind).required],
        )
        for case_id, code, team, kind in rows
    }


ACTIONS: tuple[tuple[str, float], ...] = (
    ("advance", 0.40),
    ("read", 0.22),
    ("reschedule", 0.12),
    ("import_evidence", 0.10),
    ("issue", 0.10),
    ("fire_deadlines", 0.06),
)


def main(argv: list[str]) -> int:
    url, key, seed, go, seconds, log_path = argv
    runtime = bootstrap(url)
    with runtime.unit_of_work() as uow:
        with uow:
            spec, calendar = campaign_spec(uow.connection, key)
        print("ready", flush=True)
        while not Path(go).exists():  # every process starts at the same moment
            time.sleep(0.01)
        epoch = float(Path(go).read_text())
        clock = SimClock(epoch, calendar)
        with (
            tempfile.TemporaryDirectory() as folder,
            open(log_path, "a", encoding="utf-8") as log,
        ):
            load = Load(
                uow,
                key,
                random.Random(int(seed)),
                clock,
                spec,
                load_cases(uow, key, spec),
                Path(folder),
                log,
                int(seed),
            )
            names = [name for name, _ in ACTIONS]
            weights = [w for _, w in ACTIONS]
            end = epoch + float(seconds)
            while time.time() < end:
                action = load.rng.choices(names, weights)[0]
                load.about = {}
                run: Callable[[], None] = getattr(load, action)
                try:
                    run()
                except ConflictError as exc:
                    load.record(
                        action, outcome="conflict", error=type(exc).__name__, message=str(exc)
                    )
                except InputError as exc:
                    load.record(
                        action, outcome="refused", error=type(exc).__name__, message=str(exc)
                    )
                except Exception as exc:
                    load.record(
                        action,
                        outcome="error",
                        error=type(exc).__name__,
                        message=str(exc),
                        traceback=traceback.format_exc(),
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
