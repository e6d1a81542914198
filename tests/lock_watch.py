"""Seeing a writer queue for a lock, for the contract tests of the stores.

`watch(conn)` is called on a writer's connection before it writes and returns a function that
returns once that writer waits for the lock (PostgreSQL shows it in pg_stat_activity), or has
asked for it (SQLite cannot show a waiting connection: its trace hook fires as the writer's
first statement starts, which must be the one that takes the write lock, or a read under a
deferred BEGIN could be stale).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

WAIT_S = 30  # how long a test waits for another thread before calling it hung (not a timing check)
Watcher = Callable[[], None]


def sqlite_watch(conn: Connection, who: str) -> Watcher:
    first: list[str] = []
    asked = threading.Event()
    driver: Any = conn.connection.driver_connection

    def trace(sql: str) -> None:
        if not first:
            first.append(sql)
            asked.set()

    driver.set_trace_callback(trace)

    def wait() -> None:
        assert asked.wait(WAIT_S), f"the {who} never asked for the lock"
        assert first[0].upper().startswith("BEGIN IMMEDIATE"), first[0]

    return wait


def postgres_watch(conn: Connection, who: str) -> Watcher:
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    engine = conn.engine

    def wait() -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            with engine.connect() as monitor:  # a new snapshot of pg_stat_activity each time
                waiting = monitor.execute(
                    text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid},
                ).scalar()
            if waiting == "Lock":
                return
            time.sleep(0.01)
        raise AssertionError(f"the {who} never waited for the lock")

    return wait
