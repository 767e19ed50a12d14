"""The JSON documents of the service's metadata resources: landing page, conformance,
collections, one collection, queryables, schema. Plain dicts with absolute links.

Link titles are English in the JSON (``N_`` marks them); the HTML view shows them in the
page's language (:mod:`gisapp.ogc.html`)."""

from __future__ import annotations

from typing import Any

from gisapp.messages import N_
from gisapp.ogc import cql2_filter, crs
from gisapp.ogc.collections import Collection, geometry_format
from gisapp.ogc.context import Place

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
STYLE_JSON = "application/vnd.mapbox.style+json"  # OGC API Styles' name for it
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    *cql2_filter.CONFORMANCE,
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilejson",
]
WORLD = (-180.0, -90.0, 180.0, 90.0)


def link(href: str, rel: str, media: str, title: str | None = None,
         **extra: Any) -> dict[str, Any]:
    found = {"href": href, "rel": rel, "type": media}
    if title:
        found["title"] = title
    found.update(extra)
    return found


def self_links(url: str, html: bool, title: str) -> list[dict[str, Any]]:
    """``self`` and the ``alternate`` in the other format (f=json|html)."""
    base = url.split("?")[0]
    json_link = link(f"{base}?f=json", "self" if not html else "alternate", JSON,
                     f"{title} (JSON)")
    html_link = link(f"{base}?f=html", "self" if html else "alternate", HTML,
                     f"{title} (HTML)")
    return [json_link, html_link] if not html else [html_link, json_link]


def landing(root: str, place: Place, html: bool) -> dict[str, Any]:
    title = f"gisapp · {place.name}"
    return {
        "title": title,
        "description": f"Infrastructure inventory of {place.name}: OGC API Features "
                       "(one collection per asset type) and vector tiles.",
        "links": [
            *self_links(root, html, N_("Landing page")),
            link(f"{root}/api", "service-desc", OPENAPI_JSON, N_("OpenAPI 3.0 definition")),
            link(f"{root}/api?f=html", "service-doc", HTML, N_("API documentation")),
            link(f"{root}/conformance", "conformance", JSON, N_("Conformance classes")),
            link(f"{root}/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                 JSON, N_("Conformance classes")),
            link(f"{root}/collections", "data", JSON, N_("Collections")),
            link(f"{root}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", JSON,
                 N_("Collections")),
            link(f"{root}/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                 JSON, N_("Tile matrix sets")),
            link(f"{root}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                 JSON, N_("Vector tiles of all collections")),
        ],
    }


def conformance(root: str, html: bool) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE,
            "links": self_links(f"{root}/conformance", html, N_("Conformance classes"))}


def extent(place: Place) -> dict[str, Any]:
    box = place.bounds or WORLD
    return {"spatial": {"bbox": [list(box)], "crs": crs.CRS84}}


def collection(root: str, place: Place, found: Collection, language: str,
               html: bool, with_self: bool = True) -> dict[str, Any]:
    url = f"{root}/collections/{found.code}"
    links = self_links(url, html, found.title(language)) if with_self else [
        link(url, "self", JSON, found.title(language))]
    links += [
        link(f"{url}/items", "items", GEOJSON, "Features (GeoJSON)"),
        link(f"{url}/items?f=html", "items", HTML, "Features (HTML)"),
        link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             SCHEMA_JSON, N_("Queryables")),
        link(f"{url}/schema", "http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA_JSON,
             N_("Schema of the features")),
        link(f"{url}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON,
             N_("Vector tiles")),
        link(f"{url}/tiles/WebMercatorQuad/tilejson.json", "describedby", JSON, "TileJSON"),
        link(f"{url}/feature.schema.json", "describedby", SCHEMA_JSON,
             N_("Schema of a feature (GeoJSON)")),
        # the same again for older GDAL (Debian 12's 3.6), which compares the relation
        # case-sensitively with "describedBy" (RFC 8288 compares relations without case)
        link(f"{url}/feature.schema.json", "describedBy", SCHEMA_JSON,
             N_("Schema of a feature (GeoJSON)")),
    ]
    return {
        "id": found.code,
        "title": found.title(language),
        "description": f"{found.title(language)} ({place.name})",
        "itemType": "feature",
        "extent": extent(place),
        "crs": crs.offered(place.working_crs),
        "storageCrs": crs.CRS84,
        "links": links,
    }


def collections(root: str, place: Place, found: list[Collection], language: str,
                html: bool) -> dict[str, Any]:
    return {
        "links": self_links(f"{root}/collections", html, N_("Collections")),
        "crs": crs.offered(place.working_crs),
        "collections": [collection(root, place, c, language, html, with_self=False)
                        for c in found],
    }


def queryables(root: str, found: Collection, language: str) -> dict[str, Any]:
    url = f"{root}/collections/{found.code}/queryables"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": found.title(language),
        # the geometry: by bbox, or in a CQL2 filter (S_INTERSECTS); not as name=value
        "properties": {**found.queryables,
                       "geometry": {"x-ogc-role": "primary-geometry",
                                    "format": geometry_format(found.geometry_kind)}},
        "additionalProperties": False,
    }


_GEOJSON_TYPES = {"point": "Point", "line": "LineString", "polygon": "Polygon"}


def feature_schema(root: str, found: Collection, language: str) -> dict[str, Any]:
    """The same properties as :func:`schema`, as the JSON Schema of one GeoJSON feature
    (``describedby``). GDAL's OAPIF driver (so QGIS through GDAL) takes a layer's field
    types from this form only; without it, it guesses them from the first page, and a
    ``number`` whose first values happen to be whole becomes an integer field that cuts
    off 32.5 W to 32."""
    url = f"{root}/collections/{found.code}/feature.schema.json"
    kind = _GEOJSON_TYPES.get(found.geometry_kind, "Point")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "title": found.title(language),
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string", "format": "uuid"},
            "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                "type": {"type": "string", "enum": [kind, f"Multi{kind}"]},
                "coordinates": {"type": "array"}}},
            "properties": {"type": "object", "properties": found.properties},
        },
    }


def schema(root: str, found: Collection, language: str) -> dict[str, Any]:
    """Every property of the collection's features as the caller gets them, the geometry
    and the id with their roles (OGC API Features Part 5), so that a client knows a
    layer's fields and geometry type before it holds a feature (an empty layer too)."""
    url = f"{root}/collections/{found.code}/schema"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": found.title(language),
        "properties": {
            "id": {"type": "string", "format": "uuid", "x-ogc-role": "id", "readOnly": True},
            "geometry": {"x-ogc-role": "primary-geometry",
                         "format": geometry_format(found.geometry_kind)},
            **found.properties,
        },
    }
