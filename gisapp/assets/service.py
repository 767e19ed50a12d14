"""Asset rules: create, read, update with optimistic concurrency, decommission, list.

Everything here is checked before anything is written, and the caller's transaction makes
a request all-or-nothing. The database repeats the vital rules (constraints, triggers), so a
path that bypasses this module (psql, a bulk import) cannot break them either.
"""

from __future__ import annotations

import uuid
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.asset_types.service import get_type, validate_attributes
from gisapp.assets import queries
from gisapp.assets.schemas import AssetCreate, AssetUpdate
from gisapp.errors import Conflict, InvalidGeometry, InvalidInput, NotFound, PreconditionRequired
from gisapp.messages import N_, Message
from gisapp.models import Asset, AssetHistory, AssetType
from gisapp.municipalities.schemas import MunicipalityRef


def _select(srid: int, internal: bool):
    return queries.asset_select(srid) if internal else queries.public_asset_select(srid)


async def get(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
    srid: int = geo.STORAGE_SRID, *, internal: bool = True,
) -> dict[str, Any]:
    """One asset as AssetOut data (AssetPublicOut when not ``internal``), or NotFound."""
    await geo.ensure_in_postgis(session, srid)
    stmt = _select(srid, internal).where(
        queries.A.c.municipality_id == municipality_id, queries.A.c.id == asset_id
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(Message(N_("no such asset")))
    return queries.row_to_dict(row)


async def list_page(
    session: AsyncSession, municipality_id: uuid.UUID, flt: queries.AssetFilter,
    *, limit: int, offset: int, srid: int = geo.STORAGE_SRID, internal: bool = True,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of assets in a stable order, and whether another page follows."""
    await geo.ensure_in_postgis(session, srid)
    if not internal and flt.overdue is not None:
        raise InvalidInput(Message(N_("maintenance state is not public")), field="overdue")
    stmt = queries.with_filter(_select(srid, internal), municipality_id, flt)
    stmt = stmt.order_by(queries.A.c.code, queries.A.c.id).limit(limit + 1).offset(offset)
    rows = [queries.row_to_dict(r) for r in await session.execute(stmt)]
    return rows[:limit], len(rows) > limit


async def _check_in_boundary(
    session: AsyncSession, muni: MunicipalityRef, geom: BaseGeometry, tolerance_m: float,
    field: str = "geometry",
) -> None:
    """Every vertex within the municipality's boundary, give or take the tolerance."""
    if not muni.has_boundary:
        return
    distance = await session.scalar(
        text(
            "SELECT coalesce(max(ST_Distance(m.boundary::geography, dp.geom::geography)), 0)"
            " FROM municipality m, ST_DumpPoints(ST_GeomFromWKB(:wkb, 4326)) dp"
            " WHERE m.id = :mid"
        ),
        {"wkb": geom.wkb, "mid": muni.id},
    )
    if distance > tolerance_m:
        raise InvalidGeometry(geo.outside_boundary(distance, muni.name, tolerance_m),
                              field=field)


def _check_kind(asset_type: AssetType, geom: BaseGeometry) -> None:
    kind = geo.geometry_kind(geom)
    if kind != asset_type.geometry_kind:
        raise InvalidGeometry(Message(
            N_("type %(type)s takes %(kind)s geometries, not %(geometry)s"),
            type=repr(asset_type.code), kind=asset_type.geometry_kind, geometry=geom.geom_type),
            field="geometry",
        )


async def _check_parent(
    session: AsyncSession, municipality_id: uuid.UUID, parent_id: uuid.UUID,
    asset_id: uuid.UUID | None = None,
) -> None:
    """The parent exists here and is not the asset itself or one of its descendants."""
    ancestors = await session.execute(
        text(
            "WITH RECURSIVE up(id, parent_id, depth) AS ("
            "  SELECT id, parent_id, 0 FROM asset WHERE municipality_id = :mid AND id = :pid"
            "  UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM asset a JOIN up"
            "  ON a.municipality_id = :mid AND a.id = up.parent_id WHERE up.depth < 20"
            ") SELECT id FROM up"
        ),
        {"mid": municipality_id, "pid": parent_id},
    )
    chain = {r[0] for r in ancestors}
    if parent_id not in chain:
        raise InvalidInput(Message(N_("no such asset in this municipality")), field="parent_id")
    if asset_id is not None and asset_id in chain:
        raise InvalidInput(Message(N_("an asset cannot be mounted on itself or its own child")),
                           field="parent_id")


async def _next_code(session: AsyncSession, municipality_id: uuid.UUID, prefix: str) -> str:
    """The next free human code like SL-0142; serialised per municipality and prefix."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"asset-code:{municipality_id}:{prefix}"},
    )
    highest = await session.scalar(
        text(
            "SELECT max(substring(code FROM '-([0-9]+)$')::int) FROM asset"
            " WHERE municipality_id = :mid AND code ~ ('^' || :prefix || '-[0-9]+$')"
        ),
        {"mid": municipality_id, "prefix": prefix},
    )
    return f"{prefix}-{(highest or 0) + 1:04d}"


async def _flush(session: AsyncSession) -> None:
    """Flush, turning what the database refuses into the caller's 4xx."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise translate_integrity_error(exc) from exc


def translate_integrity_error(exc: IntegrityError) -> Exception:
    """A unique/check/foreign-key violation as the domain error a client understands."""
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    constraint = getattr(orig, "constraint_name", None) or ""
    sqlstate = getattr(orig, "sqlstate", None) or getattr(exc.orig, "sqlstate", "")
    message = getattr(orig, "message", None) or str(exc.orig)
    if sqlstate == "23505":
        field = "code" if "code" in constraint else "external_id" if "external" in constraint else None
        return Conflict(Message(N_("already taken: %(detail)s"), detail=message), field=field)
    if constraint == "asset_public_allowed":
        return InvalidInput(message, field="public")
    if constraint == "asset_geometry_kind":
        return InvalidGeometry(message, field="geometry")
    return InvalidInput(Message(N_("refused by the database (%(constraint)s): %(detail)s"),
                                constraint=constraint or sqlstate, detail=message))


async def create(
    session: AsyncSession, muni: MunicipalityRef, data: AssetCreate, *, srid: int,
    actor: str | None, tolerance_m: float,
) -> uuid.UUID:
    """Validate everything, then insert; the history trigger records the creation."""
    asset_type = await get_type(session, muni.id, data.type, field="type")
    geom = geo.parse_geometry(data.geometry, srid)
    _check_kind(asset_type, geom)
    validate_attributes(asset_type, data.attributes)
    public = asset_type.public_by_default if data.public is None else data.public
    if public and not asset_type.public_allowed:
        raise InvalidInput(Message(N_("assets of type %(type)s can never be public"),
                                   type=repr(asset_type.code)), field="public")
    if data.parent_id:
        await _check_parent(session, muni.id, data.parent_id)
    await _check_in_boundary(session, muni, geom, tolerance_m)
    code = data.code or await _next_code(session, muni.id, asset_type.code_prefix)
    asset = Asset(
        municipality_id=muni.id, id=uuid.uuid4(), code=code, type_code=asset_type.code,
        name=data.name, status=data.status, geom=from_shape(geom, srid=geo.STORAGE_SRID),
        attributes=data.attributes, installed_on=data.installed_on,
        manufacturer=data.manufacturer, model=data.model, is_public=public,
        parent_id=data.parent_id, maintenance_interval_days=data.maintenance_interval_days,
        external_id=data.external_id, created_by=actor, updated_by=actor,
    )
    session.add(asset)
    await _flush(session)
    return asset.id


def check_fix(accuracy_m: float | None, limit_m: float | None) -> None:
    """A phone's fix must be good enough to place an asset (a 60 m fix moves it 60 m)."""
    if accuracy_m is not None and limit_m is not None and accuracy_m > limit_m:
        raise InvalidInput(Message(N_("the GPS fix (±%(accuracy)s m) is worse than the "
                                      "%(limit)s m allowed; wait for a better fix"),
                                   accuracy=f"{accuracy_m:.0f}", limit=f"{limit_m:g}"),
                           field="accuracy_m")


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396 JSON merge patch: keys set to null are removed, objects merge recursively."""
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = value
    return result


async def _locked(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID) -> Asset:
    asset = await session.get(Asset, (municipality_id, asset_id), with_for_update=True)
    if asset is None:
        raise NotFound(Message(N_("no such asset")))
    return asset


async def _check_version(
    session: AsyncSession, asset: Asset, expected: int | None, srid: int, required: bool
) -> None:
    if expected is None:
        if required:
            raise PreconditionRequired(
                Message(N_("send the version you are changing (If-Match header or 'version' "
                           "field)")),
                field="version",
            )
        return
    if expected != asset.version:
        current = await get(session, asset.municipality_id, asset.id, srid)
        raise Conflict(Message(
            N_("the asset was changed meanwhile: you sent version %(sent)s, "
               "it is at version %(current)s"), sent=expected, current=asset.version),
            field="version",
            extra={"current": _jsonable(current)},
        )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(data)


async def update(
    session: AsyncSession, muni: MunicipalityRef, asset_id: uuid.UUID, data: AssetUpdate, *,
    expected_version: int | None, srid: int, actor: str | None, tolerance_m: float,
    max_fix_accuracy_m: float | None = None,
) -> None:
    """Apply a partial update if the caller's version is current (else 409 with the state)."""
    asset = await _locked(session, muni.id, asset_id)
    given = data.model_fields_set - {"version", "accuracy_m"}
    await _check_version(session, asset, expected_version, srid, required=True)
    asset_type = await get_type(session, muni.id, asset.type_code)
    for name in ("code", "name", "status", "public"):
        if name in given and getattr(data, name) is None:
            raise InvalidInput(Message(N_("may not be null")), field=name)
    if "geometry" in given:
        check_fix(data.accuracy_m, max_fix_accuracy_m)
        geom = geo.parse_geometry(data.geometry, srid)
        _check_kind(asset_type, geom)
        await _check_in_boundary(session, muni, geom, tolerance_m)
        asset.geom = from_shape(geom, srid=geo.STORAGE_SRID)
    if "attributes" in given:
        merged = merge_patch(asset.attributes or {}, data.attributes or {})
        validate_attributes(asset_type, merged)
        asset.attributes = merged
    if "public" in given:
        if data.public and not asset_type.public_allowed:
            raise InvalidInput(Message(N_("assets of type %(type)s can never be public"),
                                       type=repr(asset_type.code)), field="public")
        asset.is_public = data.public
    if "parent_id" in given and data.parent_id is not None:
        await _check_parent(session, muni.id, data.parent_id, asset.id)
    for name in ("code", "name", "status", "installed_on", "manufacturer", "model",
                 "parent_id", "maintenance_interval_days", "external_id"):
        if name in given:
            setattr(asset, name, getattr(data, name))
    asset.version += 1
    asset.updated_by = actor
    asset.updated_at = func.now()
    await _flush(session)


async def decommission(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID, *,
    expected_version: int | None, actor: str | None,
) -> None:
    """Take an asset out of the inventory without losing it: status 'decommissioned'."""
    asset = await _locked(session, municipality_id, asset_id)
    await _check_version(session, asset, expected_version, geo.STORAGE_SRID, required=False)
    if asset.status == "decommissioned":
        return
    asset.status = "decommissioned"
    asset.version += 1
    asset.updated_by = actor
    asset.updated_at = func.now()
    await _flush(session)


async def history(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID
) -> list[AssetHistory]:
    """Every change of the asset, oldest first."""
    await ensure_exists(session, municipality_id, asset_id)
    result = await session.scalars(
        select(AssetHistory)
        .where(AssetHistory.municipality_id == municipality_id, AssetHistory.asset_id == asset_id)
        .order_by(AssetHistory.id)
    )
    return list(result)


async def ensure_exists(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID):
    found = await session.scalar(
        select(Asset.id).where(Asset.municipality_id == municipality_id, Asset.id == asset_id)
    )
    if found is None:
        raise NotFound(Message(N_("no such asset")))
