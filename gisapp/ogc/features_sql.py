"""The SQL of the items resources: PostGIS writes every feature's JSON text and joins
them, so a page leaves the database as one string and Python only splices it into the
FeatureCollection (no row objects, no per-feature Python).

Values are always bound ($n); what varies in the text are fixed fragments chosen from the
tables below (role, CRS kind, which filters are present). Each variant is prepared once
per connection by asyncpg.

Properties by role, the same rules as ``gisapp.assets.queries``: staff get every column
and all attributes; the public (run as ``gisapp_public``, whose column grants and row
policies PostgreSQL enforces) gets what ``public_asset_select`` returns: public attributes
only, no bookkeeping, and a parent only when that parent is public too. Attributes are
flattened into the properties (GIS programs show them as fields); the columns win over an
attribute of the same name.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from gisapp.ogc.cql2_filter import Filter
from gisapp.ogc.crs import OutputCrs
from gisapp.ogc.params import Interval

STAFF_COLUMNS = (
    "a.id, a.geom, a.attributes AS attrs, a.code, a.name, a.type_code, a.status,"
    " a.installed_on, a.manufacturer, a.model, a.is_public, a.parent_id, a.external_id,"
    " a.maintenance_interval_days, a.version, a.created_at, a.created_by, a.updated_at,"
    " a.updated_by"
)
STAFF_PROPERTIES = (
    "p.attrs || jsonb_build_object('code', p.code, 'name', p.name, 'type', p.type_code,"
    " 'status', p.status, 'installed_on', p.installed_on, 'manufacturer', p.manufacturer,"
    " 'model', p.model, 'public', p.is_public, 'parent_id', p.parent_id,"
    " 'external_id', p.external_id, 'maintenance_interval_days', p.maintenance_interval_days,"
    " 'version', p.version, 'created_at', p.created_at, 'created_by', p.created_by,"
    " 'updated_at', p.updated_at, 'updated_by', p.updated_by)"
)
# only columns gisapp_public may read (see gisapp/sql/0002_isolation_up.sql)
PUBLIC_COLUMNS = (
    "a.id, a.geom, a.public_attributes AS attrs, a.code, a.name, a.type_code, a.status,"
    " a.installed_on, a.manufacturer, a.model, a.updated_at,"
    " (SELECT v.id FROM asset v WHERE v.municipality_id = a.municipality_id"
    "   AND v.id = a.parent_id) AS parent_id"
)
PUBLIC_PROPERTIES = (
    "p.attrs || jsonb_build_object('code', p.code, 'name', p.name, 'type', p.type_code,"
    " 'status', p.status, 'installed_on', p.installed_on, 'manufacturer', p.manufacturer,"
    " 'model', p.model, 'parent_id', p.parent_id, 'updated_at', p.updated_at)"
)
# queryable -> column, per role; attributes are matched by containment instead
STAFF_FILTER_COLUMNS = {
    "code": "a.code", "name": "a.name", "status": "a.status", "installed_on": "a.installed_on",
    "manufacturer": "a.manufacturer", "model": "a.model", "external_id": "a.external_id",
    "public": "a.is_public",
}
PUBLIC_FILTER_COLUMNS = {k: v for k, v in STAFF_FILTER_COLUMNS.items()
                         if k not in ("external_id", "public")}


def geometry_sql(out: OutputCrs, column: str = "p.geom") -> str:
    """GeoJSON text of the geometry in ``out`` (no "crs" member: option 0)."""
    geom = column if out.srid == 4326 else f"ST_Transform({column}, {int(out.srid)})"
    if out.swap_axes:
        geom = f"ST_FlipCoordinates({geom})"
    return f"ST_AsGeoJSON({geom}, {int(out.digits)}, 0)"


def feature_sql(out: OutputCrs, internal: bool) -> str:
    """One feature's JSON text from a row ``p`` of the page."""
    props = STAFF_PROPERTIES if internal else PUBLIC_PROPERTIES
    return ("'{\"type\":\"Feature\",\"id\":\"' || p.id || '\",\"geometry\":' || "
            f"{geometry_sql(out)} || ',\"properties\":' || ({props})::text || '}}'")


