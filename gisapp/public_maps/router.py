"""Serving the built maps under ``/maps/{slug}/``: static files, a language for the index.

``/maps/{slug}/`` is the index in the visitor's language (``?lang=``, the language cookie,
the browser's, the municipality's default, German); everything else is a file of the build.
Folders being built or thrown away (their names start with a dot) and the build manifest
are never served. These pages may be framed by the sites in ``GISAPP_MAPS__EMBED_ORIGINS``
(:func:`framing`, given to the security headers middleware); when a basemap from another
server is configured, the map pages' policy allows images from that server, and only those.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import URL, Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gisapp import i18n
from gisapp.public_maps.publish import MANIFEST, maps_dir, read_manifest
from gisapp.security_headers import CSP_HEADER, content_security_policy
from gisapp.settings import Settings

PREFIX = "/maps"
CACHE_CONTROL = "public, max-age=300"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_TYPES = {".geojson": "application/geo+json", ".csv": "text/csv; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8"}


def framing(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Path prefix -> origins that may frame it (CSP frame-ancestors) for the middleware."""
    origins = tuple(settings.maps.embed_origins) or ("'none'",)
    return {PREFIX + "/": origins}


def _tile_origin(settings: Settings) -> str | None:
    url = settings.geo.tile_url
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def map_policy(settings: Settings) -> str | None:
    """The Content-Security-Policy of map pages when a basemap comes from another server;
    None: the default policy (same origin only) applies."""
    origin = _tile_origin(settings)
    if origin is None:
        return None
    directives = content_security_policy(
        frame_ancestors=framing(settings)[PREFIX + "/"]).split("; ")
    return "; ".join(f"{d} {origin}" if d.startswith("img-src ") else d for d in directives)


class MapFiles(StaticFiles):
    """The maps folder, read-only, with the index chosen by language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = map_policy(settings)
        super().__init__(directory=maps_dir(settings), check_dir=False, follow_symlink=False)

    async def check_config(self) -> None:
        """The folder appears with the first build; until then every map is a 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        parts = Path(path).parts
        if not parts or not _SLUG.match(parts[0]) or any(p.startswith(".") for p in parts) \
                or parts[-1] == MANIFEST:
            raise HTTPException(status_code=404)
        if len(parts) == 1:
            return self._index(parts[0], scope)
        return await super().get_response(path, scope)

    def _index(self, slug: str, scope: Scope) -> Response:
        url = URL(scope=scope)
        if not url.path.endswith("/"):
            return RedirectResponse(url.replace(path=url.path + "/"), status_code=308)
        folder = Path(self.directory) / slug
        manifest = read_manifest(folder)
        if manifest is None:
            raise HTTPException(status_code=404)
        headers = Headers(scope=scope)
        language = i18n.negotiate(
            query=QueryParams(url.query).get("lang"),
            cookie=_cookie(headers.get("cookie", ""), i18n.LANG_COOKIE),
            accept_language=headers.get("accept-language"),
            municipality=manifest.get("default_language"))
        full = folder / f"index.{language}.html"
        if not full.is_file():
            raise HTTPException(status_code=404)
        response = self.file_response(full, full.stat(), scope)
        response.headers["Vary"] = "Accept-Language, Cookie"
        response.headers["Content-Language"] = language
        return response

    def file_response(self, full_path, stat_result, scope, status_code=200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        suffix = Path(full_path).suffix
        if suffix in _TYPES:
            response.headers["Content-Type"] = _TYPES[suffix]
        if suffix in (".geojson", ".csv"):
            response.headers["Access-Control-Allow-Origin"] = "*"  # open data
        if suffix == ".html" and self.policy:
            response.headers[CSP_HEADER] = self.policy
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


def _cookie(header: str, name: str) -> str | None:
    for item in header.split(";"):
        key, _, value = item.strip().partition("=")
        if key == name:
            return value
    return None


def install_public_maps(app, settings: Settings) -> None:
    """Serve the built maps under /maps/ (the scheduler that builds them runs in the
    app's lifespan, see :mod:`gisapp.public_maps.scheduler`)."""
    app.mount(PREFIX, MapFiles(settings), name="public-maps")
