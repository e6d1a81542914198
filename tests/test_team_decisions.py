"""The decisions forming the teams: checked against the campaign file, recorded in a hash chain
per campaign, superseded by later ones, verified by `case verify`."""

from __future__ import annotations

import copy
import json
import time
import unicodedata
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.team_decision import DECISION_ROLES, parse_decision
from inspect_engine.errors import InputError
from inspect_engine.services import team_decisions
from inspect_engine.storage.db import make_engine
from inspect_engine.storage.uow import UnitOfWork
from tests.conftest import EXAMPLES, Cli

KEY = "hanoi-2026"
EXAMPLE = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
# The example campaign on its 15 departments only: the teams are the same, the set-up quicker.
DEPARTMENTS = EXAMPLE.replace('kinds = ["department", "commune"]', 'kinds = ["department"]')
SPEC = parse_campaign(DEPARTMENTS, "hanoi-2026.toml")
DOAN_1: dict[str, Any] = json.loads(
    (EXAMPLES / "decisions" / "doan-1.json").read_text(encoding="utf-8")
)
DOAN_2: dict[str, Any] = {
    "team": "Đoàn 2",
    "number": "126/QĐ-SNV",
    "date": "2026-07-30",
    "signer": "Nguyễn Văn An",
    "members": [
        {"name": "Hoàng Minh Đức", "role": "trưởng đoàn"},
        {"name": "Vũ Thị Hà", "role": "thư ký"},
    ],
}
TODAY = date(2026, 8, 5)
NOW = datetime(2026, 8, 5, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
WAIT_S = 30  # how long a test waits for another thread before calling it hung (not a timing check)


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _members(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "role": role} for name, role in pairs]


BINH, CUONG, DUNG = "Trần Thị Bình", "Lê Văn Cường", "Phạm Thu Dung"
LEAD, MEMBER, SECRETARY = DECISION_ROLES

# (what is wrong, the decision, the field the error must name, a part of its message)
BAD = [
    ("unknown team", _with(DOAN_1, team="Đoàn 9"), "team", "Đoàn 1, Đoàn 2, Đoàn 3"),
    ("no team", _with(DOAN_1, team=None), "team", "missing"),
    ("QD without the stroke", _with(DOAN_1, number="125/QD-SNV"), "number", "with Đ"),
    ("not a number", _with(DOAN_1, number="125-QĐ-SNV"), "number", "N/QĐ-CODE"),
    ("leading zero above 9", _with(DOAN_1, number="0125/QĐ-SNV"), "number", "N/QĐ-CODE"),
    ("a notice's number", _with(DOAN_1, number="125/TB-SNV"), "number", "N/QĐ-CODE"),
    ("no body code", _with(DOAN_1, number="125/QĐ-"), "number", "N/QĐ-CODE"),
    ("a Vietnamese date", _with(DOAN_1, date="30/07/2026"), "date", "ISO"),
    ("no such day", _with(DOAN_1, date="2026-02-30"), "date", "ISO"),
    ("another year", _with(DOAN_1, date="2025-12-30"), "date", "year 2026"),
    ("blank signer", _with(DOAN_1, signer="  "), "signer", "empty"),
    ("signer not text", _with(DOAN_1, signer=7), "signer", "string"),
    ("no members", _with(DOAN_1, members=[]), "members", "non-empty"),
    (
        "unknown role",
        _with(DOAN_1, members=_members((BINH, LEAD), (CUONG, "phó trưởng đoàn"))),
        "members[1].role",
        "thư ký",
    ),
    (
        "a member of another team",
        _with(DOAN_1, members=_members((BINH, LEAD), ("Vũ Thị Hà", MEMBER))),
        "members[1].name",
        "not in Đoàn 1",
    ),
    ("no trưởng đoàn", _with(DOAN_1, members=_members((CUONG, MEMBER))), "members", BINH),
    (
        "the trưởng đoàn is not the team's lead",
        _with(DOAN_1, members=_members((BINH, MEMBER), (CUONG, LEAD))),
        "members[1].role",
        f"is {BINH} in the campaign file",
    ),
    (
        "two thư ký",
        _with(DOAN_1, members=_members((BINH, LEAD), (CUONG, SECRETARY), (DUNG, SECRETARY))),
        "members[2].role",
        "at most one thư ký",
    ),
    (
        "someone twice",
        _with(DOAN_1, members=_members((BINH, LEAD), (CUONG, MEMBER), (CUONG, SECRETARY))),
        "members[2].name",
        "listed twice",
    ),
    (
        "a member without a role",
        _with(DOAN_1, members=[{"name": BINH, "role": LEAD}, {"name": CUONG}]),
        "members[1].role",
        "missing",
    ),
    ("an unknown field", _with(DOAN_1, note="x"), "note", "unknown field"),
    ("supersedes not a number", _with(DOAN_1, supersedes="the old one"), "supersedes", "N/QĐ"),
    ("supersedes itself", _with(DOAN_1, supersedes="125/QĐ-SNV"), "supersedes", "itself"),
]
BAD_IDS = [case[0] for case in BAD]


