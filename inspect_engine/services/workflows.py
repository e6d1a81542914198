"""Workflow versions: registered from files when first used, then driven from the stored text.

A case keeps the version it started with. Editing a definition file in place after cases started
with it is refused: publish a new version and `workflow migrate` the cases instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, select

from inspect_engine.domain.verification import SEAL_WORKFLOW
from inspect_engine.domain.workflow.model import WorkflowDefinition
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import CheckFailed, InputError
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.tables import WorkflowRow
from inspect_engine.storage.workflow_files import find_definition

# Stored definitions never change, so a parsed one is cached per database (engine) and version.
_parsed: WeakKeyDictionary[Engine, dict[tuple[str, int], WorkflowDefinition]] = WeakKeyDictionary()


def register(
    session: Session,
    name: str,
    version: int | None,
    search_dirs: Sequence[Path],
    *,
    clock: Clock = utc_now,
) -> WorkflowDefinition:
    """The definition new cases will use: from the files, stored on first use."""
    defn = find_definition(name, version, search_dirs)
    stored = session.get(WorkflowRow, (defn.name, defn.version))
    if stored is None:
        session.add(
            WorkflowRow(
                name=defn.name,
                version=defn.version,
                fingerprint=defn.fingerprint(),
                source_text=_source_text(defn),
                registered_at=clock(),
            )
        )
        session.flush()
    elif stored.fingerprint != defn.fingerprint():
        raise InputError(
            f"workflow {defn.name} v{defn.version} in {defn.source_path} differs from the version "
            "already in use: give the changed definition a new version number",
            source=defn.source_path,
            field="version",
        )
    return defn


def stored(conn: Connection, name: str, version: int) -> WorkflowDefinition:
    """The definition a case runs on, parsed from the stored text (cached per database)."""
    cache = _parsed.setdefault(conn.engine, {})
    key = (name, version)
    if key not in cache:
        table = WorkflowRow.__table__  # type: ignore[attr-defined]
        row = conn.execute(
            select(table.c.source_text, table.c.fingerprint).where(
                table.c.name == name, table.c.version == version
            )
        ).first()
        if row is None:
            raise InputError(f"workflow {name} v{version} is not registered in this database")
        defn = parse_definition(row[0], f"{name} v{version} (stored)")
        # A stored text edited under the engine (a role added to a trigger, say) is never
        # driven: it no longer matches the fingerprint it was registered, and sealed, with.
        sealed = _sealed_fingerprint(conn, name, version)
        if defn.fingerprint() != row[1] or sealed not in (None, row[1]):
            raise CheckFailed(
                f"workflow {name} v{version} as stored does not match the fingerprint its cases "
                "were sealed with: it was edited in the database; nothing fires through it "
                "(see `audit verify`)"
            )
        cache[key] = defn
    return cache[key]


def _sealed_fingerprint(conn: Connection, name: str, version: int) -> str | None:
    """The fingerprint a case's `open` event sealed for this version (None before any case,
    or in a database older than the seals)."""
    payload = conn.execute(
        text(
            "SELECT payload FROM case_event WHERE workflow_name = :name AND "
            "workflow_version = :version AND seq = 1 LIMIT 1"
        ),
        {"name": name, "version": version},
    ).scalar()
    if isinstance(payload, str | bytes):
        payload = orjson.loads(payload)
    seal = payload.get(SEAL_WORKFLOW) if isinstance(payload, dict) else None
    return seal if isinstance(seal, str) else None


def _source_text(defn: WorkflowDefinition) -> str:
    if defn.source_path is None:
        raise InputError(f"workflow {defn.name} v{defn.version} has no source file")
    return Path(defn.source_path).read_text(encoding="utf-8")
