"""Imports: one row per uploaded file, from its dry run to its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, RandomIdMixin, TenantMixin


class ImportJob(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    """An upload and its dry-run report. The file itself is kept (in PostgreSQL, under the
    same row-level security as everything else) until it is committed, so the commit reads
    exactly what was checked, whichever worker serves it; then it is dropped."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("status IN ('checked', 'committed')", name="status"),
        CheckConstraint("upload IS NULL OR octet_length(upload) = size", name="size"),
        Index("ix_import_job_created", "municipality_id", "created_at"),
    )

    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="checked")
    format: Mapped[str] = mapped_column(Text, nullable=False)
    filename: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    options: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    report: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    result: Mapped[dict | None] = mapped_column(JSONB)
    upload: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_by: Mapped[str | None] = mapped_column(Text)

    @property
    def superseded_by(self) -> str | None:
        """The newer check of the same upload with another field mapping, if there is one:
        then this one cannot be written (the file would be imported twice)."""
        return (self.options or {}).get("superseded_by")
