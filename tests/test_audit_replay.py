"""`audit replay`: the moments an auditor may name, and the workflow version then in force (a
`migrate` event changes it), on each backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.moments import parse_moment
from inspect_engine.settings import DISPLAY_TZ
from tests.campaign_clock import Clock, at
from tests.conftest import EXAMPLES, REPO, Cli

VN = DISPLAY_TZ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-15", datetime(2026, 10, 15, 23, 59, 59, 999999, VN)),
        ("15/10/2026", datetime(2026, 10, 15, 23, 59, 59, 999999, VN)),
        ("5/8/2026", datetime(2026, 8, 5, 23, 59, 59, 999999, VN)),
        ("2026-10-15T14:00", datetime(2026, 10, 15, 14, 0, tzinfo=VN)),
        ("2026-10-15 14:00:30", datetime(2026, 10, 15, 14, 0, 30, tzinfo=VN)),
        ("15/10/2026 14:00", datetime(2026, 10, 15, 14, 0, tzinfo=VN)),
        ("15/10/2026 9:05", datetime(2026, 10, 15, 9, 5, tzinfo=VN)),
        ("2026-10-15T07:00Z", datetime(2026, 10, 15, 7, 0, tzinfo=UTC)),
        ("2026-10-15T14:00+07:00", datetime(2026, 10, 15, 7, 0, tzinfo=UTC)),
        ("15/10/2026 09:00 +0100", datetime(2026, 10, 15, 8, 0, tzinfo=UTC)),
        ("2026-10-15T14:00:00.25", datetime(2026, 10, 15, 14, 0, 0, 250000, VN)),
    ],
)
def test_moments_an_auditor_names(text: str, expected: datetime) -> None:
    moment = parse_moment(text, VN)
    assert moment == expected and moment.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-13-01", "not a real date"),
        ("31/02/2026", "not a real date"),
        ("2026-10-15T25:00", "not a real time of day"),
        ("2026-10-15T14:00+15:00", "no real UTC offset"),
        ("15.10.2026", "is not a moment"),
        ("yesterday", "is not a moment"),
        ("", "is not a moment"),
    ],
)
def test_moments_that_are_not(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_moment(text, VN)


def test_a_day_alone_is_its_end_in_the_zone_given() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert parse_moment("2026-10-15", plus_one).utcoffset() == timedelta(hours=1)
    assert parse_moment("2026-10-15", VN) > parse_moment("2026-10-15T23:59:59", VN)


def test_replay_follows_the_workflow_version_through_a_migration(cli: Cli, hanoi_v1: Path) -> None:
    """A v1 case asked for its evidence, then moved to v2: before the move it is in v1's state
    with v1's label, after it in v2's."""
    from inspect_engine.services import campaigns, cases, migration, units
    from inspect_engine.services.audit_replay import replay_case

    clock = Clock(at(date(2026, 7, 27)))
    runtime = bootstrap(cli.url, clock=clock)
    dirs = [REPO / "workflows"]
    with runtime.unit_of_work() as uow:
        units.import_units(uow, EXAMPLES / "hanoi-units.csv", clock=clock)
        campaigns.create_campaign(uow, hanoi_v1, workflows_dirs=dirs, clock=clock)
        for day, trigger in (
            (date(2026, 7, 28), "announce"),
            (date(2026, 7, 29), "request_evidence"),
        ):
            clock.now = at(day)
            cases.advance(uow, 1, cases.Request(trigger, "lan", "team_lead"), clock=clock)
        clock.now = at(date(2026, 8, 3))
        moves = {"evidence_requested": "announced", "findings": "findings_drafted"}
        migration.migrate(
            uow, "cchc-inspection", 1, 2, moves, actor="lan", role="team_lead",
            workflows_dirs=dirs, clock=clock,
        )  # fmt: skip
        before = replay_case(uow, 1, parse_moment("2026-08-02", VN))
        after = replay_case(uow, 1, parse_moment("2026-08-03", VN))
        first = replay_case(uow, 1, parse_moment("28/07/2026 08:00", VN))
    assert (before.state, before.workflow_version, before.version) == ("evidence_requested", 1, 3)
    assert before.state_label == "Đơn vị chuẩn bị hồ sơ, báo cáo"
    assert (after.state, after.workflow_version, after.version) == ("announced", 2, 4)
    assert after.state_label == "Đã gửi thông báo, đơn vị chuẩn bị báo cáo và phụ lục"
    assert (first.state, first.workflow_version) == ("announced", 1)
    assert first.state_label == "Đã gửi thông báo kiểm tra"
    # v1 recorded no due dates: its deadlines were never rows, and replay finds none either.
    assert before.deadlines == [] and after.deadlines == []
    # The notice v1 asked for was not issued (`notices issue` was not run): replay says so.
    assert [a.kind for a in first.awaited_documents] == ["thong-bao-kiem-tra"]
    shown = cli("audit", "replay", "1", "--at", "2026-08-02", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert (
        '"workflow_version": 1' in shown.stdout and '"state": "evidence_requested"' in shown.stdout
    )


def test_verify_of_a_database_without_campaigns_says_so(cli: Cli) -> None:
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout.strip()) == (0, "no campaigns to verify")
    data = cli("audit", "verify", "--json").stdout
    assert '"valid": true' in data and '"campaigns": []' in data
