"""The office's reviews of flagged maintenance records, with row-level security
(``gisapp/sql/maintenance_review_up.sql``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gisapp.migrations.sqlfiles import run_sql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_review",
        sa.Column("municipality_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("record_id", sa.UUID(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["municipality_id", "record_id"],
                                ["maintenance_record.municipality_id", "maintenance_record.id"],
                                name="fk_review_record"),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_maintenance_review_municipality_id"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("municipality_id", "id", name=op.f("pk_maintenance_review")),
    )
    op.create_index("uq_review_record", "maintenance_review", ["municipality_id", "record_id"],
                    unique=True)
    run_sql("maintenance_review_up.sql")


def downgrade() -> None:
    op.drop_index("uq_review_record", table_name="maintenance_review")
    op.drop_table("maintenance_review")
