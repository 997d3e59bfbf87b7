"""A covering index for the Monitor's per-window counts of logged calls (model, time, status, response time).

Without it, counting calls, errors and latency per window reads every row of a model's log.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_request_log_windows", "request_log", ["model", "event_ts", "status", "response_ts"])


def downgrade() -> None:
    op.drop_index("ix_request_log_windows", table_name="request_log")
