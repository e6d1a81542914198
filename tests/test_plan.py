"""Visit planning through the CLI: plan, check, exports, re-plan with pins and days off."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, text

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.calendar import WorkingCalendar, parse_date_range
from inspect_engine.errors import CheckFailed
from inspect_engine.services.planning.make import make_plan
from tests.conftest import EXAMPLES, Cli
from tests.pace_checks import month_shares, uneven_months

AS_OF = ("--as-of", "2026-07-27")
LEAD = ("--actor", "lan", "--role", "team_lead")


@pytest.fixture
def planned(cli: Cli, hanoi_v1: Path) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(hanoi_v1)).exit_code == 0
    result = cli("plan", "hanoi-2026", *AS_OF)
    assert result.exit_code == 0, result.stderr
    return cli


def visits(cli: Cli) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    return data


def events(cli: Cli, case: int) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(cli("case", "show", str(case), "--json").stdout)[
        "events"
    ]
    return data


def test_plan_places_every_case_and_passes_the_checker(planned: Cli) -> None:
    plan = visits(planned)
    assert len(plan) == 141
    assert {tuple(sorted(v)) for v in plan} == {
        tuple(
            sorted(
                [
                    "case_id",
                    "unit_code",
                    "unit_name",
                    "area",
                    "state",
                    "team",
                    "date",
                    "notice_due",
                    "evidence_due",
                    "pinned",
                    "address",
                ]
            )
        )
    }
    assert min(v["date"] for v in plan) >= "2026-08-10", "10 working days of notice from 27/7"
    for v in plan:
        assert v["notice_due"] < v["evidence_due"] < v["date"]
    check = planned("plan", "check", "hanoi-2026")
    assert check.exit_code == 0 and "every hard constraint holds" in check.stdout
    # conflict of interest: Đoàn 1 has a member from Sở Tư pháp
    stp = next(v for v in plan if v["unit_code"] == "STP")
    assert stp["team"] != "Đoàn 1"


def test_plan_summary_reports_quality(cli: Cli, hanoi_v1: Path) -> None:
    cli("units", "import", str(EXAMPLES / "hanoi-units.csv"))
    cli("campaign", "create", str(hanoi_v1))
    result = cli("plan", "hanoi-2026", *AS_OF)
    assert "141 visits planned as of 27/07/2026 (even pace)" in result.stdout
    assert "utilisation" in result.stdout and "lower bound" in result.stdout
    assert "(preference terms)" in result.stdout and "moved" not in result.stdout
    assert "mean date of focus-sector visits" in result.stdout
    # Hanoi's teams make one visit a day: 3 visits in a five-day week, 1 in the holiday week.
    assert (
        "weekly load before the reserve: largest 3 visits of 5 slots (Đoàn 1, week from 10/08), "
        "smallest 1 visit of 2 slots (Đoàn 1, week from 31/08)"
    ) in result.stdout
    assert "reserve from 11/12/2026: 0 of 45 slots used" in result.stdout
    months = result.stdout.split("# visits per month and team\n")[1].splitlines()
    assert months[0].split("\t") == [
        "team",
        "08/2026",
        "09/2026",
        "10/2026",
        "11/2026",
        "12/2026",
        "utilisation",
    ]


def test_even_pace_spreads_hanoi_over_august_to_december(planned: Cli) -> None:
    """Every month between the first possible visit (10/08, after 10 working days' notice from
    27/07) and the reserve (the last 15 working days) holds half to twice its share of the
    visits, overall and for each team; `pace = "early"` crams them and fails the same check."""
    calendar = WorkingCalendar([2026])
    days = calendar.working_days(date(2026, 8, 10), date(2026, 12, 31))
    span = days[: len(days) - 15]
    training = set(parse_date_range("2026-10-12..2026-10-16"))  # Đoàn 1, in the campaign file

    def slots(team: str | None) -> Callable[[date], int]:
        def on(day: date) -> int:
            teams = ["Đoàn 1", "Đoàn 2", "Đoàn 3"] if team is None else [team]
            return sum(1 for t in teams if not (t == "Đoàn 1" and day in training))

        return on

    plan = visits(planned)
    days_of = [date.fromisoformat(v["date"]) for v in plan]
    assert not uneven_months(month_shares(span, slots(None), days_of))
    for team in ("Đoàn 1", "Đoàn 2", "Đoàn 3"):
        mine = [date.fromisoformat(v["date"]) for v in plan if v["team"] == team]
        assert not uneven_months(month_shares(span, slots(team), mine)), team
    assert planned("plan", "check", "hanoi-2026").exit_code == 0
    assert {d.month for d in days_of} == {8, 9, 10, 11, 12}


def test_early_pace_is_todays_behaviour(cli: Cli, hanoi_v1: Path, tmp_path: Path) -> None:
    toml = hanoi_v1.read_text(encoding="utf-8").replace('pace = "even"', 'pace = "early"')
    path = tmp_path / "early.toml"
    path.write_text(toml, encoding="utf-8")
    cli("units", "import", str(EXAMPLES / "hanoi-units.csv"))
    assert cli("campaign", "create", str(path)).exit_code == 0
    result = cli("plan", "hanoi-2026", *AS_OF)
    assert result.exit_code == 0 and "(early pace)" in result.stdout
    plan = visits(cli)
    assert max(v["date"] for v in plan) < "2026-11-01", "as early as possible"
    calendar = WorkingCalendar([2026])
    days = calendar.working_days(date(2026, 8, 10), date(2026, 12, 31))
    got = month_shares(days[:-15], lambda d: 3, [date.fromisoformat(v["date"]) for v in plan])
    assert uneven_months(got), "the yardstick tells the paces apart"


def test_focus_sectors_come_first(planned: Cli) -> None:
    plan = visits(planned)
    units = {u["code"]: u for u in json.loads(planned("units", "list", "--json").stdout)}
    focus = {"Tư pháp", "Tài chính", "Xây dựng", "Y tế", "Giáo dục", "Quy hoạch - Kiến trúc"}
    focus_days = [v["date"] for v in plan if focus & set(units[v["unit_code"]]["sectors"])]
    other_days = [v["date"] for v in plan if not focus & set(units[v["unit_code"]]["sectors"])]
    assert focus_days and max(focus_days) < sorted(other_days)[len(other_days) // 2]


def test_ics_export_parses_with_one_event_per_visit(planned: Cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.ics"
    assert planned("plan", "show", "hanoi-2026", "--ics", str(path)).exit_code == 0
    calendar = Calendar.from_ical(path.read_bytes())
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == 141
    plan = {f"hanoi-2026-case-{v['case_id']}@inspect-engine": v for v in visits(planned)}
    for event in vevents:
        visit = plan[str(event["UID"])]
        assert event.decoded("DTSTART").isoformat() == visit["date"]
        assert visit["unit_name"] in str(event["SUMMARY"])
        assert visit["team"] in str(event["DESCRIPTION"])
    one_team = tmp_path / "team.ics"
    planned("plan", "show", "hanoi-2026", "--ics", str(one_team), "--team", "Đoàn 2")
    team_events = Calendar.from_ical(one_team.read_bytes()).walk("VEVENT")
    assert 0 < len(team_events) < 141


def test_a_weekly_limit_holds_in_the_stored_plan(cli: Cli, hanoi_v1: Path, tmp_path: Path) -> None:
    toml = hanoi_v1.read_text(encoding="utf-8").replace(
        'lead = "Hoàng Minh Đức"', 'lead = "Hoàng Minh Đức"\nmax_visits_per_week = 2'
    )
    path = tmp_path / "limited.toml"
    path.write_text(toml, encoding="utf-8")
    cli("units", "import", str(EXAMPLES / "hanoi-units.csv"))
    assert cli("campaign", "create", str(path)).exit_code == 0
    assert cli("plan", "hanoi-2026", *AS_OF).exit_code == 0
    weeks: dict[str, int] = {}
    for v in visits(cli):
        if v["team"] == "Đoàn 2":
            week = date.fromisoformat(v["date"]).isocalendar().week
            weeks[str(week)] = weeks.get(str(week), 0) + 1
    assert weeks and max(weeks.values()) == 2
    assert cli("plan", "check", "hanoi-2026").exit_code == 0
    # A person moving a visit by hand is held to the same limit.
    plan = visits(cli)
    mine = [v for v in plan if v["team"] == "Đoàn 2"]
    busy = {v["date"] for v in mine}
    full = next(w for w, n in weeks.items() if n == 2)
    moving = next(v for v in mine if str(date.fromisoformat(v["date"]).isocalendar().week) != full)
    free = next(
        d
        for d in WorkingCalendar([2026]).working_days(date(2026, 8, 10), date(2026, 12, 10))
        if str(d.isocalendar().week) == full and d.isoformat() not in busy
    )
    move = tmp_path / "move.json"
    move.write_text(json.dumps({"visit_date": free.isoformat(), "reason": "lùi lịch"}), "utf-8")
    refused = cli(
        "case", "advance", str(moving["case_id"]), "reschedule", *LEAD, "--data-file", str(move)
    )
    assert refused.exit_code == 2 and "max_visits_per_week of 2" in refused.stderr


def test_csv_export(planned: Cli) -> None:
    rows = list(csv.DictReader(io.StringIO(planned("plan", "show", "hanoi-2026", "--csv").stdout)))
    assert len(rows) == 141 and rows[0]["date"] <= rows[-1]["date"]
    assert list(rows[0])[-1] == "address" and rows[0]["address"] == ""


def test_ics_location_is_the_unit_and_its_address(planned: Cli, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    units = write(
        "addr.csv",
        "code,name,kind,parent_code,sectors,area,address\n"
        'STP,Sở Tư pháp,department,01,Tư pháp,Khối sở,"1B Trần Phú, Hà Đông, Hà Nội"\n',
    )
    assert planned("units", "import", str(units)).exit_code == 0
    path = tmp_path / "plan.ics"
    assert planned("plan", "show", "hanoi-2026", "--ics", str(path)).exit_code == 0
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    stp = events["Kiểm tra CCHC: Sở Tư pháp"]
    assert str(stp["LOCATION"]) == "Sở Tư pháp, 1B Trần Phú, Hà Đông, Hà Nội"
    assert "Địa chỉ: 1B Trần Phú" in str(stp["DESCRIPTION"])
    other = events["Kiểm tra CCHC: Sở Nội vụ"]
    assert str(other["LOCATION"]) == "Sở Nội vụ", "no address: the unit's name, not its area"


def test_plan_twice_needs_replan(planned: Cli) -> None:
    again = planned("plan", "hanoi-2026", *AS_OF)
    assert again.exit_code == 2 and "pass --replan" in again.stderr
    assert "field '--replan'" not in again.stderr, "never name a flag the user did not give"


def test_replan_from_today_says_so_when_it_cannot_work(planned: Cli) -> None:
    """Without --as-of the plan starts from today; late in December that cannot work, and the
    message says the date it planned from and how to choose another."""
    late = bootstrap(planned.url, clock=lambda: datetime(2026, 12, 21, 2, tzinfo=UTC))
    with late.unit_of_work() as uow, pytest.raises(CheckFailed) as info:
        make_plan(uow, "hanoi-2026", replan=True, clock=late.clock)
    message = str(info.value)
    assert "planned from today, 21/12/2026, as --as-of was not given" in message
    assert "pass --as-of DATE" in message and "the last plan was made as of 27/07/2026" in message
    on_time = bootstrap(planned.url, clock=lambda: datetime(2026, 7, 27, 2, tzinfo=UTC))
    with on_time.unit_of_work() as uow:
        report = make_plan(uow, "hanoi-2026", replan=True, clock=on_time.clock)
    assert report.as_of == date(2026, 7, 27) and report.moved == [] and report.min_moves == 0


def test_replan_keeps_pins_and_moves_only_affected_visits(planned: Cli) -> None:
    before = {v["case_id"]: v for v in visits(planned)}
    pinned = next(v for v in before.values() if v["team"] == "Đoàn 3")
    assert planned("plan", "pin", str(pinned["case_id"])).exit_code == 0
    week = ("2026-09-07", "2026-09-11")
    off = planned("plan", "team-off", "hanoi-2026", "--team", "Đoàn 1", f"{week[0]}..{week[1]}")
    assert off.exit_code == 0 and "5 days off added" in off.stdout
    affected = {
        cid
        for cid, v in before.items()
        if v["team"] == "Đoàn 1" and week[0] <= v["date"] <= week[1]
    }
    assert affected
    result = planned("plan", "hanoi-2026", "--replan", *AS_OF)
    assert result.exit_code == 0, result.stderr
    after = {v["case_id"]: v for v in visits(planned)}
    moved = {
        cid
        for cid in after
        if (after[cid]["team"], after[cid]["date"]) != (before[cid]["team"], before[cid]["date"])
    }
    assert moved == affected, "only the visits on the team's days off move"
    assert f"moved {len(affected)} visits (minimum {len(affected)})" in result.stdout
    data = json.loads(planned("plan", "hanoi-2026", "--replan", *AS_OF, "--json").stdout)
    assert data["moved"] == [] and data["min_moves"] == 0 and data["pace"] == "even"
    assert 0 <= data["gap"] < 1 and data["lower_bound"] <= data["objective"] < 100_000
    assert after[pinned["case_id"]]["date"] == pinned["date"] and after[pinned["case_id"]]["pinned"]
    for cid in after:
        replans = [e for e in events(planned, cid) if e["payload"].get("reason") == "replan"]
        assert len(replans) == (1 if cid in moved else 0)
        if cid in moved:
            assert replans[0]["trigger"] == "reschedule"
            assert replans[0]["payload"]["previous_date"] == before[cid]["date"]
    assert planned("plan", "check", "hanoi-2026").exit_code == 0


def test_pin_to_a_new_day_moves_the_visit_there(planned: Cli) -> None:
    case = visits(planned)[0]["case_id"]
    assert (
        planned("plan", "pin", str(case), "--team", "Đoàn 3", "--date", "2026-10-19").exit_code == 0
    )
    assert planned("plan", "hanoi-2026", "--replan", *AS_OF).exit_code == 0
    moved = next(v for v in visits(planned) if v["case_id"] == case)
    assert (moved["team"], moved["date"]) == ("Đoàn 3", "2026-10-19")


def test_announced_visits_move_only_with_force(planned: Cli) -> None:
    first = visits(planned)[0]
    case = first["case_id"]
    assert planned("case", "advance", str(case), "announce", *LEAD).exit_code == 0
    planned("plan", "team-off", "hanoi-2026", "--team", first["team"], first["date"])
    refused = planned("plan", "hanoi-2026", "--replan", *AS_OF)
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert next(v for v in visits(planned) if v["case_id"] == case)["date"] == first["date"]
    forced = planned("plan", "hanoi-2026", "--replan", "--force", *AS_OF)
    assert forced.exit_code == 0, forced.stderr
    last = events(planned, case)[-1]
    assert last["trigger"] == "reschedule" and last["from"] == last["to"] == "announced"
    assert {"effect": "issue_notice", "args": {"notice": "thong-bao-kiem-tra"}} in last["effects"]


def test_infeasible_campaign_exits_1_and_stores_nothing(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    cli("units", "import", str(EXAMPLES / "hanoi-units.csv"))
    toml = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
    toml = toml.replace(
        "start = 2026-08-01\nend = 2026-12-31", "start = 2026-08-01\nend = 2026-09-30"
    )
    path = tmp_path / "short.toml"
    path.write_text(toml, encoding="utf-8")
    assert cli("campaign", "create", str(path)).exit_code == 0
    result = cli("plan", "hanoi-2026", *AS_OF)
    assert result.exit_code == 1
    assert "needs 141" in result.stderr and "available" in result.stderr
    assert "\n" not in result.stderr.strip()
    assert visits(cli) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plan_run")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM case_event")).scalar_one() == 141


def test_checker_catches_a_tampered_plan(planned: Cli, engine: Engine) -> None:
    case = visits(planned)[0]["case_id"]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE inspection_case SET visit_date = :d WHERE id = :c"),
            {"d": "2026-08-16", "c": case},  # a Sunday
        )
    result = planned("plan", "check", "hanoi-2026")
    assert result.exit_code == 1 and "16/08/2026" in result.stdout
    assert "1 problem\n" in result.stderr, "one problem, singular"


BAD = {
    "pin on a holiday": (
        ("plan", "pin", "1", "--team", "Đoàn 1", "--date", "2026-09-02"),
        "Quốc khánh",
    ),
    "pin to unknown team": (
        ("plan", "pin", "1", "--team", "Đoàn 9", "--date", "2026-09-03"),
        "Đoàn 9",
    ),
    "team-off unknown team": (
        ("plan", "team-off", "hanoi-2026", "--team", "X", "2026-09-03"),
        "'X'",
    ),
    "bad date": (("plan", "team-off", "hanoi-2026", "--team", "Đoàn 1", "31/9/2026"), "31/9/2026"),
    "blackout non-target": (("plan", "blackout", "hanoi-2026", "01", "2026-09-03"), "not a target"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_planning_input(planned: Cli, case: tuple[tuple[str, ...], str]) -> None:
    args, message = case
    before = visits(planned)
    result = planned(*args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert visits(planned) == before


def test_unwritable_export_is_bad_input(planned: Cli, tmp_path: Path) -> None:
    result = planned("plan", "show", "hanoi-2026", "--ics", str(tmp_path / "no" / "plan.ics"))
    assert result.exit_code == 2 and "cannot write file" in result.stderr


def test_targets_added_later_are_planned_by_a_replan(planned: Cli) -> None:
    result = planned("campaign", "add-targets", "hanoi-2026", "01")
    assert result.exit_code == 0 and "1 cases opened (01)" in result.stdout
    again = planned("campaign", "add-targets", "hanoi-2026", "01")
    assert again.exit_code == 2 and "already a target" in again.stderr
    unknown = planned("campaign", "add-targets", "hanoi-2026", "NOPE")
    assert unknown.exit_code == 2 and "unknown unit 'NOPE'" in unknown.stderr
    replan = planned("plan", "hanoi-2026", "--replan", *AS_OF)
    assert replan.exit_code == 0, replan.stderr
    assert "moved 0 visits (minimum 0)" in replan.stdout, "a new case gets a slot; none moves"
    after = visits(planned)
    assert len(after) == 142 and any(v["unit_code"] == "01" for v in after)
    assert planned("plan", "check", "hanoi-2026").exit_code == 0


def test_cancelled_cases_leave_the_plan(planned: Cli, tmp_path: Path) -> None:
    case = visits(planned)[0]["case_id"]
    data = tmp_path / "reason.json"
    data.write_text(json.dumps({"reason": "Đơn vị đã sáp nhập"}), encoding="utf-8")
    cancel = planned("case", "advance", str(case), "cancel", *LEAD, "--data-file", str(data))
    assert cancel.exit_code == 0
    assert case not in {v["case_id"] for v in visits(planned)}
    replan = planned("plan", "hanoi-2026", "--replan", *AS_OF)
    assert replan.exit_code == 0 and "140 visits planned" in replan.stdout
    assert planned("plan", "check", "hanoi-2026").exit_code == 0
