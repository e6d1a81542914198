"""`audit ...` on a simulated campaign, on each backend: replay as of a moment agrees with `case
show --as-of` and with the deadline and document rows read independently; an export verifies
offline, and an edited or cut export names what is wrong; the timeline has every step and every
document; `audit verify` without a key covers every campaign; `case verify` is its alias."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from sqlalchemy import create_engine, text

from inspect_engine.bootstrap import bootstrap
from inspect_engine.domain.events import as_utc
from inspect_engine.services.audit import show_case
from inspect_engine.services.audit_export import export
from inspect_engine.services.audit_replay import replay_case
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.db import make_engine, upgrade
from tests.campaign_clock import KEY, Clock, announce_on_own_dates
from tests.conftest import BACKENDS, HANOI, PG_URL, Cli, _pg_schema_url

UNTIL = "2026-10-09"  # far enough for conclusions, reminders, re-inspections, fired deadlines
SEED = "5"


@pytest.fixture(scope="module", params=BACKENDS)
def simulated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The example campaign announced and simulated to UNTIL: a database URL."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'simulated.db'}"
    else:
        if not PG_URL:
            pytest.skip("INSPECT_TEST_PG_URL is not set: PostgreSQL tests skipped")
        schema = f"t_audit_{uuid.uuid4().hex[:10]}"
        with create_engine(PG_URL).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _pg_schema_url(schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    announce_on_own_dates(url)
    done = Cli(url)("simulate", KEY, "--until", UNTIL, "--seed", SEED)
    assert done.exit_code == 0, done.stderr
    yield url
    if schema is not None:
        with create_engine(PG_URL or "").begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def copy(simulated: str, tmp_path: Path) -> Cli:
    """A CLI on a copy of the simulated campaign, to tamper with (SQLite)."""
    if not simulated.startswith("sqlite"):
        pytest.skip("tampering with a copy: SQLite")
    path = tmp_path / "copy.db"
    shutil.copyfile(simulated.removeprefix("sqlite:///"), path)
    return Cli(f"sqlite:///{path}")


def rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def execute(url: str, sql: str, **params: Any) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def busiest_cases(url: str, n: int) -> list[int]:
    found = rows(
        url,
        "SELECT case_id FROM case_event WHERE campaign_key = :key GROUP BY case_id "
        "ORDER BY count(*) DESC, case_id LIMIT :n",
        key=KEY,
        n=n,
    )
    return [int(r[0]) for r in found]


def local(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return as_utc(moment).astimezone(DISPLAY_TZ)


# --- replay ---------------------------------------------------------------------------------


def deadlines_from_rows(url: str, case_id: int, moment: datetime) -> set[tuple[Any, ...]]:
    """The case's deadlines as they stood at `moment`, from the rows and the times of the events
    that started and ended them: not how replay computes them."""
    at = {
        int(seq): local(when)
        for seq, when in rows(url, "SELECT seq, at FROM case_event WHERE case_id = :c", c=case_id)
    }
    out = set()
    for kind, due, status, created, ended in rows(
        url,
        "SELECT kind, due, status, created_seq, ended_seq FROM deadline WHERE case_id = :c",
        c=case_id,
    ):
        if at[created] > moment:
            continue
        over = ended is not None and at[ended] <= moment
        day = due if isinstance(due, str) else due.isoformat()
        out.add((kind, day, status if over else "pending", created, ended if over else None))
    return out


def documents_from_rows(url: str, case_id: int, moment: datetime) -> set[tuple[Any, ...]]:
    """The case's documents whose `issue_document` event was recorded by `moment`."""
    issued_at = {}
    for payload, when in rows(
        url,
        "SELECT payload, at FROM case_event WHERE case_id = :c AND trigger = 'issue_document'",
        c=case_id,
    ):
        data = json.loads(payload) if isinstance(payload, str) else payload
        issued_at[data["document"]["id"]] = local(when)
    out = set()
    for doc_id, number, issued_on in rows(
        url, "SELECT id, number, issued_on FROM document WHERE case_id = :c", c=case_id
    ):
        if issued_at[doc_id] <= moment:
            day = (
                issued_on
                if isinstance(issued_on, str) or issued_on is None
                else issued_on.isoformat()
            )
            out.add((doc_id, number, day))
    return out


