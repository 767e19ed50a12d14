"""Tags (QR labels, NFC chips) with their events, and what a field record carries: the
client's id (offline replays), how it was captured, where the phone was, a flag for the
office. Row-level security and the token look-up: ``gisapp/sql/0003_tags_*.sql``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:39:57.460222
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gisapp.migrations.sqlfiles import run_sql
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tag',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('short_code', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), server_default='qr', nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('asset_id', sa.UUID(), nullable=True),
    sa.Column('replaced_by', sa.UUID(), nullable=True),
    sa.Column('nfc_serial', sa.Text(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("(state = 'replaced') = (replaced_by IS NOT NULL)", name=op.f('ck_tag_replaced_by')),
    sa.CheckConstraint("kind IN ('qr', 'nfc')", name=op.f('ck_tag_kind')),
    sa.CheckConstraint("state <> 'unassigned' OR asset_id IS NULL", name=op.f('ck_tag_unassigned_no_asset')),
    sa.CheckConstraint("state = 'unassigned' OR asset_id IS NOT NULL OR state = 'revoked'", name=op.f('ck_tag_assigned_has_asset')),
    sa.CheckConstraint("state IN ('unassigned', 'active', 'revoked', 'replaced')", name=op.f('ck_tag_state')),
    sa.CheckConstraint("token ~ '^[A-Za-z0-9_-]{16,64}$'", name=op.f('ck_tag_token_format')),
    sa.ForeignKeyConstraint(['municipality_id', 'asset_id'], ['asset.municipality_id', 'asset.id'], name='fk_tag_asset'),
    sa.ForeignKeyConstraint(['municipality_id', 'replaced_by'], ['tag.municipality_id', 'tag.id'], name='fk_tag_replaced_by'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_tag_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_tag')),
    sa.UniqueConstraint('municipality_id', 'short_code', name=op.f('uq_tag_municipality_id_short_code'))
    )
    op.create_index('ix_tag_asset', 'tag', ['municipality_id', 'asset_id'], unique=False)
    op.create_index('uq_tag_token', 'tag', ['token'], unique=True)
    op.create_table('tag_event',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('tag_id', sa.UUID(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('asset_id', sa.UUID(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('by', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.CheckConstraint("action IN ('created', 'assigned', 'replaced', 'revoked', 'nfc_written')", name=op.f('ck_tag_event_action')),
    sa.ForeignKeyConstraint(['municipality_id', 'tag_id'], ['tag.municipality_id', 'tag.id'], name='fk_tag_event_tag'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_tag_event_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_tag_event'))
    )
    op.create_index('ix_tag_event_tag', 'tag_event', ['municipality_id', 'tag_id', 'id'], unique=False)
    op.add_column('maintenance_record', sa.Column('client_id', sa.UUID(), nullable=True))
    op.add_column('maintenance_record', sa.Column('capture_method', sa.Text(), server_default='office', nullable=False))
    op.add_column('maintenance_record', sa.Column('position', geoalchemy2.types.Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True))
    op.add_column('maintenance_record', sa.Column('accuracy_m', sa.Float(), nullable=True))
    op.add_column('maintenance_record', sa.Column('scan_distance_m', sa.Float(), nullable=True))
    op.add_column('maintenance_record', sa.Column('flagged', sa.Boolean(), server_default='false', nullable=False))
    op.add_column('maintenance_record', sa.Column('flag_reason', sa.Text(), nullable=True))
    op.create_index('uq_maintenance_client_id', 'maintenance_record', ['municipality_id', 'client_id'], unique=True, postgresql_where=sa.text('client_id IS NOT NULL'))
    op.add_column('municipality', sa.Column('label_prefix', sa.Text(), nullable=True))
    run_sql("0003_tags_up.sql")


def downgrade() -> None:
    run_sql("0003_tags_down.sql")
    op.drop_column('municipality', 'label_prefix')
    op.drop_index('uq_maintenance_client_id', table_name='maintenance_record', postgresql_where=sa.text('client_id IS NOT NULL'))
    op.drop_column('maintenance_record', 'flag_reason')
    op.drop_column('maintenance_record', 'flagged')
    op.drop_column('maintenance_record', 'scan_distance_m')
    op.drop_column('maintenance_record', 'accuracy_m')
    op.drop_column('maintenance_record', 'position')
    op.drop_column('maintenance_record', 'capture_method')
    op.drop_column('maintenance_record', 'client_id')
    op.drop_index('ix_tag_event_tag', table_name='tag_event')
    op.drop_table('tag_event')
    op.drop_index('uq_tag_token', table_name='tag')
    op.drop_index('ix_tag_asset', table_name='tag')
    op.drop_table('tag')
