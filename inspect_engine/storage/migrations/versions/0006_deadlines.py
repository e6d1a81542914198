"""deadlines: one row per deadline a workflow started, with the events that created and ended it

The rows of an existing database are rebuilt from its event log: every `start_deadline` and
`cancel_deadline` effect, in each case's order, as the engine applies them from now on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_seq', sa.Integer(), nullable=False),
    sa.Column('ended_seq', sa.Integer(), nullable=True),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_key'], ['campaign.key'], ),
    sa.ForeignKeyConstraint(['case_id'], ['inspection_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_case_kind', ['case_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_deadline_due', ['status', 'due'], unique=False)
    _rebuild_from_the_log()


def _rebuild_from_the_log() -> None:
    """Replay the deadline effects of the events already stored (self-contained: a migration
    must not change with the engine's code)."""
    conn = op.get_bind()
    events = conn.execute(sa.text(
        "SELECT campaign_key, case_id, seq, effects FROM case_event ORDER BY case_id, seq"
    ))
    rows: list[dict[str, object]] = []
    pending: dict[tuple[int, str], dict[str, object]] = {}
    for campaign_key, case_id, seq, effects in events:
        if isinstance(effects, str):
            effects = json.loads(effects)
        for effect in effects or []:
            args = effect.get("args", {})
            kind = args.get("deadline")
            if effect.get("effect") not in ("start_deadline", "cancel_deadline") or not kind:
                continue
            if effect["effect"] == "start_deadline" and not isinstance(args.get("due"), str):
                continue  # workflow v1 recorded no due date: nothing could fire it
            open_one = pending.pop((case_id, kind), None)
            if open_one is not None:
                ended = "superseded" if effect["effect"] == "start_deadline" else "cancelled"
                open_one.update(status=ended, ended_seq=seq)
            if effect["effect"] == "start_deadline":
                due = args.get("due")
                row = {
                    "campaign_key": campaign_key, "case_id": case_id, "kind": kind,
                    "due": date.fromisoformat(due),
                    "status": "pending", "created_seq": seq, "ended_seq": None,
                }
                rows.append(row)
                pending[(case_id, kind)] = row
    if rows:
        table = sa.table(
            'deadline', *(sa.column(c) for c in (
                'campaign_key', 'case_id', 'kind', 'due', 'status', 'created_seq', 'ended_seq'
            ))
        )
        conn.execute(table.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_due')
        batch_op.drop_index('ix_deadline_case_kind')
    op.drop_table('deadline')
