"""GeoDataFrames in, a public map page out: folium draws the map, the page lists the points.

Why the points are a table, not folium markers: a folium ``Marker`` per point writes about a
kilobyte of script each (10,000 hotspots: ~10 MB, and seconds of parsing), and its popups
are HTML strings put together in script. Here every layer is an HTML table below the map
(the text alternative of the map, readable without script, by screen readers and search),
each row carrying its position (``data-ll``); gisapp's ``public-map.js`` turns the rows into
clustered markers and builds each popup, when opened, from copies of the row's cells. Every
value is written once, escaped once, by Jinja, and a name like ``<img src=x onerror=…>``
stays text in the list, the popup and the tooltip alike.

What folium writes into ``<script>`` and ``<style>`` elements is not inline in the page: its
map script becomes a file next to the page (the Content-Security-Policy allows no inline
script), its sizing styles are replaced by gisapp's stylesheet, and its resource links point
at gisapp's own copies (:mod:`gisapp.public_maps.assets`).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import folium
from babel.dates import format_datetime
from branca.element import CssLink, JavascriptLink
from folium.elements import JSCSSMixin
from folium.plugins import LocateControl, MarkerCluster
from folium.template import Template
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gisapp import i18n
from gisapp.public_maps import labels
from gisapp.public_maps.assets import LAYER_CSS, OWN_CSS, OWN_JS, Assets, localize
from gisapp.public_maps.data import Layer, records

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
COMBINED = "all-layers"  # never a type code (they have no hyphen)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
#: A page with more points than this shows its list closed (open with one click): laying out
#: thousands of rows would hold up the map.
OPEN_LIST_MAX = 500
CLUSTER_OPTIONS = {"chunkedLoading": True, "showCoverageOnHover": False,
                   "disableClusteringAtZoom": 18, "maxClusterRadius": 50}


@dataclass(frozen=True)
class Basemap:
    """A tile layer (settings ``GISAPP_GEO__TILE_*``); None anywhere means no basemap."""

    url: str
    attribution: str = ""
    attribution_url: str | None = None
    max_zoom: int = 19


@dataclass
class PageContext:
    """What a page says around its layers: whose data, under which licence, as of when."""

    slug: str
    name: str
    language: str
    built_at: datetime
    assets: Assets
    licence: str = ""
    licence_url: str | None = None
    basemap: Basemap | None = None
    boundary: dict | None = None
    streets: dict | None = None
    maps: list[tuple[str, str]] = field(default_factory=list)  # (page name, title): the nav


@dataclass
class Page:
    """One built map: the HTML page and its script (a file next to it)."""

    name: str
    html: str
    script: str


class TablePoints(JSCSSMixin):
    """gisapp's map script: turns the page's tables into markers of the layers' clusters."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            gisappPublicMap.load({{ this._parent.get_name() }}, {
            {%- for code, group in this.groups.items() %}
                {{ code|tojson }}: {{ group.get_name() }},
            {%- endfor %}
            });
        {% endmacro %}
    """)

    def __init__(self, groups: dict[str, MarkerCluster], assets: Assets) -> None:
        super().__init__()
        self._name = "TablePoints"
        self.groups = groups
        self.default_js = [("gisapp_public_map", assets.own(OWN_JS))]
        self.default_css = [("gisapp_public_map_css", assets.own(OWN_CSS)),
                            ("gisapp_layers_css", "../" + LAYER_CSS)]


@cache
def _translations(language: str):
    return i18n.load_translations(language)


@cache
def _environment(language: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    env.install_gettext_translations(_translations(language), newstyle=True)
    return env


def gettext(language: str) -> Callable[[str], str]:
    """Translate messages written in this package's Python code."""
    return _translations(language).gettext


def layer_css(layers: list[Layer]) -> str:
    """The colours of the layers' markers and legend swatches (codes and colours are checked
    by the database and again here: nothing else reaches the stylesheet)."""
    rules = []
    for layer in layers:
        if _CODE.match(layer.code) and _COLOR.match(layer.color):
            rules.append(f".gm-t-{layer.code}{{background-color:{layer.color}}}")
    return "\n".join(rules) + "\n"


