"""Unit registry: CSV import (upsert by code), validation of the whole file, listing."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inspect_engine.storage.tables import UnitRow
from tests.conftest import EXAMPLES, Cli

HEADER = "code,name,kind,parent_code,sectors,area\n"


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as s:
        rows = s.exec(select(UnitRow).order_by(UnitRow.code)).all()  # type: ignore[arg-type]
        return [(r.code, r.name, r.kind, r.parent_code, r.sectors, r.area) for r in rows]


def test_imports_the_hanoi_example(cli: Cli) -> None:
    result = cli("units", "import", str(EXAMPLES / "hanoi-units.csv"))
    assert result.exit_code == 0, result.stderr
    assert "142 units (142 created, 0 updated, 0 unchanged)" in result.stdout
    units = json.loads(cli("units", "list", "--json").stdout)
    kinds = [u["kind"] for u in units]
    assert kinds.count("department") == 15
    assert kinds.count("commune") == 126
    assert sum(u["name"].startswith("Phường ") for u in units) == 51
    assert sum(u["name"].startswith("Xã ") for u in units) == 75
    snv = next(u for u in units if u["code"] == "SNV")
    assert snv == {
        "code": "SNV",
        "name": "Sở Nội vụ",
        "kind": "department",
        "parent_code": "01",
        "sectors": ["Nội vụ", "Lao động - Thương binh và Xã hội"],
        "area": "Khối sở",
        "address": "",
        "agency_code": "000.00.01.H26",
    }


def test_reimport_upserts_by_code(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    first = write("a.csv", HEADER + "01,Thành phố Hà Nội,province,,,\nX1,Xã Một,commune,01,,Bắc\n")
    assert cli("units", "import", str(first)).exit_code == 0
    second = write(
        "b.csv", HEADER + "01,Thành phố Hà Nội,province,,,\nX1,Xã Một Mới,commune,01,,Nam\n"
    )
    result = cli("units", "import", str(second))
    assert "(0 created, 1 updated, 1 unchanged)" in result.stdout
    units = {u["code"]: u for u in json.loads(cli("units", "list", "--json").stdout)}
    assert units["X1"]["name"] == "Xã Một Mới" and units["X1"]["area"] == "Nam"


def test_names_are_nfc_normalised(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    decomposed = unicodedata.normalize("NFD", "Phường Hoàn Kiếm")
    path = write("nfd.csv", HEADER + f"01,Hà Nội,province,,,\nP1,{decomposed},commune,01,,\n")
    assert cli("units", "import", str(path)).exit_code == 0
    units = {u["code"]: u for u in json.loads(cli("units", "list", "--json").stdout)}
    assert units["P1"]["name"] == "Phường Hoàn Kiếm"
    assert unicodedata.is_normalized("NFC", units["P1"]["name"])


def test_sectors_are_split_on_semicolons(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("s.csv", HEADER + 'S1,Sở Y tế,department,,"Y tế; Dân số ;",Khối sở\n')
    assert cli("units", "import", str(path)).exit_code == 0
    (unit,) = json.loads(cli("units", "list", "--json").stdout)
    assert unit["sectors"] == ["Y tế", "Dân số"]


GOOD = "01,Thành phố Hà Nội,province,,,\nNEW1,Xã Mới,commune,01,,Bắc\n"
BAD_ROWS = {
    "unknown kind": (
        GOOD + "NEW2,Xã Hai,village,01,,\n",
        4,
        "field 'kind'",
        "unknown kind 'village'",
    ),
    "duplicate code": (GOOD + "NEW1,Xã Lặp,commune,01,,\n", 4, "field 'code'", "duplicate code"),
    "empty name": (GOOD + "NEW2,,commune,01,,\n", 4, "field 'name'", "name is empty"),
    "unknown parent": (GOOD + "NEW2,Xã Hai,commune,99,,\n", 4, "field 'parent_code'", "'99'"),
    "missing column": (GOOD + "NEW2,Xã Hai,commune,01\n", 4, "", "expected 6 columns, found 4"),
}


@pytest.mark.parametrize("case", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_writes_nothing(
    cli: Cli,
    engine: Engine,
    write,  # type: ignore[no-untyped-def]
    case: tuple[str, int, str, str],
) -> None:
    body, line, field, message = case
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    before = snapshot(engine)
    path = write("bad.csv", HEADER + body)
    result = cli("units", "import", str(path))
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err.count("\n") == 0, "one line, no traceback"
    assert f"bad.csv:{line}" in err and field in err and message in err
    assert snapshot(engine) == before


def test_not_utf8_names_the_line(cli: Cli, engine: Engine, write) -> None:  # type: ignore[no-untyped-def]
    body = (HEADER + GOOD).encode("utf-8") + "NEW2,Xã Hai,commune,01,,\n".encode("latin-1")
    result = cli("units", "import", str(write("latin.csv", body)))
    assert result.exit_code == 2
    assert "latin.csv:4" in result.stderr and "not UTF-8" in result.stderr
    assert snapshot(engine) == []


def test_wrong_header_is_rejected(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    result = cli("units", "import", str(write("h.csv", "code,name,type\nA,B,commune\n")))
    assert result.exit_code == 2
    assert "h.csv:1" in result.stderr and "header must be" in result.stderr


def test_parent_cycle_is_rejected(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("c.csv", HEADER + "A,Một,commune,B,,\nB,Hai,commune,A,,\n")
    result = cli("units", "import", str(path))
    assert result.exit_code == 2 and "loops back" in result.stderr


def test_address_is_an_optional_last_column(cli: Cli, engine: Engine, write) -> None:  # type: ignore[no-untyped-def]
    with_address = HEADER.rstrip("\n") + ",address\n"
    first = write(
        "a.csv",
        with_address + "01,Thành phố Hà Nội,province,,,,\n"
        'X1,Xã Một,commune,01,,Bắc,"Thôn Đông, xã Một"\n',
    )
    assert cli("units", "import", str(first)).exit_code == 0

    def addresses() -> dict[str, str]:
        return {u["code"]: u["address"] for u in json.loads(cli("units", "list", "--json").stdout)}

    assert addresses() == {"01": "", "X1": "Thôn Đông, xã Một"}
    # A file without the column leaves the stored addresses alone ...
    renamed = write(
        "b.csv", HEADER + "01,Thành phố Hà Nội,province,,,\nX1,Xã Một Mới,commune,01,,Bắc\n"
    )
    assert "1 updated, 1 unchanged" in cli("units", "import", str(renamed)).stdout
    assert addresses()["X1"] == "Thôn Đông, xã Một"
    # ... a file with it says what the address is now, empty included.
    cleared = write("c.csv", with_address + "X1,Xã Một Mới,commune,01,,Bắc,\n")
    assert "1 updated" in cli("units", "import", str(cleared)).stdout
    assert addresses()["X1"] == ""
    before = snapshot(engine)
    long = write("d.csv", with_address + f"X1,Xã Một,commune,01,,Bắc,{'x' * 301}\n")
    result = cli("units", "import", str(long))
    assert result.exit_code == 2 and "d.csv:2, field 'address'" in result.stderr
    assert "more than 300" in result.stderr and snapshot(engine) == before


def test_agency_code_is_validated_and_kept_when_the_column_is_absent(  # type: ignore[no-untyped-def]
    cli: Cli, engine: Engine, write
) -> None:
    both = HEADER.rstrip("\n") + ",agency_code,address\n"
    first = write(
        "a.csv",
        both + "01,Thành phố Hà Nội,province,,,,000.00.00.H26,\n"
        "X1,Xã Một,commune,01,,Bắc,000.21.01.H26,Thôn Đông\n",
    )
    assert cli("units", "import", str(first)).exit_code == 0

    def codes() -> dict[str, tuple[str, str]]:
        listed = json.loads(cli("units", "list", "--json").stdout)
        return {u["code"]: (u["agency_code"], u["address"]) for u in listed}

    assert codes() == {"01": ("000.00.00.H26", ""), "X1": ("000.21.01.H26", "Thôn Đông")}
    plain = write("b.csv", HEADER + "X1,Xã Một Mới,commune,01,,Bắc\n")
    assert "1 updated" in cli("units", "import", str(plain)).stdout
    assert codes()["X1"] == ("000.21.01.H26", "Thôn Đông")
    before = snapshot(engine)
    for bad in ("000.21.01.h26", "H26", "000.21.01.H26.1", "000-21-01-H26"):
        result = cli(
            "units", "import", str(write("c.csv", both + f"X1,Xã Một,commune,01,,,{bad},\n"))
        )
        assert result.exit_code == 2, bad
        assert "c.csv:2, field 'agency_code'" in result.stderr and "000.00.01.H26" in result.stderr
        assert snapshot(engine) == before
    twice = write("d.csv", HEADER.rstrip("\n") + ",address,address\nX1,Xã,commune,01,,,a,b\n")
    result = cli("units", "import", str(twice))
    assert (
        result.exit_code == 2 and "optionally followed by address and agency_code" in result.stderr
    )


def test_missing_file_is_bad_input(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("units", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "nope.csv" in result.stderr


def test_new_kinds_can_be_registered(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("k.csv", HEADER + "CT1,Cục Thuế,agency,,Tài chính,\n")
    assert cli("units", "import", str(path)).exit_code == 2
    assert cli("units", "add-kind", "agency", "--label", "Cơ quan ngành dọc").exit_code == 0
    assert cli("units", "import", str(path)).exit_code == 0
    kinds = [k["name"] for k in json.loads(cli("units", "kinds", "--json").stdout)]
    assert "agency" in kinds
