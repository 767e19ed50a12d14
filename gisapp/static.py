"""JavaScript/CSS libraries served by gisapp itself, and the /docs page that uses them.

Ground rule: served pages make no third-party requests. The libraries come from npm
(``package.json`` + ``package-lock.json``), are installed into ``node_modules`` by ``make``
(or the Dockerfile's ``web`` stage), and only selected folders of it are served, read-only,
under ``/static/vendor/<name>/``. FastAPI's own /docs (Swagger UI from a CDN) and /redoc are
switched off in the app factory; :func:`install_static` serves /docs from these files.

gisapp's own CSS and JavaScript (``gisapp/web``, part of the package) are served under
``/static/gisapp/``.

Without node_modules the app still starts; /docs and /static/vendor/… answer 503 saying how
to install the libraries.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

import gisapp
from gisapp.errors import GisappError
from gisapp.security_headers import with_inline_scripts
from gisapp.settings import Settings

PREFIX = "/static/vendor"
OWN_PREFIX = "/static/gisapp"
OWN_DIR = Path(__file__).parent / "web"
CACHE_CONTROL = "public, max-age=604800"

#: URL name -> (npm package, folder of it that is served). Nothing else of node_modules is.
VENDOR: dict[str, tuple[str, str]] = {
    "swagger-ui": ("swagger-ui-dist", ""),
    "leaflet": ("leaflet", "dist"),
    "leaflet.markercluster": ("leaflet.markercluster", "dist"),
    "leaflet-draw": ("leaflet-draw", "dist"),  # planner map: draw an area
    "leaflet.locatecontrol": ("leaflet.locatecontrol", "dist"),  # public maps: locate me
}


class VendorFilesMissing(GisappError):
    """node_modules (or one of the served packages in it) is not installed."""

    status_code = 503
    code = "vendor_files_missing"


def node_modules(settings: Settings) -> Path:
    """The node_modules folder: the setting, else the one at the repository root."""
    if settings.vendor_dir is not None:
        return Path(settings.vendor_dir).resolve()
    return Path(gisapp.__file__).resolve().parent.parent / "node_modules"


def _missing(root: Path, package: str) -> VendorFilesMissing:
    return VendorFilesMissing(
        f"the JavaScript/CSS libraries are not installed ({root / package} is missing): "
        "run `make venv` (or `npm ci --no-audit --no-fund --ignore-scripts` in the "
        "repository root), or set GISAPP_VENDOR_DIR to a node_modules folder"
    )


class VendorFiles(StaticFiles):
    """Read-only files of one package folder, with long cache headers.

    The folder is checked on every request, so installing node_modules while the server runs
    is enough. Pages (``*.html``, e.g. swagger-ui-dist's demo ``index.html``, which loads a
    third-party spec) are never served: only assets for gisapp's own pages.
    """

    def __init__(self, root: Path, package: str, folder: str) -> None:
        self.root = root
        self.package = package
        directory = root / package / folder if folder else root / package
        super().__init__(directory=directory, check_dir=False, follow_symlink=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not Path(self.directory).is_dir():
            raise _missing(self.root, self.package)
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path.lower().endswith((".html", ".htm")):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


class OwnFiles(StaticFiles):
    """gisapp's own CSS, JavaScript and icons (``gisapp/web``), under ``/static/gisapp/``.

    Pages link them with ``?v=<content hash>``, so they may be cached as long as vendor files.
    """

    def __init__(self) -> None:
        super().__init__(directory=OWN_DIR, follow_symlink=False)

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


def _version(root: Path, package: str) -> str | None:
    try:
        return json.loads((root / package / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def vendor_url(root: Path, name: str, path: str, root_path: str = "") -> str:
    """Same-origin URL of a vendor file; ``?v=<version>`` so an upgrade beats the cache."""
    package = VENDOR[name][0]
    url = f"{root_path.rstrip('/')}{PREFIX}/{name}/{path}"
    version = _version(root, package)
    return f"{url}?v={quote(version)}" if version else url


def install_static(app: FastAPI, settings: Settings) -> None:
    """Mount the vendor folders and serve /docs (Swagger UI) from them.

    The app must be built with ``docs_url=None, redoc_url=None`` so FastAPI's CDN-loading
    pages are not there. ReDoc stays off (it has no local copy here).
    """
    root = node_modules(settings)
    app.state.vendor_dir = root
    app.mount(OWN_PREFIX, OwnFiles(), name="gisapp-web")
    for name, (package, folder) in VENDOR.items():
        app.mount(f"{PREFIX}/{name}", VendorFiles(root, package, folder), name=f"vendor-{name}")

    if not app.openapi_url:
        return
    docs_url = "/docs"
    redirect_url = app.swagger_ui_oauth2_redirect_url

    async def swagger_ui_html(request: Request) -> HTMLResponse:
        package = VENDOR["swagger-ui"][0]
        if not (root / package / "swagger-ui-bundle.js").is_file():
            raise _missing(root, package)
        root_path = request.scope.get("root_path", "").rstrip("/")
        return with_inline_scripts(get_swagger_ui_html(
            openapi_url=root_path + app.openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=vendor_url(root, "swagger-ui", "swagger-ui-bundle.js", root_path),
            swagger_css_url=vendor_url(root, "swagger-ui", "swagger-ui.css", root_path),
            swagger_favicon_url=vendor_url(root, "swagger-ui", "favicon-32x32.png", root_path),
            oauth2_redirect_url=root_path + redirect_url if redirect_url else None,
            init_oauth=app.swagger_ui_init_oauth,
            # No spec validator badge: it would call validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        ))  # the page boots Swagger UI with an inline script: allowed by its hash only

    app.add_route(docs_url, swagger_ui_html, include_in_schema=False)

    if redirect_url:
        async def swagger_ui_redirect(_: Request) -> HTMLResponse:
            return with_inline_scripts(get_swagger_ui_oauth2_redirect_html())

        app.add_route(redirect_url, swagger_ui_redirect, include_in_schema=False)
