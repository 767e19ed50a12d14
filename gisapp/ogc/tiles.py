"""Vector tiles (OGC API Tiles, Mapbox Vector Tile) in the WebMercatorQuad tile matrix
set, per collection and combined (one layer per type), with TileJSON 3.0 documents.

Empty tiles are cheap: a tile outside the municipality's boundary (plus a margin for
assets a little outside it) is answered without asking the database for features, and
every empty tile is ``204 No Content`` (what OGC API Tiles allows and MapLibre, OpenLayers
and QGIS take as "nothing here"). Tiles carry an ``ETag`` (a hash of their bytes; the bytes
differ by role, so staff and public never share one) and ``Cache-Control``: ``public`` for
the public's tiles, ``private`` for staff tiles, which may hold internal fields.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from fastapi import Request

from gisapp.messages import N_, Message
from gisapp.ogc import params
from gisapp.ogc.collections import Collection, get_collection, list_collections
from gisapp.ogc.context import Place, caller_connection, ogc_transaction
from gisapp.ogc.documents import JSON, MVT, STYLE_JSON, link
from gisapp.ogc.errors import InvalidParameter, OgcNotFound
from gisapp.ogc.tiles_sql import collection_tile_sql, combined_tile_sql

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MAX_ZOOM = 24
# assets may lie a little outside the boundary (tolerance) and tiles have a buffer
BOUNDS_MARGIN_DEG = 0.01
MAX_AGE = 60
_HALF_WORLD = 20037508.3427892


@dataclass
class Tile:
    """A tile answer: bytes (empty: 204), its ETag and caching rules."""

    data: bytes
    etag: str
    cache_control: str


def parse_tile(z: str, x: str, y: str) -> tuple[int, int, int]:
    """Zoom, column, row; 404 for a tile outside the matrix (like any unknown path)."""
    try:
        zi, xi, yi = int(z), int(x), int(y)
    except ValueError:
        raise InvalidParameter(Message(N_("z, x and y must be whole numbers")), field="tile")
    if not 0 <= zi <= MAX_ZOOM:
        raise OgcNotFound(Message(N_("zoom %(zoom)s is outside 0..%(max)s"), zoom=zi,
                                  max=MAX_ZOOM), field="tileMatrix")
    if not (0 <= xi < 2 ** zi and 0 <= yi < 2 ** zi):
        raise OgcNotFound(Message(N_("tile %(tile)s is outside the tile matrix"),
                                  tile=f"{zi}/{xi}/{yi}"), field="tile")
    return zi, xi, yi


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north of a WebMercatorQuad tile in degrees."""
    n = 2 ** z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def outside(place: Place, z: int, x: int, y: int) -> bool:
    """The tile cannot hold an asset of the municipality (known only with a boundary)."""
    if place.bounds is None:
        return False
    w, s, e, n = tile_bounds(z, x, y)
    m = BOUNDS_MARGIN_DEG
    bw, bs, be, bn = place.bounds
    return e < bw - m or w > be + m or n < bs - m or s > bn + m


def _tile(data: bytes | None, internal: bool) -> Tile:
    data = data or b""
    etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
    scope = "private" if internal else "public"
    return Tile(data, etag, f"{scope}, max-age={MAX_AGE}")


async def collection_tile(request: Request, slug: str, collection: str,
                          z: str, x: str, y: str) -> Tile:
    params.check_known(request.query_params, ())
    zi, xi, yi = parse_tile(z, x, y)
    async with caller_connection(request, slug) as (conn, place, internal):
        statement, args = collection_tile_sql(place.id, collection, zi, xi, yi, internal)
        if outside(place, zi, xi, yi):
            # the collection must still exist: one cheap look-up instead of the tile
            statement = "SELECT EXISTS (SELECT 1 FROM asset_type t WHERE t.municipality_id" \
                        " = $1 AND t.code = $2) AS known, NULL::bytea AS mvt"
            args = args[:2]
        row = await conn.fetchrow(statement, *args)
        if not row["known"]:
            raise OgcNotFound(Message(N_("no collection %(code)s"), code=repr(collection)),
                              field="collectionId")
    return _tile(row["mvt"], internal)


async def combined_tile(request: Request, slug: str, z: str, x: str, y: str) -> Tile:
    params.check_known(request.query_params, ())
    zi, xi, yi = parse_tile(z, x, y)
    async with caller_connection(request, slug) as (conn, place, internal):
        data = None
        if not outside(place, zi, xi, yi):
            statement, args = combined_tile_sql(place.id, zi, xi, yi, internal)
            data = await conn.fetchval(statement, *args)
    return _tile(data, internal)


# --- documents --------------------------------------------------------------------------

_FIELD_TYPES = {"string": "String", "number": "Number", "integer": "Number",
                "boolean": "Boolean"}


def _layer(found: Collection, language: str) -> dict:
    fields = {"id": "String", "code": "String", "name": "String", "type": "String",
              "status": "String"}
    for name, spec in found.queryables.items():
        if name not in fields and name not in ("installed_on", "manufacturer", "model",
                                               "external_id", "public"):
            fields[name] = _FIELD_TYPES.get(spec.get("type"), "String")
    return {"id": found.code, "description": found.title(language), "fields": fields,
            "minzoom": 0, "maxzoom": MAX_ZOOM}


