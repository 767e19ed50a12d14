"""What comes in and goes out for municipalities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["de", "en", "fr"]


@dataclass(frozen=True)
class MunicipalityRef:
    """The few facts every request about a municipality needs."""

    id: uuid.UUID
    slug: str
    name: str
    working_crs: int
    default_language: str
    has_boundary: bool


class MunicipalityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["musterdorf"])
    name: str = Field(min_length=1, max_length=200)
    working_crs: int = Field(default=25832, description="EPSG code, e.g. 25832 or 2169")
    default_language: Language = "de"
    boundary: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon or MultiPolygon, in boundary_crs"
    )
    boundary_crs: str | None = Field(default=None, description="EPSG code of the boundary")


class MunicipalityUpdate(BaseModel):
    """Settings an admin of the municipality changes; what is not sent stays as it is."""

    model_config = ConfigDict(extra="forbid")

    working_crs: int | str | None = Field(
        default=None, description="EPSG code, e.g. 25832, 'EPSG:2169'", examples=[25832])
    default_language: Language | None = None
    boundary: dict[str, Any] | None = Field(
        default=None, description="The new boundary: a GeoJSON Polygon or MultiPolygon, or a "
        "Feature/FeatureCollection with exactly one such geometry, in boundary_crs")
    boundary_crs: str | None = Field(default=None, description="EPSG code of the boundary; "
                                     "default EPSG:4326 (lon/lat)")


class MunicipalityOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    working_crs: int
    default_language: Language
    boundary: dict[str, Any] | None
    bbox: list[float] | None
