"""Public reads of the OGC service in one round trip: ``gisapp_public_read(slug, statement,
args)`` (``gisapp/sql/ogc_public_read_up.sql``; why a function is said there).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 09:10:00
"""

from __future__ import annotations

from alembic import op

from gisapp.migrations.sqlfiles import run_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("ogc_public_read_up.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gisapp_public_read(text, text, text[])")
