"""Eight processes for a minute of random actions on one campaign, on PostgreSQL: nothing lost,
no chain broken, every conflict reported as a conflict.

The processes (tests/load_child.py) advance cases through legal triggers with random actors,
move visits, import filled appendix workbooks, issue the documents due, fire the passed
deadlines and read cases as `case show` does, on a shared simulated clock, each logging every
action it believes committed (with the (case, seq, hash) of each event it wrote) and every
error it got. Afterwards:

- no event lost: every event a process logged as committed is in the log, with its hash;
- none written behind a process's back: every event written during the run is one that a
  process logged (an action that reported a failure wrote nothing);
- no chain broken, no derived row astray (tests/stored_state.py, `verify_campaign` first);
- every failure was the engine's ConflictError or an InputError refusing a request that the
  case, as it then stood, did not allow; never another exception.

It prints the throughput and the conflict counts (docs/benchmarks.md quotes them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, announce_on_own_dates
from tests.conftest import REPO
from tests.stored_state import problems

PROCESSES = 8
SECONDS = int(os.environ.get("INSPECT_LOAD_SECONDS", "60"))  # shorter: a quick look
TIMEOUT = SECONDS + 300.0  # only so that a hung process fails the test instead of hanging it
# The refusals a request may meet under load: it no longer fits the case as another process left
# it (a trigger not allowed in the new state, a guard that no longer passes), or the day the
# process read as free for the visit was taken meanwhile.
STALE = frozenset({"IllegalTrigger", "GuardRejected"})
SLOT_TAKEN = "already has"

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def stale(action: dict[str, Any]) -> bool:
    return action["error"] in STALE or (
        action["action"] == "reschedule" and SLOT_TAKEN in action["message"]
    )


def new_events(url: str, after: int) -> dict[tuple[int, int], dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT case_id, seq, hash, trigger, actor, payload FROM case_event "
                    "WHERE campaign_key = :k AND chain_seq > :after"
                ),
                {"k": KEY, "after": after},
            ).all()
    finally:
        engine.dispose()
    return {(r.case_id, r.seq): r._asdict() for r in rows}


def chain_length(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM case_event WHERE campaign_key = :k"), {"k": KEY}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_eight_processes_for_a_minute_lose_nothing(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    announce_on_own_dates(pg_url, announce=False)
    before = chain_length(pg_url)
    go = tmp_path / "go"
    logs = [tmp_path / f"process-{p}.jsonl" for p in range(1, PROCESSES + 1)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.load_child",
                pg_url,
                KEY,
                str(p),
                str(go),
                str(SECONDS),
                str(log),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p, log in enumerate(logs, start=1)
    ]
    for proc in procs:  # every process loaded, then all start at once
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready == "ready\n", ready + proc.stdout.read()[-3000:]
    epoch = time.time()
    (tmp_path / "go.tmp").write_text(repr(epoch))
    (tmp_path / "go.tmp").rename(go)
    outputs = [proc.communicate(timeout=TIMEOUT)[0] for proc in procs]
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-3000:]
    actions = [json.loads(line) for log in logs for line in log.read_text("utf-8").splitlines()]
    elapsed = max(a["t"] for a in actions) - epoch  # to the end of the last action

    errors = [a for a in actions if a.get("outcome") == "error"]
    assert not errors, f"{len(errors)} unexpected exceptions, the first:\n{errors[0]['traceback']}"
    refusals = [a for a in actions if a.get("outcome") == "refused"]
    odd = [a for a in refusals if not stale(a)]
    why = Counter(f"{a['action']} {a['error']}: {a['message'][:90]}" for a in odd)
    assert not odd, f"refused for a reason other than the case moving on: {why.most_common(8)}"

    written = new_events(pg_url, before)
    claimed: dict[tuple[int, int], str | None] = {}
    for action in actions:
        if action.get("outcome") != "committed":
            continue
        for case, seq, digest in action.get("events", []):
            assert (case, seq) not in claimed, f"two actions claim event {case}/{seq}"
            claimed[(case, seq)] = digest
    issued = {
        doc_id: case
        for a in actions
        if a["action"] == "issue"
        for doc_id, case, _ in a.get("documents", [])
    }
    for key, event in written.items():
        if event["trigger"] == "issue_document":
            payload = event["payload"]
            payload = json.loads(payload) if isinstance(payload, str) else payload
            doc_id = payload["document"]["id"]
            assert doc_id in issued, f"document {doc_id} issued by no process that said so"
            claimed[key] = event["hash"]
    lost = sorted(set(claimed) - set(written))
    assert not lost, f"{len(lost)} events logged as committed are not in the log: {lost[:10]}"
    changed = [k for k, h in claimed.items() if h is not None and written[k]["hash"] != h]
    assert not changed, f"events whose hash is not the one their process got: {changed[:10]}"
    unclaimed = sorted(set(written) - set(claimed))
    assert not unclaimed, f"{len(unclaimed)} events no process logged: {unclaimed[:10]}"

    found = problems(pg_url, KEY)
    assert found == [], "\n".join(found[:20])

    outcomes = Counter(a.get("outcome", a["action"]) for a in actions)
    writes = outcomes["committed"]
    conflicts = Counter(
        f"{a['action']}: {a['error']}" for a in actions if a.get("outcome") == "conflict"
    )
    refused = Counter(f"{a['action']}: {a['message'][:60]}" for a in refusals)
    by_trigger = Counter(written[k]["trigger"] for k in written)
    print(
        f"\n{PROCESSES} processes, {elapsed:.0f} s on PostgreSQL: {len(actions):,} actions "
        f"({len(actions) / elapsed:,.1f}/s), {writes:,} committed writes "
        f"({writes / elapsed:,.1f}/s), "
        f"{len(written):,} events ({len(written) / elapsed:,.1f}/s), "
        f"{outcomes['read']:,} reads, {outcomes['idle']:,} with nothing to do"
    )
    print(f"conflicts: {sum(conflicts.values())} ({dict(conflicts)})")
    print(f"refused as the case had moved on: {len(refusals)} ({dict(refused.most_common(6))})")
    print(f"events by trigger: {dict(by_trigger.most_common())}")
    assert writes > 0 and sum(conflicts.values()) > 0, "the processes never met: no load"
