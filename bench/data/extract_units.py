"""Extract Vietnam's official administrative units into the CSV files of this repository.

A maintainer's tool, run by hand; inspect-engine never imports it and does not depend on the
package it reads. It reads the GSO (Tổng cục Thống kê / Cục Thống kê) list of administrative
units in force from 1/7/2025 out of the PyPI package `vietnam-provinces` (GPL-3.0-or-later) and
writes two files of plain facts (codes and names):

- bench/data/vn-communes-2025.csv: every commune-level unit of the 34 provinces, for the planner
  benchmark;
- examples/hanoi-units.csv: Hà Nội, its 15 departments (from the table below) and its 126
  commune-level units, each commune with an `area` = the former district it comes from.

Run from a throw-away virtual environment (the package needs Python 3.12+), e.g.:

    python3.12 -m venv /tmp/units-venv
    /tmp/units-venv/bin/pip install vietnam-provinces==2026.3.0
    /tmp/units-venv/bin/python bench/data/extract_units.py

Version 2026.3.0 is pinned on purpose: later releases (2026.9.0) rename three provinces that were
made centrally-run cities after 1/7/2025 ("Thành phố Quảng Ninh", ...). Ward codes and names are
the same in both. The script checks the counts and stops on any surprise.
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import vietnam_provinces
from vietnam_provinces import Province, ProvinceCode, Ward
from vietnam_provinces.legacy import District as LegacyDistrict

EXPECTED_VERSION = "2026.3.0"
EXPECTED_PROVINCES = 34
EXPECTED_COMMUNES = 3321
HANOI = 1
HANOI_NAME = "Thành phố Hà Nội"
HANOI_PHUONG, HANOI_XA = 51, 75

REPO = Path(__file__).resolve().parents[2]
NATIONAL_CSV = REPO / "bench" / "data" / "vn-communes-2025.csv"
HANOI_CSV = REPO / "examples" / "hanoi-units.csv"

NATIONAL_HEADER = ("province_code", "province_name", "code", "name", "kind")
UNITS_HEADER = ("code", "name", "kind", "parent_code", "sectors", "area")
DEPARTMENT_AREA = "Khối sở"

# The 15 departments (sở and bodies of equal rank) of Hà Nội from 1/3/2025: code, name, sectors.
# Codes are our own short ASCII abbreviations of the name (S = Sở); sectors name what each body is
# responsible for after the 2025 mergers, spelled like the CCHC focus sectors where they match.
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("SNV", "Sở Nội vụ", ("Nội vụ", "Lao động - Thương binh và Xã hội")),
    ("STP", "Sở Tư pháp", ("Tư pháp",)),
    ("STC", "Sở Tài chính", ("Tài chính", "Kế hoạch và Đầu tư")),
    ("SCT", "Sở Công Thương", ("Công Thương",)),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ("Nông nghiệp", "Tài nguyên và Môi trường")),
    ("SXD", "Sở Xây dựng", ("Xây dựng", "Giao thông vận tải")),
    (
        "SKHCN",
        "Sở Khoa học và Công nghệ",
        ("Khoa học và Công nghệ", "Thông tin và Truyền thông"),
    ),
    ("SVHTT", "Sở Văn hóa và Thể thao", ("Văn hóa", "Thể thao")),
    ("SGDDT", "Sở Giáo dục và Đào tạo", ("Giáo dục",)),
    ("SYT", "Sở Y tế", ("Y tế",)),
    ("TTTP", "Thanh tra thành phố", ("Thanh tra",)),
    (
        "VPUBND",
        "Văn phòng Ủy ban nhân dân thành phố",
        ("Kiểm soát thủ tục hành chính", "Ngoại vụ"),
    ),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", ("Dân tộc", "Tôn giáo")),
    ("SDL", "Sở Du lịch", ("Du lịch",)),
    ("SQHKT", "Sở Quy hoạch - Kiến trúc", ("Quy hoạch - Kiến trúc",)),
)

FOCUS_SECTORS = (
    "Tài nguyên và Môi trường",
    "Xây dựng",
    "Quy hoạch - Kiến trúc",
    "Tài chính",
    "Thông tin và Truyền thông",
    "Giáo dục",
    "Y tế",
    "Tư pháp",
    "Thanh tra",
)


class ExtractError(Exception):
    """The package data is not what this script expects."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def unit_name(ward: Ward) -> str:
    """The GSO name, NFC; a lower-case type word at the start ("xã Bắc Sơn") is capitalised."""
    name = nfc(ward.name)
    fixed = name[:1].upper() + name[1:]
    if fixed != name:
        print(f"note: {ward.code.value:05d} {name!r} written as {fixed!r}", file=sys.stderr)
    return fixed


