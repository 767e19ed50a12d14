"""The OpenAPI 3.0 definition of one municipality's OGC service (``/ogc/{m}/api``).

FastAPI describes the app in OpenAPI 3.1; OGC API Features' "OpenAPI 3.0" conformance
class and clients that read it (GDAL reads the ``limit`` maximum from it) want 3.0, so this
sub-API is described here, by hand, from the same constants the routes use.
"""

from __future__ import annotations

from typing import Any

from gisapp import __version__
from gisapp.ogc import cql2_filter, crs, params
from gisapp.ogc.collections import Collection
from gisapp.ogc.context import Place
from gisapp.ogc.documents import GEOJSON, HTML, JSON, MVT, OPENAPI_JSON, SCHEMA_JSON, STYLE_JSON

_ERROR = {"type": "object", "required": ["code", "description"], "properties": {
    "code": {"type": "string"}, "description": {"type": "string"},
    "error": {"type": "string"},
    "detail": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "reason": {"type": "string"}}}}}}
_LINK = {"type": "object", "required": ["href", "rel"], "properties": {
    "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
    "title": {"type": "string"}, "templated": {"type": "boolean"}}}


def _param(name: str, where: str, schema: dict, description: str, *,
           required: bool = False, explode: bool | None = None) -> dict[str, Any]:
    found = {"name": name, "in": where, "required": required or where == "path",
             "description": description, "schema": schema}
    if explode is not None:
        found.update(style="form", explode=explode)
    return found


def _ok(description: str, *media: str, schema: dict | None = None) -> dict[str, Any]:
    body = {m: {"schema": schema or {"type": "object"}} for m in media}
    return {"200": {"description": description, "content": body},
            "400": {"$ref": "#/components/responses/InvalidParameter"},
            "404": {"$ref": "#/components/responses/NotFound"}}


def _get(summary: str, op_id: str, responses: dict, *parameters: dict) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": op_id,
                    "parameters": [{"$ref": "#/components/parameters/f"}, *parameters],
                    "responses": responses}}


