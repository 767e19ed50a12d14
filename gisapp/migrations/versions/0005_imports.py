"""Imports: the import_job table (upload, dry-run report, result) under row-level security
(``gisapp/sql/0005_imports_up.sql``), and the new built-in type ``fire_hydrant`` for the
municipalities that exist already (new ones get it with the other built-in types).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:30:00
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gisapp
from gisapp.migrations.sqlfiles import run_sql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# the built-in type's definition, as new municipalities get it
HYDRANT = Path(gisapp.__file__).parent / "asset_types" / "builtin" / "fire_hydrant.json"


def upgrade() -> None:
    op.create_table('import_job',
    sa.Column('municipality_id', sa.UUID(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('status', sa.Text(), server_default='checked', nullable=False),
    sa.Column('format', sa.Text(), nullable=False),
    sa.Column('filename', sa.Text(), server_default='', nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('upload', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('committed_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('checked', 'committed')", name=op.f('ck_import_job_status')),
    sa.CheckConstraint('upload IS NULL OR octet_length(upload) = size', name=op.f('ck_import_job_size')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_import_job_municipality_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('municipality_id', 'id', name=op.f('pk_import_job'))
    )
    op.create_index('ix_import_job_created', 'import_job', ['municipality_id', 'created_at'], unique=False)
    run_sql("0005_imports_up.sql")
    hydrant = json.loads(HYDRANT.read_text(encoding="utf-8"))
    values = {**hydrant, "attribute_schema": json.dumps(hydrant["attribute_schema"])}
    for mid in _municipalities():
        op.get_bind().execute(sa.text(
            "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de, label_en,"
            " label_fr, geometry_kind, maintenance_interval_days, public_by_default,"
            " public_allowed, icon, color, attribute_schema, builtin)"
            " VALUES (:mid, :code, :code_prefix, :label_de, :label_en, :label_fr, :geometry_kind,"
            " :maintenance_interval_days, :public_by_default, :public_allowed, :icon, :color,"
            " CAST(:attribute_schema AS jsonb), true) ON CONFLICT DO NOTHING"),
            {**values, "mid": mid})
    _leave_municipality()


def _municipalities():
    """Each municipality in turn as the transaction's tenant (row-level security is forced,
    for the owner too)."""
    bind = op.get_bind()
    ids = [r[0] for r in bind.execute(sa.text("SELECT id FROM municipality ORDER BY id"))]
    for mid in ids:
        bind.execute(sa.text("SELECT set_config('gisapp.municipality_id', :m, true)"),
                     {"m": str(mid)})
        yield mid


def _leave_municipality() -> None:
    op.get_bind().execute(sa.text("SELECT set_config('gisapp.municipality_id', '', true)"))


def downgrade() -> None:
    for mid in _municipalities():
        op.get_bind().execute(sa.text(
            "DELETE FROM asset_type t WHERE t.municipality_id = :mid AND t.code = 'fire_hydrant'"
            " AND t.builtin AND NOT EXISTS (SELECT 1 FROM asset a"
            " WHERE a.municipality_id = t.municipality_id AND a.type_code = t.code)"), {"mid": mid})
    _leave_municipality()
    op.drop_index('ix_import_job_created', table_name='import_job')
    op.drop_table('import_job')
