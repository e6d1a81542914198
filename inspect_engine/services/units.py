"""Unit registry handlers: import a CSV (upsert by code), list units, manage unit kinds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from inspect_engine.domain.input_limits import MAX_UNITS_FILE_BYTES
from inspect_engine.domain.text import clean
from inspect_engine.domain.units import CODE_RE, Unit, parse_units_csv
from inspect_engine.errors import InputError
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.tables import UnitKindRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_file(path: Path, *, max_bytes: int) -> bytes:
    """A file's bytes; one larger than `max_bytes` (domain/input_limits.py) is refused unread."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"the file is {size:,} bytes, more than {max_bytes:,}: is it the right file?",
                source=str(path),
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path)) from None


def import_units(uow: UnitOfWork, path: Path, *, clock: Clock = utc_now) -> ImportReport:
    """Validate the whole file, then upsert every unit by code in one transaction."""
    data = read_file(path, max_bytes=MAX_UNITS_FILE_BYTES)
    with uow:
        report = _upsert(uow.session, data, str(path), clock())
        uow.commit()
    return report


def _upsert(session: Session, data: bytes, source: str, now: datetime) -> ImportReport:
    existing = {row.code: row for row in session.exec(select(UnitRow))}
    units = parse_units_csv(
        data,
        source,
        known_kinds=kind_names(session),
        existing_parents={code: row.parent_code for code, row in existing.items()},
    )
    created = updated = 0
    for unit in units:
        row = existing.get(unit.code)
        if row is not None and unit.address is None:  # no address column: keep the stored one
            unit = replace(unit, address=row.address)
        if row is not None and unit.agency_code is None:
            unit = replace(unit, agency_code=row.agency_code)
        if row is None:
            session.add(_new_row(unit, now))
            created += 1
        elif _changed(row, unit):
            row.name, row.kind, row.parent_code = unit.name, unit.kind, unit.parent_code
            row.sectors, row.area, row.updated_at = list(unit.sectors), unit.area, now
            row.address, row.agency_code = unit.address or "", unit.agency_code or ""
            session.add(row)
            updated += 1
        # Flush parents before children: PostgreSQL checks foreign keys per statement.
        session.flush()
    return ImportReport(created, updated, len(units) - created - updated)


def list_units(uow: UnitOfWork, *, kind: str | None = None) -> list[Unit]:
    query = select(UnitRow).order_by(col(UnitRow.kind), col(UnitRow.code))
    if kind is not None:
        query = query.where(UnitRow.kind == kind)
    with uow:
        return [to_unit(row) for row in uow.session.exec(query)]


def to_unit(row: UnitRow) -> Unit:
    return Unit(
        row.code,
        row.name,
        row.kind,
        row.parent_code,
        tuple(row.sectors),
        row.area,
        row.address,
        row.agency_code,
    )


def kind_names(session: Session) -> list[str]:
    return list(session.exec(select(UnitKindRow.name).order_by(col(UnitKindRow.name))))


def list_kinds(uow: UnitOfWork) -> list[tuple[str, str]]:
    with uow:
        rows = uow.session.exec(select(UnitKindRow).order_by(col(UnitKindRow.name)))
        return [(row.name, row.label) for row in rows]


def add_kind(uow: UnitOfWork, name: str, label: str = "") -> bool:
    """Register a new unit kind (e.g. `agency`); returns False if it already existed."""
    name = clean(name)
    if not CODE_RE.match(name):
        raise InputError(f"kind {name!r} must be letters, digits, '.', '_' or '-'", field="NAME")
    with uow:
        if uow.session.get(UnitKindRow, name) is not None:
            return False
        uow.session.add(UnitKindRow(name=name, label=clean(label)))
        uow.commit()
    return True


def _new_row(unit: Unit, now: datetime) -> UnitRow:
    return UnitRow(
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        parent_code=unit.parent_code,
        sectors=list(unit.sectors),
        area=unit.area,
        address=unit.address or "",
        agency_code=unit.agency_code or "",
        updated_at=now,
    )


def _changed(row: UnitRow, unit: Unit) -> bool:
    return to_unit(row) != unit
