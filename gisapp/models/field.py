"""What crews send from the field besides the record itself: photos, and the changes that
met a newer office state (conflicts, kept for the office instead of overwriting)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint, DateTime, ForeignKeyConstraint, Index, Integer, LargeBinary, Text, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, RandomIdMixin, TenantMixin


class Photo(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    """A photo of a maintenance record. Kept in PostgreSQL: in the same transaction as the
    record, in the same backup, under the same row-level security."""

    __tablename__ = "photo"
    __table_args__ = (
        ForeignKeyConstraint(["municipality_id", "record_id"],
                             ["maintenance_record.municipality_id", "maintenance_record.id"],
                             name="fk_photo_record"),
        Index("ix_photo_record", "municipality_id", "record_id"),
        Index("uq_photo_client_id", "municipality_id", "client_id", unique=True,
              postgresql_where=text("client_id IS NOT NULL")),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')",
                        name="content_type"),
        CheckConstraint("size = octet_length(data) AND size <= 10485760", name="size"),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class FieldConflict(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    """A change made in the field on an older version than the office's current one."""

    __tablename__ = "field_conflict"
    __table_args__ = (
        ForeignKeyConstraint(["municipality_id", "asset_id"], ["asset.municipality_id", "asset.id"],
                             name="fk_field_conflict_asset"),
        Index("ix_field_conflict_open", "municipality_id", "resolved_at"),
    )

    asset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted: Mapped[dict] = mapped_column(JSONB, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
