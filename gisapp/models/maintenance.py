"""Maintenance records: what was done to an asset, when, by whom, with what result."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint, Index, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, RandomIdMixin, TenantMixin

KINDS = (
    "inspection", "repair", "lamp_replacement", "cleaning", "firmware_update",
    "meter_reading", "other",
)
RESULTS = ("ok", "fixed", "defect_found", "not_possible")


class MaintenanceRecord(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    __tablename__ = "maintenance_record"
    __table_args__ = (
        ForeignKeyConstraint(
            ["municipality_id", "asset_id"], ["asset.municipality_id", "asset.id"],
            name="fk_maintenance_asset",
        ),
        CheckConstraint(
            "kind IN ('inspection', 'repair', 'lamp_replacement', 'cleaning',"
            " 'firmware_update', 'meter_reading', 'other')",
            name="kind",
        ),
        CheckConstraint(
            "result IN ('ok', 'fixed', 'defect_found', 'not_possible')", name="result"
        ),
        CheckConstraint(
            "(kind = 'meter_reading') = (reading_value IS NOT NULL)", name="reading_value"
        ),
        Index("ix_maintenance_asset_time", "municipality_id", "asset_id", "performed_at"),
    )

    asset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    performed_by: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    reading_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
