"""Assets, their change history, and the reference layers (districts, streets)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKeyConstraint, Identity, Index,
    Integer, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, RandomIdMixin, TenantMixin, TimestampMixin

STATUSES = ("planned", "active", "defective", "out_of_service", "decommissioned")


class Asset(TenantMixin, RandomIdMixin, TimestampMixin, Base):
    __tablename__ = "asset"
    tenant_foreign_key = False  # fk_asset_type leads to the municipality (migration 0011)
    __table_args__ = (
        UniqueConstraint("municipality_id", "code"),
        ForeignKeyConstraint(
            ["municipality_id", "type_code"], ["asset_type.municipality_id", "asset_type.code"],
            name="fk_asset_type",
        ),
        ForeignKeyConstraint(
            ["municipality_id", "parent_id"], ["asset.municipality_id", "asset.id"],
            name="fk_asset_parent",
        ),
        CheckConstraint(
            "status IN ('planned', 'active', 'defective', 'out_of_service', 'decommissioned')",
            name="status",
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
        CheckConstraint("jsonb_typeof(attributes) = 'object'", name="attributes_object"),
        CheckConstraint(
            "maintenance_interval_days IS NULL OR maintenance_interval_days > 0",
            name="interval_positive",
        ),
        CheckConstraint("version > 0", name="version_positive"),
        Index("ix_asset_geom", "geom", postgresql_using="gist"),
        Index("ix_asset_type_status", "municipality_id", "type_code", "status"),
        # no trigram index for the search by code or name: under row-level security no
        # query of the app could use it (migration 0010)
        Index(
            "uq_asset_external", "municipality_id", "external_id", unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    code: Mapped[str] = mapped_column(Text, nullable=False)
    type_code: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="active")
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False)
    attributes: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    # attributes without the keys the type marks "x-internal"; kept by a trigger, and the
    # only attribute column the public database role may read
    public_attributes: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    installed_on: Mapped[date | None] = mapped_column(Date)
    manufacturer: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    maintenance_interval_days: Mapped[int | None] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


class AssetHistory(TenantMixin, Base):
    """One row per create/update/decommission, written by a trigger so no path skips it."""

    __tablename__ = "asset_history"
    tenant_foreign_key = False  # fk_history_asset leads to the municipality (migration 0011)
    __table_args__ = (
        ForeignKeyConstraint(
            ["municipality_id", "asset_id"], ["asset.municipality_id", "asset.id"],
            name="fk_history_asset",
        ),
        CheckConstraint("action IN ('create', 'update', 'decommission')", name="action"),
        Index("ix_asset_history_asset", "municipality_id", "asset_id", "id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger, Identity(always=True), primary_key=True, sort_order=-10
    )
    asset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    changed_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)


class District(TenantMixin, RandomIdMixin, Base):
    """A named part of the municipality (Ortsteil), for per-district questions."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)


class Street(TenantMixin, RandomIdMixin, Base):
    """A named street centre line, for "within 25 m of this road" and label batches."""

    __tablename__ = "street"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(
        Geometry("MULTILINESTRING", srid=4326, spatial_index=True), nullable=False
    )
