"""The scan card in one round trip: ``gisapp_scan_card(token, session, api token)``
(``gisapp/sql/scan_card_up.sql``; why a function is said there).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

from alembic import op

from gisapp.migrations.sqlfiles import run_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("scan_card_up.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gisapp_scan_card(text, bytea, bytea)")
