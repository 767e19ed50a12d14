"""HTML views of the OGC resources (the "HTML" conformance class): the same documents as
the JSON answers, rendered by one template in the page's language. Not the hot path:
features are parsed from the JSON text here.

The JSON keeps OGC's English link titles for programs; here they, the page titles and the
features' status are shown in the reader's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse

from gisapp import i18n
from gisapp.asset_types.attribute_labels import AttributeLabels, attribute_labels, column_label
from gisapp.assets.labels import STATUS_LABELS
from gisapp.ogc.collections import Collection
from gisapp.pages.templating import gettext, page_language, render

_SHOWN = ("code", "name", "status")
#: a link title with its format in brackets: "Landing page (JSON)"
_WITH_FORMAT = re.compile(r"^(?P<title>.+) \((?P<format>JSON|HTML|GeoJSON)\)$")


def _title(text: str, _: Callable[[str], str]) -> str:
    """A link title in the page's language; the format in brackets stays as it is. A title
    translated as a whole ("Schema of a feature (GeoJSON)") is taken as it is."""
    if (whole := _(text)) != text:
        return whole
    match = _WITH_FORMAT.match(text)
    return f"{_(match['title'])} ({match['format']})" if match else _(text)


def _page(request: Request, context: dict[str, Any]) -> HTMLResponse:
    _ = gettext(request)
    links, seen = [], set()
    for link in context.pop("doc_links", []):
        key = (link["href"], link.get("type"), link["rel"].lower())
        if key in seen:
            continue  # the same link under another spelling of its relation (for old GDAL)
        seen.add(key)
        links.append({**link, "title": _title(link["title"], _)} if link.get("title") else link)
    response = render(request, "ogc/page.html", {
        "collections": None, "features": None, "feature": None, "conformance": None,
        "document": None, "description": "", **context, "doc_links": links})
    # the documents hold nothing personal beyond what the JSON answer holds
    response.headers["Vary"] = "Accept, Authorization, Cookie"
    return response


def landing(request: Request, doc: dict, place_name: str) -> HTMLResponse:
    _ = gettext(request)
    description = _("Infrastructure inventory of %(name)s: OGC API Features (one collection "
                    "per asset type) and vector tiles.") % {"name": place_name}
    return _page(request, {"title": doc["title"], "description": description,
                           "doc_links": doc["links"], "service_url": doc["links"][0]["href"]
                           .split("?")[0]})


def conformance(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": gettext(request)("Conformance classes"),
                           "conformance": doc["conformsTo"], "doc_links": doc["links"]})


def collections(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": gettext(request)("Collections"),
                           "collections": doc["collections"], "doc_links": doc["links"]})


def collection(request: Request, doc: dict) -> HTMLResponse:
    return _page(request, {"title": doc["title"], "description": doc["description"],
                           "doc_links": doc["links"]})


def document(request: Request, title: str, doc: dict) -> HTMLResponse:
    return _page(request, {"title": title,
                           "document": json.dumps(doc, indent=2, ensure_ascii=False)})


def items(request: Request, doc: dict, collection_title: str) -> HTMLResponse:
    _ = gettext(request)
    rows = [{"id": f.get("id"), "href": _item_href(request, f.get("id")),
             **{k: _shown(k, f["properties"].get(k), _) for k in _SHOWN}}
            for f in doc["features"]]
    by_rel = {link["rel"]: link["href"] for link in doc["links"]}
    return _page(request, {"title": collection_title, "features": rows,
                           "doc_links": doc["links"],
                           "returned": doc.get("numberReturned", len(rows)),
                           "pages": {rel: _as_html(by_rel[rel])
                                     for rel in ("prev", "next") if rel in by_rel}})


def _as_html(href: str) -> str:
    """The same page as HTML: the document's paging links ask for JSON (``f=json``), where a
    reader paging through the HTML view would otherwise land."""
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "f"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("f", "html")])))


def _shown(key: str, value: Any, _: Callable[[str], str]) -> Any:
    """The status and yes/no in words (the list of features shows only these)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "status" and (label := STATUS_LABELS.get(value)):
        return _(label)
    return value


@dataclass(frozen=True)
class _Reader:
    """How one feature's values read on its page, in the page's language."""

    language: str
    gettext: Callable[[str], str]
    labels: AttributeLabels
    found: Collection

    def value(self, key: str, value: Any) -> str:
        """Words for codes (status, type, yes/no, the choices of built-in attributes),
        dates and numbers as the language writes them, lists one after the other."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool) or key == "status":
            return str(_shown(key, value, self.gettext))
        if key == "type" and value == self.found.code:
            return self.found.title(self.language)
        if isinstance(value, (int, float)):
            return format_decimal(value, locale=self.language)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False)
        kind = (self.found.properties.get(key) or {}).get("format")
        try:
            if kind == "date-time":
                return format_datetime(datetime.fromisoformat(value), "short",
                                       tzinfo=i18n.DISPLAY_TIMEZONE, locale=self.language)
            if kind == "date":
                return format_date(date.fromisoformat(value), "medium", locale=self.language)
        except (TypeError, ValueError):
            return str(value)
        return str(self.labels.value(key, value))


def item(request: Request, doc: dict, found: Collection) -> HTMLResponse:
    """One feature: each property under its name in the reader's language, with the key a
    GIS program shows beside it (the planner finds the field in QGIS by it)."""
    _ = gettext(request)
    language = page_language(request)
    labels = attribute_labels(request.app.state.settings, language)
    reader = _Reader(language, _, labels, found)
    properties = doc.get("properties", {})
    props = [{"key": k, "label": column_label(k, _) or labels.attribute(k),
              "value": reader.value(k, v)}
             for k, v in properties.items()]
    props.sort(key=lambda p: (p["key"] not in ("code", "name", "type", "status"),
                              p["label"].casefold()))
    label = properties.get("code") or doc.get("id")
    title = found.title(language)
    return _page(request, {"title": f"{title} · {label}", "feature": props,
                           "geometry": json.dumps(doc.get("geometry")),
                           "doc_links": doc.get("links", [])})


def _item_href(request: Request, feature_id: str | None) -> str:
    return f"{request.url.path}/{feature_id}?f=html"
