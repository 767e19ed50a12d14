"""The crews' field app: a static web app in the repository's ``field/`` folder.

A label's QR code or NFC chip opens ``/t/{token}``; that URL, and ``/field/`` (the app
without a label: what is waiting to be sent), answer the same app shell, which reads the
token from its own URL and asks ``/api/v1/scan/{token}``. Being the same for every token,
the shell can be kept by the service worker and opened offline for any label.

The app's files are served under ``/field/static/{version}/…``, where the version is a hash
of the folder's content. The app's modules import each other by relative paths, so one new
version changes every URL at once: a browser or the service worker never mixes files of two
versions, and files of the current version may be cached for a year. The service worker is
served at ``/field-sw.js`` with ``Service-Worker-Allowed: /``: its scope must cover both
``/t/`` and ``/field/``.

The folder is found like node_modules (:mod:`gisapp.static`): ``GISAPP_FIELD_DIR``, else
``field/`` next to the package (a checkout), else ``field/`` in the working directory (the
Docker image runs in /app, where the Dockerfile copies it).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

import gisapp
from gisapp.errors import GisappError, NotFound
from gisapp.settings import Settings

STATIC_PREFIX = "/field/static"
SW_URL = "/field-sw.js"
ASSETS_PLACEHOLDER = "{{ASSETS}}"
IMMUTABLE = "public, max-age=31536000, immutable"
# The shell and the worker must be revalidated: they name the current version.
REVALIDATE = "no-cache"
#: What may be served from the folder (not its README, not the worker under a wrong scope).
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}
GZIP_MIN_BYTES = 512


class FieldAppMissing(GisappError):
    status_code = 503
    code = "field_app_missing"


def field_dir(settings: Settings) -> Path:
    """The folder of the field app (see the module docstring for the order)."""
    if settings.field_dir is not None:
        return Path(settings.field_dir).resolve()
    beside_package = Path(gisapp.__file__).resolve().parent.parent / "field"
    if (beside_package / "index.html").is_file():
        return beside_package
    return (Path.cwd() / "field").resolve()


@dataclass(frozen=True)
class _Entry:
    body: bytes
    gzipped: bytes | None
    etag: str


class FieldFiles:
    """The folder's files, read once and kept (with a gzip copy) until they change on disk.

    Compressing here rather than in a middleware keeps the app's other responses as they
    are; the JavaScript of the app shrinks to about a third, which matters on slow 3G.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[tuple[int, int], _Entry]] = {}
        self._version: tuple[tuple, str] | None = None

    def _path(self, name: str) -> Path | None:
        if not name or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
            return None
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path

    def get(self, name: str) -> _Entry | None:
        """A file of the folder by its relative name, or None."""
        path = self._path(name)
        if path is None:
            return None
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(name)
        if cached and cached[0] == key:
            return cached[1]
        body = path.read_bytes()
        entry = self._entry(body)
        self._cache[name] = (key, entry)
        return entry

    @staticmethod
    def _entry(body: bytes) -> _Entry:
        packed = gzip.compress(body, 9, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return _Entry(body, packed, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')

    def _files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file()) if self.root.is_dir() \
            else []

    def servable(self) -> list[str]:
        """Every file the app may load, relative to the folder, sorted."""
        return [p.relative_to(self.root).as_posix() for p in self._files()
                if p.suffix in MEDIA_TYPES and p.name != "sw.js"]

    def version(self) -> str:
        """A hash of all files of the folder: changes whenever any of them does (hashed
        again only when a file's time or size changed)."""
        files = self._files()
        stats = [p.stat() for p in files]
        signature = tuple((p.as_posix(), s.st_mtime_ns, s.st_size) for p, s in zip(files, stats))
        if self._version and self._version[0] == signature:
            return self._version[1]
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        version = digest.hexdigest()[:12]
        self._version = (signature, version)
        return version

    def shell(self) -> _Entry:
        """index.html with the versioned prefix of the app's files filled in."""
        index = self.get("index.html")
        if index is None:
            raise FieldAppMissing(
                f"the field app is not there ({self.root / 'index.html'} is missing): set "
                "GISAPP_FIELD_DIR to the field/ folder of the gisapp repository")
        version = self.version()  # covers index.html itself
        key = f"shell:{version}"
        if key not in self._cache:
            html = index.body.replace(ASSETS_PLACEHOLDER.encode(),
                                      f"{STATIC_PREFIX}/{version}".encode())
            self._cache[key] = ((0, 0), self._entry(html))
        return self._cache[key][1]


def _respond(request: Request, entry: _Entry, media_type: str, cache: str,
             headers: dict[str, str] | None = None) -> Response:
    """The file, gzipped when the client takes it, 304 when it has this very version."""
    base = {"Cache-Control": cache, "ETag": entry.etag, "Vary": "Accept-Encoding",
            **(headers or {})}
    if entry.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=base)
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    if entry.gzipped is not None and accepts_gzip:
        return Response(entry.gzipped, media_type=media_type,
                        headers={**base, "Content-Encoding": "gzip"})
    return Response(entry.body, media_type=media_type, headers=base)


def _router(files: FieldFiles) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def shell(request: Request) -> Response:
        # no personal data in it; "no-cache" so that a new version is seen at once
        return _respond(request, files.shell(), "text/html; charset=utf-8", REVALIDATE)

    @router.get("/t/{token}")
    async def tag_page(token: str, request: Request) -> Response:
        """What a label opens: the app, which then asks the scan API for the token."""
        return shell(request)

    @router.get("/field/")
    async def field_home(request: Request) -> Response:
        """The app without a label: what is waiting to be sent."""
        return shell(request)

    @router.get("/field")
    async def field_redirect() -> RedirectResponse:
        return RedirectResponse("/field/", status_code=308)

    @router.get(SW_URL)
    async def service_worker(request: Request) -> Response:
        """The worker, allowed to control the whole site; it only handles the app's URLs."""
        entry = files.get("sw.js")
        if entry is None:
            raise NotFound("the field app's service worker is missing")
        return _respond(request, entry, MEDIA_TYPES[".js"], REVALIDATE,
                        {"Service-Worker-Allowed": "/"})

    @router.get(STATIC_PREFIX + "/{version}/{name:path}")
    async def static_file(version: str, name: str, request: Request) -> Response:
        """A file of the app; cached for a year when asked for under the current version."""
        suffix = os.path.splitext(name)[1]
        entry = files.get(name) if suffix in MEDIA_TYPES and name != "sw.js" else None
        if entry is None:
            raise NotFound("no such file of the field app")
        cache = IMMUTABLE if version == files.version() else REVALIDATE
        return _respond(request, entry, MEDIA_TYPES[suffix], cache)

    return router


def install_field_app(app: FastAPI, settings: Settings) -> None:
    """Serve the field app from its folder (checked when asked, so the app starts without)."""
    files = FieldFiles(field_dir(settings))
    app.state.field_files = files
    app.include_router(_router(files))
