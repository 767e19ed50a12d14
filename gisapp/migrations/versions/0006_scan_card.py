"""The scan card in one round trip: ``gisapp_scan_card(token, session, api token)``
(``gisapp/sql/scan_card_up.sql``; why a function is said there).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

from gisapp.migrations.sqlfiles import run_sql

revision = "0006"
# TEMPORARY while the imports migration 0005 is being written in parallel: pinned to "0005"
# before this file is committed.
down_revision = "0005" if any(Path(__file__).parent.glob("0005_*.py")) else "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("scan_card_up.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gisapp_scan_card(text, bytea, bytea)")
