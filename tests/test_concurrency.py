"""Two real processes fire on one case at once: exactly one wins, the other gets a conflict.

The test holds the case's write lock while both processes start, so both read version 1 before
either can write; then it lets go. On PostgreSQL it waits until both are seen blocked on the
lock; SQLite cannot show that, so it gives them a moment (either way the loser's error is the
same, because both act on the version they read).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.conftest import EXAMPLES, Cli


def _spawn(url: str, case: int, actor: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "inspect_engine", "--db", url, "case", "advance", str(case)]
    args += ["announce", "--actor", actor, "--role", "team_lead", "--expect-version", "1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _wait_for_blocked(engine: Engine, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the two processes never blocked on the case lock")


def test_two_processes_advancing_one_case(
    cli: Cli, engine: Engine, db_url: str, hanoi_v1: Path
) -> None:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    case = json.loads(cli("case", "list", "hanoi-2026", "--json").stdout)[0]["id"]

    if engine.dialect.name == "sqlite":
        path = make_url(db_url).database
        assert path
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        procs = [_spawn(db_url, case, "a"), _spawn(db_url, case, "b")]
        time.sleep(3)  # both start, read version 1 and queue for the write lock
        holder.execute("ROLLBACK")
        holder.close()
    else:
        conn = engine.connect()
        trans = conn.begin()
        conn.execute(text("SELECT id FROM inspection_case WHERE id = :c FOR UPDATE"), {"c": case})
        procs = [_spawn(db_url, case, "a"), _spawn(db_url, case, "b")]
        _wait_for_blocked(engine, 2)
        trans.rollback()
        conn.close()

    outcomes = sorted((p.wait(timeout=120), *p.communicate()) for p in procs)
    (ok_code, ok_out, _), (lost_code, _, lost_err) = outcomes
    assert (ok_code, lost_code) == (0, 2), outcomes
    assert "announced" in ok_out
    assert "changed since you read it" in lost_err
    assert "Traceback" not in lost_err
    events = json.loads(cli("case", "show", str(case), "--json").stdout)["events"]
    assert [e["trigger"] for e in events] == ["open", "announce"]
    assert cli("case", "verify", "hanoi-2026").exit_code == 0


_WORKER = """
import sys, time
from inspect_engine.services import cases
from inspect_engine.storage.db import make_engine
from inspect_engine.storage.uow import UnitOfWork
url, start, ids = sys.argv[1], float(sys.argv[2]), [int(i) for i in sys.argv[3:]]
uow = UnitOfWork(make_engine(url))
request = cases.Request("reschedule", "worker", "team_lead", {"visit_date": "2026-10-01"})
while time.time() < start:  # both processes begin together
    time.sleep(0.001)
for k in range(600):
    cases.advance(uow, ids[k % len(ids)], request)
uow.close()
"""


def test_two_processes_on_different_cases_share_the_campaign_chain(
    cli: Cli, db_url: str, hanoi_v1: Path
) -> None:
    """Both append to the one campaign chain at full speed: appends of a campaign are
    serialised, so neither process fails and no position is taken twice."""
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    ids = [c["id"] for c in json.loads(cli("case", "list", "hanoi-2026", "--json").stdout)]
    start = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, db_url, start, *map(str, half)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in (ids[:20], ids[20:40])
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    verified = json.loads(cli("case", "verify", "hanoi-2026", "--json").stdout)
    assert verified["valid"], verified["problems"]
    assert verified["events"] == 141 + 2 * 600