@pytest.fixture
def hanoi(cli: Cli, write) -> Cli:  # type: ignore[no-untyped-def]
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    created = cli("campaign", "create", str(write("hanoi-2026.toml", DEPARTMENTS)))
    assert created.exit_code == 0, created.stderr
    return cli


def _decide(cli: Cli, write, data: dict[str, Any], actor: str = "lan"):  # type: ignore[no-untyped-def]
    path = write(f"decision-{uuid.uuid4().hex[:8]}.json", json.dumps(data, ensure_ascii=False))
    return cli("campaign", "decide-team", KEY, "--data-file", str(path), "--actor", actor)


def _listed(cli: Cli) -> list[dict[str, Any]]:
    result = cli("campaign", "decisions", KEY, "--json")
    assert result.exit_code == 0, result.stderr
    listed: list[dict[str, Any]] = json.loads(result.stdout)
    return listed


def _record(engine: Engine, data: dict[str, Any], *, at: datetime = NOW) -> Any:
    uow = UnitOfWork(engine)
    try:
        return team_decisions.record_decision(uow, KEY, data, actor="lan", clock=lambda: at)
    finally:
        uow.close()


# -- the domain: each field checked, with its name -----------------------------------------------


def test_the_example_decision_parses_as_issued() -> None:
    decision = parse_decision(DOAN_1, SPEC, today=TODAY)
    assert (decision.team, decision.number, decision.date) == (
        "Đoàn 1",
        "125/QĐ-SNV",
        date(2026, 7, 27),
    )
    assert decision.members == ((BINH, LEAD), (CUONG, MEMBER), (DUNG, SECRETARY))
    assert decision.lead == BINH and decision.supersedes is None


