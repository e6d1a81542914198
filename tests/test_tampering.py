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

from inspect_engine.bootstrap import bootstrap
from inspect_engine.cli.demo_story import start_of
from inspect_engine.domain.verification import Problem, merged
from inspect_engine.services import anchors, audit, campaigns, cases, units
from inspect_engine.services.planning.make import make_plan
from inspect_engine.services.simulation.run import simulate
from inspect_engine.services.team_decisions import record_decision
from inspect_engine.settings import data_dir
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


def verify(path: Path, anchor: dict[str, object] | None) -> list[Problem]:
    with bootstrap(f"sqlite:///{path}").unit_of_work() as uow:
        found = list(audit.verify_campaign(uow, KEY).found)
        if anchor is not None:
            found = merged([*found, *anchors.verify_against(uow, anchor)])
    return found


def tampered(source: Path, target: Path, name: str, seed: int) -> int | None:
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