@dataclass
class ItemsQuery:
    """What one items request asks for; :meth:`sql` turns it into a statement."""

    municipality_id: uuid.UUID
    collection: str
    internal: bool
    out: OutputCrs
    limit: int
    after: uuid.UUID | None = None
    before: uuid.UUID | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon/lat
    interval: Interval | None = None
    columns: dict[str, Any] = field(default_factory=dict)  # filter column -> value
    attributes: dict[str, Any] = field(default_factory=dict)  # attribute -> typed value
    statuses_given: bool = False
    cql: Filter | None = None  # a CQL2 filter (Part 3), checked

    def sql(self) -> tuple[str, list[Any]]:
        """The statement and its arguments. It answers one row: ``known`` (the collection
        exists for this caller), ``fetched`` (rows read: limit + 1 means another page),
        ``returned``, ``body`` (the features, comma-joined, as UTF-8 bytes), ``first_id``,
        ``last_id``."""
        args: list[Any] = [self.municipality_id, self.collection]

        def bind(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        where = ["a.municipality_id = $1", "a.type_code = $2"]
        if not self.statuses_given:
            where.append("a.status <> 'decommissioned'")
        if self.bbox:
            env = f"ST_MakeEnvelope({', '.join(bind(v) for v in self.bbox)}, 4326)"
            where.append(f"a.geom && {env} AND ST_Intersects(a.geom, {env})")
        if self.interval and self.interval.start:
            where.append(f"a.updated_at >= {bind(self.interval.start)}")
        if self.interval and self.interval.end:
            where.append(f"a.updated_at <= {bind(self.interval.end)}")
        allowed = STAFF_FILTER_COLUMNS if self.internal else PUBLIC_FILTER_COLUMNS
        for name, value in self.columns.items():
            where.append(f"{allowed[name]} = {bind(value)}")
        if self.attributes:
            column = "a.attributes" if self.internal else "a.public_attributes"
            where.append(f"{column} @> {bind(json.dumps(self.attributes))}::jsonb")
        if self.cql:
            where.append(self.cql.sql(bind))
        order = "a.id"
        if self.after:
            where.append(f"a.id > {bind(self.after)}")
        elif self.before:
            where.append(f"a.id < {bind(self.before)}")
            order = "a.id DESC"
        limit = bind(self.limit)
        columns = STAFF_COLUMNS if self.internal else PUBLIC_COLUMNS
        statement = (
            f"WITH page AS MATERIALIZED (SELECT {columns} FROM asset a"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {limit} + 1)"
            " SELECT EXISTS (SELECT 1 FROM asset_type t WHERE t.municipality_id = $1"
            "                AND t.code = $2) AS known,"
            " (SELECT count(*) FROM page) AS fetched, count(*) AS returned,"
            # textsend: the text's UTF-8 bytes as they are, which the driver passes on
            # without decoding ~60 KB into a str that the response would encode again
            f" textsend(string_agg({feature_sql(self.out, self.internal)}, ','"
            " ORDER BY p.id)) AS body,"
            " min(p.id::text) AS first_id, max(p.id::text) AS last_id"
            f" FROM (SELECT * FROM page ORDER BY {order.replace('a.', '')} LIMIT {limit}) p"
        )
        return statement, args


def item_sql(municipality_id: uuid.UUID, collection: str, feature_id: uuid.UUID,
             out: OutputCrs, internal: bool) -> tuple[str, list[Any]]:
    """One feature's JSON text (decommissioned ones too, for staff), or no row."""
    columns = STAFF_COLUMNS if internal else PUBLIC_COLUMNS
    return (
        f"SELECT {feature_sql(out, internal)} FROM (SELECT {columns} FROM asset a"
        " WHERE a.municipality_id = $1 AND a.type_code = $2 AND a.id = $3) p",
        [municipality_id, collection, feature_id],
    )
