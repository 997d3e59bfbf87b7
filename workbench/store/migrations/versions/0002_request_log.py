"""Request log: one row per instance of every call a logger reported (the request-log sink).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON(none_as_null=True)
    op.create_table(
        "request_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_key", sa.String(length=400), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("known_model", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("namespace", sa.String(length=120), nullable=False),
        sa.Column("endpoint", sa.String(length=120), nullable=False),
        sa.Column("event_ts", sa.Float(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_ts", sa.Float(), nullable=True),
        sa.Column("inputs", json, nullable=True),
        sa.Column("outputs", json, nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("truth", json, nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("log_key"),
    )
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.create_index("ix_request_log_model_ts", ["model", "event_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_log_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_log_request_id"))
        batch_op.drop_index("ix_request_log_model_ts")
    op.drop_table("request_log")
