"""A campaign announced on its own dates, with its notices issued, two lead accounts, an
auditor and the links of two units: what the portal's tests (TestClient and the browser) run
on. Its clock is the test's: the portal, the links and the workflow read the same day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl

from inspect_engine.bootstrap import bootstrap
from inspect_engine.services.evidence import write_forms
from inspect_engine.services.notices.issuing import issue_due
from inspect_engine.services.portal import accounts, links
from inspect_engine.storage.db import make_engine, upgrade
from inspect_engine.web.app import Portal
from inspect_engine.web.security import Backoff
from tests.campaign_clock import KEY, Clock, announce_on_own_dates, at

SECRET = b"a test secret of the portal, 48 characters long.."
PASSWORD = "mật khẩu thử 2026"
LEAD, AUDITOR = "binh.tt", "kiem.toan"
PL1, PL2, PL3 = "PL1 Số liệu CCHC", "PL2 Nhiệm vụ được giao", "PL3 Lĩnh vực chủ trì"
# What Sở Tư pháp fills in (its three appendices), as tests/test_evidence.py does.
FILLED: dict[str, dict[str, Any]] = {
    PL1: {"C7": 12, "D7": 10, "E7": 83.3, "F7": "Còn 2 văn bản", "C8": 40, "D8": 40},
    PL2: {"B7": "Rà soát văn bản QPPL", "D7": date(2026, 9, 15), "E7": "Đang thực hiện"},
    PL3: {"C7": 31, "D7": "Đã hoàn thành", "E7": "Ban hành đủ văn bản hướng dẫn"},
}


@dataclass
class World:
    db_url: str
    clock: Clock
    uploads: Path
    cases: dict[str, int]  # unit code -> case id
    tokens: dict[str, str]  # unit code -> its link's token
    base_url: str = "http://testserver"

    def runtime(self) -> Any:
        return bootstrap(self.db_url, clock=self.clock)

    def portal(self, units_of_work: Any, **options: Any) -> Portal:
        return Portal(
            units_of_work, SECRET, self.uploads, self.base_url, clock=self.clock,
            backoff=options.pop("backoff", Backoff(clock=lambda: 0.0)), **options,
        )  # fmt: skip

    def forms(self, unit: str, cells: dict[str, dict[str, Any]] | None = None) -> bytes:
        """The unit's forms workbook, filled with `cells` as a spreadsheet would."""
        with self.runtime().unit_of_work() as uow:
            data = write_forms(uow, self.cases[unit], None)
        book = openpyxl.load_workbook(BytesIO(data))
        for sheet, values in (cells or {}).items():
            for ref, value in values.items():
                book[sheet][ref] = value
        out = BytesIO()
        book.save(out)
        return out.getvalue()


def make_world(folder: Path, units: tuple[str, ...] = ("STP", "SYT")) -> World:
    url = f"sqlite:///{folder / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    clock = announce_on_own_dates(url)
    clock.now = at(date(2026, 7, 29), 9)
    rt = bootstrap(url, clock=clock)
    with rt.unit_of_work() as uow:
        issue_due(uow, KEY, clock=clock)
        accounts.add_account(uow, LEAD, "lead", PASSWORD, clock=clock)
        accounts.add_account(uow, "lan.nt", "lead", PASSWORD, clock=clock)
        accounts.add_account(uow, AUDITOR, "auditor", PASSWORD, clock=clock)
        issued = {
            u: links.issue_link(uow, KEY, u, days=30, actor="van-thu", secret=SECRET, clock=clock)
            for u in units
        }
    clock.now = at(date(2026, 8, 3), 9)
    return World(
        url,
        clock,
        folder / "uploads",
        {u: i.case_id for u, i in issued.items()},
        {u: i.token for u, i in issued.items()},
    )


def events_of(world: World, case_id: int) -> list[Any]:
    from inspect_engine.storage.event_store import EventStore

    with world.runtime().unit_of_work() as uow, uow:
        return EventStore(uow.connection).events(case_id)


def payload_json(event: Any) -> str:
    return json.dumps(event.payload, ensure_ascii=False)


def copy_world(world: World, folder: Path) -> World:
    """The same world in another folder (its own database file, uploads and clock): a test
    may change it freely."""
    import shutil

    source = Path(world.db_url.removeprefix("sqlite:///"))
    shutil.copy(source, folder / "portal.db")
    return World(
        f"sqlite:///{folder / 'portal.db'}",
        Clock(world.clock.now),
        folder / "uploads",
        dict(world.cases),
        dict(world.tokens),
    )