def tilejson(root: str, place: Place, found: list[Collection], language: str,
             tiles_url: str, name: str) -> dict:
    """TileJSON 3.0.0 for a tile URL template and the layers it holds."""
    box = place.bounds or (-180.0, -85.0511, 180.0, 85.0511)
    return {
        "tilejson": "3.0.0",
        "name": name,
        "description": f"{name} ({place.name})",
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": list(box),
        "center": [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 14],
        "vector_layers": [_layer(c, language) for c in found],
    }


def tilesets(base: str, title: str) -> dict:
    """The tile sets of a collection or of all (``base`` ends in ``/tiles``)."""
    return {"tilesets": [{
        "title": title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "links": [
            link(f"{base}/{TMS_ID}", "self", JSON, f"{title}, {TMS_ID}"),
            link(f"{base.split('/collections/')[0].rsplit('/tiles', 1)[0]}"
                 f"/tileMatrixSets/{TMS_ID}",
                 "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, TMS_ID),
            link(f"{base}/{TMS_ID}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}", "item", MVT,
                 "tiles", templated=True),
            link(f"{base}/{TMS_ID}/tilejson.json", "describedby", JSON, "TileJSON"),
            link(f"{base}/{TMS_ID}/style.json", "stylesheet", STYLE_JSON,
                 "Style (MapLibre/Mapbox GL)"),
        ],
    }], "links": [link(base, "self", JSON, title)]}


#: what a status looks like on a map: the colour of the ring around a point
_STATUS_RING = ["match", ["get", "status"], "defective", "#c62828", "out_of_service", "#616161",
                "planned", "#1565c0", "#ffffff"]
_POINT_RADIUS = ["interpolate", ["linear"], ["zoom"], 10, 2, 14, 3.5, 18, 7]


def style(place: Place, found: list[Collection], language: str, tiles_url: str,
          name: str) -> dict:
    """A MapLibre/Mapbox GL style (version 8) for these tiles: one layer per type in the
    type's colour, as on the planner map, with defective assets ringed in red. QGIS takes it
    as the "Style URL" of a vector tile connection; MapLibre, OpenLayers (ol-mapbox-style)
    load it as it is. No glyphs or sprites: nothing is fetched from anywhere else."""
    box = place.bounds or (-180.0, -85.0511, 180.0, 85.0511)
    layers: list[dict] = []
    for c in found:
        color = c.color or "#3388ff"
        common = {"source": "gisapp", "source-layer": c.code,
                  "metadata": {"gisapp:title": c.title(language)}}
        if c.geometry_kind == "point":
            layers.append({"id": c.code, "type": "circle", **common, "paint": {
                "circle-color": color, "circle-radius": _POINT_RADIUS,
                "circle-stroke-color": _STATUS_RING, "circle-stroke-width": 1.5}})
        elif c.geometry_kind == "line":
            layers.append({"id": c.code, "type": "line", **common,
                           "layout": {"line-cap": "round", "line-join": "round"},
                           "paint": {"line-color": color, "line-width": 3}})
        else:
            layers.append({"id": c.code, "type": "fill", **common,
                           "paint": {"fill-color": color, "fill-opacity": 0.25}})
            layers.append({"id": f"{c.code}-outline", "type": "line", **common,
                           "paint": {"line-color": color, "line-width": 1.5}})
    return {
        "version": 8,
        "name": name,
        "metadata": {"gisapp:municipality": place.name},
        "center": [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
        "zoom": 14,
        "sources": {"gisapp": {"type": "vector", "tiles": [tiles_url], "minzoom": 0,
                               "maxzoom": MAX_ZOOM, "bounds": list(box)}},
        "layers": layers,
    }


def tileset(base: str, title: str, found: list[Collection], language: str) -> dict:
    """OGC API Tiles tileset metadata of ``base``/WebMercatorQuad."""
    doc = tilesets(base, title)["tilesets"][0]
    doc["layers"] = [{"id": c.code, "title": c.title(language), "dataType": "vector",
                      "geometryDimension": {"point": 0, "line": 1, "polygon": 2}.get(
                          c.geometry_kind, 0)} for c in found]
    return doc


def tile_matrix_set() -> dict:
    """WebMercatorQuad (OGC 17-083r4, annex), zoom 0..MAX_ZOOM, 256-pixel tiles."""
    matrices = []
    for z in range(MAX_ZOOM + 1):
        n = 2 ** z
        cell = 2 * _HALF_WORLD / 256 / n
        matrices.append({
            "id": str(z), "scaleDenominator": cell / 0.00028, "cellSize": cell,
            "cornerOfOrigin": "topLeft", "pointOfOrigin": [-_HALF_WORLD, _HALF_WORLD],
            "tileWidth": 256, "tileHeight": 256, "matrixWidth": n, "matrixHeight": n,
        })
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    }


async def metadata(request: Request, slug: str, collection: str | None):
    """Place and the collections a tile document describes (one, or all)."""
    async with ogc_transaction(request, slug, defer_public=True) as ctx:
        if collection is None:
            found = await list_collections(ctx)
        else:
            found = [await get_collection(ctx, collection)]
    return ctx.place, found
