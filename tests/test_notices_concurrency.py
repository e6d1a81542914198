"""Issuing under a kill and under a second issuer, in real processes: every document once,
numbered without a gap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import Engine, text

from tests.conftest import Cli
from tests.test_notices import announce_all, documents, register_numbers
from tests.test_workflow_v2 import planned  # noqa: F401  (the fixture)


def _issue(url: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "inspect_engine", "--db", url, "notices", "issue", "hanoi-2026"]
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM document")).scalar_one())


def _whole(cli: Cli) -> None:
    """Every document the log asks for, once, numbered 125.. without a gap."""
    docs = documents(cli)
    assert Counter(d["kind"] for d in docs) == {
        "quyet-dinh-thanh-lap-doan": 3,
        "thong-bao-kiem-tra": 141,
    }
    assert register_numbers(docs) == list(range(125, 125 + len(docs)))
    sources = [d["source"] for d in docs]
    assert len(set(sources)) == len(sources)
    assert cli("case", "verify", "hanoi-2026").exit_code == 0


def test_a_killed_issuer_leaves_no_gap_and_no_duplicate(planned: Cli, engine: Engine) -> None:  # noqa: F811
    announce_all(planned)
    process = _issue(planned.url)
    deadline = time.monotonic() + 60
    while _count(engine) < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = _count(engine)
    assert killed_at < 3 + 141, "the issuer finished before the kill: nothing was tested"
    again = planned("notices", "issue", "hanoi-2026")
    assert again.exit_code == 0, again.stderr
    assert f"issued {3 + 141 - killed_at} documents" in again.stdout
    _whole(planned)


def test_two_issuers_at_once_issue_each_document_once(planned: Cli) -> None:  # noqa: F811
    announce_all(planned)
    first, second = _issue(planned.url), _issue(planned.url)
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    _whole(planned)
