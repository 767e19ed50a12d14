"""Drop the trigram index on assets' code and name: no query of the app can use it.

Search (``q``) runs as gisapp_app under row-level security, and PostgreSQL uses an index
there only for conditions whose functions are LEAKPROOF; ``lower``, ``||`` and ``LIKE`` are
not. Measured on a database with a 1,000,000-asset municipality and one of 3,000 (bench/
README.md, import section): the same plans and times with and without the index (the small
one through its municipality's index, ~10 ms; the large one a parallel scan, ~0.2-0.35 s),
while the index cost every write, ~5 s of a 1,000,000-row import.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 10:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_asset_search")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_asset_search ON asset"
               " USING gin (lower(code || ' ' || name) gin_trgm_ops)")
