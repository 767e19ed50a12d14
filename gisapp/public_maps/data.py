"""What the public maps show, read from the database the way the public reads it.

Features are read as ``gisapp_public`` through :func:`gisapp.assets.queries.public_asset_select`:
row-level security and column grants decide what a map can contain, so a meter, an internal
field or a non-public asset cannot reach a map or a download even through a bug in this
package. Two facts the public role may not read come from a second, staff transaction and are
limited to the public assets and types found first:

- the token of each public asset's active label, for the "report a problem here" link
  (the token is printed on the label on the pole; ``/t/{token}`` shows the public only public
  facts);
- the titles of public fields of the municipality's own types (the public role may not read
  type schemas); only titles of keys present in public attributes are used.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape
from sqlalchemy import and_, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gisapp.asset_types import service as asset_types
from gisapp.assets import queries
from gisapp.database import APP_ROLE, PUBLIC_ROLE, session_scope, set_municipality
from gisapp.models import Municipality, Street, Tag
from gisapp.municipalities import service as municipalities

A = queries.A
S = Street.__table__
#: Columns of every layer's GeoDataFrame (besides ``geometry``).
COLUMNS = ("id", "code", "type", "name", "status", "attributes", "installed_on",
           "manufacturer", "model", "updated_at", "street", "tag_token")
#: How far (m) the nearest street may be to name an asset's location after it.
STREET_RADIUS_M = 150


@dataclass
class Layer:
    """One public asset type and its points: one map, one table, one download."""

    code: str
    labels: dict[str, str]  # language -> label
    color: str
    features: gpd.GeoDataFrame
    titles: dict[str, str] = field(default_factory=dict)  # attribute key -> field title

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["de"]


@dataclass
class MapData:
    """Everything one municipality's maps are built from."""

    slug: str
    name: str
    default_language: str
    layers: list[Layer]
    boundary: dict | None = None  # GeoJSON geometry, lon/lat
    streets: dict | None = None  # GeoJSON FeatureCollection of street lines
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    fingerprint: str = ""


def empty_features() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in COLUMNS}, geometry=[], crs="EPSG:4326")


