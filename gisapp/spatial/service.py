"""Answers to spatial questions, shared by the API, the planner map and the exports.

The rows have the shape of the asset list (AssetOut for staff, AssetPublicOut for the
public, read through the public database role), plus ``distance_m`` when the question had
a distance or a nearest point.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets import queries
from gisapp.assets.queries import A, T
from gisapp.errors import InvalidInput
from gisapp.messages import N_, Message
from gisapp.models import District
from gisapp.settings import EnergySettings
from gisapp.spatial import energy, filters
from gisapp.spatial.schemas import SearchRequest, StatsRequest

# What stands in the street: statistics leave planned and decommissioned assets out unless
# the caller names statuses.
INSTALLED = ["active", "defective", "out_of_service"]


def _select(srid: int, internal: bool):
    return queries.asset_select(srid) if internal else queries.public_asset_select(srid)


async def search(session: AsyncSession, municipality_id: uuid.UUID, req: SearchRequest,
                 *, internal: bool) -> tuple[list[dict[str, Any]], bool, int]:
    """One page of assets matching ``req``, whether more follow, and the output SRID.

    Ordered by distance when the question has one (nearest first), else by code.
    """
    res = await filters.resolve(session, municipality_id, req, internal=internal)
    if req.nearest is not None:
        return await _nearest(session, municipality_id, req, res), False, res.srid
    target, bounds = await filters.near_target(session, res)
    stmt = filters.apply(_select(res.srid, internal), municipality_id, res, target, bounds)
    if target is not None:
        distance = func.ST_Distance(filters.as_geography(A.c.geom),
                                    filters.as_geography(target))
        stmt = stmt.add_columns(distance.label("distance_m")).order_by(distance)
    stmt = stmt.order_by(A.c.code, A.c.id).limit(req.limit + 1).offset(req.offset)
    rows = [_row(r) for r in await session.execute(stmt)]
    return rows[:req.limit], len(rows) > req.limit, res.srid


async def _nearest(session: AsyncSession, municipality_id: uuid.UUID, req: SearchRequest,
                   res: filters.Resolved) -> list[dict[str, Any]]:
    """The N nearest in true metres.

    ``<->`` on the lon/lat geometry walks the GiST index, but ranks by degrees, which at
    50° N make a metre east count 0.64 of a metre north. So: take the N nearest by degrees;
    the farthest of them, in metres, bounds where the true N nearest can be; then rank all
    assets within that radius by their distance on the ellipsoid.
    """
    if req.offset:
        raise InvalidInput(Message(N_("nearest answers one page; leave offset at 0")),
                           field="offset")
    point = filters.parse_kind(req.nearest.point, res.srid, "nearest.point", ("Point",))
    target, bounds = await filters.near_target(session, res)
    here = filters.wkb_geom(point)
    count = min(req.nearest.count, req.limit)
    inner = select(A.c.geom).select_from(A.join(T, and_(
        T.c.municipality_id == A.c.municipality_id, T.c.code == A.c.type_code)))
    inner = filters.apply(inner, municipality_id, res, target, bounds)
    inner = inner.order_by(A.c.geom.op("<->")(here)).limit(count).subquery()
    radius = await session.scalar(select(func.max(func.ST_Distance(
        filters.as_geography(inner.c.geom), filters.as_geography(here)))))
    if radius is None:
        return []
    distance = func.ST_Distance(filters.as_geography(A.c.geom), filters.as_geography(here))
    stmt = filters.apply(_select(res.srid, res.internal), municipality_id, res, target, bounds)
    stmt = stmt.where(filters.within_metres(here, point.bounds, radius + 0.001))
    stmt = stmt.add_columns(distance.label("distance_m"))
    stmt = stmt.order_by(distance, A.c.code).limit(count)
    return [_row(r) for r in await session.execute(stmt)]


def _row(row) -> dict[str, Any]:
    data = queries.row_to_dict(row)
    if data.get("distance_m") is not None:
        data["distance_m"] = round(data["distance_m"], 3)
    return data


async def stats(session: AsyncSession, municipality_id: uuid.UUID, req: StatsRequest,
                settings: EnergySettings, *, internal: bool) -> dict[str, Any]:
    """Counts, installed power and estimated annual energy per district and/or type.

    Each asset belongs to at most one district: the first by name that contains a point
    on its surface (districts do not overlap; a street line crossing a border counts once).
    """
    if not req.statuses:
        req = req.model_copy(update={"statuses": INSTALLED})
    res = await filters.resolve(session, municipality_id, req, internal=internal)
    target, bounds = await filters.near_target(session, res)
    attrs = A.c.attributes if internal else A.c.public_attributes
    district = (select(District.name.label("name"))
                .where(District.municipality_id == A.c.municipality_id,
                       func.ST_Intersects(District.geom, func.ST_PointOnSurface(A.c.geom)))
                .order_by(District.name).limit(1).lateral("d"))
    keys = {"district": district.c.name if "district" in req.group_by else literal(None),
            "type": A.c.type_code if "type" in req.group_by else literal(None)}
    source = A.outerjoin(district, true())
    if internal:
        source = source.join(T, and_(T.c.municipality_id == A.c.municipality_id,
                                     T.c.code == A.c.type_code))
    stmt = select(
        keys["district"].label("district"), keys["type"].label("type"),
        func.count().label("count"),
        func.sum(energy.power_w(attrs)).label("power_w"),
        func.sum(energy.annual_kwh(attrs, settings)).label("annual_kwh"),
    ).select_from(source)
    stmt = filters.apply(stmt, municipality_id, res, target, bounds)
    grouped = [keys[k] for k in req.group_by]
    if grouped:
        stmt = stmt.group_by(*grouped).order_by(*(k.asc().nulls_last() for k in grouped))
    groups = [_group(r) for r in await session.execute(stmt)]
    total = {"district": None, "type": None, "count": sum(g["count"] for g in groups),
             "power_w": _sum(g["power_w"] for g in groups),
             "annual_kwh": _sum(g["annual_kwh"] for g in groups)}
    return {"groups": groups, "total": total, "statuses": list(req.statuses),
            "energy": energy.model(settings)}


def _group(row) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in ("power_w", "annual_kwh"):
        if data[key] is not None:
            data[key] = round(float(data[key]), 3)
    return data


def _sum(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present), 3) if present else None
