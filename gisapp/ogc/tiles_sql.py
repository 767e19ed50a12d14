"""The SQL of vector tiles: PostGIS cuts, clips and encodes (ST_AsMVTGeom, ST_AsMVT),
the tile leaves the database as the finished protobuf bytes.

Features are found with the tile's envelope (plus the 64-unit buffer) transformed to the
storage CRS, so the GiST index on ``asset.geom`` (lon/lat) applies; a web-mercator tile is
a lon/lat rectangle, so nothing is lost by the transformation. Properties: id, code, name,
type, status and the attributes (public attributes for the public, the same role rules as
the items); MVT feature ids must be integers, so the UUID travels as the ``id`` property.
"""

from __future__ import annotations

import uuid

EXTENT = 4096
BUFFER = 64


def _rows(internal: bool, type_filter: str, zxy: str) -> str:
    """The features of tile ``zxy`` (its three placeholders, e.g. "$3, $4, $5")."""
    attrs = "a.attributes" if internal else "a.public_attributes"
    envelope = f"ST_Transform(ST_TileEnvelope({zxy}, margin => {BUFFER / EXTENT}), 4326)"
    geom = (f"ST_AsMVTGeom(ST_Transform(a.geom, 3857), ST_TileEnvelope({zxy}), {EXTENT},"
            f" {BUFFER}, true)")
    return (
        f"SELECT {geom} AS geom, a.id::text AS id, a.code, a.name, a.type_code AS type,"
        f" a.status, {attrs} AS attrs FROM asset a"
        f" WHERE a.municipality_id = $1 {type_filter} AND a.status <> 'decommissioned'"
        f" AND a.geom && {envelope}"
    )


def collection_tile_sql(municipality_id: uuid.UUID, collection: str, z: int, x: int, y: int,
                        internal: bool) -> tuple[str, list]:
    """One layer named after the collection. Answers ``known`` and ``mvt`` (NULL or empty
    bytes when no feature lies in the tile)."""
    return (
        "SELECT EXISTS (SELECT 1 FROM asset_type t WHERE t.municipality_id = $1"
        "               AND t.code = $2) AS known,"
        f" (SELECT ST_AsMVT(r, $2, {EXTENT}, 'geom')"
        f" FROM ({_rows(internal, 'AND a.type_code = $2', '$3, $4, $5')}) r"
        "   WHERE r.geom IS NOT NULL) AS mvt",
        [municipality_id, collection, z, x, y],
    )


def combined_tile_sql(municipality_id: uuid.UUID, z: int, x: int, y: int,
                      internal: bool) -> tuple[str, list]:
    """One layer per type (named by its code) with features in the tile; MVT layers are
    independent messages, so the layers are concatenated as bytes."""
    return (
        "SELECT string_agg(layer, ''::bytea ORDER BY type) FROM ("
        f" SELECT r.type, ST_AsMVT(r, r.type, {EXTENT}, 'geom') AS layer"
        f" FROM ({_rows(internal, '', '$2, $3, $4')}) r WHERE r.geom IS NOT NULL"
        " GROUP BY r.type) layers",
        [municipality_id, z, x, y],
    )