@pytest.mark.parametrize(("what", "data", "field", "message"), BAD, ids=BAD_IDS)
def test_a_bad_field_is_refused_naming_it(
    what: str, data: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_decision(data, SPEC, today=TODAY)
    assert caught.value.field == field, what
    assert message in caught.value.detail, caught.value.detail


def test_text_is_nfc_and_numbers_take_the_decree_30_form() -> None:
    nfd = {
        **DOAN_1,
        "team": unicodedata.normalize("NFD", " Đoàn 1 "),
        "number": "5/QĐ-SNV",
        "members": _members((unicodedata.normalize("NFD", BINH), "Trưởng Đoàn")),
    }
    decision = parse_decision(nfd, SPEC, today=TODAY)
    assert decision.team == "Đoàn 1"
    assert decision.members == ((BINH, LEAD),), "the lead found, the role in its canonical form"
    assert decision.number == "05/QĐ-SNV", "a leading zero below 10, as Decree 30 writes it"
    assert parse_decision({**DOAN_1, "number": "125/QĐ-UBND"}, SPEC, today=TODAY).number == (
        "125/QĐ-UBND"
    )


def test_a_decision_dated_after_today_is_refused() -> None:
    with pytest.raises(InputError, match="after today") as caught:
        parse_decision({**DOAN_1, "date": "2026-08-06"}, SPEC, today=TODAY)
    assert caught.value.field == "date"
    assert parse_decision({**DOAN_1, "date": "2026-08-05"}, SPEC, today=TODAY).date == TODAY


# -- recording and listing, on both backends -----------------------------------------------------


def test_a_decision_is_recorded_and_listed(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    result = _decide(hanoi, write, DOAN_1)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "hanoi-2026: Đoàn 1 formed by decision 125/QĐ-SNV of 27/07/2026 "
        f"(trưởng đoàn {BINH}, 3 members)\n"
    )
    (listed,) = _listed(hanoi)
    assert set(listed) == {
        "seq", "team", "number", "date", "signer", "members", "supersedes",
        "recorded_by", "recorded_at", "current", "hash",
    }  # fmt: skip
    assert listed["seq"] == 1 and listed["team"] == "Đoàn 1" and listed["number"] == "125/QĐ-SNV"
    assert (listed["date"], listed["signer"]) == ("2026-07-27", "Nguyễn Văn An")
    assert listed["members"] == DOAN_1["members"]
    assert listed["supersedes"] is None and listed["current"] is True
    assert listed["recorded_by"] == "lan" and listed["recorded_at"].endswith("+07:00")
    assert len(listed["hash"]) == 64

    table = hanoi("campaign", "decisions", KEY)
    assert table.exit_code == 0
    assert f"{BINH} (trưởng đoàn); {CUONG} (thành viên); {DUNG} (thư ký)" in table.stdout
    assert table.stdout.endswith("chain: valid\n")
    assert hanoi("case", "verify", KEY).exit_code == 0


def test_each_bad_decision_is_refused_with_its_field_and_nothing_stored(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    for what, data, field, _ in BAD:
        result = _decide(hanoi, write, data)
        assert result.exit_code == 2, what
        assert result.stdout == "", what
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and f"field '{field}'" in lines[0], (what, result.stderr)
        assert ".json" in lines[0], "the error names the file"
    assert _listed(hanoi) == []
    assert _decide(hanoi, write, DOAN_1, actor=" ").stderr.startswith("error: field '--actor'")
    assert _listed(hanoi) == []


def test_bad_files_and_keys_are_one_line_errors(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    not_json = write("broken.json", '{"team": "Đoàn 1",')
    array = write("array.json", "[]")
    for path, words in ((not_json, "not UTF-8 JSON"), (array, "a JSON object")):
        result = hanoi("campaign", "decide-team", KEY, "--data-file", str(path), "--actor", "lan")
        assert result.exit_code == 2 and words in result.stderr
    missing = hanoi("campaign", "decisions", "hanoi-2030")
    assert missing.exit_code == 2 and "no campaign 'hanoi-2030'" in missing.stderr
    assert _decide(hanoi, write, DOAN_1).exit_code == 0
    again = _decide(hanoi, write, {**DOAN_2, "number": "125/QĐ-SNV"})
    assert again.exit_code == 2
    assert "field 'number': decision 125/QĐ-SNV is already recorded" in again.stderr
    same = _decide(hanoi, write, {**DOAN_2, "number": "05/QĐ-SNV"})
    assert same.exit_code == 0
    twin = _decide(hanoi, write, {**DOAN_1, "number": "5/QĐ-SNV", "supersedes": "125/QĐ-SNV"})
    assert twin.exit_code == 2, "5/QĐ-SNV is 05/QĐ-SNV, already taken by Đoàn 2"
    assert [d["number"] for d in _listed(hanoi)] == ["125/QĐ-SNV", "05/QĐ-SNV"]


# -- superseding ---------------------------------------------------------------------------------


def test_a_new_decision_supersedes_the_current_one(hanoi: Cli, write, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert _decide(hanoi, write, DOAN_1).exit_code == 0
    kien_toan = _with(
        DOAN_1,
        number="131/QĐ-SNV",
        date="2026-09-01",
        members=_members((BINH, LEAD), (CUONG, SECRETARY)),
    )

    unsaid = _decide(hanoi, write, kien_toan)
    assert unsaid.exit_code == 2
    assert "field 'supersedes'" in unsaid.stderr
    assert 'already formed by decision 125/QĐ-SNV: a new decision must say "supersedes"' in (
        unsaid.stderr
    )
    wrong = _decide(hanoi, write, {**kien_toan, "supersedes": "99/QĐ-SNV"})
    assert wrong.exit_code == 2 and "current decision is 125/QĐ-SNV, not 99/QĐ-SNV" in wrong.stderr
    earlier = _decide(hanoi, write, {**kien_toan, "supersedes": "125/QĐ-SNV", "date": "2026-07-24"})
    assert earlier.exit_code == 2 and "field 'date'" in earlier.stderr
    first_of_its_team = _decide(hanoi, write, {**DOAN_2, "supersedes": "125/QĐ-SNV"})
    assert first_of_its_team.exit_code == 2 and "nothing to supersede" in first_of_its_team.stderr
    assert len(_listed(hanoi)) == 1, "nothing written by the refusals"

    done = _decide(hanoi, write, {**kien_toan, "supersedes": "125/QĐ-SNV"})
    assert done.exit_code == 0, done.stderr
    assert "Đoàn 1 re-formed by decision 131/QĐ-SNV of 01/09/2026, superseding 125/QĐ-SNV" in (
        done.stdout
    )
    stale = _decide(hanoi, write, {**kien_toan, "number": "140/QĐ-SNV", "supersedes": "125/QĐ-SNV"})
    assert stale.exit_code == 2 and "current decision is 131/QĐ-SNV" in stale.stderr
    assert _decide(hanoi, write, DOAN_2).exit_code == 0, "another team is formed on its own"

    listed = _listed(hanoi)
    assert [(d["team"], d["number"], d["supersedes"], d["current"]) for d in listed] == [
        ("Đoàn 1", "125/QĐ-SNV", None, False),
        ("Đoàn 1", "131/QĐ-SNV", "125/QĐ-SNV", True),
        ("Đoàn 2", "126/QĐ-SNV", None, True),
    ]
    assert [d["seq"] for d in listed] == [1, 2, 3]
    uow = UnitOfWork(engine)
    try:
        with uow:
            current = team_decisions.current_decision(uow.session, KEY, "Đoàn 1")
            never = team_decisions.current_decision(uow.session, KEY, "Đoàn 3")
    finally:
        uow.close()
    assert current is not None and current.number == "131/QĐ-SNV"
    assert current.members == _members((BINH, LEAD), (CUONG, SECRETARY))
    assert never is None
    assert hanoi("case", "verify", KEY).exit_code == 0


# -- the chain: altered or removed decisions are reported ----------------------------------------


def _three(hanoi: Cli, write) -> None:  # type: ignore[no-untyped-def]
    doan_3 = {
        **DOAN_2,
        "team": "Đoàn 3",
        "number": "127/QĐ-SNV",
        "members": _members(("Ngô Thanh Lan", LEAD)),
    }
    for data in (DOAN_1, DOAN_2, doan_3):
        assert _decide(hanoi, write, data).exit_code == 0


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


def _verify(cli: Cli) -> list[str]:
    result = cli("case", "verify", KEY, "--json")
    assert result.exit_code == 1, result.stdout
    report = json.loads(result.stdout)
    assert report["valid"] is False
    problems: list[str] = report["problems"]
    return problems


def test_an_altered_decision_is_reported(hanoi: Cli, write, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _three(hanoi, write)
    _sql(engine, "UPDATE team_decision SET signer = 'Ai đó' WHERE seq = 2")
    assert _verify(hanoi) == [
        "campaign: decision 2 (Đoàn 2, 126/QĐ-SNV): content does not match its hash (altered)"
    ]
    text_report = hanoi("case", "verify", KEY)
    assert text_report.exit_code == 1 and "1 problems" in text_report.stdout
    assert hanoi("campaign", "decisions", KEY).exit_code == 1


def test_altered_members_are_reported_not_a_crash(hanoi: Cli, write, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _three(hanoi, write)
    _sql(engine, """UPDATE team_decision SET members = '[{"name": "Ai đó"}]' WHERE seq = 1""")
    assert _verify(hanoi) == [
        "campaign: decision 1 (Đoàn 1, 125/QĐ-SNV): content does not match its hash (altered)"
    ]


def test_a_deleted_decision_is_reported(hanoi: Cli, write, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _three(hanoi, write)
    _sql(engine, "DELETE FROM team_decision WHERE seq = 2")
    assert _verify(hanoi) == [
        "campaign: decision 3 (Đoàn 3, 127/QĐ-SNV): expected decision 2 (a decision is missing)",
        "campaign: decision 3 (Đoàn 3, 127/QĐ-SNV): previous hash does not match decision 2",
    ]


def test_a_deleted_last_decision_is_reported(hanoi: Cli, write, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _three(hanoi, write)
    _sql(engine, "DELETE FROM team_decision WHERE seq = 3")
    assert _verify(hanoi) == [
        "campaign: decision chain: the campaign recorded 3 decisions, the record ends at "
        "decision 2 (decisions were removed)"
    ]


# -- concurrent writers --------------------------------------------------------------------------


def _application_url(url: str, name: str) -> str:
    """The URL with an application_name, so pg_stat_activity can tell this writer's session."""
    tagged = make_url(url).update_query_dict({"application_name": name})
    return tagged.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_two_writers_on_postgresql_never_share_a_seq(pg_url: str, write) -> None:  # type: ignore[no-untyped-def]
    """The first writer holds the campaign's append lock (inside its clock, which the service
    calls once it has the lock) until the second is seen waiting for it; the second then links
    after the first."""
    cli = Cli(pg_url)
    assert cli("init").exit_code == 0
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(write("hanoi-2026.toml", DEPARTMENTS))).exit_code == 0
    name = f"decisions-{uuid.uuid4().hex[:12]}"
    first_engine, second_engine = make_engine(pg_url), make_engine(_application_url(pg_url, name))

    def second_is_waiting(second: Future[Any]) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if second.done():  # it went ahead under the first writer's lock, or failed
                raise AssertionError(f"the second writer did not wait: {second.exception()}")
            with first_engine.connect() as monitor:  # a new snapshot of pg_stat_activity each time
                waiting = monitor.execute(
                    text(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE application_name = :n"
                    ),
                    {"n": name},
                ).scalar()
            if waiting == "Lock":
                return
            time.sleep(0.01)
        raise AssertionError("the second writer never waited for the lock")

    try:
        with ThreadPoolExecutor(1) as pool:
            theirs: list[Future[Any]] = []

            def clock_holding_the_lock() -> datetime:
                theirs.append(pool.submit(_record, second_engine, DOAN_2))
                second_is_waiting(theirs[0])
                return NOW

            uow = UnitOfWork(first_engine)
            try:
                team_decisions.record_decision(
                    uow, KEY, DOAN_1, actor="first", clock=clock_holding_the_lock
                )
            finally:
                uow.close()
            theirs[0].result(timeout=WAIT_S)
    finally:
        first_engine.dispose()
        second_engine.dispose()

    listed = _listed(cli)
    assert [(d["seq"], d["team"], d["recorded_by"]) for d in listed] == [
        (1, "Đoàn 1", "first"),
        (2, "Đoàn 2", "lan"),
    ]
    assert cli("case", "verify", KEY).exit_code == 0, "the second linked after the first"


def test_recording_refuses_what_today_has_not_reached(hanoi: Cli, engine: Engine) -> None:
    with pytest.raises(InputError, match="after today"):
        _record(engine, {**DOAN_1, "date": "2026-08-06"}, at=NOW)
    assert _listed(hanoi) == []
    assert _record(engine, {**DOAN_1, "date": "2026-08-05"}, at=NOW).date == TODAY
    assert [d["recorded_at"] for d in _listed(hanoi)] == ["2026-08-05T09:00:00+07:00"]
