"""Administrative units and the CSV format they are imported from.

CSV header: `code,name,kind,parent_code,sectors,area`, optionally followed by `address` and
`agency_code` in either order (UTF-8, sectors separated by `;`). A file without an optional
column leaves that stored value alone. The whole file is validated before anything is written;
the first problem is reported with its line and field.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from inspect_engine.domain.agency_codes import agency_code_problem
from inspect_engine.domain.input_limits import MAX_UNITS
from inspect_engine.domain.text import clean, control_character, decode_utf8
from inspect_engine.errors import InputError

CSV_HEADER = ("code", "name", "kind", "parent_code", "sectors", "area")
ADDRESS = "address"
AGENCY_CODE = "agency_code"  # mã định danh on the document axis (domain/agency_codes.py)
OPTIONAL_COLUMNS = (ADDRESS, AGENCY_CODE)
ADDRESS_MAX = 300
# The longest Vietnamese unit name is under 120 characters ("Ban Quản lý các khu công nghệ cao
# và khu công nghiệp thành phố ..."); a sector or an area label under 80; a unit leads a
# handful of sectors.
NAME_MAX = 255
LABEL_MAX = 200
MAX_SECTORS = 30
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    parent_code: str | None
    sectors: tuple[str, ...]
    area: str
    address: str | None = None  # None: the file has no address column (the stored one stays)
    agency_code: str | None = None  # likewise; "" when the unit has none


def parse_units_csv(
    data: bytes,
    source: str,
    *,
    known_kinds: Iterable[str],
    existing_parents: Mapping[str, str | None],
) -> list[Unit]:
    """Parse and validate a units CSV; returns the units parents-first.

    `existing_parents` maps the codes already stored to their parent codes, so that a row may
    name a stored unit as parent and so that cycles through stored units are caught.
    """
    text = decode_utf8(data, source)
    kinds = set(known_kinds)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputError("file is empty; expected header " + ",".join(CSV_HEADER), source=source)
    columns = tuple(clean(h) for h in header)
    extra = columns[len(CSV_HEADER) :]
    if (
        columns[: len(CSV_HEADER)] != CSV_HEADER
        or len(set(extra)) != len(extra)
        or not set(extra) <= set(OPTIONAL_COLUMNS)
    ):
        raise InputError(
            f"header must be {','.join(CSV_HEADER)}, optionally followed by "
            f"{' and '.join(OPTIONAL_COLUMNS)} (got {','.join(header)})",
            source=source,
            line=1,
        )
    rows = list(_rows(reader, source))
    if len(rows) > MAX_UNITS:
        raise InputError(
            f"more than {MAX_UNITS:,} units in one file: split it", source=source,
            line=rows[MAX_UNITS][0],
        )  # fmt: skip
    units: dict[str, Unit] = {}
    lines: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        unit = _parse_row(row, source, line, kinds, extra)
        if unit.code in units:
            raise InputError(
                f"duplicate code {unit.code!r} (first on line {lines[unit.code]})",
                source=source,
                line=line,
                field="code",
            )
        units[unit.code] = unit
        lines[unit.code] = line
    if not units:
        raise InputError("no units after the header", source=source)
    parents = {**existing_parents, **{u.code: u.parent_code for u in units.values()}}
    for code, unit in units.items():
        problem = None
        if unit.parent_code is not None and unit.parent_code not in parents:
            problem = f"unknown parent {unit.parent_code!r}"
        elif _has_cycle(code, parents):
            problem = f"parent chain of {code!r} loops back to itself"
        if problem:
            raise InputError(problem, source=source, line=lines[code], field="parent_code")
    return sorted(units.values(), key=lambda u: _depth(u.code, parents))


def _rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with its line; a cell past the csv module's limit (128 KiB, far past any name)
    is bad input on its line, not a traceback."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"unreadable CSV: {exc}", source=source, line=reader.line_num
            ) from None
        yield reader.line_num, row


def _parse_row(
    row: list[str], source: str, line: int, kinds: set[str], extra: tuple[str, ...]
) -> Unit:
    width = len(CSV_HEADER) + len(extra)
    if len(row) != width:
        raise InputError(f"expected {width} columns, found {len(row)}", source=source, line=line)
    for column, cell in zip((*CSV_HEADER, *extra), row, strict=True):
        if found := control_character(cell):
            raise InputError(f"control character {found}", source=source, line=line, field=column)
    code, name, kind, parent, sectors, area = (clean(cell) for cell in row[: len(CSV_HEADER)])
    optional = dict(zip(extra, (clean(cell) for cell in row[len(CSV_HEADER) :]), strict=True))
    address, agency_code = optional.get(ADDRESS), optional.get(AGENCY_CODE)

    def bad(field: str, message: str) -> InputError:
        return InputError(message, source=source, line=line, field=field)

    if not code:
        raise bad("code", "code is empty")
    if not CODE_RE.match(code):
        raise bad("code", f"code {code!r} must be 1-40 letters, digits, '.', '_' or '-'")
    if not name:
        raise bad("name", "name is empty")
    if len(name) > NAME_MAX:
        raise bad("name", f"name is {len(name)} characters, more than {NAME_MAX}")
    if len(area) > LABEL_MAX:
        raise bad("area", f"area is {len(area)} characters, more than {LABEL_MAX}")
    if kind not in kinds:
        raise bad("kind", f"unknown kind {kind!r}; known kinds: {', '.join(sorted(kinds))}")
    if parent == code:
        raise bad("parent_code", "a unit cannot be its own parent")
    if address is not None and len(address) > ADDRESS_MAX:
        raise bad(ADDRESS, f"address is {len(address)} characters, more than {ADDRESS_MAX}")
    if agency_code and (problem := agency_code_problem(agency_code)):
        raise bad(AGENCY_CODE, problem)
    sector_list = tuple(s for s in (clean(p) for p in sectors.split(";")) if s) if sectors else ()
    if len(sector_list) > MAX_SECTORS:
        raise bad("sectors", f"{len(sector_list)} sectors, more than {MAX_SECTORS}")
    if long := next((s for s in sector_list if len(s) > LABEL_MAX), None):
        raise bad("sectors", f"a sector is {len(long)} characters, more than {LABEL_MAX}")
    return Unit(code, name, kind, parent or None, sector_list, area, address, agency_code)


def _has_cycle(code: str, parents: Mapping[str, str | None]) -> bool:
    seen = {code}
    current = parents.get(code)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _depth(code: str, parents: Mapping[str, str | None]) -> int:
    depth = 0
    current = parents.get(code)
    while current is not None:
        depth += 1
        current = parents.get(current)
    return depth
