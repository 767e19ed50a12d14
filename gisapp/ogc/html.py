"""HTML views of the OGC resources (the "HTML" conformance class): the same documents as
the JSON answers, rendered by one template in the page's language. Not the hot path:
features are parsed from the JSON text here."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from gisapp.pages.templating import render

_SHOWN = ("code", "name", "status")


def _page(request: Request, context: dict[str, Any]) -> HTMLResponse:
    response = render(request, "ogc/page.html", {
        "doc_links": [], "collections": None, "features": None, "feature": None,
        "conformance": None, "document": None, "description": "", **context})
    # the documents hold nothing personal beyond what the JSON answer holds
    response.headers["Vary"] = "Accept, Authorization, Cookie"
    return response


def landing(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": doc["title"], "description": doc["description"],
                           "doc_links": doc["links"], "service_url": doc["links"][0]["href"]
                           .split("?")[0]})


def conformance(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": "Conformance", "conformance": doc["conformsTo"],
                           "doc_links": doc["links"]})


def collections(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": "Collections", "collections": doc["collections"],
                           "doc_links": doc["links"]})


def collection(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": doc["title"], "description": doc["description"],
                           "doc_links": doc["links"]})


def document(request: Request, title: str, doc: dict) -> HTMLResponse:
    return _page(request, {"title": title,
                           "document": json.dumps(doc, indent=2, ensure_ascii=False)})


def items(request: Request, doc: dict, collection_id: str) -> HTMLResponse:
    rows = [{"id": f.get("id"), "href": _item_href(request, f.get("id")),
             **{k: f["properties"].get(k) for k in _SHOWN}} for f in doc["features"]]
    return _page(request, {"title": collection_id, "features": rows, "doc_links": doc["links"],
                           "returned": doc.get("numberReturned", len(rows))})


def item(request: Request, doc: dict, collection_id: str) -> HTMLResponse:
    props = {k: v for k, v in sorted(doc.get("properties", {}).items())}
    return _page(request, {"title": f"{collection_id} · {doc.get('id')}", "feature": props,
                           "geometry": json.dumps(doc.get("geometry")),
                           "doc_links": doc.get("links", [])})


def _item_href(request: Request, feature_id: str | None) -> str:
    return f"{request.url.path}/{feature_id}?f=html"