def openapi(root: str, place: Place, collections: list[Collection]) -> dict[str, Any]:
    """The document; collection ids are listed as the enum of ``collectionId``."""
    ids = [c.code for c in collections]
    cid = _param("collectionId", "path", {"type": "string", "enum": ids}, "An asset type code")
    fid = _param("featureId", "path", {"type": "string", "format": "uuid"}, "A feature's id")
    zxy = [_param(n, "path", {"type": "integer", "minimum": 0}, d) for n, d in (
        ("z", "zoom level (tile matrix)"), ("x", "column"), ("y", "row"))]
    crs_param = _param("crs", "query", {"type": "string", "format": "uri",
                                        "enum": crs.offered(place.working_crs)},
                       "CRS of the geometries in the answer (default CRS84)")
    tile = {"200": {"description": "A Mapbox vector tile", "content": {MVT: {"schema": {
        "type": "string", "format": "binary"}}}},
        "204": {"description": "No feature in this tile"},
        "304": {"description": "Not modified (If-None-Match)"},
        "404": {"$ref": "#/components/responses/NotFound"}}
    items_params = [
        cid,
        _param("limit", "query", {"type": "integer", "minimum": 1,
                                  "maximum": params.MAX_LIMIT,
                                  "default": params.DEFAULT_LIMIT},
               "Features per page; larger values are reduced to the maximum", explode=False),
        _param("bbox", "query", {"type": "array", "minItems": 4, "maxItems": 6,
                                 "items": {"type": "number"}},
               "Lower left and upper right corner, in bbox-crs (default CRS84)", explode=False),
        _param("bbox-crs", "query", {"type": "string", "format": "uri",
                                     "enum": crs.offered(place.working_crs)},
               "CRS of bbox, in its own axis order"),
        crs_param,
        _param("datetime", "query", {"type": "string"},
               "Last change (RFC 3339 instant or interval, e.g. 2024-01-01T00:00:00Z/..)",
               explode=False),
        _param("filter", "query", {"type": "string", "maxLength": cql2_filter.MAX_CHARS},
               "CQL2 filter (Part 3): the queryables and geometry with and/or/not, "
               "= <> < <= > >=, IS NULL, LIKE, BETWEEN, IN, S_INTERSECTS"),
        _param("filter-lang", "query", {"type": "string", "enum": list(cql2_filter.LANGUAGES),
                                        "default": "cql2-text"}, "Language of filter"),
        _param("filter-crs", "query", {"type": "string", "format": "uri",
                                       "enum": crs.offered(place.working_crs)},
               "CRS of the geometries in filter, in its own axis order (default CRS84)"),
        _param("after", "query", {"type": "string", "format": "uuid"},
               "Paging cursor of the next link"),
        _param("before", "query", {"type": "string", "format": "uuid"},
               "Paging cursor of the prev link"),
    ]
    paths = {
        "/": _get("Landing page", "getLandingPage", _ok("Links", JSON, HTML)),
        "/conformance": _get("Conformance classes", "getConformanceDeclaration",
                             _ok("Conformance classes", JSON, HTML)),
        "/api": _get("This API definition", "getAPI", _ok("OpenAPI 3.0", OPENAPI_JSON, HTML)),
        "/collections": _get("Collections (asset types)", "getCollections",
                             _ok("Collections", JSON, HTML)),
        "/collections/{collectionId}": _get("One collection", "describeCollection",
                                            _ok("Collection", JSON, HTML), cid),
        "/collections/{collectionId}/queryables": _get(
            "Properties to filter by (as query parameters name=value)", "getQueryables",
            _ok("JSON Schema", SCHEMA_JSON), cid),
        "/collections/{collectionId}/schema": _get(
            "Every property of the features, with the geometry's type", "getSchema",
            _ok("JSON Schema", SCHEMA_JSON), cid),
        "/collections/{collectionId}/feature.schema.json": _get(
            "JSON Schema of one GeoJSON feature (describedby), for clients that read a "
            "layer's fields from it", "getFeatureSchema", _ok("JSON Schema", SCHEMA_JSON), cid),
        "/collections/{collectionId}/items": _get(
            "Features of a collection; filter by the queryables (name=value) or by CQL2",
            "getFeatures", _ok("A page of features", GEOJSON, HTML,
                               schema={"$ref": "#/components/schemas/FeatureCollection"}),
            *items_params),
        "/collections/{collectionId}/items/{featureId}": _get(
            "One feature", "getFeature", _ok("A feature", GEOJSON, HTML), cid, fid, crs_param),
        "/collections/{collectionId}/tiles": _get("Vector tile sets of a collection",
                                                  "getCollectionTileSets", _ok("Tile sets", JSON), cid),
        "/collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json": _get(
            "TileJSON 3.0 of a collection", "getCollectionTileJSON", _ok("TileJSON", JSON), cid),
        "/collections/{collectionId}/tiles/WebMercatorQuad/style.json": _get(
            "MapLibre/Mapbox GL style of a collection's tiles", "getCollectionStyle",
            _ok("Style", STYLE_JSON), cid),
        "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{x}/{y}": {"get": {
            "summary": "A vector tile of a collection", "operationId": "getCollectionTile",
            "parameters": [cid, *zxy], "responses": tile}},
        "/tiles": _get("Vector tile sets of all collections", "getTileSets",
                       _ok("Tile sets", JSON)),
        "/tiles/WebMercatorQuad/tilejson.json": _get("TileJSON 3.0, one layer per type",
                                                     "getTileJSON", _ok("TileJSON", JSON)),
        "/tiles/WebMercatorQuad/style.json": _get(
            "MapLibre/Mapbox GL style, one layer per type in its colour", "getStyle",
            _ok("Style", STYLE_JSON)),
        "/tiles/WebMercatorQuad/{z}/{x}/{y}": {"get": {
            "summary": "A vector tile with one layer per collection", "operationId": "getTile",
            "parameters": zxy, "responses": tile}},
        "/tileMatrixSets": _get("Tile matrix sets", "getTileMatrixSets",
                                _ok("Tile matrix sets", JSON)),
        "/tileMatrixSets/WebMercatorQuad": _get("WebMercatorQuad", "getTileMatrixSet",
                                                _ok("Tile matrix set", JSON)),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": f"gisapp OGC API · {place.name}", "version": __version__,
                 "description": "OGC API Features (Core, GeoJSON, HTML, OpenAPI 3.0, CRS by "
                                "reference, queryables) and vector tiles of one municipality. "
                                "Send an API token (Authorization: Bearer gat_…) to see "
                                "internal fields; without one, public data only.",
                 "license": {"name": "AGPL-3.0-or-later"}},
        "servers": [{"url": root}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {"f": _param("f", "query", {"type": "string", "enum": ["json", "html"]},
                                       "Format (default: by Accept header, else JSON)")},
            "responses": {
                "InvalidParameter": {"description": "Unknown or invalid parameter",
                                     "content": {JSON: {"schema": _ERROR}}},
                "NotFound": {"description": "No such resource",
                             "content": {JSON: {"schema": _ERROR}}},
            },
            "schemas": {"FeatureCollection": {"type": "object", "required": ["type", "features"],
                "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                               "features": {"type": "array", "items": {"type": "object"}},
                               "numberReturned": {"type": "integer"},
                               "timeStamp": {"type": "string", "format": "date-time"},
                               "links": {"type": "array", "items": _LINK}}}},
        },
        "security": [{}, {"bearer": []}],
        "paths": paths,
    }
