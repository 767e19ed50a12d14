"""A :class:`~gisapp.spatial.schemas.SpatialFilter` checked against the municipality and
turned into SQL conditions on the asset table, every value bound.

Checking comes first (:func:`resolve`), so a bad request is refused with every field named
before any query runs. Distances are true metres: ``ST_DWithin`` on geography (the
ellipsoid), with a bounding box in degrees in front of it that is never smaller than the
circle, so the GiST index on the lon/lat geometry does the coarse work.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from geoalchemy2 import Geography
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, cast, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from gisapp import geo
from gisapp.assets.queries import A, AssetFilter, M, with_filter
from gisapp.errors import GisappError, InvalidGeometry, InvalidInput
from gisapp.messages import N_, Message, problem_fields
from gisapp.models import AssetType, District, MaintenanceReview, Street, Tag
from gisapp.spatial.schemas import SpatialFilter

R = MaintenanceReview.__table__
_AREA_KINDS = ("Polygon", "MultiPolygon")
_NEAR_KINDS = ("Point", "MultiPoint", "LineString", "MultiLineString")
# metres per degree of latitude is at least 110,574 (at the equator); 110,000 is safe
_M_PER_DEG_LAT = 110_000.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass
class Resolved:
    """A checked filter: geometries in lon/lat, names looked up."""

    srid: int
    internal: bool
    base: AssetFilter
    area: BaseGeometry | None = None
    district_id: uuid.UUID | None = None
    near: BaseGeometry | None = None
    near_street_id: uuid.UUID | None = None
    distance_m: float | None = None
    untagged: bool | None = None
    flagged: bool | None = None
    ids: list[uuid.UUID] | None = None


def wkb_geom(geom: BaseGeometry):
    """A shapely geometry (lon/lat) as a bound PostGIS value."""
    return func.ST_GeomFromWKB(geom.wkb, geo.STORAGE_SRID)


def as_geography(expr):
    return cast(expr, Geography)


def degree_box(geom_expr, bounds: tuple[float, float, float, float], metres: float):
    """``geom_expr`` expanded by at least ``metres`` in every direction, in degrees."""
    dy = metres / _M_PER_DEG_LAT
    lat = min(89.0, max(abs(bounds[1]), abs(bounds[3])) + dy)
    dx = metres / (_M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))) * 1.01
    return func.ST_Expand(geom_expr, dx, dy)


def within_metres(target, bounds, metres: float) -> ColumnElement[bool]:
    """Assets within ``metres`` (true metres) of ``target`` (lon/lat geometry expression)."""
    return and_(A.c.geom.op("&&")(degree_box(target, bounds, metres)),
                func.ST_DWithin(as_geography(A.c.geom), as_geography(target), metres))


def parse_kind(value, srid: int, field: str, kinds: tuple[str, ...]) -> BaseGeometry:
    geom = geo.parse_geometry(value, srid, field=field)
    if geom.geom_type not in kinds:
        raise InvalidGeometry(Message(N_("a %(kinds)s is required, not %(geometry)s"),
                                      kinds=" or ".join(kinds), geometry=geom.geom_type),
                              field=field)
    return geom


async def resolve(session: AsyncSession, municipality_id: uuid.UUID, flt: SpatialFilter,
                  *, internal: bool) -> Resolved:
    """Check every part of the filter; raise one error naming all bad fields."""
    problems: list[dict[str, str]] = []

    def collect(fn, *args):
        try:
            return fn(*args)
        except GisappError as exc:
            problems.extend(exc.problems())
            return None

    srid = collect(geo.parse_srid, flt.crs, "crs")
    if srid is not None:
        try:
            await geo.ensure_in_postgis(session, srid, field="crs")
        except GisappError as exc:
            problems.extend(exc.problems())
            srid = None
    if not internal:
        for name in ("overdue", "untagged", "flagged"):
            if getattr(flt, name) is not None:
                problems.append(_problem(name, Message(N_(
                    "maintenance and label state are not public; log in or send an API "
                    "token"))))
    if flt.types:
        known = set(await session.scalars(select(AssetType.code).where(
            AssetType.municipality_id == municipality_id, AssetType.code.in_(flt.types))))
        problems.extend(_problem(f"types.{i}", Message(N_("no asset type %(type)s here"),
                                                        type=repr(code)))
                        for i, code in enumerate(flt.types) if code not in known)
    out = Resolved(srid=srid or geo.STORAGE_SRID, internal=internal, untagged=flt.untagged,
                   flagged=flt.flagged, ids=flt.ids,
                   base=AssetFilter(types=list(flt.types), statuses=list(flt.statuses),
                                    q=flt.q, overdue=flt.overdue))
    if flt.area is not None and srid is not None:
        out.area = collect(parse_kind, flt.area, srid, "area", _AREA_KINDS)
    if flt.district is not None:
        out.district_id = await session.scalar(select(District.id).where(
            District.municipality_id == municipality_id, District.name == flt.district))
        if out.district_id is None:
            names = await district_names(session, municipality_id)
            problems.append(_problem("district", Message(
                N_("no district %(name)s (there are: %(names)s)"), name=repr(flt.district),
                names=", ".join(names)) if names else Message(
                N_("no district %(name)s; this municipality has none"),
                name=repr(flt.district))))
    if flt.near is not None:
        await _resolve_near(session, municipality_id, flt, srid, out, problems, collect)
    if problems:
        raise InvalidInput(problems[0]["reason"], details=problems)
    return out


def _problem(field: str, reason: Message) -> dict:
    return {"field": field, **problem_fields(reason)}


async def _resolve_near(session, municipality_id, flt, srid, out, problems, collect) -> None:
    near = flt.near
    if (near.geometry is None) == (near.street is None):
        problems.append(_problem("near", Message(N_("give either a geometry or a street"))))
        return
    out.distance_m = near.distance_m
    if near.street is not None:
        out.near_street_id = await session.scalar(select(Street.id).where(
            Street.municipality_id == municipality_id, Street.name == near.street))
        if out.near_street_id is None:
            problems.append(_problem("near.street", Message(N_("no street %(name)s"),
                                                            name=repr(near.street))))
    elif srid is not None:
        out.near = collect(parse_kind, near.geometry, srid, "near.geometry", _NEAR_KINDS)


async def district_names(session: AsyncSession, municipality_id: uuid.UUID) -> list[str]:
    return list(await session.scalars(select(District.name).where(
        District.municipality_id == municipality_id).order_by(District.name)))


def _street_geom(street_id: uuid.UUID):
    return select(Street.geom).where(Street.id == street_id).scalar_subquery()


async def near_target(session: AsyncSession, res: Resolved):
    """The geometry the distance is measured from, and its lon/lat bounds."""
    if res.near is not None:
        return wkb_geom(res.near), res.near.bounds
    if res.near_street_id is not None:
        box = (await session.execute(select(
            func.ST_XMin(Street.geom), func.ST_YMin(Street.geom), func.ST_XMax(Street.geom),
            func.ST_YMax(Street.geom)).where(Street.id == res.near_street_id))).one()
        return _street_geom(res.near_street_id), tuple(box)
    return None, None


def apply(stmt: Select, municipality_id: uuid.UUID, res: Resolved, target=None,
          bounds=None) -> Select:
    """The filter's conditions on a select of the asset table (``target``/``bounds`` from
    :func:`near_target` when the filter has a distance)."""
    stmt = with_filter(stmt, municipality_id, res.base)
    # `&&` stated beside ST_Intersects: under row-level security only a leakproof condition
    # may use the spatial index, and ST_Intersects is not (see migration 0007)
    if res.area is not None:
        area = wkb_geom(res.area)
        stmt = stmt.where(A.c.geom.op("&&")(area), func.ST_Intersects(A.c.geom, area))
    if res.district_id is not None:
        district = select(District.geom).where(District.id == res.district_id).scalar_subquery()
        stmt = stmt.where(A.c.geom.op("&&")(district), func.ST_Intersects(A.c.geom, district))
    if target is not None:
        stmt = stmt.where(within_metres(target, bounds, res.distance_m))
    if res.ids is not None:
        stmt = stmt.where(A.c.id.in_(res.ids))
    if res.untagged is not None:
        tagged = select(Tag.id).where(Tag.municipality_id == A.c.municipality_id,
                                      Tag.asset_id == A.c.id, Tag.state == "active").exists()
        stmt = stmt.where(~tagged if res.untagged else tagged)
    if res.flagged is not None:
        # the latest record decides: a later record made at the asset settles the question,
        # and so does the office's review of the flagged one
        # (the latest review of the record counts: it may have been taken back)
        reviewed = func.coalesce(
            select(R.c.kind == "reviewed")
            .where(R.c.municipality_id == M.c.municipality_id, R.c.record_id == M.c.id)
            .order_by(R.c.created_at.desc()).limit(1).scalar_subquery(), False)
        latest = (select(and_(M.c.flagged, not_(reviewed)))
                  .where(M.c.municipality_id == A.c.municipality_id, M.c.asset_id == A.c.id)
                  .order_by(M.c.performed_at.desc(), M.c.created_at.desc()).limit(1)
                  .scalar_subquery())
        stmt = stmt.where(func.coalesce(latest, False) == res.flagged)
    return stmt