def test_replay_agrees_with_case_show_and_the_rows_at_every_step(simulated: str) -> None:
    """At each event of the busiest cases, and a second before it: the state and version are
    those of `case show --as-of`, the deadlines and documents those the rows say stood then."""
    runtime = bootstrap(simulated)
    checked = 0
    with runtime.unit_of_work() as uow:
        for case_id in busiest_cases(simulated, 6):
            events = show_case(uow, case_id).events
            opened = local(events[0].at)
            for event in events:
                earlier = local(event.at) - timedelta(seconds=1)
                for moment in [m for m in (earlier, local(event.at)) if m >= opened]:
                    replayed = replay_case(uow, case_id, moment)
                    shown = show_case(uow, case_id, as_of=moment)
                    assert (replayed.state, replayed.version) == (shown.state, shown.version)
                    assert replayed.workflow_version == shown.workflow_version
                    deadlines = {
                        (d.kind, d.due.isoformat(), d.status, d.started_by, d.ended_by)
                        for d in replayed.deadlines
                    }
                    assert deadlines == deadlines_from_rows(simulated, case_id, moment)
                    documents = {
                        (d.id, d.number, d.issued_on.isoformat() if d.issued_on else None)
                        for d in replayed.documents
                    }
                    assert documents == documents_from_rows(simulated, case_id, moment)
                    checked += 1
    assert checked > 100


