"""Initial schema: every table of DESIGN.md section 4 (prediction, feedback, batch, explanation, drift).

Revision ID: 0001
Revises:
Create Date: 2026-11-26 21:50:17.715684
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_job',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('input_name', sa.String(length=500), nullable=False),
    sa.Column('output_path', sa.String(length=1000), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_scored', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('batch_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_job_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_job_user'), ['user'], unique=False)

    op.create_table('drift_run',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('detector', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('n_reference', sa.Integer(), nullable=False),
    sa.Column('n_window', sa.Integer(), nullable=False),
    sa.Column('is_drift', sa.Boolean(), nullable=True),
    sa.Column('p_value', sa.Float(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drift_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drift_run_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_drift_run_model'), ['model'], unique=False)

    op.create_table('explanation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('model', 'version', 'input_hash', 'kind', name='uq_explanation_key')
    )
    with op.batch_alter_table('explanation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanation_model'), ['model'], unique=False)

    op.create_table('batch_chunk',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('start_row', sa.Integer(), nullable=False),
    sa.Column('end_row', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('rows_scored', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['batch_job.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'index', name='uq_batch_chunk_job_index')
    )
    with op.batch_alter_table('batch_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_chunk_job_id'), ['job_id'], unique=False)

    op.create_table('prediction',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('protocol', sa.String(length=16), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=True),
    sa.Column('outputs', sa.JSON(), nullable=True),
    sa.Column('request', sa.JSON(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('batch_job_id', sa.String(length=32), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_job_id'], ['batch_job.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prediction_batch_job_id'), ['batch_job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prediction_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_prediction_model'), ['model'], unique=False)
        batch_op.create_index(batch_op.f('ix_prediction_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prediction_user'), ['user'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('prediction_id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.Column('truth', sa.JSON(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('reward', sa.Float(), nullable=True),
    sa.Column('forwarded', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['prediction_id'], ['prediction.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_forwarded'), ['forwarded'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_prediction_id'), ['prediction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_user'), ['user'], unique=False)

    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_feedback_id'), ['feedback_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_event_feedback_id'))

    op.drop_table('feedback_event')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_user'))
        batch_op.drop_index(batch_op.f('ix_feedback_prediction_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_forwarded'))
        batch_op.drop_index(batch_op.f('ix_feedback_created'))

    op.drop_table('feedback')
    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prediction_user'))
        batch_op.drop_index(batch_op.f('ix_prediction_request_id'))
        batch_op.drop_index(batch_op.f('ix_prediction_model'))
        batch_op.drop_index(batch_op.f('ix_prediction_created'))
        batch_op.drop_index(batch_op.f('ix_prediction_batch_job_id'))

    op.drop_table('prediction')
    with op.batch_alter_table('batch_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_chunk_job_id'))

    op.drop_table('batch_chunk')
    with op.batch_alter_table('explanation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_explanation_model'))

    op.drop_table('explanation')
    with op.batch_alter_table('drift_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drift_run_model'))
        batch_op.drop_index(batch_op.f('ix_drift_run_created'))

    op.drop_table('drift_run')
    with op.batch_alter_table('batch_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_job_user'))
        batch_op.drop_index(batch_op.f('ix_batch_job_created'))

    op.drop_table('batch_job')
