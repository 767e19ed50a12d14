"""What the import API sends and takes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    row: str = Field(description="Row number (CSV: 1 = first data row), feature or OSM id")
    field: str
    reason: str = Field(description="What is wrong, in English")
    message: str | None = Field(None, description="The reason's text with %(name)s "
                                "placeholders, as the catalogs translate it")
    params: dict[str, Any] | None = Field(None, description="The placeholders' values")
    severity: Literal["error", "warning"]


class Advice(BaseModel):
    """A finding about the file as a whole (e.g. none of its rows lies in the municipality,
    or its longitude and latitude appear swapped)."""

    reason: str = Field(description="In English")
    message: str | None = None
    params: dict[str, Any] | None = None


class ProblemKind(BaseModel):
    """All rows with the same problem in the same field: how many, and the first of them."""

    field: str
    severity: Literal["error", "warning"]
    count: int
    reason: str = Field(description="The first such row's problem, in English")
    message: str | None = None
    params: dict[str, Any] | None = None
    example_row: str = Field(description="The row that ``reason`` describes")


class ImportReport(BaseModel):
    """The dry run's findings: counts, and the problems (at most 1,000 listed)."""

    format: str
    rows: int = Field(description="Rows/features in the file")
    crs: str
    candidates: int = Field(description="Rows that are meant to become assets")
    not_mapped: int = Field(description="Rows no rule maps to an asset type (OSM, nodes "
                            "without location)")
    valid: int
    create: int
    update: int = Field(description="Rows whose external id exists: they update that asset")
    types: dict[str, int]
    errors: int
    warnings: int
    problems: list[Problem]
    problems_truncated: bool
    problem_kinds: list[ProblemKind] = Field(
        default=[], description="Every problem counted by field and kind (also those past "
        "the 1,000 listed), errors first, the most frequent first")
    advice: list[Advice] = Field(
        default=[], description="What the rows' problems together say about the file")
    columns: list[str] | None = Field(
        default=None, description="Files mapped by column: the file's columns")
    mapping_used: dict[str, Any] | None = Field(
        default=None, description="Files mapped by column: the mapping in force, guessed or "
        "given (external_id, name, installed_on, attributes → column)")


class ImportJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: Literal["checked", "committed"]
    format: str
    filename: str
    size: int
    created_at: datetime
    created_by: str | None
    committed_at: datetime | None
    committed_by: str | None
    report: ImportReport
    result: dict[str, Any] | None = Field(
        default=None, description="After the commit: created, updated, unchanged, skipped")
    superseded_by: uuid.UUID | None = Field(
        default=None, description="A newer check of the same file (recheck): this one can "
        "no longer be committed")


class RecheckRequest(BaseModel):
    """Check the kept file again with another field mapping: what is sent replaces the
    import's mapping, what is left out stays as it was (type, CRS and layer always)."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = Field(default=None, description="Column with the source's id; "
                                    "\"\": the file has none; null: guess from the names")
    name: str | None = Field(default=None, description="Column with the asset's name; \"\": "
                             "none; null: guess from the names")
    installed_on: str | None = Field(default=None, description="Column with the date of "
                                     "installation; \"\": none; null: guess from the names")
    attributes: dict[str, str] | None = Field(
        default=None, description="Attribute → column, these only; null: columns named like "
        "attributes")
    x: str | None = Field(default=None, description="CSV: column of x/longitude (e.g. when "
                          "the report says x and y appear swapped); null: guess from the names")
    y: str | None = Field(default=None, description="CSV: column of y/latitude; null: guess "
                          "from the names")


class CommitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skip_invalid: bool = Field(default=False, description="Write the good rows and leave the "
                               "rows with errors out; otherwise a file with errors is refused")


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description":
                     "GeoJSON, GeoPackage, zipped Shapefile, CSV, .osm/.osm.pbf, the "
                     "charging register CSV or a meshviewer JSON; told apart by content"},
            "type": {"type": "string", "description": "Asset type of the rows (not needed "
                     "for OSM, the register and meshviewer)"},
            "crs": {"type": "string", "description": "EPSG code of the coordinates when the "
                    "file does not say it, e.g. 25832"},
            "layer": {"type": "string", "description": "GeoPackage layer"},
            "mapping": {"type": "string", "description": "Field mapping as JSON: "
                        '{"external_id": "ID", "name": "Bez", "attributes": {"power_w": "W"}, '
                        '"x": "RW", "y": "HW", "osm": {"leisure=playground": "playground"}}'},
        }}}}},
}
