"""The corpus of bad input (tests/inputs/bad/cases.toml): each case, run on a campaign under
way on SQLite and on PostgreSQL, exits 2 with exactly one line on stderr, `error: ...`, naming
the file (and its line or field where it has one) and what is wrong, with no traceback, and
leaves every row of every table as it was.

Adding a case is one entry in cases.toml (its format is at the top of that file), with its
input either a file beside it or made from a recipe there.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import tomllib
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from inspect_engine.cli import app
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.storage.db import make_engine, upgrade
from tests.conftest import EXAMPLES, HANOI, PG_URL, REPO, Cli

CORPUS = Path(__file__).resolve().parent / "inputs" / "bad"
MANIFEST = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["case"]
KEY = "hanoi-2026"
SPEC = parse_campaign(HANOI.read_text(encoding="utf-8"), str(HANOI))
LEAD = ("--actor", "Trần Thị Bình", "--role", "team_lead")
# The states the corpus fires triggers in, each held by one case of the campaign under way.
UNITS = {"planned": "00004", "announced": "STP", "submitted": "00008", "visited": "00025"}


def all_rows(engine: Engine) -> dict[str, str]:
    """A digest of every row of every table: what "nothing written" is checked against."""
    with engine.connect() as conn:
        names = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    if engine.dialect.name == "sqlite"
                    else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            )
        ]
        digests = {}
        for name in sorted(names):
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
            digests[name] = (
                f"{len(rows)} rows " + hashlib.sha256("\n".join(rows).encode()).hexdigest()
            )
        return digests


@dataclass
class World:
    """A campaign under way: planned, its teams decided, cases in the states of UNITS."""

    cli: Cli
    engine: Engine
    cases: dict[str, int]


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def _data(folder: Path, name: str, data: dict[str, Any]) -> str:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


MINUTES = {
    "number": "01/BB-ĐKT",
    "visit_date": "2026-11-30",
    "team_participants": [{"name": "Trần Thị Bình", "position": "Trưởng đoàn"}],
    "unit_participants": [{"name": "Lê Văn Hùng", "position": "Chủ tịch UBND phường"}],
}


def _build(cli: Cli, folder: Path) -> dict[str, int]:
    _ok(cli("units", "import", str(EXAMPLES / "hanoi-units.csv")))
    _ok(cli("campaign", "create", str(HANOI)))
    _ok(cli("plan", KEY, "--as-of", "2026-07-27"))
    for team in (1, 2, 3):
        decision = EXAMPLES / "decisions" / f"doan-{team}.json"
        _ok(cli("campaign", "decide-team", KEY, "--data-file", str(decision), "--actor", "van-thu"))
    listed = json.loads(_ok(cli("case", "list", KEY, "--json")).stdout)
    by_unit = {c["unit_code"]: c["id"] for c in listed}
    cases = {state: by_unit[unit] for state, unit in UNITS.items()} | by_unit
    for state in ("announced", "submitted", "visited"):
        _ok(cli("case", "advance", str(cases[state]), "announce", *LEAD))
    delivery = {"received_on": "2026-11-27", "appendices": ["Phụ lục 1", "Phụ lục 2"]}
    sent = _data(folder, "sent.json", {"submission": delivery})
    for state in ("submitted", "visited"):
        _ok(cli("case", "advance", str(cases[state]), "receive_submission", *LEAD,
                "--data-file", sent))  # fmt: skip
    minutes = _data(folder, "minutes.json", {"minutes": MINUTES})
    _ok(
        cli("case", "advance", str(cases["visited"]), "record_visit", *LEAD, "--data-file", minutes)
    )
    return cases


def _pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("INSPECT_TEST_PG_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("world")
    urls = _pg_url() if request.param == "postgres" else iter([f"sqlite:///{folder / 'w.db'}"])
    url = next(urls)
    engine = make_engine(url)
    upgrade(engine)
    cli = Cli(url)
    try:
        yield World(cli, engine, _build(cli, folder))
    finally:
        engine.dispose()
        for _ in urls:  # drops the PostgreSQL schema
            pass


# --- the inputs: a file beside the manifest, or made from a recipe ----------------------------


def _text_of(case: dict[str, Any]) -> bytes:
    made = case["make"]
    if "base" in made:
        body = (REPO / made["base"]).read_text(encoding="utf-8")
        for old, new, *times in made.get("replace", []):
            assert old in body, f"{case['id']}: {old!r} is not in {made['base']}"
            body = body.replace(old, new * (times[0] if times else 1), 1)
        body += made.get("append", "")
    else:
        body = made.get("head", "") + made.get("repeat", "") * made.get("times", 0)
        body += made.get("tail", "")
    encoding = made.get("encoding", "utf-8")
    return made.get("prefix", "").encode("latin-1") + body.encode(encoding)


def _form(world: World, case: dict[str, Any], path: Path) -> bytes:
    """A unit's forms workbook, written by the engine, then filled and patched as the recipe
    says: what a unit could send back."""
    recipe = case["form"]
    blank = path.with_suffix(".blank.xlsx")
    _ok(world.cli("evidence", "forms", str(world.cases[recipe["unit"]]), "--out", str(blank)))
    book = openpyxl.load_workbook(blank)
    for sheet, cells in recipe.get("cells", {}).items():
        for ref, value in cells.items():  # {text, times}: a long text
            book[sheet][ref] = value["text"] * value["times"] if isinstance(value, dict) else value
    for sheet, spec in recipe.get("rows", {}).items():  # many rows filled alike
        for row in range(spec["first"], spec["first"] + spec["count"]):
            for column, value in spec["values"].items():
                book[sheet][f"{column}{row}"] = value
    out = BytesIO()
    book.save(out)
    patches = recipe.get("patch", [])
    if not patches:
        return out.getvalue()
    patched = BytesIO()
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".xml"):
                for old, new in patches:
                    data = data.replace(old.encode("utf-8"), new.encode("utf-8"))
            dst.writestr(item, data)
    return patched.getvalue()


def _input(world: World, case: dict[str, Any], folder: Path) -> Path | None:
    if "file" in case:
        return CORPUS / case["file"]
    if "make" in case:
        path = folder / case["name"]
        path.write_bytes(_text_of(case))
        return path
    if "form" in case:
        path = folder / case["name"]
        path.write_bytes(_form(world, case, path))
        return path
    return None


def _args(world: World, case: dict[str, Any], path: Path | None) -> list[str]:
    args = []
    for arg in shlex.split(case["run"]):
        if path is not None:
            arg = arg.replace("{file}", str(path))
        for name, case_id in world.cases.items():
            arg = arg.replace(f"{{case:{name}}}", str(case_id))
        assert "{" not in arg or "}" not in arg, f"{case['id']}: unknown placeholder in {arg!r}"
        args.append(arg)
    return args


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    world: World, case: dict[str, Any], tmp_path: Path
) -> None:
    path = _input(world, case, tmp_path)
    args = _args(world, case, path)
    before = all_rows(world.engine)
    if case.get("own_db"):  # the command names its own database
        result = CliRunner().invoke(app, args, catch_exceptions=False)
    else:
        result = world.cli(*args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    line = lines[0]
    if path is not None and case.get("names_file", True):
        assert path.name in line, line
    for fragment in case["error"]:
        assert fragment in line, (fragment, line)
    assert all_rows(world.engine) == before


def test_the_corpus_covers_every_input() -> None:
    kinds = {c["id"].split("-", 1)[0] for c in CASES}
    inputs = {"units", "campaign", "workflow", "xlsx", "data", "decision", "date", "db", "edxml"}
    assert inputs <= kinds
    assert len(CASES) >= 60
    ids = [c["id"] for c in CASES]
    assert len(set(ids)) == len(ids)
    files = {c["file"] for c in CASES if "file" in c}
    on_disk = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "cases.toml"
    }
    assert files == on_disk, "a file in the corpus no case runs, or a case whose file is missing"
