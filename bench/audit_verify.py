"""Audit verify over a campaign of 1,000,000 events, and the replay of one of its 100-event cases
as of a date, each beside a raw baseline measured in the same run.

The campaign: 10,000 units (the example campaign's settings over 9,993 synthetic communes and
its 7 departments), each case opened by `campaign create` (the engine's own `open` events),
then moved 99 times in `planned` (`reschedule` events with a date and a reason, what the planner
and people write), round-robin over the cases as a campaign's days interleave them. The moves
are sealed into both chains with domain/events.py `seal` and written by the event store's
`append_many`, 10,000 a transaction (the rows and case heads exactly as the engine writes
them, without a million transactions of rules). Built once, in about a minute, and kept under
bench/data/cache/ (gitignored), named by the schema revision and this generator's version.

Verify: `services.audit.verify_campaign` on the campaign (both chains, every case replayed
against its row), in events per second. Raw baseline: sqlite3 reading the same rows in chain
order and taking one SHA-256 of each row's fields, nothing else. Interleaved rounds, the best
of each (noise only slows a run down). Peak memory: this process's ru_maxrss after the runs.

Replay: `services.audit.show_case(uow, case, as_of=...)` of one 100-event case as of the day
of its 50th event (its chain verified, its state as of then), in a warm process; the median of
`--replays` calls, the first call beside it. Raw baseline: sqlite3 reading the case's rows and
one SHA-256 each.

Run: .venv/bin/python bench/audit_verify.py [--rebuild] [--rounds N] [--replays N]
Targets: verify >= 0.5x the raw baseline; the replay <= 50 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)  # bench/ holds a transitions.py of its own: the repository first

from bench.report import record  # noqa: E402
from inspect_engine.bootstrap import bootstrap  # noqa: E402
from inspect_engine.domain.events import Event, seal  # noqa: E402
from inspect_engine.services import audit, campaigns, units  # noqa: E402
from inspect_engine.services.case_facts import campaign_spec  # noqa: E402
from inspect_engine.settings import data_dir  # noqa: E402
from inspect_engine.storage.db import SCHEMA_REVISION, make_engine, upgrade  # noqa: E402
from inspect_engine.storage.event_store import EventStore  # noqa: E402

CACHE = REPO / "bench" / "data" / "cache"
GENERATOR = 1  # bump when the database built here changes
KEY = "hanoi-2026"
CASES = 10_000
EVENTS_PER_CASE = 100
OPENED = datetime(2026, 7, 27, 1, 0, tzinfo=UTC)
LEADS = ("Trần Thị Bình", "Lê Văn Cường", "Phạm Thu Hà")
REASONS = (
    "Đơn vị đề nghị dời lịch do trùng hội nghị tổng kết của Ủy ban nhân dân cấp trên",
    "Đoàn kiểm tra điều chỉnh lịch công tác",
    "Lên lịch kiểm tra theo Kế hoạch 210/KH-UBND",
    "Dời lịch theo đề nghị của đơn vị (Công văn số 45/UBND-VP ngày 12/8/2026)",
)
FIELDS = (
    "case_id, seq, campaign_key, chain_seq, trigger, from_state, to_state, actor, role, at, "
    "payload, effects, workflow_name, workflow_version, prev_hash, hash, chain_prev_hash, "
    "chain_hash"
)


def database(rebuild: bool) -> Path:
    """The cached 1,000,000-event database, built if missing."""
    path = CACHE / f"verify-{CASES * EVENTS_PER_CASE}-r{SCHEMA_REVISION}-g{GENERATOR}.db"
    if path.exists() and not rebuild:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("verify-*.db*"):
        old.unlink()
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    build(partial)
    partial.rename(path)
    print(
        f"built {path.relative_to(REPO)} in {time.perf_counter() - started:.0f} s "
        f"({path.stat().st_size / 2**20:,.0f} MB)",
        flush=True,
    )
    return path


def build(path: Path) -> None:
    from bench.notices import national_campaign

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    clock = lambda: OPENED  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        campaign, units_csv, _ = national_campaign(Path(tmp), CASES - 7)
        with bootstrap(url, clock=clock).unit_of_work() as uow:
            units.import_units(uow, units_csv, clock=clock)
            campaigns.create_campaign(
                uow, campaign, workflows_dirs=[data_dir("workflows")], clock=clock
            )
            append_moves(uow)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def append_moves(uow: object) -> None:
    """99 sealed `reschedule` events a case, one round of every case a transaction."""
    from inspect_engine.storage.uow import UnitOfWork

    assert isinstance(uow, UnitOfWork)
    with uow:
        store = EventStore(uow.connection)
        heads = store.cases(KEY)
        chain_seq, chain_hash = store.chain_head(KEY)
        spec, calendar = campaign_spec(uow.connection, KEY)
    assert len(heads) == CASES, len(heads)
    days = calendar.working_days(spec.window_start, spec.window_end)
    last: dict[int, tuple[str, int, str]] = {h.id: (h.last_hash, h.version, "") for h in heads}
    for seq in range(2, EVENTS_PER_CASE + 1):
        batch = []
        for k, head in enumerate(heads):
            prev, version, _ = last[head.id]
            day = days[(k * 7 + seq * 3) % len(days)].isoformat()
            draft = Event(
                campaign_key=KEY,
                case_id=head.id,
                seq=seq,
                trigger="reschedule",
                from_state="planned",
                to_state="planned",
                actor=LEADS[k % len(LEADS)],
                role="team_lead",
                at=OPENED + timedelta(hours=seq, microseconds=k),
                payload={"visit_date": day, "reason": REASONS[(k + seq) % len(REASONS)]},
                workflow=head.workflow_name,
                workflow_version=head.workflow_version,
            )
            chain_seq += 1
            event = seal(draft, prev_hash=prev, chain_seq=chain_seq, chain_prev_hash=chain_hash)
            chain_hash = event.chain_hash
            batch.append((event, version))
            last[head.id] = (event.hash, version + 1, day)
        with uow:
            EventStore(uow.connection).append_many(batch)
            uow.commit()
    lead = spec.lead_times
    with uow:  # the plan slot follows the last move, as services/visit_moves.py writes it
        moves = []
        for case_id, (_, _, day) in last.items():
            visit = datetime.fromisoformat(day).date()
            notice = calendar.add_working_days(visit, -lead.notice_working_days)
            evidence = calendar.add_working_days(visit, -lead.evidence_working_days)
            moves.append((day, notice.isoformat(), evidence.isoformat(), case_id))
        cursor = uow.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(
            "UPDATE inspection_case SET visit_date = ?, notice_due = ?, evidence_due = ? "
            "WHERE id = ?",
            moves,
        )
        uow.commit()


def raw_verify(path: Path) -> tuple[float, int]:
    """Seconds to read every event row of the campaign in chain order and hash each."""
    conn = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        rows = conn.execute(
            f"SELECT {FIELDS} FROM case_event WHERE campaign_key = ? ORDER BY chain_seq", (KEY,)
        )
        sha256 = hashlib.sha256
        n = 0
        for row in rows:
            sha256("\x1f".join(map(str, row)).encode()).digest()
            n += 1
        return time.perf_counter() - started, n
    finally:
        conn.close()


def engine_verify(url: str) -> tuple[float, int, int]:
    """Seconds of `verify_campaign`, the events it checked and the problems it found."""
    with bootstrap(url).unit_of_work() as uow:
        started = time.perf_counter()
        result = audit.verify_campaign(uow, KEY)
        return time.perf_counter() - started, result.events, len(result.problems)


def raw_case(path: Path, case_id: int) -> float:
    conn = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        rows = conn.execute(
            f"SELECT {FIELDS} FROM case_event WHERE case_id = ? ORDER BY seq", (case_id,)
        )
        for row in rows:
            hashlib.sha256("\x1f".join(map(str, row)).encode()).digest()
        return time.perf_counter() - started
    finally:
        conn.close()


def replays(url: str, path: Path, count: int) -> tuple[list[float], float, str]:
    """Seconds of each `show_case` as of the day of the 50th event of a case in the middle of
    the campaign; the best raw read of its rows; the state replayed."""
    case_id = CASES // 2
    as_of = OPENED + timedelta(hours=EVENTS_PER_CASE // 2, minutes=30)
    times, raw = [], []
    state = ""
    with bootstrap(url).unit_of_work() as uow:
        for _ in range(count):
            raw.append(raw_case(path, case_id))
            started = time.perf_counter()
            view = audit.show_case(uow, case_id, as_of=as_of)
            times.append(time.perf_counter() - started)
            assert len(view.events) == EVENTS_PER_CASE // 2 and not view.problems, view.problems
            state = view.state
    return times, min(raw), state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved verify rounds")
    parser.add_argument("--replays", type=int, default=30, help="show_case calls")
    args = parser.parse_args()
    path = database(args.rebuild)
    url = f"sqlite:///{path}"
    raw_verify(path)  # the file into the page cache, so that neither side pays the disk
    raws, engines = [], []
    for r in range(args.rounds):
        raw_s, rows = raw_verify(path)
        engine_s, events, problems = engine_verify(url)
        raws.append(rows / raw_s)
        engines.append(events / engine_s)
        print(
            f"round {r + 1}: raw {rows / raw_s:,.0f} rows/s ({raw_s:.1f} s), verify "
            f"{events / engine_s:,.0f} events/s ({engine_s:.1f} s), {problems} problems",
            flush=True,
        )
        assert problems == 0 and events == rows == CASES * EVENTS_PER_CASE
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record(
        f"audit verify, one campaign of {CASES * EVENTS_PER_CASE:,} events in {CASES:,} "
        "cases (SQLite)",
        max(engines),
        "events/s",
        baseline=max(raws),
        target=">= 0.5x",
        note=f"{CASES * EVENTS_PER_CASE / max(engines):.1f} s; peak memory {peak:,.0f} MB",
    )
    times, raw, state = replays(url, path, args.replays)
    record(
        f"replay of a {EVENTS_PER_CASE}-event case as of a date (show_case --as-of)",
        statistics.median(times) * 1000,
        "ms",
        baseline=raw * 1000,
        target="<= 50 ms",
        note=f"median of {len(times)}, first call {times[0] * 1000:.1f} ms; state then: {state}",
    )


if __name__ == "__main__":
    main()
