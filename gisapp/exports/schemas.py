"""What an export request is: the spatial filter, the format, the CRS and the field set."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gisapp.spatial.schemas import SpatialFilter

ExportFormat = Literal["gpkg", "shp", "geojson", "csv", "xlsx"]
FieldSet = Literal["internal", "public"]


class ExportRequest(SpatialFilter):
    """Which assets (the filter of the spatial search), as what, in which CRS."""

    format: ExportFormat = Field(default="gpkg", description=(
        "gpkg (one layer per type), shp (zip: one shapefile per type, fields.txt with the "
        "10-character column names), geojson (one collection), csv (WKT geometry column), "
        "xlsx (a workbook for spreadsheets: one sheet per type, WKT and, for points, x/y)"))
    output_crs: str | None = Field(default=None, examples=["EPSG:25832", "2169"], description=(
        "EPSG code of the exported coordinates; default the municipality's working CRS. "
        "(`crs` is the CRS of the geometries in the filter.)"))
    fields: FieldSet = Field(default="internal", description=(
        "internal: every field and all assets; public: what the public sees (public assets "
        "and public fields only, read through the public database role), for open data"))
