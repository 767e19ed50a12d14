"""Photos of maintenance records and field conflicts, with row-level security
(``gisapp/sql/0004_field_up.sql``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:42:59.270764
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gisapp.migrations.sqlfiles import run_sql
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_conflict',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('asset_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('submitted', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id', 'asset_id'], ['asset.municipality_id', 'asset.id'], name='fk_field_conflict_asset'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_field_conflict_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_field_conflict'))
    )
    op.create_index('ix_field_conflict_open', 'field_conflict', ['municipality_id', 'resolved_at'], unique=False)
    op.create_table('photo',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('record_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=True),
    sa.Column('content_type', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_photo_content_type')),
    sa.CheckConstraint('size = octet_length(data) AND size <= 10485760', name=op.f('ck_photo_size')),
    sa.ForeignKeyConstraint(['municipality_id', 'record_id'], ['maintenance_record.municipality_id', 'maintenance_record.id'], name='fk_photo_record'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_photo_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_photo'))
    )
    op.create_index('ix_photo_record', 'photo', ['municipality_id', 'record_id'], unique=False)
    op.create_index('uq_photo_client_id', 'photo', ['municipality_id', 'client_id'], unique=True, postgresql_where=sa.text('client_id IS NOT NULL'))
    run_sql("0004_field_up.sql")


def downgrade() -> None:
    op.drop_index('uq_photo_client_id', table_name='photo', postgresql_where=sa.text('client_id IS NOT NULL'))
    op.drop_index('ix_photo_record', table_name='photo')
    op.drop_table('photo')
    op.drop_index('ix_field_conflict_open', table_name='field_conflict')
    op.drop_table('field_conflict')
