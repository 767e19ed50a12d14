"""Routes of the OGC service under ``/ogc/{municipality}``: thin, they check the format
and hand over to the modules that build the answers. Not in the app's OpenAPI 3.1
description: the service describes itself in OpenAPI 3.0 at ``/ogc/{m}/api``.

Routes take the request and path strings only (no dependency chain): the items and tile
routes are the hot path of every GIS client.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from gisapp.ogc import documents, html, items, tiles
from gisapp.ogc.collections import get_collection, list_collections
from gisapp.ogc.context import ogc_transaction
from gisapp.ogc.documents import GEOJSON, JSON, MVT, OPENAPI_JSON, SCHEMA_JSON, STYLE_JSON
from gisapp.ogc.errors import OgcError
from gisapp.ogc.openapi import openapi
from gisapp.ogc.params import check_known, wants_html
from gisapp.pages.templating import page_language


class OgcRoute(APIRoute):
    """A route of the service: HTML or JSON by ``f`` or the Accept header, errors too."""

    def html_wanted(self, request: Request) -> bool:
        try:
            return wants_html(request.query_params, request.headers.get("accept"))
        except OgcError:
            return False  # f=xml: refused in JSON, which every client reads


router = APIRouter(prefix="/ogc/{municipality}", include_in_schema=False, tags=["ogc"],
                   route_class=OgcRoute)
VARY = "Accept, Authorization, Cookie"


def _root(request: Request, slug: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/ogc/{slug}"


def _json(doc: Any, media: str = JSON, **headers: str) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False, default=str), media_type=media,
                    headers={"Vary": VARY, **headers})


def _is_html(request: Request, allowed=()) -> bool:
    check_known(request.query_params, allowed)
    return wants_html(request.query_params, request.headers.get("accept"))


# --- the hot paths first: routes are matched in the order they are declared ------------

@router.get("/collections/{collection}/items")
async def collection_items(request: Request, municipality: str, collection: str):
    as_html = wants_html(request.query_params, request.headers.get("accept"))
    page = await items.items_page(request, municipality, collection, as_html=as_html)
    if as_html:
        found = await _collection(request, municipality, collection)
        return html.items(request, json.loads(page.body), found.title(page_language(request)))
    return Response(page.body, media_type=GEOJSON,
                    headers={"Content-Crs": page.content_crs, "Vary": VARY})


@router.get("/collections/{collection}/items/{feature_id}")
async def collection_item(request: Request, municipality: str, collection: str,
                          feature_id: str):
    as_html = wants_html(request.query_params, request.headers.get("accept"))
    page = await items.item(request, municipality, collection, feature_id)
    if as_html:
        found = await _collection(request, municipality, collection)
        return html.item(request, json.loads(page.body), found)
    return Response(page.body, media_type=GEOJSON,
                    headers={"Content-Crs": page.content_crs, "Vary": VARY})


async def _collection(request: Request, municipality: str, collection: str):
    """The collection as the caller sees it, for the HTML views of its features (its title
    and the formats of its properties; one more small transaction, JSON answers do not
    need it)."""
    async with ogc_transaction(request, municipality, defer_public=True) as ctx:
        return await get_collection(ctx, collection)


def _tile_response(request: Request, tile: tiles.Tile) -> Response:
    headers = {"ETag": tile.etag, "Cache-Control": tile.cache_control, "Vary": VARY}
    if request.headers.get("if-none-match") in (tile.etag, f"W/{tile.etag}", "*"):
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=MVT, headers=headers)


@router.get("/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}")
async def collection_tile(request: Request, municipality: str, collection: str,
                          z: str, x: str, y: str):
    tile = await tiles.collection_tile(request, municipality, collection, z, x, y)
    return _tile_response(request, tile)


@router.get("/tiles/WebMercatorQuad/{z}/{x}/{y}")
async def combined_tile(request: Request, municipality: str, z: str, x: str, y: str):
    return _tile_response(request, await tiles.combined_tile(request, municipality, z, x, y))


# --- documents ---------------------------------------------------------------------------

@router.get("")
@router.get("/")
async def landing(request: Request, municipality: str):
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality) as ctx:
        place = ctx.place
    doc = documents.landing(_root(request, municipality), place, as_html)
    return html.landing(request, doc, place.name) if as_html else _json(doc)


@router.get("/conformance")
async def conformance(request: Request, municipality: str):
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality):
        pass  # 404 for an unknown municipality
    doc = documents.conformance(_root(request, municipality), as_html)
    return html.conformance(request, doc) if as_html else _json(doc)


@router.get("/api")
async def api(request: Request, municipality: str):
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality, defer_public=True) as ctx:
        found = await list_collections(ctx)
    doc = openapi(_root(request, municipality), ctx.place, found)
    return html.document(request, doc["info"]["title"], doc) if as_html \
        else _json(doc, OPENAPI_JSON)


@router.get("/collections")
async def collections(request: Request, municipality: str):
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality, defer_public=True) as ctx:
        found = await list_collections(ctx)
    doc = documents.collections(_root(request, municipality), ctx.place, found,
                                page_language(request), as_html)
    return html.collections(request, doc) if as_html else _json(doc)


@router.get("/collections/{collection}")
async def collection(request: Request, municipality: str, collection: str):
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality, defer_public=True) as ctx:
        found = await get_collection(ctx, collection)
    doc = documents.collection(_root(request, municipality), ctx.place, found,
                               page_language(request), as_html)
    return html.collection(request, doc) if as_html else _json(doc)


async def _json_schema(request: Request, municipality: str, collection: str, build) -> Response:
    as_html = _is_html(request)
    async with ogc_transaction(request, municipality, defer_public=True) as ctx:
        found = await get_collection(ctx, collection)
    doc = build(_root(request, municipality), found, page_language(request))
    return html.document(request, doc["title"], doc) if as_html else _json(doc, SCHEMA_JSON)


@router.get("/collections/{collection}/queryables")
async def queryables(request: Request, municipality: str, collection: str):
    return await _json_schema(request, municipality, collection, documents.queryables)


@router.get("/collections/{collection}/schema")
async def schema(request: Request, municipality: str, collection: str):
    return await _json_schema(request, municipality, collection, documents.schema)


@router.get("/collections/{collection}/feature.schema.json")
async def feature_schema(request: Request, municipality: str, collection: str):
    return await _json_schema(request, municipality, collection, documents.feature_schema)


# --- tile documents ---------------------------------------------------------------------

@router.get("/collections/{collection}/tiles")
async def collection_tilesets(request: Request, municipality: str, collection: str):
    check_known(request.query_params, ())
    place, found = await tiles.metadata(request, municipality, collection)
    base = f"{_root(request, municipality)}/collections/{collection}/tiles"
    return _json(tiles.tilesets(base, found[0].title(page_language(request))))


@router.get("/collections/{collection}/tiles/WebMercatorQuad")
async def collection_tileset(request: Request, municipality: str, collection: str):
    check_known(request.query_params, ())
    place, found = await tiles.metadata(request, municipality, collection)
    base = f"{_root(request, municipality)}/collections/{collection}/tiles"
    return _json(tiles.tileset(base, found[0].title(page_language(request)), found,
                               page_language(request)))


async def _tile_source(request: Request, municipality: str, collection: str | None):
    """What TileJSON and the style describe: the place, the collections (one, or all), the
    tiles' URL template, the page's language and the name of the tile set."""
    check_known(request.query_params, ())
    place, found = await tiles.metadata(request, municipality, collection)
    where = f"/collections/{collection}" if collection else ""
    template = f"{_root(request, municipality)}{where}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
    language = page_language(request)
    return place, found, template, language, found[0].title(language) if collection else place.name


@router.get("/collections/{collection}/tiles/WebMercatorQuad/tilejson.json")
async def collection_tilejson(request: Request, municipality: str, collection: str):
    place, found, template, language, name = await _tile_source(request, municipality, collection)
    return _json(tiles.tilejson(_root(request, municipality), place, found, language, template,
                                name))


@router.get("/collections/{collection}/tiles/WebMercatorQuad/style.json")
async def collection_style(request: Request, municipality: str, collection: str):
    place, found, template, language, name = await _tile_source(request, municipality, collection)
    return _json(tiles.style(place, found, language, template, name), STYLE_JSON)


@router.get("/tiles")
async def all_tilesets(request: Request, municipality: str):
    check_known(request.query_params, ())
    place, _ = await tiles.metadata(request, municipality, None)
    return _json(tiles.tilesets(f"{_root(request, municipality)}/tiles", place.name))


@router.get("/tiles/WebMercatorQuad")
async def all_tileset(request: Request, municipality: str):
    check_known(request.query_params, ())
    place, found = await tiles.metadata(request, municipality, None)
    return _json(tiles.tileset(f"{_root(request, municipality)}/tiles", place.name, found,
                               page_language(request)))


@router.get("/tiles/WebMercatorQuad/tilejson.json")
async def all_tilejson(request: Request, municipality: str):
    place, found, template, language, name = await _tile_source(request, municipality, None)
    return _json(tiles.tilejson(_root(request, municipality), place, found, language, template,
                                name))


@router.get("/tiles/WebMercatorQuad/style.json")
async def all_style(request: Request, municipality: str):
    place, found, template, language, name = await _tile_source(request, municipality, None)
    return _json(tiles.style(place, found, language, template, name), STYLE_JSON)


@router.get("/tileMatrixSets")
async def tile_matrix_sets(request: Request, municipality: str):
    check_known(request.query_params, ())
    async with ogc_transaction(request, municipality):
        pass
    url = f"{_root(request, municipality)}/tileMatrixSets"
    return _json({"tileMatrixSets": [{
        "id": tiles.TMS_ID, "title": "Google Maps Compatible for the World",
        "uri": tiles.TMS_URI,
        "links": [documents.link(f"{url}/{tiles.TMS_ID}", "self", JSON, tiles.TMS_ID)]}],
        "links": [documents.link(url, "self", JSON, "Tile matrix sets")]})


@router.get("/tileMatrixSets/WebMercatorQuad")
async def tile_matrix_set(request: Request, municipality: str):
    check_known(request.query_params, ())
    async with ogc_transaction(request, municipality):
        pass
    return _json(tiles.tile_matrix_set())
