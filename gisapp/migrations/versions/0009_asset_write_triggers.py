"""The asset's triggers made cheap per row: history per statement (transition tables), one
BEFORE trigger with one type look-up, the type's internal keys stored
(``gisapp/sql/asset_write_triggers_up.sql`` says what and why). It follows 0007: the
0008 of the OGC work was dropped before it was released (772283d).

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

from gisapp.migrations.sqlfiles import run_sql

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("asset_write_triggers_up.sql")


def downgrade() -> None:
    run_sql("asset_write_triggers_down.sql")
