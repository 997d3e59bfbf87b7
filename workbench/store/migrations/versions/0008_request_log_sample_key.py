"""A fixed pseudo-random sample key per logged instance (CRC-32 of its log key, 0..1023), with its index.

The Monitor samples a window as "the rows with a key below k": with an index on (model, sample_key,
time) that is k short contiguous ranges, not a scan of the window's every index entry.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SAMPLE_KEYS = 1024  # as store.request_log.SAMPLE_KEYS when this revision was written
CHUNK = 20_000


def upgrade() -> None:
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sample_key", sa.Integer(), nullable=True))
    connection = op.get_bind()
    last = 0
    while True:  # by id ranges: the keys are computed here, not by SQL (neither database has CRC-32)
        rows = connection.execute(sa.text("SELECT id, log_key FROM request_log WHERE id > :last ORDER BY id "
                                          "LIMIT :n"), {"last": last, "n": CHUNK}).all()
        if not rows:
            break
        connection.execute(sa.text("UPDATE request_log SET sample_key = :k WHERE id = :i"),
                           [{"k": zlib.crc32(key.encode()) % SAMPLE_KEYS, "i": i} for i, key in rows])
        last = rows[-1][0]
    op.create_index("ix_request_log_sample", "request_log", ["model", "sample_key", "event_ts"])


def downgrade() -> None:
    op.drop_index("ix_request_log_sample", table_name="request_log")
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.drop_column("sample_key")
