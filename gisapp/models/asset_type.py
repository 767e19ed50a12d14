"""The asset type registry: built-in types and each municipality's own."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Computed, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, TenantMixin

GEOMETRY_KINDS = ("point", "line", "polygon")


class AssetType(TenantMixin, CreatedMixin, Base):
    """Each municipality has its own copy of the built-in types, so it may tune intervals and
    visibility, and no row ever references a type of another municipality."""

    __tablename__ = "asset_type"
    __table_args__ = (
        CheckConstraint(r"code ~ '^[a-z][a-z0-9_]{1,39}$'", name="code_format"),
        CheckConstraint(r"code_prefix ~ '^[A-Z][A-Z0-9]{0,5}$'", name="prefix_format"),
        CheckConstraint("geometry_kind IN ('point', 'line', 'polygon')", name="geometry_kind"),
        CheckConstraint("public_allowed OR NOT public_by_default", name="public_needs_allowed"),
        CheckConstraint("code <> 'meter' OR NOT public_allowed", name="meter_never_public"),
        CheckConstraint(
            "maintenance_interval_days IS NULL OR maintenance_interval_days > 0",
            name="interval_positive",
        ),
        CheckConstraint(r"color ~ '^#[0-9a-fA-F]{6}$'", name="color_format"),
        CheckConstraint("jsonb_typeof(attribute_schema) = 'object'", name="schema_object"),
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    code_prefix: Mapped[str] = mapped_column(Text, nullable=False)
    label_de: Mapped[str] = mapped_column(Text, nullable=False)
    label_en: Mapped[str | None] = mapped_column(Text)
    label_fr: Mapped[str | None] = mapped_column(Text)
    geometry_kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="point")
    attribute_schema: Mapped[dict] = mapped_column(JSONB, nullable=False)
    # the attribute names the schema marks "x-internal", kept by PostgreSQL (migration 0009)
    # for the asset trigger that derives public_attributes
    internal_keys: Mapped[list[str]] = mapped_column(
        ARRAY(Text), Computed("gisapp_internal_keys(attribute_schema)", persisted=True))
    maintenance_interval_days: Mapped[int | None] = mapped_column(Integer)
    public_by_default: Mapped[bool] = mapped_column(Boolean, nullable=False)
    public_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    icon: Mapped[str] = mapped_column(Text, nullable=False, server_default="circle")
    color: Mapped[str] = mapped_column(Text, nullable=False, server_default="#3388ff")
