"""Tampering: every kind of change an operator with write access can make is found by
`audit verify` (given an anchor taken before it), and named by the case it concerns.

The campaign is the Hanoi example cut to its 15 departments, simulated from the plan to 31/12,
so it has every kind of record: reschedules, submissions, minutes, conclusions, re-inspections,
deadlines fired and cancelled, documents issued, team decisions.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli.demo_story import start_of
from inspect_engine.domain.verification import Problem, merged
from inspect_engine.services import anchors, audit, campaigns, cases, units
from inspect_engine.services.planning.make import make_plan
from inspect_engine.services.simulation.run import simulate
from inspect_engine.services.team_decisions import record_decision
from inspect_engine.settings import data_dir
from inspect_engine.storage.db import make_engine
from inspect_engine.storage.uow import UnitOfWork
from tests.conftest import EXAMPLES, HANOI, Cli
from tests.tampering import KINDS

KEY = "hanoi-2026"


def simulated_departments(path: Path, campaign_file: Path) -> None:
    url = f"sqlite:///{path}"
    clock = start_of(date(2026, 7, 27))
    with bootstrap(url, clock=clock).unit_of_work(schema="upgrade") as uow:
        units.import_units(uow, EXAMPLES / "hanoi-units.csv", clock=clock)
        campaigns.create_campaign(
            uow, campaign_file, workflows_dirs=[data_dir("workflows")], clock=clock
        )
        make_plan(uow, KEY, as_of=date(2026, 7, 27), clock=clock)
        for team in (1, 2, 3):
            decision = json.loads((EXAMPLES / "decisions" / f"doan-{team}.json").read_text())
            record_decision(uow, KEY, decision, actor="van-thu", clock=clock)
        clock.at(date(2026, 7, 28), 8)
        request = cases.Request("announce", "Trần Thị Bình", "team_lead")
        cases.advance_all(uow, KEY, "planned", request, clock=clock)
        simulate(uow, KEY, until=date(2026, 12, 31), seed=7)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The simulated campaign's database, and an anchor of it taken at the end."""
    folder = tmp_path_factory.mktemp("tamper")
    campaign = folder / "departments.toml"
    text = HANOI.read_text(encoding="utf-8")
    campaign.write_text(text.replace('kinds = ["department", "commune"]', 'kinds = ["department"]'))
    path = folder / "simulated.db"
    simulated_departments(path, campaign)
    key = anchors.AnchorKey(anchors.Ed25519PrivateKey.generate(), folder / "k.pem", False)
    with bootstrap(f"sqlite:///{path}").unit_of_work() as uow:
        anchor = anchors.make_anchor(uow, KEY, key)
    return path, anchor


# One engine per copy's path, kept across trials: the copy is replaced under it between
# trials (its pool emptied first), and SQLAlchemy's compiled statements stay warm.
_engines: dict[Path, Engine] = {}


def verify(path: Path, anchor: dict[str, object] | None) -> list[Problem]:
    engine = _engines.get(path)
    if engine is None:
        engine = _engines[path] = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    try:
        found = list(audit.verify_campaign(uow, KEY).found)
        if anchor is not None:
            found = merged([*found, *anchors.verify_against(uow, anchor)])
        return found
    finally:
        uow.close()
        engine.dispose()


