"""Features of a collection: the items page and single items.

One statement per page (see :mod:`gisapp.ogc.features_sql`); Python checks parameters,
runs it and splices the bytes PostgreSQL wrote into the FeatureCollection with its links
(never decoding them: a page is ~60 KB). An anonymous caller's page is one round trip on
the public pool (:func:`~gisapp.ogc.context.public_connection`); staff, filters and the
HTML view take the general transaction.
Paging is keyset paging by feature id (the asset's random UUID, which never changes):
``next`` carries ``after=<last id>``, ``prev`` carries ``before=<first id>``, so every page
costs the same however deep it is, and a feature added meanwhile moves no other one
between pages. ``numberMatched`` is left out (it would cost a count of the whole result
on every page; OGC makes it optional).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from gisapp import geo
from gisapp.messages import N_, Message
from gisapp.ogc import cql2_filter, crs, params
from gisapp.ogc.collections import get_collection, typed_value
from gisapp.ogc.context import (
    OgcContext,
    anonymous,
    caller_connection,
    ogc_transaction,
    public_connection,
)
from gisapp.ogc.documents import GEOJSON, HTML, JSON, link
from gisapp.ogc.errors import InvalidParameter, OgcNotFound, UnknownParameter
from gisapp.ogc.features_sql import (
    PUBLIC_FILTER_COLUMNS,
    STAFF_FILTER_COLUMNS,
    ItemsQuery,
    item_sql,
)

ITEMS_PARAMETERS = frozenset({"limit", "bbox", "bbox-crs", "crs", "datetime", "after", "before",
                              "filter", "filter-lang", "filter-crs"})
ITEM_PARAMETERS = frozenset({"crs"})


@dataclass
class Page:
    """An items answer: the GeoJSON document (UTF-8) and what the HTML view needs."""

    body: bytes
    content_crs: str
    returned: int


def _bbox_in_storage(request: Request, place_crs: int) -> tuple[float, ...] | None:
    q = request.query_params
    box = params.bbox(q.get("bbox"))
    if box is None:
        return None
    given = crs.parse(q.get("bbox-crs"), place_crs, "bbox-crs")
    if given.swap_axes:  # the CRS's own axis order: (lat, lon) / (northing, easting)
        box = (box[1], box[0], box[3], box[2])
    return geo.bbox_to_storage(box, given.srid, field="bbox")


async def _filters(ctx: OgcContext, collection: str, extra: list[str],
                   request: Request) -> tuple[dict, dict, cql2_filter.Filter | None]:
    """Column and attribute filters from the queryables, and the CQL2 filter; 400 for
    anything else."""
    found = await get_collection(ctx, collection)
    columns = STAFF_FILTER_COLUMNS if ctx.internal else PUBLIC_FILTER_COLUMNS
    q = request.query_params
    cql = None
    if q.get("filter") is not None:
        cql = cql2_filter.build(q["filter"], q.get("filter-lang"), q.get("filter-crs"),
                                ctx.place.working_crs, found.queryables, columns, ctx.internal)
    by_column, by_attribute = {}, {}
    for name in extra:
        spec = found.queryables.get(name)
        if spec is None:
            raise UnknownParameter(Message(
                N_("unknown query parameter %(name)s; see %(collection)s/queryables for the "
                   "properties to filter by"), name=repr(name), collection=collection),
                field=name)
        value = typed_value(name, spec, request.query_params[name])
        (by_column if name in columns else by_attribute)[name] = value
    return by_column, by_attribute, cql


def _page_links(request: Request, row, query: ItemsQuery) -> list[dict]:
    url = request.url.remove_query_params(["after", "before"])
    media = GEOJSON
    links = [link(str(request.url), "self", media, N_("this page")),
             link(str(request.url.include_query_params(f="html")), "alternate", HTML,
                  "this page (HTML)")]
    more = row["fetched"] > query.limit
    has_next = more if not query.before else True
    has_prev = (query.after is not None) if not query.before else more
    if row["returned"] and has_next:
        links.append(link(str(url.include_query_params(after=row["last_id"])), "next",
                          media, N_("next page")))
    if row["returned"] and has_prev:
        links.append(link(str(url.include_query_params(before=row["first_id"])), "prev",
                          media, N_("previous page")))
    base = str(request.base_url).rstrip("/")
    links.append(link(f"{base}{request.url.path.rsplit('/items', 1)[0]}", "collection", JSON,
                      N_("the collection")))
    return links


async def items_page(request: Request, slug: str, collection: str, *,
                     as_html: bool = False) -> Page:
    """One page of features as GeoJSON text (404 for an unknown collection)."""
    q = request.query_params
    extra = [k for k in q.keys() if k not in ITEMS_PARAMETERS and k not in params.COMMON]
    params.check_known(q, [*ITEMS_PARAMETERS, *extra])
    limit = params.limit(q)
    after, before = params.cursor(q, "after"), params.cursor(q, "before")
    if after and before:
        raise InvalidParameter(Message(N_("give after or before, not both")), field="before")
    interval = params.datetime_interval(q.get("datetime"))
    # filters need the collection's queryables (the schemas): the general transaction
    filtered = bool(extra) or q.get("filter") is not None
    if not (filtered or as_html) and anonymous(request):
        async with public_connection(request, slug) as (conn, place):
            out = crs.parse(q.get("crs"), place.working_crs, "crs")
            box = _bbox_in_storage(request, place.working_crs)
            query = ItemsQuery(place.id, collection, False, out, limit, after=after,
                               before=before, bbox=box, interval=interval)
            statement, args = query.sql()
            return _page(request, await conn.fetchrow(statement, *args), query)
    async with ogc_transaction(request, slug, defer_public=filtered) as ctx:
        out = crs.parse(q.get("crs"), ctx.place.working_crs, "crs")
        box = _bbox_in_storage(request, ctx.place.working_crs)
        by_column, by_attribute, cql = {}, {}, None
        if filtered:
            by_column, by_attribute, cql = await _filters(ctx, collection, extra, request)
            await ctx.become_public()
        query = ItemsQuery(
            ctx.place.id, collection, ctx.internal, out, limit, after=after, before=before,
            bbox=box, interval=interval, columns=by_column, attributes=by_attribute,
            statuses_given="status" in by_column or bool(cql and "status" in cql.names()),
            cql=cql)
        statement, args = query.sql()
        row = await (await ctx.conn()).fetchrow(statement, *args)
    return _page(request, row, query)


def _page(request: Request, row, query: ItemsQuery) -> Page:
    """The FeatureCollection around the features PostgreSQL wrote."""
    if not row["known"]:
        raise OgcNotFound(Message(N_("no collection %(code)s"), code=repr(query.collection)),
                          field="collectionId")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tail = (f'],"numberReturned":{row["returned"]},"timeStamp":"{stamp}","links":'
            f'{json.dumps(_page_links(request, row, query))}}}')
    body = b"".join((b'{"type":"FeatureCollection","features":[', row["body"] or b"",
                     tail.encode()))
    return Page(body, query.out.header, row["returned"])


async def item(request: Request, slug: str, collection: str, feature_id: str) -> Page:
    """One feature as GeoJSON text, or 404."""
    q = request.query_params
    params.check_known(q, ITEM_PARAMETERS)
    try:
        fid = uuid.UUID(feature_id)
    except ValueError:
        raise OgcNotFound(Message(N_("no feature %(id)s"), id=repr(feature_id)),
                          field="featureId")
    async with caller_connection(request, slug) as (conn, place, internal):
        out = crs.parse(q.get("crs"), place.working_crs, "crs")
        statement, args = item_sql(place.id, collection, fid, out, internal)
        text = await conn.fetchval(statement, *args)
    if text is None:
        raise OgcNotFound(Message(N_("no feature %(id)s in %(code)s"), id=repr(feature_id),
                                  code=repr(collection)), field="featureId")
    base = str(request.base_url).rstrip("/")
    coll_url = f"{base}/ogc/{slug}/collections/{collection}"
    links = [link(str(request.url), "self", GEOJSON, N_("this feature")),
             link(str(request.url.include_query_params(f="html")), "alternate", HTML,
                  "this feature (HTML)"),
             link(coll_url, "collection", JSON, N_("the collection"))]
    return Page((text[:-1] + ',"links":' + json.dumps(links) + "}").encode(), out.header, 1)