def features_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Rows with a GeoJSON ``geometry`` (lon/lat) -> a GeoDataFrame in EPSG:4326."""
    if not rows:
        return empty_features()
    values = [{c: row.get(c) for c in COLUMNS} for row in rows]
    geometries = [shape(row["geometry"]) for row in rows]
    return gpd.GeoDataFrame(values, geometry=geometries, crs="EPSG:4326")


def records(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """A layer's rows without geometry, as plain Python values (pandas' NaN/NaT as None)."""
    out = []
    for row in frame.drop(columns="geometry").to_dict("records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | dict | list | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _nearest_street():
    """Name of the nearest public street within STREET_RADIUS_M, as a column of the select."""
    return (
        select(S.c.name)
        .where(S.c.municipality_id == A.c.municipality_id,
               func.ST_DWithin(func.geography(S.c.geom), func.geography(A.c.geom),
                               STREET_RADIUS_M))
        .order_by(S.c.geom.op("<->")(A.c.geom))
        .limit(1)
        .scalar_subquery()
        .label("street")
    )


async def municipality_ids(maker: async_sessionmaker[AsyncSession]) -> list[str]:
    """Slugs of all municipalities (their names are public facts)."""
    async with session_scope(maker, actor="maps", db_role=PUBLIC_ROLE) as session:
        rows = await session.execute(select(Municipality.slug).order_by(Municipality.slug))
        return [r[0] for r in rows]


async def fingerprint(maker: async_sessionmaker[AsyncSession], slug: str) -> str:
    """A cheap summary that changes when anything a public map shows changes: public assets
    (count, newest change, as the public role sees them), labels (newest label event) and
    the public types (labels and colours)."""
    async with session_scope(maker, actor="maps", db_role=PUBLIC_ROLE) as session:
        ref = await municipalities.get_ref(session, slug)
        await set_municipality(session, ref.id, PUBLIC_ROLE)
        assets = (await session.execute(
            select(func.count(), func.max(A.c.updated_at)).select_from(A)
            .where(A.c.municipality_id == ref.id))).one()
        types = await asset_types.list_public_types(session, ref.id)
        await set_municipality(session, ref.id, APP_ROLE)
        labels = await session.scalar(text(
            "SELECT max(id) FROM tag_event WHERE municipality_id = :mid"), {"mid": ref.id})
    return json.dumps([ref.name, ref.default_language, assets[0], str(assets[1]), labels,
                       sorted((t["code"], t["label_de"], t["label_en"], t["label_fr"],
                               t["color"]) for t in types)])


async def read_map_data(maker: async_sessionmaker[AsyncSession], slug: str) -> MapData:
    """The public layers of one municipality (NotFound for an unknown slug)."""
    stamp = await fingerprint(maker, slug)
    async with session_scope(maker, actor="maps", db_role=PUBLIC_ROLE) as session:
        ref = await municipalities.get_ref(session, slug)
        await set_municipality(session, ref.id, PUBLIC_ROLE)
        types = await asset_types.list_public_types(session, ref.id)
        stmt = (queries.public_asset_select(4326).add_columns(_nearest_street())
                .where(A.c.municipality_id == ref.id).order_by(A.c.type_code, A.c.code))
        rows = [queries.row_to_dict(r) for r in await session.execute(stmt)]
        boundary, streets = await _context_layers(session, ref.id)
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    tokens, titles = await _staff_facts(maker, ref.id, [r["id"] for r in rows], list(by_type))
    layers = []
    for t in types:
        found = by_type.get(t["code"])
        if not found:
            continue
        for row in found:
            row["tag_token"] = tokens.get(row["id"])
        layers.append(Layer(
            code=t["code"], color=t["color"], features=features_frame(found),
            labels={k: v for k, v in (("de", t["label_de"]), ("en", t["label_en"]),
                                      ("fr", t["label_fr"])) if v},
            titles=titles.get(t["code"], {}),
        ))
    return MapData(slug=ref.slug, name=ref.name, default_language=ref.default_language,
                   layers=layers, boundary=boundary, streets=streets, fingerprint=stamp)


async def _context_layers(session: AsyncSession, municipality_id: uuid.UUID):
    """The boundary and the streets (public facts): orientation without any basemap."""
    boundary = await session.scalar(
        select(func.ST_AsGeoJSON(Municipality.boundary, 5))
        .where(Municipality.id == municipality_id))
    lines = await session.execute(
        select(S.c.name, func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(S.c.geom, 0.00002), 5))
        .where(S.c.municipality_id == municipality_id).order_by(S.c.name))
    streets = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": json.loads(geom)}
        for name, geom in lines]}
    return (json.loads(boundary) if boundary else None), (streets if streets["features"] else None)


async def _staff_facts(maker, municipality_id: uuid.UUID, asset_ids: list[uuid.UUID],
                       type_codes: list[str]):
    """Active label tokens of these (public) assets, and field titles of these (public) types."""
    tokens: dict[uuid.UUID, str] = {}
    titles: dict[str, dict[str, str]] = {}
    if not asset_ids:
        return tokens, titles
    T = Tag.__table__
    async with session_scope(maker, actor="maps", municipality_id=municipality_id,
                             db_role=APP_ROLE) as session:
        rows = await session.execute(
            select(T.c.asset_id, T.c.token)
            .where(and_(T.c.municipality_id == municipality_id, T.c.state == "active",
                        T.c.asset_id == any_(bindparam("ids", asset_ids,
                                                       type_=ARRAY(UUID(as_uuid=True))))))
            .order_by(T.c.asset_id, T.c.created_at.desc()))
        for asset_id, token in rows:
            tokens.setdefault(asset_id, token)
        for t in await asset_types.list_types(session, municipality_id):
            if t.code in type_codes:
                props = (t.attribute_schema or {}).get("properties", {})
                titles[t.code] = {key: str(p.get("title") or "") for key, p in props.items()
                                  if isinstance(p, dict) and not p.get("x-internal")}
    return tokens, titles
