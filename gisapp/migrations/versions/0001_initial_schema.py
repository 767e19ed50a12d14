"""Initial schema: municipalities, asset types, assets, history, maintenance, districts, streets.

Tables come from the models; the parts SQLAlchemy cannot express (extensions, the history
trigger, guards that compare rows of two tables) are in ``gisapp/sql/0001_*.sql``.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:34:48.852581
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gisapp.migrations.sqlfiles import run_sql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('municipality',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('boundary', geoalchemy2.types.Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, from_text='ST_GeomFromEWKT', name='geometry', spatial_index=False), nullable=True),
    sa.Column('working_crs', sa.Integer(), server_default='25832', nullable=False),
    sa.Column('default_language', sa.Text(), server_default='de', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("default_language IN ('de', 'en', 'fr')", name=op.f('ck_municipality_language')),
    sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f('ck_municipality_slug_format')),
    sa.CheckConstraint('working_crs > 0', name=op.f('ck_municipality_working_crs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('slug', name=op.f('uq_municipality_slug'))
    )
    op.create_index('idx_municipality_boundary', 'municipality', ['boundary'], unique=False, postgresql_using='gist')
    op.create_table('asset_type',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('code_prefix', sa.Text(), nullable=False),
    sa.Column('label_de', sa.Text(), nullable=False),
    sa.Column('label_en', sa.Text(), nullable=True),
    sa.Column('label_fr', sa.Text(), nullable=True),
    sa.Column('geometry_kind', sa.Text(), server_default='point', nullable=False),
    sa.Column('attribute_schema', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('maintenance_interval_days', sa.Integer(), nullable=True),
    sa.Column('public_by_default', sa.Boolean(), nullable=False),
    sa.Column('public_allowed', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('builtin', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('icon', sa.Text(), server_default='circle', nullable=False),
    sa.Column('color', sa.Text(), server_default='#3388ff', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("code <> 'meter' OR NOT public_allowed", name=op.f('ck_asset_type_meter_never_public')),
    sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,39}$'", name=op.f('ck_asset_type_code_format')),
    sa.CheckConstraint("code_prefix ~ '^[A-Z][A-Z0-9]{0,5}$'", name=op.f('ck_asset_type_prefix_format')),
    sa.CheckConstraint("color ~ '^#[0-9a-fA-F]{6}$'", name=op.f('ck_asset_type_color_format')),
    sa.CheckConstraint("geometry_kind IN ('point', 'line', 'polygon')", name=op.f('ck_asset_type_geometry_kind')),
    sa.CheckConstraint("jsonb_typeof(attribute_schema) = 'object'", name=op.f('ck_asset_type_schema_object')),
    sa.CheckConstraint('maintenance_interval_days IS NULL OR maintenance_interval_days > 0', name=op.f('ck_asset_type_interval_positive')),
    sa.CheckConstraint('public_allowed OR NOT public_by_default', name=op.f('ck_asset_type_public_needs_allowed')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_asset_type_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'code', name=op.f('pk_asset_type'))
    )
    op.create_table('district',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, from_text='ST_GeomFromEWKT', name='geometry', nullable=False, spatial_index=False), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_district_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_district')),
    sa.UniqueConstraint('municipality_id', 'name', name=op.f('uq_district_municipality_id_name'))
    )
    op.create_index('idx_district_geom', 'district', ['geom'], unique=False, postgresql_using='gist')
    op.create_table('street',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2, from_text='ST_GeomFromEWKT', name='geometry', nullable=False, spatial_index=False), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_street_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_street')),
    sa.UniqueConstraint('municipality_id', 'name', name=op.f('uq_street_municipality_id_name'))
    )
    op.create_index('idx_street_geom', 'street', ['geom'], unique=False, postgresql_using='gist')
    op.create_table('asset',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('type_code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.Text(), server_default='active', nullable=False),
    sa.Column('geom', geoalchemy2.types.Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('manufacturer', sa.Text(), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('maintenance_interval_days', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("jsonb_typeof(attributes) = 'object'", name=op.f('ck_asset_attributes_object')),
    sa.CheckConstraint("status IN ('planned', 'active', 'defective', 'out_of_service', 'decommissioned')", name=op.f('ck_asset_status')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_asset_geom_valid')),
    sa.CheckConstraint('maintenance_interval_days IS NULL OR maintenance_interval_days > 0', name=op.f('ck_asset_interval_positive')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_asset_not_own_parent')),
    sa.CheckConstraint('version > 0', name=op.f('ck_asset_version_positive')),
    sa.ForeignKeyConstraint(['municipality_id', 'parent_id'], ['asset.municipality_id', 'asset.id'], name='fk_asset_parent'),
    sa.ForeignKeyConstraint(['municipality_id', 'type_code'], ['asset_type.municipality_id', 'asset_type.code'], name='fk_asset_type'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_asset_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_asset')),
    sa.UniqueConstraint('municipality_id', 'code', name=op.f('uq_asset_municipality_id_code'))
    )
    op.create_index('ix_asset_geom', 'asset', ['geom'], unique=False, postgresql_using='gist')
    op.create_index('ix_asset_search', 'asset', [sa.literal_column("(lower(code || ' ' || name)) gin_trgm_ops")], unique=False, postgresql_using='gin')
    op.create_index('ix_asset_type_status', 'asset', ['municipality_id', 'type_code', 'status'], unique=False)
    op.create_index('uq_asset_external', 'asset', ['municipality_id', 'external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'))
    op.create_table('asset_history',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('asset_id', sa.UUID(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("action IN ('create', 'update', 'decommission')", name=op.f('ck_asset_history_action')),
    sa.ForeignKeyConstraint(['municipality_id', 'asset_id'], ['asset.municipality_id', 'asset.id'], name='fk_history_asset'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_asset_history_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_asset_history'))
    )
    op.create_index('ix_asset_history_asset', 'asset_history', ['municipality_id', 'asset_id', 'id'], unique=False)
    op.create_table('maintenance_record',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('asset_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('performed_by', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('reading_value', sa.Numeric(precision=18, scale=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("(kind = 'meter_reading') = (reading_value IS NOT NULL)", name=op.f('ck_maintenance_record_reading_value')),
    sa.CheckConstraint("kind IN ('inspection', 'repair', 'lamp_replacement', 'cleaning', 'firmware_update', 'meter_reading', 'other')", name=op.f('ck_maintenance_record_kind')),
    sa.CheckConstraint("result IN ('ok', 'fixed', 'defect_found', 'not_possible')", name=op.f('ck_maintenance_record_result')),
    sa.ForeignKeyConstraint(['municipality_id', 'asset_id'], ['asset.municipality_id', 'asset.id'], name='fk_maintenance_asset'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_maintenance_record_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_maintenance_record'))
    )
    op.create_index('ix_maintenance_asset_time', 'maintenance_record', ['municipality_id', 'asset_id', 'performed_at'], unique=False)
    run_sql("0001_triggers_up.sql")


def downgrade() -> None:
    run_sql("0001_triggers_down.sql")
    op.drop_index('ix_maintenance_asset_time', table_name='maintenance_record')
    op.drop_table('maintenance_record')
    op.drop_index('ix_asset_history_asset', table_name='asset_history')
    op.drop_table('asset_history')
    op.drop_index('uq_asset_external', table_name='asset', postgresql_where=sa.text('external_id IS NOT NULL'))
    op.drop_index('ix_asset_type_status', table_name='asset')
    op.drop_index('ix_asset_search', table_name='asset', postgresql_using='gin')
    op.drop_index('ix_asset_geom', table_name='asset', postgresql_using='gist')
    op.drop_table('asset')
    op.drop_index('idx_street_geom', table_name='street', postgresql_using='gist')
    op.drop_table('street')
    op.drop_index('idx_district_geom', table_name='district', postgresql_using='gist')
    op.drop_table('district')
    op.drop_table('asset_type')
    op.drop_index('idx_municipality_boundary', table_name='municipality', postgresql_using='gist')
    op.drop_table('municipality')
