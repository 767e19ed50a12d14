"""Maintenance records: what was done to an asset, when, by whom, with what result."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean, CheckConstraint, DateTime, Float, ForeignKeyConstraint, Index, Numeric, Text, text,
)
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
        # a record made offline is sent until the server confirms it: once per client id
        Index("uq_maintenance_client_id", "municipality_id", "client_id", unique=True,
              postgresql_where=text("client_id IS NOT NULL")),
        CheckConstraint("capture_method IN ('qr', 'nfc', 'manual', 'office')",
                        name="capture_method"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy"),
    )

    asset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    performed_by: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    reading_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    capture_method: Mapped[str] = mapped_column(Text, nullable=False, server_default="office")
    # where the phone was, how sure it was, how far that is from the asset
    position = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    scan_distance_m: Mapped[float | None] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    flag_reason: Mapped[str | None] = mapped_column(Text)


class MaintenanceReview(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    """The office's word on a flagged record (made far from its asset): it was looked into
    (``reviewed``: who, when, what they found), or that was taken back (``withdrawn``).
    Records stay as the crew made them (the app may only add to them); reviews are rows of
    their own, added and never changed, and the latest one of a record counts."""

    __tablename__ = "maintenance_review"
    __table_args__ = (
        ForeignKeyConstraint(["municipality_id", "record_id"],
                             ["maintenance_record.municipality_id", "maintenance_record.id"],
                             name="fk_review_record"),
        CheckConstraint("kind IN ('reviewed', 'withdrawn')", name="kind"),
        Index("ix_review_record", "municipality_id", "record_id", "created_at"),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="reviewed")
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
