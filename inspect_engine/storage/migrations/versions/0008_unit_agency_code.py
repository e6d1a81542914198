"""unit agency code: the mã định danh that addresses a unit on the document axis (edXML)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'agency_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
            server_default='',
        ))


def downgrade() -> None:
    # Not in batch mode, as in 0007: a batch would rebuild `unit` under its foreign keys.
    op.drop_column('unit', 'agency_code')
