"""HTTP routes for exports (permission ``data.export``: planners and admins).

POST takes the whole filter (a drawn area, a distance …); GET the simple filters, for links
and scripts. The file is written into a temporary folder, streamed, and the folder deleted
once the response has been sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from gisapp.assets.schemas import Status
from gisapp.dependencies import Permission, SessionDep
from gisapp.exports import service
from gisapp.exports.schemas import ExportFormat, ExportRequest, FieldSet
from gisapp.exports.writers import WRITERS

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["exports"])

_FILE = {200: {"content": {w.media_type.split(";")[0]: {} for w in WRITERS.values()},
               "description": "The file; X-Asset-Count says how many assets it holds"}}


def _split(values: list[str] | None) -> list[str]:
    return [v for raw in values or [] for v in raw.split(",") if v]


async def _send(session, access, req: ExportRequest) -> FileResponse:
    out = await service.export(session, access.municipality, req, may_see_internal=True)
    return FileResponse(out.path, media_type=out.media_type, filename=out.filename,
                        headers={"X-Asset-Count": str(out.count),
                                 "X-CRS": f"EPSG:{out.srid}", "Cache-Control": "no-store"},
                        background=BackgroundTask(out.cleanup))


@router.post("/export", response_class=FileResponse, responses=_FILE)
async def export_post(req: ExportRequest, session: SessionDep,
                      access: Permission("data.export")):
    """Assets as GeoPackage, zipped Shapefile, GeoJSON or CSV, in ``output_crs``, filtered
    like the spatial search (types, statuses, area, district, distance, labels, due)."""
    return await _send(session, access, req)


@router.get("/export", response_class=FileResponse, responses=_FILE)
async def export_get(
    session: SessionDep, access: Permission("data.export"),
    format: ExportFormat = "gpkg",
    output_crs: Annotated[str | None, Query(
        description="EPSG code, default the working CRS")] = None,
    type: Annotated[list[str] | None, Query(description="Type code(s), comma-separated")] = None,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    district: Annotated[str | None, Query(max_length=200)] = None,
    fields: FieldSet = "internal",
    untagged: bool | None = None, overdue: bool | None = None, flagged: bool | None = None,
):
    """The same with the simple filters, e.g. ``?format=shp&type=street_light&output_crs=25832``."""
    req = ExportRequest(format=format, output_crs=output_crs, types=_split(type),
                        statuses=list(status_ or []), district=district, fields=fields,
                        untagged=untagged, overdue=overdue, flagged=flagged)
    return await _send(session, access, req)