def test_replay_json_through_the_cli_as_the_day_ends(simulated: str) -> None:
    cli = Cli(simulated)
    case_id = busiest_cases(simulated, 1)[0]
    result = cli("audit", "replay", str(case_id), "--at", "25/08/2026", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    shown = json.loads(
        cli("case", "show", str(case_id), "--as-of", "2026-08-25T23:59:59", "--json").stdout
    )
    assert (data["state"], data["version"]) == (shown["state"], shown["version"])
    assert data["at"] == "2026-08-25T23:59:59.999999+07:00"
    assert data["last_event"]["seq"] == shown["events"][-1]["seq"]
    assert data["last_event"]["hash"] == shown["events"][-1]["hash"]
    numbers = [d["number"] for d in data["documents"]]
    assert numbers and all(numbers)  # the notice, reminders, minutes: numbered by then
    text_out = cli("audit", "replay", str(case_id), "--at", "2026-08-25").stdout
    assert f"state: {data['state']}" in text_out
    assert all(number in text_out for number in numbers)


def test_replay_names_what_it_cannot_do(simulated: str) -> None:
    cli = Cli(simulated)
    for args, where in [
        (["1", "--at", "2026-07-01"], "did not exist yet"),
        (["1", "--at", "31/02/2026"], "not a real date"),
        (["1", "--at", "next week"], "is not a moment"),
        (["99999", "--at", "2026-08-01"], "no case 99999"),
    ]:
        result = cli("audit", "replay", *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert len(result.stderr.strip().splitlines()) == 1 and where in result.stderr


# --- export and offline verification --------------------------------------------------------


def write_export(url: str, out: Path, key: str | None = None) -> Path:
    clock = Clock(datetime(2026, 10, 9, 10, 0, tzinfo=UTC))
    with bootstrap(url, clock=clock).unit_of_work() as uow:
        export(uow, out, campaign_key=key, clock=clock)
    return out


def test_an_export_verifies_offline_and_is_the_same_bytes_each_time(
    simulated: str, tmp_path: Path
) -> None:
    first = write_export(simulated, tmp_path / "a.jsonl")
    second = write_export(simulated, tmp_path / "b.jsonl", KEY)
    lines = first.read_bytes().splitlines()
    header, end = orjson.loads(lines[0]), orjson.loads(lines[-1])
    assert (header["scope"], orjson.loads(second.read_bytes().splitlines()[0])["scope"]) == (
        None,
        KEY,
    )
    online = json.loads(Cli(simulated)("audit", "verify", KEY, "--json").stdout)
    [campaign] = header["campaigns"]
    assert campaign["chain"]["hash"] == online["head"] and campaign["events"] == online["events"]
    assert sum(end["end"]["rows"].values()) == len(lines) - 2
    assert write_export(simulated, tmp_path / "again.jsonl").read_bytes() == first.read_bytes()
    assert second.read_bytes().splitlines()[1:-1] == lines[1:-1]  # one campaign: the same rows
    gz = write_export(simulated, tmp_path / "a.jsonl.gz")
    for path in (first, second, gz):
        result = Cli("sqlite:///nowhere/at/all.db")(
            "audit", "verify", "--export", str(path), "--json"
        )
        assert result.exit_code == 0, result.stdout + result.stderr
        data = json.loads(result.stdout)
        assert data["valid"] is True and data["export"]["problems"] == []
        [verified] = data["campaigns"]
        assert verified == online


def event_lines(lines: list[bytes]) -> list[int]:
    return [
        i
        for i, line in enumerate(lines)
        if line.startswith(b'{"row"') and line.endswith(b'"table":"case_event"}')
    ]


def test_one_byte_changed_in_an_event_names_its_case_and_seq(
    simulated: str, tmp_path: Path
) -> None:
    path = write_export(simulated, tmp_path / "x.jsonl")
    lines = path.read_bytes().split(b"\n")
    index = event_lines(lines)[len(event_lines(lines)) // 2]
    row = orjson.loads(lines[index])["row"]
    assert b'"role":"' in lines[index]
    # One byte: the role's first letter, in place (`system` -> `System`, `unit` -> `Unit`).
    at = lines[index].index(b'"role":"') + len(b'"role":"')
    edited = bytearray(lines[index])
    edited[at] = ord(chr(edited[at]).upper())
    lines[index] = bytes(edited)
    path.write_bytes(b"\n".join(lines))
    result = Cli("sqlite:///nowhere.db")("audit", "verify", "--export", str(path))
    assert result.exit_code == 1
    said = result.stdout
    assert f"case {row['case_id']} event {row['seq']}: content does not match its hash" in said
    assert "SHA-256" in said  # the file's own digest says it was changed too


def test_a_cut_export_fails(simulated: str, tmp_path: Path) -> None:
    path = write_export(simulated, tmp_path / "x.jsonl")
    data = path.read_bytes()
    lines = data.split(b"\n")
    cut_at = event_lines(lines)[-40]  # the newest events, and every table after them, gone
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(lines[:cut_at]) + b"\n")
    result = Cli("sqlite:///nowhere.db")("audit", "verify", "--export", str(cut))
    assert result.exit_code == 1
    assert "without its closing line: the export was cut short" in result.stdout
    assert "the export's header records the campaign chain at position" in result.stdout
    half = tmp_path / "half.jsonl"
    half.write_bytes(data[: len(data) // 2])  # in the middle of a line
    result = Cli("sqlite:///nowhere.db")("audit", "verify", "--export", str(half))
    assert result.exit_code == 1 and "the line is cut short" in result.stdout


def test_a_file_that_is_no_export_is_one_line(tmp_path: Path) -> None:
    cli = Cli("sqlite:///nowhere.db")
    for name, content in [
        ("empty.jsonl", b""),
        ("csv.jsonl", b"code,name\n"),
        ("other.jsonl", b'{"format": "x"}\n'),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        result = cli("audit", "verify", "--export", str(path))
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert f"{path}:1: not an inspect-engine audit export" in result.stderr
    missing = cli("audit", "verify", "--export", str(tmp_path / "none.jsonl"))
    assert missing.exit_code == 2 and "cannot read file" in missing.stderr


def test_an_export_of_an_older_schema_is_brought_up_to_date(simulated: str, tmp_path: Path) -> None:
    """An export written at revision 0007 (before units had an agency code) verifies: it is
    loaded at 0007 and migrated like a database of that engine would be."""
    lines = write_export(simulated, tmp_path / "x.jsonl").read_bytes().splitlines()
    header = orjson.loads(lines[0])
    header["schema_revision"] = "0007"
    older = [orjson.dumps(header, option=orjson.OPT_SORT_KEYS)]
    for line in lines[1:-1]:
        data = orjson.loads(line)
        if data["table"] == "unit":
            del data["row"]["agency_code"]
        older.append(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    body = b"".join(line + b"\n" for line in older)
    end = orjson.loads(lines[-1])
    end["end"]["sha256"] = hashlib.sha256(body).hexdigest()
    path = tmp_path / "older.jsonl"
    path.write_bytes(body + orjson.dumps(end, option=orjson.OPT_SORT_KEYS) + b"\n")
    result = Cli("sqlite:///nowhere.db")("audit", "verify", "--export", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "(schema 0007)" in result.stdout
    assert "hanoi-2026: 141 cases" in result.stdout and "everything stored matches" in result.stdout


def test_a_tampered_database_exports_a_history_that_fails_the_same_way(
    copy: Cli, tmp_path: Path
) -> None:
    execute(copy.url, "UPDATE case_event SET actor = 'mallory' WHERE case_id = 7 AND seq = 3")
    online = copy("audit", "verify", KEY)
    assert (
        online.exit_code == 1 and "case 7 event 3: content does not match its hash" in online.stdout
    )
    path = tmp_path / "tampered.jsonl"
    assert copy("audit", "export", "--out", str(path)).exit_code == 0
    offline = Cli("sqlite:///nowhere.db")("audit", "verify", "--export", str(path))
    assert offline.exit_code == 1
    problems = [line for line in online.stdout.splitlines() if line.startswith("  ")]
    assert problems and all(problem in offline.stdout for problem in problems)


def test_verify_without_a_key_covers_every_campaign(copy: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        HANOI.read_text(encoding="utf-8").replace('key = "hanoi-2026"', 'key = "hanoi-2026b"'),
        encoding="utf-8",
    )
    assert copy("campaign", "create", str(other)).exit_code == 0
    result = copy("audit", "verify")
    assert result.exit_code == 0, result.stdout
    said = result.stdout.splitlines()
    assert said[0].startswith("hanoi-2026: 141 cases") and said[1].startswith(
        "hanoi-2026b: 141 cases, 141 events"
    )
    execute(
        copy.url,
        "UPDATE inspection_case SET state = 'closed' "
        "WHERE id = (SELECT max(id) FROM inspection_case WHERE campaign_key = 'hanoi-2026b')",
    )
    broken = copy("audit", "verify", "--json")
    assert broken.exit_code == 1
    data = json.loads(broken.stdout)
    assert data["valid"] is False
    assert [c["valid"] for c in data["campaigns"]] == [True, False]
    alias = copy("case", "verify", "hanoi-2026", "--json")
    assert alias.exit_code == 0
    same = ("campaign", "cases", "events", "head", "valid")
    assert {k: json.loads(alias.stdout)[k] for k in same} == {
        k: data["campaigns"][0][k] for k in same
    }
    assert (
        copy("case", "verify", "hanoi-2026").stdout == copy("audit", "verify", "hanoi-2026").stdout
    )


# --- timeline -------------------------------------------------------------------------------


def test_the_timeline_has_every_step_and_every_document(simulated: str, tmp_path: Path) -> None:
    from inspect_engine.services.notices import package, records

    cli = Cli(simulated)
    case_id = busiest_cases(simulated, 1)[0]
    events = json.loads(cli("case", "show", str(case_id), "--json").stdout)["events"]
    documents = rows(
        simulated, "SELECT id, number, kind FROM document WHERE case_id = :c ORDER BY id", c=case_id
    )
    assert len(documents) >= 4
    page = tmp_path / "pages" / "timeline.html"
    page.parent.mkdir()
    delivery = tmp_path / "delivery"
    result = cli("audit", "timeline", str(case_id), "--html", str(page), "--package", str(delivery))
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    for event in events:
        assert f'id="buoc-{event["seq"]}"' in html
        assert event["actor"] in html
    for _, number, _ in documents:
        assert number in html
    for label in (
        "Thời gian",
        "Người thực hiện",
        "Vai trò",
        "Bước",
        "Lý do, ghi chú",
        "Văn bản",
        "Trưởng đoàn",
        "Chuỗi băm",
        "Hợp lệ",
    ):
        assert label in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "<link" not in html and 'src="' not in html  # nothing fetched: the page is whole
    # Each link leads where `notices package --out DELIVERY` writes the document.
    with bootstrap(simulated).unit_of_work() as uow:
        found = [
            r for r in records.list_documents(uow, KEY, case_id=case_id) if r.status == "issued"
        ]
        units = records.case_units(uow, KEY)
    targets = {job.path for job in package.jobs_for(found, units, delivery, ("pdf", "docx"))}
    links = {(page.parent / href).resolve() for href in _links(html)}
    assert links == {path.resolve() for path in targets}
    text_out = cli("audit", "timeline", str(case_id))
    assert text_out.exit_code == 0
    lines = text_out.stdout.splitlines()
    assert len([line for line in lines if line.split("\t")[0].isdigit()]) == len(events)
    assert lines[-1] == "chain: valid"
    assert all(number in text_out.stdout for _, number, _ in documents)


def _links(html: str) -> list[str]:
    return [unquote(h) for h in re.findall(r'href="([^"#][^"]*)"', html)]


def test_the_timeline_of_a_damaged_case_says_so(copy: Cli, tmp_path: Path) -> None:
    execute(copy.url, "UPDATE case_event SET actor = 'mallory' WHERE case_id = 7 AND seq = 3")
    page = tmp_path / "t.html"
    result = copy("audit", "timeline", "7", "--html", str(page))
    assert result.exit_code == 1 and "chain BROKEN" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert "Bị phá vỡ" in html and "case 7 event 3: content does not match its hash" in html
    assert "Hợp lệ" not in html
    assert re.findall(r'<tr id="buoc-(\d+)" class="\w+ damaged">', html) == [
        "3"
    ]  # the step, in red


def test_an_export_is_checked_against_an_anchor_offline(copy: Cli, tmp_path: Path) -> None:
    """An export made before the anchor lacks the history the anchor holds: it fails; one made
    after verifies and says it extends the anchor."""
    from inspect_engine.services.anchors import create_key

    key = tmp_path / "anchor-key.pem"
    create_key(key)
    before = tmp_path / "before.jsonl"
    assert copy("audit", "export", "--out", str(before)).exit_code == 0
    why = tmp_path / "why.json"
    why.write_text('{"reason": "Đơn vị sáp nhập"}', encoding="utf-8")
    open_case = rows(copy.url, "SELECT min(id) FROM inspection_case WHERE state = 'remediation'")
    moved = copy("case", "advance", str(open_case[0][0]), "cancel", "--data-file", str(why),
                 "--actor", "lan", "--role", "team_lead")  # fmt: skip
    assert moved.exit_code == 0, moved.stderr
    anchor = tmp_path / "anchor.json"
    assert copy("audit", "anchor", KEY, "--out", str(anchor), "--key", str(key)).exit_code == 0
    after = tmp_path / "after.jsonl"
    assert copy("audit", "export", "--out", str(after)).exit_code == 0
    offline = Cli("sqlite:///nowhere.db")
    good = offline("audit", "verify", "--export", str(after), "--anchor", str(anchor))
    assert good.exit_code == 0, good.stdout
    assert "extends the anchor of" in good.stdout
    stale = offline("audit", "verify", "--export", str(before), "--anchor", str(anchor), "--json")
    assert stale.exit_code == 1
    [campaign] = json.loads(stale.stdout)["campaigns"]
    assert campaign["valid"] is False and campaign["anchor"] is not None
    assert any(p["case"] == open_case[0][0] for p in campaign["problems"])
