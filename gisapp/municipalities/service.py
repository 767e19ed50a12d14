"""Municipalities: create (with the built-in types), look up, list, change settings."""

from __future__ import annotations

import json
import uuid

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.asset_types.service import seed_builtin_types
from gisapp.database import set_municipality
from gisapp.errors import Conflict, InvalidGeometry, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import Membership, Municipality
from gisapp.municipalities.schemas import (
    MunicipalityCreate,
    MunicipalityRef,
    MunicipalityUpdate,
)


async def get_ref(session: AsyncSession, slug: str) -> MunicipalityRef:
    """The municipality with this slug, or NotFound."""
    row = (
        await session.execute(
            select(
                Municipality.id, Municipality.slug, Municipality.name, Municipality.working_crs,
                Municipality.default_language, Municipality.boundary.is_not(None),
            ).where(Municipality.slug == slug)
        )
    ).first()
    if row is None:
        raise NotFound(Message(N_("no municipality %(slug)s"), slug=repr(slug)))
    return MunicipalityRef(*row)


def _out_columns():
    return (
        Municipality.id, Municipality.slug, Municipality.name, Municipality.working_crs,
        Municipality.default_language,
        func.ST_AsGeoJSON(Municipality.boundary, 7).label("boundary"),
        func.ST_XMin(Municipality.boundary).label("xmin"),
        func.ST_YMin(Municipality.boundary).label("ymin"),
        func.ST_XMax(Municipality.boundary).label("xmax"),
        func.ST_YMax(Municipality.boundary).label("ymax"),
    )


def _as_out(row) -> dict:
    data = dict(row._mapping)
    data["boundary"] = json.loads(data["boundary"]) if data["boundary"] else None
    box = [data.pop(k) for k in ("xmin", "ymin", "xmax", "ymax")]
    data["bbox"] = box if box[0] is not None else None
    return data


async def get(session: AsyncSession, slug: str) -> dict:
    row = (await session.execute(select(*_out_columns()).where(Municipality.slug == slug))).first()
    if row is None:
        raise NotFound(Message(N_("no municipality %(slug)s"), slug=repr(slug)))
    return _as_out(row)


async def list_all(session: AsyncSession) -> list[dict]:
    rows = await session.execute(select(*_out_columns()).order_by(Municipality.name))
    return [_as_out(r) for r in rows]


def _unwrap_feature(value: dict, field: str) -> tuple[dict | None, str]:
    """The geometry of a Feature, or of the one feature of a FeatureCollection: what GIS
    programs save when a boundary is exported as a file."""
    if value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            found = len(features) if isinstance(features, list) else 0
            raise InvalidGeometry(Message(N_("expected a FeatureCollection with exactly one "
                                             "feature, this one has %(count)s"), count=found),
                                  field=f"{field}.features")
        value, field = features[0], f"{field}.features.0"
    if isinstance(value, dict) and value.get("type") == "Feature":
        return value.get("geometry"), f"{field}.geometry"
    return value, field


def parse_boundary(value: dict, crs: str | int | None, field: str = "boundary"):
    """A boundary as stored (MultiPolygon, EPSG:4326) from GeoJSON in ``crs``."""
    srid = geo.parse_srid(crs, field=f"{field}_crs")
    geometry, where = _unwrap_feature(value, field)
    shape = geo.parse_geometry(geometry, srid, field=where)
    if shape.geom_type == "Polygon":
        shape = MultiPolygon([shape])
    if shape.geom_type != "MultiPolygon":
        raise InvalidGeometry(Message(N_("a boundary is a Polygon or MultiPolygon")), field=where)
    return from_shape(shape, srid=geo.STORAGE_SRID)


async def update_settings(session: AsyncSession, municipality: MunicipalityRef,
                          data: MunicipalityUpdate) -> None:
    """Change the working CRS, the default language or the boundary (what is given).

    Runs in the municipality's own transaction: row-level security lets nobody change
    another municipality's row.
    """
    values: dict = {}
    if data.working_crs is not None:
        if not str(data.working_crs).strip():
            raise InvalidInput(Message(N_("an EPSG code is required, e.g. 25832")),
                               field="working_crs")
        srid = geo.parse_srid(data.working_crs, field="working_crs")
        await geo.ensure_in_postgis(session, srid, field="working_crs")
        values["working_crs"] = srid
    if data.default_language is not None:
        values["default_language"] = data.default_language
    if data.boundary is not None:
        values["boundary"] = parse_boundary(data.boundary, data.boundary_crs)
    elif data.boundary_crs:
        raise InvalidInput(Message(N_("a boundary CRS needs a boundary")), field="boundary_crs")
    if not values:
        return
    result = await session.execute(
        update(Municipality).where(Municipality.id == municipality.id).values(**values))
    if result.rowcount != 1:
        raise NotFound(Message(N_("no municipality %(slug)s"),
                               slug=repr(municipality.slug)))


async def create(session: AsyncSession, data: MunicipalityCreate, actor: str | None,
                 admin_user_id: uuid.UUID | None = None) -> uuid.UUID:
    """A new municipality with its copy of the built-in asset types (and its first admin)."""
    geo.parse_srid(data.working_crs, field="working_crs")
    boundary = None
    if data.boundary is not None:
        boundary = parse_boundary(data.boundary, data.boundary_crs)
    if await session.scalar(select(Municipality.id).where(Municipality.slug == data.slug)):
        raise Conflict(Message(N_("municipality %(slug)s exists already"), slug=repr(data.slug)),
                       field="slug")
    row = Municipality(
        slug=data.slug, name=data.name, working_crs=data.working_crs,
        default_language=data.default_language, boundary=boundary, created_by=actor,
    )
    session.add(row)
    await session.flush()
    await set_municipality(session, row.id)
    await seed_builtin_types(session, row.id)
    if admin_user_id:
        session.add(Membership(municipality_id=row.id, user_id=admin_user_id, role="admin",
                               created_by=actor))
        await session.flush()
    return row.id