def former_district(ward: Ward) -> tuple[str, str]:
    """The pre-2025 district a commune-level unit mainly comes from, and a cross-check.

    GSO gave each new unit the code of one of the old units merged into it; the area is the
    district of that old unit. The second value is the district holding most of the old units
    (whole or part) the new unit was formed from, for reporting disagreements.
    """
    sources = ward.get_legacy_sources()
    if not sources:
        raise ExtractError(f"no pre-2025 sources for {ward.code.value:05d} {ward.name}")
    counts = Counter(source.district_code for source in sources)
    top = max(counts.items(), key=lambda item: item[1])[0]
    inherited = next((s for s in sources if s.code.value == ward.code.value), None)
    chosen = inherited.district_code if inherited is not None else top
    return (
        nfc(LegacyDistrict.from_code(chosen).name),
        nfc(LegacyDistrict.from_code(top).name),
    )


def national_rows() -> list[tuple[str, str, str, str, str]]:
    provinces = {p.code.value: nfc(p.name) for p in Province.iter_all()}
    rows = [
        (
            f"{w.province_code.value:02d}",
            provinces[w.province_code.value],
            f"{w.code.value:05d}",
            unit_name(w),
            "commune",
        )
        for w in Ward.iter_all()
    ]
    rows.sort(key=lambda row: row[2])
    codes = [row[2] for row in rows]
    if len(provinces) != EXPECTED_PROVINCES or len({row[0] for row in rows}) != EXPECTED_PROVINCES:
        raise ExtractError(f"expected {EXPECTED_PROVINCES} provinces, got {len(provinces)}")
    if len(rows) != EXPECTED_COMMUNES or len(set(codes)) != len(codes):
        raise ExtractError(f"expected {EXPECTED_COMMUNES} unique units, got {len(set(codes))}")
    return rows


def hanoi_rows() -> list[tuple[str, str, str, str, str, str]]:
    city = Province.from_code(ProvinceCode(HANOI))
    if nfc(city.name) != HANOI_NAME:
        raise ExtractError(f"province {HANOI:02d} is {city.name!r}")
    parent = f"{HANOI:02d}"
    rows = [(parent, HANOI_NAME, "province", "", "", "")]
    rows += [
        (code, nfc(name), "department", parent, ";".join(sectors), DEPARTMENT_AREA)
        for code, name, sectors in DEPARTMENTS
    ]
    communes = sorted(Ward.iter_by_province(ProvinceCode(HANOI)), key=lambda w: w.code.value)
    for ward in communes:
        area, cross_check = former_district(ward)
        if area != cross_check:
            print(
                f"note: {ward.code.value:05d} {ward.name}: area {area!r}; most of its former"
                f" units were in {cross_check!r}",
                file=sys.stderr,
            )
        rows.append((f"{ward.code.value:05d}", unit_name(ward), "commune", parent, "", area))
    check_hanoi(rows)
    return rows


def check_hanoi(rows: Sequence[tuple[str, str, str, str, str, str]]) -> None:
    kinds = Counter(row[2] for row in rows)
    names = [row[1] for row in rows if row[2] == "commune"]
    phuong = sum(name.startswith("Phường ") for name in names)
    xa = sum(name.startswith("Xã ") for name in names)
    expected = {"province": 1, "department": len(DEPARTMENTS), "commune": HANOI_PHUONG + HANOI_XA}
    if dict(kinds) != expected or (phuong, xa) != (HANOI_PHUONG, HANOI_XA):
        raise ExtractError(f"Hà Nội counts {dict(kinds)}, {phuong} phường, {xa} xã")
    if len({row[0] for row in rows}) != len(rows):
        raise ExtractError("duplicate code in the Hà Nội file")
    sectors = {s for row in rows for s in row[4].split(";") if s}
    missing = [s for s in FOCUS_SECTORS if s not in sectors]
    if missing:
        raise ExtractError(f"no department for focus sectors {missing}")
    areas = Counter(row[5] for row in rows if row[2] == "commune")
    for area, size in sorted(areas.items(), key=lambda item: item[1]):
        print(f"area {area}: {size} units", file=sys.stderr)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--national", type=Path, default=NATIONAL_CSV, help="national CSV path")
    parser.add_argument("--hanoi", type=Path, default=HANOI_CSV, help="Hà Nội units CSV path")
    parser.add_argument(
        "--any-version",
        action="store_true",
        help=f"run with a vietnam-provinces other than {EXPECTED_VERSION}",
    )
    args = parser.parse_args(argv)
    version = vietnam_provinces.__version__
    if version != EXPECTED_VERSION and not args.any_version:
        print(
            f"vietnam-provinces {version} installed; expected {EXPECTED_VERSION}"
            " (or pass --any-version and review the diff)",
            file=sys.stderr,
        )
        return 2
    data_version = getattr(vietnam_provinces, "__data_version__", "?")
    print(f"vietnam-provinces {version}, data retrieved {data_version}", file=sys.stderr)
    try:
        national = national_rows()
        hanoi = hanoi_rows()
    except ExtractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_csv(args.national, NATIONAL_HEADER, national)
    write_csv(args.hanoi, UNITS_HEADER, hanoi)
    print(f"wrote {len(national)} rows to {args.national}", file=sys.stderr)
    print(f"wrote {len(hanoi)} rows to {args.hanoi}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
