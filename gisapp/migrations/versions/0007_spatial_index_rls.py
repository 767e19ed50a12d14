"""Mark PostGIS's bounding-box operators LEAKPROOF so the spatial index works under
row-level security (``gisapp/sql/spatial_index_rls_up.sql`` says why and when it cannot).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 06:20:00
"""

from __future__ import annotations

from alembic import op

from gisapp.migrations.sqlfiles import run_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FUNCTIONS = ("geometry_overlaps(geometry, geometry)", "geometry_within(geometry, geometry)",
              "geometry_contains(geometry, geometry)", "geography_overlaps(geography, geography)",
              "overlaps_2d(geometry, box2df)", "is_contained_2d(geometry, box2df)",
              "contains_2d(geometry, box2df)", "overlaps_geog(geography, gidx)")


def upgrade() -> None:
    run_sql("spatial_index_rls_up.sql")


def downgrade() -> None:
    op.execute("DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
               " THEN " + " ".join(f"ALTER FUNCTION {f} NOT LEAKPROOF;" for f in _FUNCTIONS)
               + " END IF; END $$")
