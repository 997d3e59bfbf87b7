"""Trace ids on predictions (W3C traceparent sent with every call) and tags on logged calls (demo traffic).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prediction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tag", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_request_log_tag", ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.drop_index("ix_request_log_tag")
        batch_op.drop_column("tag")
    with op.batch_alter_table("prediction", schema=None) as batch_op:
        batch_op.drop_column("trace_id")
