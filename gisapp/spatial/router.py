"""HTTP routes for spatial questions. The filters and answers are in the service.

Callers without a role in the municipality get the public's answer (public assets, public
fields, through the public database role), as from the asset list; maintenance and label
state are staff-only filters.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from gisapp import formats, geo
from gisapp.assets.schemas import Status
from gisapp.dependencies import AccessDep, SessionDep, SettingsDep
from gisapp.models import District, Street
from gisapp.spatial import service
from gisapp.spatial.schemas import GroupBy, SearchRequest, StatsOut, StatsRequest

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["spatial"])

FormatParam = Annotated[formats.Format | None, Query(description="json (default) or geojson")]


def _split(values: list[str] | None) -> list[str]:
    return [v for raw in values or [] for v in raw.split(",") if v]


@router.post("/spatial/search", responses={200: {"content": {formats.GEOJSON: {}}}})
async def search(req: SearchRequest, request: Request, session: SessionDep,
                 access: AccessDep, f: FormatParam = None):
    """Assets within an area or district, within a distance of a point, line or street,
    or the nearest N to a point, combined with type, status, text, label and due filters.

    Items as in the asset list, with ``distance_m`` (true metres) for distance questions,
    nearest first. Coordinates are answered in ``crs``."""
    items, more, _ = await service.search(session, access.municipality.id, req,
                                          internal=access.internal)
    if formats.wants_geojson(request, f):
        body = formats.feature_collection(items, None)
        body["more"] = more
        return JSONResponse(jsonable_encoder(body), media_type=formats.GEOJSON)
    return JSONResponse(jsonable_encoder(
        {"items": items, "limit": req.limit, "offset": req.offset, "more": more}))


@router.post("/spatial/stats", response_model=StatsOut)
async def stats(req: StatsRequest, session: SessionDep, access: AccessDep,
                settings: SettingsDep):
    """Counts, installed power (W) and estimated annual energy (kWh) per district and type,
    for every filter of the search. Counts assets that stand (active, defective, out of
    service) unless ``statuses`` says otherwise."""
    return await service.stats(session, access.municipality.id, req, settings.energy,
                               internal=access.internal)


@router.get("/spatial/stats", response_model=StatsOut)
async def stats_get(
    session: SessionDep, access: AccessDep, settings: SettingsDep,
    type: Annotated[list[str] | None, Query(description="Type code(s), comma-separated")] = None,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    district: Annotated[str | None, Query(max_length=200)] = None,
    group_by: Annotated[list[GroupBy] | None, Query(
        description="district and/or type (default both)")] = None,
    untagged: bool | None = None, overdue: bool | None = None, flagged: bool | None = None,
):
    """The same as POST, for links: e.g. ``?type=street_light`` gives the installed
    lighting power and its annual energy per district."""
    req = StatsRequest(types=_split(type), statuses=list(status_ or []), district=district,
                       untagged=untagged, overdue=overdue, flagged=flagged,
                       **({"group_by": group_by} if group_by else {}))
    return await service.stats(session, access.municipality.id, req, settings.energy,
                               internal=access.internal)


async def _named_shapes(session, model, municipality_id, crs: str | None) -> JSONResponse:
    """A municipality's districts or streets as a GeoJSON FeatureCollection in ``crs``."""
    srid = geo.parse_srid(crs, field="crs")
    await geo.ensure_in_postgis(session, srid)
    geom = model.geom if srid == geo.STORAGE_SRID else func.ST_Transform(model.geom, srid)
    rows = await session.execute(
        select(model.id, model.name, func.ST_AsGeoJSON(geom, 9 if srid == 4326 else 3)
               .label("geometry"))
        .where(model.municipality_id == municipality_id).order_by(model.name))
    features = [{"type": "Feature", "id": str(r.id), "properties": {"name": r.name},
                 "geometry": json.loads(r.geometry)} for r in rows]
    return JSONResponse({"type": "FeatureCollection", "features": features},
                        media_type=formats.GEOJSON)


@router.get("/districts", responses={200: {"content": {formats.GEOJSON: {}}}})
async def districts(session: SessionDep, access: AccessDep,
                    crs: Annotated[str | None, Query()] = None):
    """The districts (Ortsteile) as GeoJSON, for maps and the ``district`` filter."""
    return await _named_shapes(session, District, access.municipality.id, crs)


@router.get("/streets", responses={200: {"content": {formats.GEOJSON: {}}}})
async def streets(session: SessionDep, access: AccessDep,
                  crs: Annotated[str | None, Query()] = None):
    """The street centre lines as GeoJSON, for maps and the ``near.street`` filter."""
    return await _named_shapes(session, Street, access.municipality.id, crs)
