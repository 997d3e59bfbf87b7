"""Batch log: one index row per logged chunk of a batch run (its rows live in a columnar file).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_log_chunk",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("batch_job_id", sa.String(length=32), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("user", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("output", sa.String(length=1000), nullable=False),
        sa.Column("start_row", sa.Integer(), nullable=False),
        sa.Column("end_row", sa.Integer(), nullable=False),
        sa.Column("rows_scored", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_job_id"], ["batch_job.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "start_row", name="uq_batch_log_chunk_run_start"),
    )
    with op.batch_alter_table("batch_log_chunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_log_chunk_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_log_chunk_batch_job_id"), ["batch_job_id"], unique=False)
        batch_op.create_index("ix_batch_log_chunk_model_created", ["model", "created"], unique=False)
    op.create_table(
        "batch_log_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["chunk_id"], ["batch_log_chunk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("batch_log_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_log_request_chunk_id"), ["chunk_id"], unique=False)
        batch_op.create_index("ix_batch_log_request_model_request", ["model", "request_id"], unique=False)


def downgrade() -> None:
    op.drop_table("batch_log_request")
    op.drop_table("batch_log_chunk")
