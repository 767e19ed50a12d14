"""What comes in and goes out for assets and their history entries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["planned", "active", "defective", "out_of_service", "decommissioned"]

_GEOMETRY_DOC = "GeoJSON geometry, in the CRS named by the `crs` query parameter (default CRS84)"


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Asset type code, e.g. street_light")
    code: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
        description="Human code, unique in the municipality; generated (SL-0142) when empty",
    )
    name: str = Field(default="", max_length=200)
    status: Status = "active"
    geometry: dict[str, Any] = Field(description=_GEOMETRY_DOC)
    attributes: dict[str, Any] = Field(default_factory=dict)
    installed_on: date | None = None
    manufacturer: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    public: bool | None = Field(default=None, description="Default: the type's default")
    parent_id: uuid.UUID | None = None
    maintenance_interval_days: int | None = Field(default=None, gt=0, le=36500)
    external_id: str | None = Field(default=None, max_length=200)


class AssetUpdate(BaseModel):
    """Partial update. ``attributes`` is merged (RFC 7396: a null removes a key)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(
        default=None, gt=0, description="The version this change is based on (or If-Match)"
    )
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    name: str | None = Field(default=None, max_length=200)
    status: Status | None = None
    geometry: dict[str, Any] | None = Field(default=None, description=_GEOMETRY_DOC)
    accuracy_m: float | None = Field(
        default=None, ge=0, description="Accuracy of the GPS fix the new geometry comes from; "
        "a fix worse than the installation's limit is refused")
    attributes: dict[str, Any] | None = None
    installed_on: date | None = None
    manufacturer: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    public: bool | None = None
    parent_id: uuid.UUID | None = None
    maintenance_interval_days: int | None = Field(default=None, gt=0, le=36500)
    external_id: str | None = Field(default=None, max_length=200)


class AssetOut(BaseModel):
    id: uuid.UUID
    code: str
    type: str
    name: str
    status: Status
    geometry: dict[str, Any]
    crs: str
    attributes: dict[str, Any]
    installed_on: date | None
    manufacturer: str | None
    model: str | None
    public: bool
    parent_id: uuid.UUID | None
    maintenance_interval_days: int | None
    external_id: str | None
    version: int
    last_maintenance_at: datetime | None
    next_due: date | None
    overdue: bool
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None


class AssetPublicOut(BaseModel):
    """What the public sees of a public asset: no internal attributes, no bookkeeping."""

    id: uuid.UUID
    code: str
    type: str
    name: str
    status: Status
    geometry: dict[str, Any]
    crs: str
    attributes: dict[str, Any]
    installed_on: date | None
    manufacturer: str | None
    model: str | None
    parent_id: uuid.UUID | None
    updated_at: datetime


class AssetPage(BaseModel):
    items: list[AssetOut]
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, absent on the last")


class HistoryEntry(BaseModel):
    id: int
    action: Literal["create", "update", "decommission"]
    changed_at: datetime
    changed_by: str | None
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
