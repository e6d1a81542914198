"""Two people move two visits of one team to the same free day at once, on PostgreSQL: one move
is made, the other is refused because the day is taken; the team is never booked twice.

The test holds the campaign's append lock while both processes start, and lets go once both
wait on it. A move takes that lock before it checks the team's day and before it updates the
case row (services/cases.py `apply_request`), so the second checks the day after the first
has committed. (Before, both checked first and then queued for the lock: both were written.
The load test, tests/test_load.py, met the other side of that order: an issuer holding the
lock deadlocked with a move that had updated its case row first.) SQLite takes its write lock
before a command reads anything, so its moves never overlap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from inspect_engine.domain.calendar import WorkingCalendar
from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, LEAD, announce_on_own_dates
from tests.test_concurrency import _wait_for_blocked

pytestmark = pytest.mark.postgres


def _move(url: str, case: int, data: Path) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "inspect_engine", "--db", url, "case", "advance", str(case)]
    args += ["reschedule", "--actor", LEAD, "--role", "team_lead", "--data-file", str(data)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def test_two_moves_to_one_free_day_book_the_team_once(
    engine: Engine, pg_url: str, tmp_path: Path
) -> None:
    db_url = pg_url
    announce_on_own_dates(db_url, announce=False)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, plan_team, visit_date FROM inspection_case ORDER BY id")
        ).all()
    team = rows[0].plan_team
    cases = [r.id for r in rows if r.plan_team == team][:2]
    busy = {r.visit_date for r in rows if r.plan_team == team}
    days = WorkingCalendar([2026]).working_days(date(2026, 9, 1), date(2026, 12, 31))
    day = next(d for d in days if d not in busy)
    data = tmp_path / "move.json"
    data.write_text(
        json.dumps({"visit_date": day.isoformat(), "reason": "Đơn vị đề nghị dời lịch"}),
        encoding="utf-8",
    )

    holder = engine.connect()
    held = holder.begin()
    holder.execute(text("SELECT key FROM campaign WHERE key = :k FOR NO KEY UPDATE"), {"k": KEY})
    procs = [_move(db_url, case, data) for case in cases]
    try:
        _wait_for_blocked(engine, 2)
    finally:
        held.rollback()
        holder.close()
    outcomes = sorted((p.wait(timeout=120), *p.communicate()) for p in procs)
    (made, made_out, _), (refused, _, why) = outcomes
    assert (made, refused) == (0, 2), outcomes
    assert "planned -> planned" in made_out
    assert f"{team} already has 1 visit on {day:%d/%m/%Y}" in why
    assert "Traceback" not in why
    with engine.connect() as conn:
        booked = Counter(
            t
            for (t,) in conn.execute(
                text("SELECT plan_team FROM inspection_case WHERE visit_date = :d"), {"d": day}
            )
        )
    assert booked[team] == 1
