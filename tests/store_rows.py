"""Bare rows for the stores' contract tests: a campaign and its cases without a campaign file
or a workflow definition behind them (the stores need neither)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from inspect_engine.storage.tables import CampaignRow, CaseRow, UnitRow


def seed_cases(
    engine: Engine,
    key: str,
    cases: int,
    *,
    at: datetime,
    title: str | None = None,
    workflow_version: int = 1,
) -> list[int]:
    """A campaign `key` with `cases` unopened cases (units `key-1`, `key-2`...), committed;
    their ids."""
    with Session(engine) as s:
        codes = [f"{key}-{k}" for k in range(1, cases + 1)]
        s.add_all(UnitRow(code=c, name=f"Xã {c}", kind="commune", updated_at=at) for c in codes)
        s.add(
            CampaignRow(
                key=key,
                title=title or f"Kiểm tra {key}",
                year=2026,
                window_start=date(2026, 8, 1),
                window_end=date(2026, 12, 31),
                workflow_name="w",
                workflow_version=workflow_version,
                spec={},
                source_text="",
                created_at=at,
            )
        )
        s.flush()
        rows = [
            CaseRow(
                campaign_key=key,
                unit_code=c,
                state="planned",
                workflow_name="w",
                workflow_version=workflow_version,
                created_at=at,
            )
            for c in codes
        ]
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows if r.id is not None]
