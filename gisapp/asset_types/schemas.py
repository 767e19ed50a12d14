"""What comes in and goes out for asset types."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

GeometryKind = Literal["point", "line", "polygon"]


class AssetTypeCreate(BaseModel):
    """A municipality's own type (hydrant, bench, playground equipment, business …)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["fire_hydrant"])
    code_prefix: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,5}$", examples=["HY"])
    label_de: str = Field(min_length=1, max_length=100)
    label_en: str | None = Field(default=None, max_length=100)
    label_fr: str | None = Field(default=None, max_length=100)
    geometry_kind: GeometryKind = "point"
    attribute_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object"},
        description="JSON Schema (2020-12) of the attributes; mark personal or internal "
        'properties with "x-internal": true so they never reach public outputs.',
    )
    maintenance_interval_days: int | None = Field(default=None, gt=0, le=36500)
    public_by_default: bool = False
    public_allowed: bool = True
    icon: str = Field(default="circle", pattern=r"^[a-z0-9-]{1,40}$")
    color: str = Field(default="#3388ff", pattern=r"^#[0-9a-fA-F]{6}$")


class AssetTypePublicOut(BaseModel):
    """What the public sees of a type that may be public (for map legends)."""

    code: str
    label_de: str
    label_en: str | None
    label_fr: str | None
    geometry_kind: GeometryKind
    icon: str
    color: str


class AssetTypeOut(BaseModel):
    code: str
    code_prefix: str
    label_de: str
    label_en: str | None
    label_fr: str | None
    geometry_kind: GeometryKind
    attribute_schema: dict[str, Any]
    maintenance_interval_days: int | None
    public_by_default: bool
    public_allowed: bool
    builtin: bool
    icon: str
    color: str
