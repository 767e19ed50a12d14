"""A review of a flagged record can be taken back: reviews become a log of the office's
word on a record (``kind`` reviewed or withdrawn), the latest entry counts. Still
append-only; more than one entry per record, so the unique index becomes a plain one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("maintenance_review", sa.Column("kind", sa.Text(), server_default="reviewed",
                                                  nullable=False))
    op.create_check_constraint(op.f("ck_maintenance_review_kind"), "maintenance_review",
                               "kind IN ('reviewed', 'withdrawn')")
    op.drop_index("uq_review_record", table_name="maintenance_review")
    op.create_index("ix_review_record", "maintenance_review",
                    ["municipality_id", "record_id", "created_at"])


def downgrade() -> None:
    # one review per record again: what counts now (the latest entry, when it is a review)
    op.execute("""
        DELETE FROM maintenance_review r
         WHERE r.kind = 'withdrawn'
            OR EXISTS (SELECT 1 FROM maintenance_review later
                        WHERE later.municipality_id = r.municipality_id
                          AND later.record_id = r.record_id
                          AND (later.created_at, later.id) > (r.created_at, r.id))""")
    op.drop_index("ix_review_record", table_name="maintenance_review")
    op.create_index("uq_review_record", "maintenance_review", ["municipality_id", "record_id"],
                    unique=True)
    op.drop_constraint(op.f("ck_maintenance_review_kind"), "maintenance_review", type_="check")
    op.drop_column("maintenance_review", "kind")
