"""unit address: where an inspection team goes, for the calendar's LOCATION

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
            server_default='',
        ))


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a plain column in place, where a batch would
    # rebuild `unit` and trip the foreign keys that point at it.
    op.drop_column('unit', 'address')