def _bounds(layers: list[Layer], boundary: dict | None):
    boxes = [layer.features.total_bounds for layer in layers if len(layer.features)]
    if boxes:
        west = min(b[0] for b in boxes)
        south = min(b[1] for b in boxes)
        east = max(b[2] for b in boxes)
        north = max(b[3] for b in boxes)
        return [[south, west], [north, east]]
    if boundary:
        from shapely.geometry import shape

        w, s, e, n = shape(boundary).bounds
        return [[s, w], [n, e]]
    return None


def _swatch_name(layer: Layer, language: str) -> str:
    """A layer's name in the layer switcher (Leaflet shows it as HTML: escaped here)."""
    return (f'<span class="gm-swatch gm-t-{layer.code}" aria-hidden="true"></span> '
            f"{html.escape(layer.label(language))}")


def build_map(layers: list[Layer], ctx: PageContext) -> tuple[folium.Map, dict[str, MarkerCluster]]:
    """The folium map of these layers: basemap if configured, boundary and streets for
    orientation, one marker cluster per layer (filled from the page's tables), a layer
    switcher when there is more than one layer, locate-me, attributions."""
    _ = gettext(ctx.language)
    m = folium.Map(tiles=None, control_scale=True, zoom_start=14)
    m.options["max_zoom"] = ctx.basemap.max_zoom if ctx.basemap else 19  # clusters need it
    data_attribution = html.escape(_("Data: %(name)s, %(licence)s")
                                   % {"name": ctx.name, "licence": ctx.licence})
    if ctx.basemap:
        text = html.escape(ctx.basemap.attribution)
        if ctx.basemap.attribution_url:
            text = f'<a href="{html.escape(ctx.basemap.attribution_url)}">{text}</a>'
        folium.TileLayer(tiles=ctx.basemap.url, attr=text or "&nbsp;", name=_("Basemap"),
                         max_zoom=ctx.basemap.max_zoom, control=False).add_to(m)
    if ctx.streets:
        folium.GeoJson(ctx.streets, name="streets", control=False, interactive=False,
                       style_function=lambda _f: {"color": "#8a8f98", "weight": 2,
                                                  "opacity": 0.8}).add_to(m)
    if ctx.boundary:
        folium.GeoJson(ctx.boundary, name="boundary", control=False, interactive=False,
                       style_function=lambda _f: {"color": "#44475a", "weight": 2,
                                                  "dashArray": "6 4", "fill": False}).add_to(m)
    groups = {}
    for layer in layers:
        group = MarkerCluster(name=_swatch_name(layer, ctx.language),
                              control=len(layers) > 1,
                              options={**CLUSTER_OPTIONS, "attribution": data_attribution})
        group.add_to(m)
        groups[layer.code] = group
    if len(layers) > 1:
        folium.LayerControl(collapsed=False).add_to(m)
    LocateControl(strings={"title": _("Show where I am")}, showPopup=False,
                  flyTo=False).add_to(m)
    TablePoints(groups, ctx.assets).add_to(m)
    bounds = _bounds(layers, ctx.boundary)
    if bounds:
        m.fit_bounds(bounds, padding=(20, 20), max_zoom=17)
    localize(m, ctx.assets)
    return m, groups


def _map_parts(m: folium.Map) -> tuple[list[str], list[str], str, str]:
    """Render the folium figure; its resource links, map element and script, apart.

    Folium's own ``<style>``, ``<meta>`` and ``<script>`` header elements are dropped: the
    page has its own viewport (zoomable) and stylesheet, and no inline code."""
    figure = m.get_root()
    for child in figure._children.values():
        child.render()
    scripts = [c.url for c in figure.header._children.values() if isinstance(c, JavascriptLink)]
    styles = [c.url for c in figure.header._children.values() if isinstance(c, CssLink)]
    return scripts, styles, figure.html.render(), figure.script.render()


