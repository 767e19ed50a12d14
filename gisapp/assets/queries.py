"""SQL for reading assets: one select that every read path shares (single asset, lists),
with the due date derived in the database from the last maintenance and the interval."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql import Select

from gisapp import geo
from gisapp.models import Asset, AssetType, MaintenanceRecord

A = Asset.__table__
T = AssetType.__table__
M = MaintenanceRecord.__table__

# Records that show the asset was looked after; a visit that could not be done does not count.
_COUNTING_RESULTS = ("ok", "fixed", "defect_found")


@dataclass
class AssetFilter:
    """Filters of the asset list; every value is bound, never formatted into SQL."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = geo.STORAGE_SRID
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    q: str | None = None
    parent_id: uuid.UUID | None = None
    overdue: bool | None = None


def _last_maintenance():
    return (
        select(func.max(M.c.performed_at))
        .where(
            M.c.municipality_id == A.c.municipality_id,
            M.c.asset_id == A.c.id,
            M.c.result.in_(_COUNTING_RESULTS),
        )
        .scalar_subquery()
    )


def _next_due(last):
    interval = func.coalesce(A.c.maintenance_interval_days, T.c.maintenance_interval_days)
    since = func.coalesce(cast(last, Date), A.c.installed_on, cast(A.c.created_at, Date))
    return case(
        (or_(interval.is_(None), A.c.status.in_(("planned", "decommissioned"))), None),
        else_=since + interval,
    )


def _geometry(srid: int):
    geom = A.c.geom if srid == geo.STORAGE_SRID else func.ST_Transform(A.c.geom, srid)
    digits = 9 if srid == geo.STORAGE_SRID else 4
    return func.ST_AsGeoJSON(geom, digits, 0).label("geometry")


def public_asset_select(srid: int) -> Select:
    """The columns of AssetPublicOut: what the public may see, and only columns the
    database's public role may read (attributes without internal keys, no bookkeeping).
    A parent shows only when the public may see it too."""
    P = A.alias("parent")
    visible_parent = (
        select(P.c.id).where(P.c.municipality_id == A.c.municipality_id, P.c.id == A.c.parent_id)
        .scalar_subquery()
    )
    return select(
        A.c.id, A.c.code, A.c.type_code.label("type"), A.c.name, A.c.status, _geometry(srid),
        literal(f"EPSG:{srid}").label("crs"), A.c.public_attributes.label("attributes"),
        A.c.installed_on, A.c.manufacturer, A.c.model, visible_parent.label("parent_id"),
        A.c.updated_at,
    ).select_from(A)


def asset_select(srid: int) -> Select:
    """All columns of AssetOut; geometry as GeoJSON text in ``srid``."""
    last = _last_maintenance().label("last_maintenance_at")
    next_due = _next_due(_last_maintenance())
    return (
        select(
            A.c.id, A.c.code, A.c.type_code.label("type"), A.c.name, A.c.status,
            _geometry(srid),
            literal(f"EPSG:{srid}").label("crs"),
            A.c.attributes, A.c.installed_on, A.c.manufacturer, A.c.model,
            A.c.is_public.label("public"), A.c.parent_id, A.c.maintenance_interval_days,
            A.c.external_id, A.c.version, last,
            next_due.label("next_due"),
            func.coalesce(next_due < func.current_date(), False).label("overdue"),
            A.c.created_at, A.c.created_by, A.c.updated_at, A.c.updated_by,
        )
        .select_from(
            A.join(T, and_(T.c.municipality_id == A.c.municipality_id, T.c.code == A.c.type_code))
        )
    )


def with_filter(stmt: Select, municipality_id: uuid.UUID, flt: AssetFilter) -> Select:
    """Apply the list filters; decommissioned assets only when asked for by status."""
    stmt = stmt.where(A.c.municipality_id == municipality_id)
    if flt.statuses:
        stmt = stmt.where(A.c.status.in_(flt.statuses))
    else:
        stmt = stmt.where(A.c.status != "decommissioned")
    if flt.types:
        stmt = stmt.where(A.c.type_code.in_(flt.types))
    if flt.bbox:
        # transformed by pyproj beforehand (checked there); lon/lat from here on
        envelope = func.ST_MakeEnvelope(*geo.bbox_to_storage(flt.bbox, flt.bbox_srid),
                                        geo.STORAGE_SRID)
        # `&&` stated on its own: under row-level security only a leakproof condition may
        # use the spatial index, and ST_Intersects is not (see migration 0007)
        stmt = stmt.where(A.c.geom.op("&&")(envelope), func.ST_Intersects(A.c.geom, envelope))
    if flt.q:
        pattern = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(func.lower(A.c.code + " " + A.c.name).like(pattern, escape="\\"))
    if flt.parent_id:
        stmt = stmt.where(A.c.parent_id == flt.parent_id)
    if flt.overdue is not None:
        due = _next_due(_last_maintenance())
        stmt = stmt.where(func.coalesce(due < func.current_date(), False) == flt.overdue)
    return stmt


def row_to_dict(row) -> dict[str, Any]:
    data = dict(row._mapping)
    data["geometry"] = json.loads(data["geometry"])
    return data
