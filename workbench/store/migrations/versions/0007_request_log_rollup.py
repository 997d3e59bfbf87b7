"""Calls, errors and latency per model, source and 5-minute bucket (`store.traffic_rollup`), filled from the log.

The Monitor page's window counts read these buckets instead of scanning a million index entries;
`store_log` keeps them in the transaction that writes the rows.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUCKET_SECONDS = 300  # as store.traffic_rollup.BUCKET_SECONDS when this revision was written


def upgrade() -> None:
    op.create_table(
        "request_log_rollup",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latency_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model", "bucket", "source"),
    )
    op.execute(f"""
        INSERT INTO request_log_rollup (model, bucket, source, calls, errors, latency_sum, latency_n)
        SELECT model, CAST(floor(event_ts / {BUCKET_SECONDS}) AS INTEGER) * {BUCKET_SECONDS} AS b, source,
               count(*), sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END),
               coalesce(sum((response_ts - event_ts) * 1000.0), 0), count(response_ts)
        FROM request_log GROUP BY model, b, source
    """)


def downgrade() -> None:
    op.drop_table("request_log_rollup")
