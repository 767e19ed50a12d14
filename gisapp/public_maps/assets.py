"""Leaflet, its plugins and gisapp's own map script, as files served by gisapp itself.

Folium links its JavaScript and CSS from CDNs (jsDelivr, cdnjs, code.jquery.com,
netdna.bootstrapcdn.com); a visitor's browser would send its address to each. Every element
of a public map is given gisapp's copies instead (npm packages under ``/static/vendor/``, see
:data:`gisapp.static.VENDOR`), and what a map does not need (jQuery, Bootstrap, Font
Awesome, awesome-markers) is dropped. An element this module does not know that brings its
own resources stops the build (:class:`ForeignResource`) instead of linking a CDN.

Links are relative to the page (``../../../static/…`` from ``/maps/{slug}/{lang}/x.html``),
so the built files work behind any path prefix and in a plain folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import folium
from branca.element import Element
from folium.plugins import LocateControl, MarkerCluster

from gisapp.static import OWN_DIR, OWN_PREFIX, vendor_url

#: gisapp's own files of the public maps, in gisapp/web
OWN_JS = "public-map.js"
OWN_CSS = "public-map.css"
#: the per-build stylesheet with the layer colours, in maps/{slug}/
LAYER_CSS = "layers.css"

_VENDOR: dict[type, tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]] = {
    # element class -> (scripts, stylesheets) as (link name, vendor name, path)
    folium.Map: ([("leaflet", "leaflet", "leaflet.js")],
                 [("leaflet_css", "leaflet", "leaflet.css")]),
    MarkerCluster: ([("markerclusterjs", "leaflet.markercluster", "leaflet.markercluster.js")],
                    [("markerclustercss", "leaflet.markercluster", "MarkerCluster.css"),
                     ("markerclusterdefaultcss", "leaflet.markercluster",
                      "MarkerCluster.Default.css")]),
    LocateControl: ([("Control_locate_min_js", "leaflet.locatecontrol",
                      "L.Control.Locate.min.js")],
                    [("Control_locate_min_css", "leaflet.locatecontrol",
                      "L.Control.Locate.min.css")]),
}


class ForeignResource(RuntimeError):
    """A map element would load a file from another server."""


@cache
def own_version(name: str) -> str:
    """Content hash of one of gisapp's own files, against stale caches."""
    return hashlib.sha256((OWN_DIR / name).read_bytes()).hexdigest()[:12]


@dataclass(frozen=True)
class Assets:
    """Where a page finds the files: ``root`` is node_modules, ``to_site`` the relative
    way from the page to the site root (e.g. ``../../../``)."""

    root: Path
    to_site: str = "../../../"

    def vendor(self, name: str, path: str) -> str:
        return self.to_site + vendor_url(self.root, name, path).lstrip("/")

    def own(self, name: str) -> str:
        return f"{self.to_site}{OWN_PREFIX.lstrip('/')}/{name}?v={own_version(name)}"


def walk(element: Element) -> Iterator[Element]:
    """The element and all below it."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def localize(m: folium.Map, assets: Assets) -> None:
    """Point every element's scripts and stylesheets at gisapp's copies; refuse others."""
    for element in walk(m):
        known = next((v for cls, v in _VENDOR.items() if type(element) is cls), None)
        if known is not None:
            scripts, styles = known
            element.default_js = [(n, assets.vendor(v, p)) for n, v, p in scripts]
            element.default_css = [(n, assets.vendor(v, p)) for n, v, p in styles]
            continue
        for _, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]:
            if "://" in url or url.startswith("//"):
                raise ForeignResource(
                    f"{type(element).__name__} would load {url}: add its npm package to "
                    "gisapp.static.VENDOR and to gisapp.public_maps.assets")
