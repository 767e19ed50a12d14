"""Less work per asset row written: the history's JSON in one step, cheaper type rules, no
foreign keys to municipality where a composite key implies them
(``gisapp/sql/lean_asset_writes_up.sql`` says what and why).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from gisapp.migrations.sqlfiles import run_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("lean_asset_writes_up.sql")


def downgrade() -> None:
    run_sql("lean_asset_writes_down.sql")