def tampered(source: Path, target: Path, name: str, seed: int) -> int | None:
    for leftover in (
        target.with_name(target.name + "-wal"),
        target.with_name(target.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    try:
        concerned = KINDS[name](conn, random.Random(seed))
        conn.commit()
    finally:
        conn.close()
    return concerned


def named(problems: list[Problem], concerned: int | None) -> bool:
    """The problems name the tampered case (or the campaign, for its own records)."""
    return any(p.case_id == concerned for p in problems)


def test_an_untouched_simulated_history_verifies_clean(simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, anchor = simulated
    assert verify(path, anchor) == []
    with sqlite3.connect(path) as conn:
        kinds = dict(conn.execute("SELECT trigger, count(*) FROM case_event GROUP BY trigger"))
    # A history with every kind of record the tamperings touch.
    for trigger in ("open", "reschedule", "announce", "receive_submission", "record_visit",
                    "approve_conclusion", "issue_document", "deadline"):  # fmt: skip
        assert kinds.get(trigger, 0) > 0, trigger


def test_the_anchor_is_signed_and_a_changed_anchor_is_refused(simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, anchor = simulated
    file = tmp_path / "anchor.json"
    anchors.write_anchor(anchor, file)
    assert anchors.read_anchor(file)["chain"] == anchor["chain"]
    forged = json.loads(file.read_text())
    forged["chain"]["seq"] -= 1
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    with pytest.raises(Exception, match="signature does not verify"):
        anchors.read_anchor(tmp_path / "forged.json")
    with pytest.raises(Exception, match="another key"):
        anchors.read_anchor(file, trusted_key="A" * 43 + "=")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kind_of_tampering_is_found_and_named(simulated, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path, anchor = simulated
    copy = tmp_path / "t.db"
    concerned = tampered(path, copy, name, seed=1)
    problems = verify(copy, anchor)
    lines = "\n".join(p.line() for p in problems)
    assert problems, f"{name}: not found"
    assert named(problems, concerned), f"{name}: case {concerned} not named in\n{lines}"
    # One tampering is one finding (a few at most), not a line per later event.
    assert len(problems) <= 6, lines


@pytest.mark.slow
def test_a_thousand_random_tamperings_are_all_found(simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, anchor = simulated
    rng = random.Random(2026)
    names = sorted(KINDS)
    missed: list[str] = []
    unnamed: list[str] = []
    counts: Counter[str] = Counter()
    copy = tmp_path / "t.db"
    for trial in range(1000):
        name = rng.choice(names)
        counts[name] += 1
        concerned = tampered(path, copy, name, seed=trial)
        problems = verify(copy, anchor)
        if not problems:
            missed.append(f"{trial}: {name}")
        elif not named(problems, concerned):
            unnamed.append(f"{trial}: {name} (case {concerned})")
    print(f"\n1000 tamperings of {len(names)} kinds: {1000 - len(missed)} found, "
          f"{1000 - len(missed) - len(unnamed)} named the right case")  # fmt: skip
    assert not missed and not unnamed, (missed[:10], unnamed[:10])


def test_audit_verify_cli_names_the_case_and_the_anchor(simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, anchor = simulated
    file = tmp_path / "anchor.json"
    anchors.write_anchor(anchor, file)
    copy = tmp_path / "t.db"
    concerned = tampered(path, copy, "event actor edited, both chains re-sealed", seed=3)
    cli = Cli(f"sqlite:///{copy}")
    plain = cli("audit", "verify", KEY)
    result = cli("audit", "verify", KEY, "--anchor", str(file))
    assert result.exit_code == 1
    assert f"case {concerned} event" in result.stdout and "re-sealed" in result.stdout
    # Without the anchor a re-sealed history is consistent: that is what anchors are for.
    assert plain.exit_code == 0, plain.stdout


@pytest.mark.parametrize(
    "name", ["event payload edited", "case planned date changed", "document letter edited",
             "deadline row deleted", "event deleted from the middle of a case"],
)  # fmt: skip
def test_case_show_of_a_damaged_case_never_says_valid(simulated, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path, _ = simulated
    copy = tmp_path / "t.db"
    concerned = tampered(path, copy, name, seed=5)
    shown = Cli(f"sqlite:///{copy}")("case", "show", str(concerned))
    assert "chain: valid" not in shown.stdout and "valid" not in shown.stdout.splitlines()[-1]


def test_audit_anchor_creates_a_key_in_the_data_folder_and_says_where(  # type: ignore[no-untyped-def]
    simulated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = simulated
    monkeypatch.setenv("INSPECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INSPECT_ANCHOR_KEY", raising=False)
    cli = Cli(f"sqlite:///{path}")
    first = cli("audit", "anchor", KEY, "--out", str(tmp_path / "a.json"))
    assert first.exit_code == 0, first.stderr
    key_file = tmp_path / "data" / "anchor-key.pem"
    assert f"created the anchor key {key_file}" in first.stdout
    assert key_file.stat().st_mode & 0o077 == 0  # the user's only
    second = cli("audit", "anchor", KEY, "--out", str(tmp_path / "b.json"))
    assert "created" not in second.stdout  # the same key, reused
    assert (
        json.loads((tmp_path / "a.json").read_text())["public_key"]
        == json.loads((tmp_path / "b.json").read_text())["public_key"]
    )
    result = cli("audit", "verify", KEY, "--anchor", str(tmp_path / "a.json"))
    assert result.exit_code == 0 and "extends the anchor of" in result.stdout
    bad = cli("audit", "anchor", KEY, "--out", str(tmp_path / "c.json"), "--key", str(path))
    assert bad.exit_code == 2 and "not an unencrypted PEM private key" in bad.stderr


def test_the_worker_anchors_when_due_and_the_history_moved(simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    path, _ = simulated
    copy = tmp_path / "w.db"
    shutil.copyfile(path, copy)
    key = anchors.AnchorKey(anchors.Ed25519PrivateKey.generate(), tmp_path / "k.pem", False)
    schedule = anchors.AnchorSchedule(tmp_path / "anchors", timedelta(hours=24), key)
    now = [datetime(2027, 1, 5, 8, tzinfo=UTC)]
    runtime = bootstrap(f"sqlite:///{copy}", clock=lambda: now[0])
    with runtime.unit_of_work() as uow:
        first = anchors.anchor_if_due(uow, KEY, schedule, clock=runtime.clock)
        assert first is not None and first.parent == tmp_path / "anchors" / KEY
        now[0] += timedelta(hours=2)
        assert anchors.anchor_if_due(uow, KEY, schedule, clock=runtime.clock) is None  # too soon
        now[0] += timedelta(days=1)
        assert anchors.anchor_if_due(uow, KEY, schedule, clock=runtime.clock) is None  # no change
        with sqlite3.connect(copy) as conn:
            open_case = conn.execute(
                "SELECT id FROM inspection_case WHERE state NOT IN ('closed', 'cancelled')"
            ).fetchone()[0]
        moved = cases.Request("cancel", "Trần Thị Bình", "team_lead", {"reason": "Giải thể"})
        cases.advance(uow, open_case, moved, clock=runtime.clock)
        second = anchors.anchor_if_due(uow, KEY, schedule, clock=runtime.clock)
    assert second is not None and second != first
    assert (
        json.loads(second.read_text())["chain"]["seq"]
        == json.loads(first.read_text())["chain"]["seq"] + 1
    )


@pytest.mark.parametrize("with_fingerprint", [False, True])
def test_nothing_fires_through_a_definition_edited_in_the_database(  # type: ignore[no-untyped-def]
    simulated, tmp_path: Path, with_fingerprint: bool
) -> None:
    path, _ = simulated
    copy = tmp_path / "t.db"
    tampered(path, copy, "stored workflow edited: role unit may announce (fingerprint updated)", 1)
    if not with_fingerprint:  # the text edited, its fingerprint column left as registered
        with sqlite3.connect(path) as source, sqlite3.connect(copy) as conn:
            fingerprint = source.execute("SELECT fingerprint FROM workflow_definition").fetchall()
            conn.execute("UPDATE workflow_definition SET fingerprint = ?", fingerprint[-1])
    cli = Cli(f"sqlite:///{copy}")
    with sqlite3.connect(copy) as conn:
        open_case = conn.execute(
            "SELECT id FROM inspection_case WHERE state NOT IN ('closed', 'cancelled')"
        ).fetchone()[0]
    result = cli("case", "advance", str(open_case), "cancel", "--actor", "x", "--role", "team_lead")
    assert result.exit_code == 1, result.stdout
    assert "edited in the database; nothing fires through it" in result.stderr