def layer_table(layer: Layer, language: str, to_site: str) -> dict:
    """A layer as rows of text: the list below the map, and what markers and popups show."""
    f = labels.Formatter(language, gettext(language))
    own = labels.builtin_columns(layer.code, f)
    if own is None:
        keys: list[str] = []
        for attrs in layer.features["attributes"]:
            for key in attrs or {}:
                if key not in keys:
                    keys.append(key)
        order = list(layer.titles)
        keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
        own = labels.custom_columns(keys, layer.titles, f)
    before, after = labels.common_columns(f)
    columns = [*before, *own, *after]
    props = records(layer.features)
    points = layer.features.geometry.representative_point()
    rows, used = [], [False] * len(columns)
    for p, point in zip(props, points, strict=True):
        cells = [c.value(p) for c in columns]
        for i, cell in enumerate(cells):
            used[i] = used[i] or bool(cell)
        token = p.get("tag_token")
        rows.append({"ll": f"{point.y:.5f},{point.x:.5f}", "name": p.get("name") or p.get("code"),
                     "cells": cells, "report": f"{to_site}t/{token}" if token else None})
    # a column that is empty for every point is left out (e.g. no sensor names its source)
    keep = [i for i, u in enumerate(used) if u]
    for row in rows:
        row["cells"] = [row["cells"][i] for i in keep]
    return {"code": layer.code, "label": layer.label(language), "count": len(rows),
            "headings": [columns[i].heading for i in keep], "rows": rows,
            "report": any(r["report"] for r in rows)}


def render_page(name: str, title: str, layers: list[Layer], ctx: PageContext) -> Page:
    """One map page (``name``.html and ``name``.js) of these layers."""
    m, _groups = build_map(layers, ctx)
    scripts, styles, map_html, script = _map_parts(m)
    script_version = hashlib.sha256(script.encode()).hexdigest()[:12]
    env = _environment(ctx.language)
    tables = [layer_table(layer, ctx.language, ctx.assets.to_site) for layer in layers]
    total = sum(t["count"] for t in tables)
    page_html = env.get_template("public_maps/map.html").render(
        lang=ctx.language, ctx=ctx, title=title, page=name, scripts=scripts, styles=styles,
        map_html=map_html, script_url=f"{name}.js?v={script_version}",
        tables=tables, total=total, open_list=total <= OPEN_LIST_MAX,
        updated=_when(ctx), updated_iso=ctx.built_at.isoformat(timespec="seconds"),
        language_names=i18n.LANGUAGE_NAMES, languages=i18n.LANGUAGES,
        favicon=ctx.assets.own("favicon.svg"),
    )
    return Page(name=name, html=page_html, script=script)


def _when(ctx: PageContext) -> str:
    return format_datetime(ctx.built_at, "medium", tzinfo=i18n.DISPLAY_TIMEZONE,
                           locale=ctx.language)


def render_index(ctx: PageContext, layers: list[Layer], downloads: list[dict],
                 base_url: str) -> str:
    """The municipality's index page in one language: every map, the downloads, the licence,
    and the iframe snippet for the municipality's web site."""
    _ = gettext(ctx.language)
    embed_url = f"{base_url}/maps/{ctx.slug}/{ctx.language}/{COMBINED}.html"
    snippet = (f'<iframe src="{html.escape(embed_url)}" title="{html.escape(_("Map"))}: '
               f'{html.escape(ctx.name)}" width="100%" height="520" loading="lazy" '
               'allow="geolocation" referrerpolicy="no-referrer"></iframe>')
    return _environment(ctx.language).get_template("public_maps/index.html").render(
        lang=ctx.language, ctx=ctx, layers=[(layer.code, layer.label(ctx.language),
                                             len(layer.features)) for layer in layers],
        combined=COMBINED, downloads=downloads, snippet=snippet, updated=_when(ctx),
        updated_iso=ctx.built_at.isoformat(timespec="seconds"),
        language_names=i18n.LANGUAGE_NAMES, languages=i18n.LANGUAGES,
        css=ctx.assets.own(OWN_CSS), favicon=ctx.assets.own("favicon.svg"),
    )
