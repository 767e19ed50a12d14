"""What comes in and goes out for spatial questions.

One filter model (:class:`SpatialFilter`) serves the search, the statistics and the exports,
so a planner's drawn area means the same everywhere. Geometries come as GeoJSON in the CRS
named by ``crs`` (any EPSG code; default CRS84 lon/lat); distances are true metres on the
ellipsoid, whatever the CRS.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gisapp.assets.schemas import Status

GroupBy = Literal["district", "type"]
# the most assets one search answers (one page); the planner map loads at most this many
MAX_SEARCH_LIMIT = 10_000


class Near(BaseModel):
    """Within ``distance_m`` of a drawn point/line or of a named street's centre line."""

    model_config = ConfigDict(extra="forbid")

    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Point, LineString (or Multi…) in `crs`")
    street: str | None = Field(default=None, max_length=200,
                               description="Name of a street of the municipality")
    distance_m: float = Field(gt=0, le=20_000, description="True metres (on the ellipsoid)")


class Nearest(BaseModel):
    """The ``count`` assets nearest to a point, nearest first."""

    model_config = ConfigDict(extra="forbid")

    point: dict[str, Any] = Field(description="GeoJSON Point in `crs`")
    count: int = Field(default=10, ge=1, le=1000)


class SpatialFilter(BaseModel):
    """Which assets; all given conditions apply (AND). Decommissioned assets only when
    asked for by status."""

    model_config = ConfigDict(extra="forbid")

    crs: str | None = Field(default=None, examples=["EPSG:25832"], description=(
        "EPSG code of the geometries sent and of the coordinates answered; default CRS84"))
    types: list[str] = Field(default_factory=list, max_length=100, examples=[["street_light"]])
    statuses: list[Status] = Field(default_factory=list)
    q: str | None = Field(default=None, max_length=100, description="Text in code or name")
    area: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon or MultiPolygon in `crs` (a drawn area)")
    district: str | None = Field(default=None, max_length=200,
                                 description="Name of a district (Ortsteil)")
    near: Near | None = None
    untagged: bool | None = Field(
        default=None, description="true: only assets without an active label; false: only "
        "with one (staff only)")
    overdue: bool | None = Field(default=None, description="Maintenance overdue (staff only)")
    flagged: bool | None = Field(
        default=None, description="true: only assets whose latest maintenance record was made "
        "far from the asset and the office has not reviewed it yet (a label on the wrong pole, "
        "or a record made elsewhere); false: only the others (staff only)")
    ids: list[uuid.UUID] | None = Field(
        default=None, max_length=10_000, description=(
            "Only these assets (e.g. the answer to a nearest question, to export it)"))


class SearchRequest(SpatialFilter):
    """A spatial question whose answer is a list of assets."""

    nearest: Nearest | None = None
    limit: int = Field(default=100, ge=1, le=MAX_SEARCH_LIMIT)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class StatsRequest(SpatialFilter):
    """Counts and sums, grouped."""

    group_by: list[GroupBy] = Field(default_factory=lambda: ["district", "type"],
                                    max_length=2)


class StatsGroup(BaseModel):
    district: str | None = Field(description="null: outside every district")
    type: str | None
    count: int
    power_w: float | None = Field(
        description="Installed power: power_w × luminaire_count (1 when not given) summed "
        "over the assets that have power_w; null when none has")
    annual_kwh: float | None = Field(description="Estimated energy per year, see `energy`")


class EnergyModel(BaseModel):
    burning_hours_per_year: float
    dimming_factor: float
    formula: str


class StatsOut(BaseModel):
    groups: list[StatsGroup]
    total: StatsGroup
    statuses: list[Status] = Field(description="The statuses counted")
    energy: EnergyModel
