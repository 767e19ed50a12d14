"""HTTP routes for the assets of one municipality. Rules live in the service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from gisapp import formats, geo
from gisapp.assets import conflicts, service
from gisapp.assets.queries import AssetFilter
from gisapp.assets.schemas import (
    AssetCreate,
    AssetOut,
    AssetPage,
    AssetUpdate,
    HistoryEntry,
    Status,
)
from gisapp.dependencies import AccessDep, ActorDep, Permission, SessionDep, SettingsDep
from gisapp.errors import Conflict, InvalidInput, with_texts
from gisapp.messages import N_, Message

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/assets", tags=["assets"])

CrsParam = Annotated[
    str | None,
    Query(description="EPSG code of coordinates sent and returned, e.g. 25832, EPSG:2169 or an "
                      "OGC CRS URI; default CRS84 (lon/lat)"),
]
FormatParam = Annotated[formats.Format | None, Query(description="json (default) or geojson")]
IfMatch = Annotated[str | None, Header(description='The version you change, e.g. "3"')]


def _srid(crs: str | None) -> int:
    return geo.parse_srid(crs, field="crs")


def _version_from(if_match: str | None, body_version: int | None = None) -> int | None:
    """If-Match ("3", W/"3" or 3) wins over a version in the body."""
    if if_match is None:
        return body_version
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidInput(Message(N_("%(value)s is not a version (expected e.g. \"3\")"),
                                   value=repr(if_match)),
                           field="If-Match")
    return int(raw)


def _asset_response(request: Request, item: dict, f: str | None, code: int = 200) -> JSONResponse:
    body = formats.feature(item) if formats.wants_geojson(request, f) else item
    media = formats.GEOJSON if formats.wants_geojson(request, f) else "application/json"
    headers = {"ETag": f'"{item["version"]}"'} if "version" in item else {}
    return JSONResponse(jsonable_encoder(body), status_code=code, media_type=media,
                        headers=headers)


def _parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    if not bbox:
        return None
    try:
        parts = tuple(float(p) for p in bbox.split(","))
    except ValueError:
        raise InvalidInput(Message(N_("four numbers expected: minx,miny,maxx,maxy")), field="bbox")
    if len(parts) != 4 or not all(map(lambda v: v == v and abs(v) != float("inf"), parts)):
        raise InvalidInput(Message(N_("four finite numbers expected: minx,miny,maxx,maxy")),
                           field="bbox")
    if parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput(Message(N_("min must not exceed max")), field="bbox")
    return parts  # type: ignore[return-value]


def _split(values: list[str] | None) -> list[str]:
    return [v for raw in values or [] for v in raw.split(",") if v]


_PUBLIC_NOTE = (" The public (no login, or no role in this municipality) sees public assets "
                "only, as AssetPublicOut: no internal attributes, no bookkeeping.")


@router.get("", response_model=AssetPage, responses={200: {"content": {formats.GEOJSON: {}}}},
            description="Assets, filtered and paged." + _PUBLIC_NOTE)
async def list_assets(
    request: Request, session: SessionDep, access: AccessDep,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    type: Annotated[list[str] | None, Query(description="Type code(s), comma-separated")] = None,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in code or name")] = None,
    parent_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    crs: CrsParam = None,
    f: FormatParam = None,
):
    """Assets of the municipality, filtered and paged; decommissioned ones on request."""
    srid = _srid(crs)
    flt = AssetFilter(
        bbox=_parse_bbox(bbox), bbox_srid=geo.parse_srid(bbox_crs, field="bbox-crs"),
        types=_split(type), statuses=list(status_ or []), q=q, parent_id=parent_id,
        overdue=overdue,
    )
    items, more = await service.list_page(
        session, access.municipality.id, flt, limit=limit, offset=offset, srid=srid,
        internal=access.internal,
    )
    next_url = str(request.url.include_query_params(offset=offset + limit)) if more else None
    if formats.wants_geojson(request, f):
        return JSONResponse(
            jsonable_encoder(formats.feature_collection(items, next_url)),
            media_type=formats.GEOJSON,
        )
    return JSONResponse(jsonable_encoder(
        {"items": items, "limit": limit, "offset": offset, "next": next_url}))


@router.get("/{asset_id}", response_model=AssetOut,
            responses={200: {"content": {formats.GEOJSON: {}},
                             "description": "AssetOut, or AssetPublicOut for the public"}},
            description="One asset with its due date; the ETag is its version." + _PUBLIC_NOTE)
async def get_asset(
    asset_id: uuid.UUID, request: Request, session: SessionDep, access: AccessDep,
    crs: CrsParam = None, f: FormatParam = None,
):
    item = await service.get(session, access.municipality.id, asset_id, _srid(crs),
                             internal=access.internal)
    return _asset_response(request, item, f)


@router.post("", response_model=AssetOut, status_code=status.HTTP_201_CREATED)
async def create_asset(
    data: AssetCreate, request: Request, session: SessionDep,
    access: Permission("asset.write"), actor: ActorDep, settings: SettingsDep,
    crs: CrsParam = None, f: FormatParam = None,
):
    """Add an asset. Coordinates in ``crs``; the answer is in the same CRS."""
    srid = _srid(crs)
    municipality = access.municipality
    asset_id = await service.create(
        session, municipality, data, srid=srid, actor=actor,
        tolerance_m=settings.geo.boundary_tolerance_m,
    )
    item = await service.get(session, municipality.id, asset_id, srid)
    response = _asset_response(request, item, f, code=201)
    response.headers["Location"] = str(request.url_for(
        "get_asset", municipality=municipality.slug, asset_id=str(asset_id)))
    return response


@router.patch("/{asset_id}", response_model=AssetOut,
              responses={409: {"description": "Stale version; body has the current state"},
                         428: {"description": "No version sent"}})
async def update_asset(
    asset_id: uuid.UUID, data: AssetUpdate, request: Request, session: SessionDep,
    access: Permission("asset.write"), actor: ActorDep, settings: SettingsDep,
    if_match: IfMatch = None, crs: CrsParam = None, f: FormatParam = None,
    client_id: Annotated[uuid.UUID | None, Header(
        alias="X-Client-Id", description="Set by the field app's outbox: a stale version is "
        "then recorded as a conflict for the office")] = None,
):
    """Change some fields; send the version you based the change on (If-Match or body)."""
    srid = _srid(crs)
    mid = access.municipality.id
    expected = _version_from(if_match, data.version)
    try:
        await service.update(
            session, access.municipality, asset_id, data, expected_version=expected,
            srid=srid, actor=actor, tolerance_m=settings.geo.boundary_tolerance_m,
            max_fix_accuracy_m=settings.geo.max_fix_accuracy_m,
        )
    except Conflict as exc:
        if client_id is None or exc.field != "version":
            raise
        # a change made offline met a newer office state: keep it for the office, and
        # answer (not raise) so that the record of it is committed
        await conflicts.record(session, mid, asset_id, client_id, expected,
                               exc.extra["current"]["version"],
                               data.model_dump(mode="json", exclude_unset=True), actor)
        return JSONResponse(with_texts(exc.body(), request), status_code=exc.status_code)
    return _asset_response(request, await service.get(session, mid, asset_id, srid), f)


@router.delete("/{asset_id}", response_model=AssetOut)
async def decommission_asset(
    asset_id: uuid.UUID, request: Request, session: SessionDep,
    access: Permission("asset.decommission"), actor: ActorDep, if_match: IfMatch = None,
    f: FormatParam = None,
):
    """Decommission: the asset leaves the active inventory; nothing is physically deleted."""
    mid = access.municipality.id
    await service.decommission(
        session, mid, asset_id, expected_version=_version_from(if_match), actor=actor
    )
    return _asset_response(request, await service.get(session, mid, asset_id), f)


@router.get("/{asset_id}/history", response_model=list[HistoryEntry])
async def asset_history(asset_id: uuid.UUID, session: SessionDep,
                        access: Permission("asset.read")):
    """Every change with who, when, and the values before and after."""
    return await service.history(session, access.municipality.id, asset_id)
