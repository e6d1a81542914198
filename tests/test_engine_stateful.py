"""Random triggers, roles and data against a real database; invariants checked after each step.

Invariants: every state is one the definition knows; exactly one event per successful transition
and none per refused one; both hash chains verify; the stored state equals the replay of the log.
Run on SQLite and on PostgreSQL, with the same derandomized runs on each.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import Engine

from inspect_engine.domain.events import replay, verify_campaign_chain, verify_case
from inspect_engine.errors import InspectError
from inspect_engine.services import campaigns, cases, units
from inspect_engine.settings import data_dir
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork
from inspect_engine.storage.workflow_files import find_definition
from tests.conftest import EXAMPLES, pinned_to_v1

DEFINITION = find_definition("cchc-inspection", 1, [data_dir("workflows")])
STATES = {s.name for s in DEFINITION.states}
TRIGGERS = [*DEFINITION.triggers(), "bogus"]
ROLES = ["team_lead", "inspector", "unit", "auditor", "system", "boss"]
PAYLOADS: list[dict[str, Any] | None] = [
    None,
    {"findings": [{"area": 2, "severity": "serious", "text": "Chưa công khai TTHC"}]},
    {"findings": [{"area": 4, "severity": "minor", "text": "Thiếu báo cáo"}]},
    {"findings": [{"area": 1, "severity": "none", "text": "Không có tồn tại"}]},
    {"findings": [{"area": 7, "severity": "grave"}]},
    {"summary": "Đã khắc phục"},
    {"reason": "Sáp nhập"},
    {"visit_date": "2026-10-01", "team": "Đoàn 1"},
]
FINDINGS = PAYLOADS[1:5]
LIKELY = {  # payloads that usually satisfy a trigger's requirements (one bad one each)
    "record_findings": FINDINGS,
    "reinspect_fail": FINDINGS,
    "report_remediation": [PAYLOADS[5], PAYLOADS[5], None],
    "cancel": [PAYLOADS[6], None],
    "reschedule": [PAYLOADS[7], {"visit_date": "không phải ngày"}],
}
# A trigger that takes no data refuses keys it does not know: mostly none, a note, one stray.
NO_DATA = [None, None, {"note": "Ghi chú"}, PAYLOADS[6]]
_keys = itertools.count()
REACHED: set[str] = set()  # states reached across the runs of one test: it must get deep


class Workflow(RuleBasedStateMachine):
    engine: Engine
    folder: Path

    @initialize()
    def open_campaign(self) -> None:
        self.uow = UnitOfWork(self.engine)
        self.key = f"c{next(_keys)}"
        toml = pinned_to_v1((EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8"))
        toml = toml.replace('key = "hanoi-2026"', f'key = "{self.key}"')
        toml = toml.replace('kinds = ["department", "commune"]\ninclude', "kinds = []\ninclude")
        toml = toml.replace("include = []", 'include = ["STP", "SYT", "SXD"]')
        path = self.folder / f"{self.key}.toml"
        path.write_text(toml, encoding="utf-8")
        campaigns.create_campaign(self.uow, path, workflows_dirs=[data_dir("workflows")])
        self.case_ids = [c.id for c in campaigns.campaign_cases(self.uow, self.key)]
        self.expected_events = dict.fromkeys(self.case_ids, 1)

    @rule(
        which=st.integers(0, 2),
        trigger=st.sampled_from(TRIGGERS),
        role=st.sampled_from(ROLES),
        payload=st.sampled_from(PAYLOADS),
    )
    def fire_anything(
        self, which: int, trigger: str, role: str, payload: dict[str, Any] | None
    ) -> None:
        self.fire(which, trigger, role, payload)

    def fire(self, which: int, trigger: str, role: str, payload: dict[str, Any] | None) -> None:
        case_id = self.case_ids[which]
        request = cases.Request(trigger, "tester", role, payload)
        try:
            done = cases.advance(self.uow, case_id, request)
        except InspectError:
            return
        assert done.trigger == trigger
        assert role in DEFINITION.allowed_roles(trigger) and role != "auditor"
        self.expected_events[case_id] += 1
        REACHED.add(done.to_state)

    @rule(which=st.integers(0, 2), data=st.data())
    def fire_something_allowed(self, which: int, data: st.DataObject) -> None:
        """Mostly-legal moves, so that random runs reach the deep states too."""
        case_id = self.case_ids[which]
        with self.uow:
            head = EventStore(self.uow.session.connection()).case(case_id)
        assert head is not None
        choices = DEFINITION.triggers_from(head.state)
        if not choices:
            return
        trigger = data.draw(st.sampled_from(choices))
        role = data.draw(st.sampled_from(sorted(DEFINITION.allowed_roles(trigger))))
        payload = data.draw(st.sampled_from(LIKELY.get(trigger, NO_DATA)))
        self.fire(which, trigger, role, payload)

    def teardown(self) -> None:
        self.uow.close()

    @invariant()
    def log_matches_state(self) -> None:
        with self.uow:
            store = EventStore(self.uow.session.connection())
            all_events = store.campaign_events(self.key)
            heads = store.cases(self.key)
        assert verify_campaign_chain(all_events) == []
        for head in heads:
            events = [e for e in all_events if e.case_id == head.id]
            assert head.state in STATES
            assert len(events) == self.expected_events[head.id]
            assert verify_case(events) == []
            assert replay(events) == head.state
            assert head.version == len(events)


def test_random_workflows_keep_their_invariants(engine: Engine, tmp_path: Path) -> None:
    """`engine` is a migrated database on each backend (tests/conftest.py)."""
    REACHED.clear()
    units.import_units(UnitOfWork(engine), EXAMPLES / "hanoi-units.csv")
    Workflow.engine = engine
    Workflow.folder = tmp_path
    run = Workflow.TestCase
    run.settings = settings(
        max_examples=60,
        derandomize=True,  # the same runs every time: the depth check below cannot flake
        stateful_step_count=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    run().runTest()
    assert {"remediation", "reinspection", "closed"} <= REACHED, REACHED
