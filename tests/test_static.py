"""JavaScript/CSS libraries come from node_modules and are served by gisapp itself: /docs
loads nothing from a third party, only the selected vendor folders are reachable, and the
app still starts (503 on /docs) when node_modules is not installed."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

from gisapp.app import create_app
from gisapp.settings import Settings, load_settings
from gisapp.static import CACHE_CONTROL, node_modules

UNREACHABLE_DB = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


class _Refs(HTMLParser):
    """Every URL a page makes the browser load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(("script", a["src"]))
        elif tag == "link" and a.get("href"):
            self.urls.append((a.get("rel", "link"), a["href"]))
        elif tag in ("img", "iframe") and a.get("src"):
            self.urls.append((tag, a["src"]))


def _refs(html: str) -> list[tuple[str, str]]:
    parser = _Refs()
    parser.feed(html)
    return parser.urls


async def test_docs_loads_only_same_origin_files(client):
    r = await client.get("/docs")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "cdn.jsdelivr.net" not in html and "tiangolo.com" not in html
    assert "validatorUrl" in html  # no badge calling validator.swagger.io
    refs = _refs(html)
    kinds = {kind for kind, _ in refs}
    assert {"script", "stylesheet", "shortcut icon"} <= kinds, refs
    expected = {"script": "javascript", "stylesheet": "text/css", "shortcut icon": "image/png"}
    for kind, url in refs:
        assert url.startswith("/") and not url.startswith("//"), url
        assert url.startswith("/static/vendor/swagger-ui/"), url
        f = await client.get(url)
        assert f.status_code == 200, url
        assert expected[kind] in f.headers["content-type"], (url, f.headers["content-type"])
        assert f.headers["cache-control"] == CACHE_CONTROL


async def test_docs_spec_and_oauth2_redirect_are_local(client):
    assert (await client.get("/openapi.json")).status_code == 200
    r = await client.get("/docs/oauth2-redirect")
    assert r.status_code == 200
    assert not [u for _, u in _refs(r.text) if not u.startswith("/")]


async def test_redoc_is_off(client):
    assert (await client.get("/redoc")).status_code == 404


@pytest.mark.parametrize("path, content_type", [
    ("/static/vendor/leaflet/leaflet.js", "javascript"),
    ("/static/vendor/leaflet/leaflet.css", "text/css"),
    ("/static/vendor/leaflet/images/marker-icon.png", "image/png"),
    ("/static/vendor/leaflet.markercluster/leaflet.markercluster.js", "javascript"),
    ("/static/vendor/leaflet.markercluster/MarkerCluster.Default.css", "text/css"),
])
async def test_vendor_files_are_served(client, path, content_type):
    r = await client.get(path)
    assert r.status_code == 200, path
    assert content_type in r.headers["content-type"]
    assert r.headers["cache-control"] == CACHE_CONTROL


@pytest.mark.parametrize("path", [
    "/static/vendor/leaflet/../../package.json",  # httpx itself removes the dot segments
    "/static/vendor/leaflet/%2e%2e/%2e%2e/%2e%2e/package.json",
    "/static/vendor/leaflet/%2e%2e/package.json",
    "/static/vendor/leaflet/..%2f..%2f..%2fgisapp%2fsettings.py",
    "/static/vendor/leaflet/%2e%2e/%2e%2e/swagger-ui-dist/package.json",
    "/static/vendor/swagger-ui/%2e%2e/leaflet/package.json",
    "/static/vendor/swagger-ui/../../pyproject.toml",
    "/static/vendor/leaflet/%2fetc%2fpasswd",
    "/static/package.json",
    "/static/vendor/leaflet/package.json",  # leaflet/ itself: only leaflet/dist is served
])
async def test_nothing_outside_the_mounted_folders(client, path):
    r = await client.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert '"version"' not in r.text and "root:" not in r.text


async def test_dot_segments_in_the_raw_asgi_path_do_not_escape(client):
    """The path as a server would hand it over, '..' not removed by the client."""
    app = client._transport.app
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    for raw in ("/static/vendor/leaflet/../../package.json",
                "/static/vendor/leaflet/../../../package.json",
                "/static/vendor/swagger-ui/../../gisapp/settings.py"):
        sent.clear()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": raw, "raw_path": raw.encode(),
                 "root_path": "", "query_string": b"", "headers": [(b"host", b"testserver")],
                 "server": ("testserver", 80), "client": ("127.0.0.1", 1)}
        await app(scope, receive, send)
        assert sent[0]["status"] == 404, raw
        body = b"".join(m.get("body", b"") for m in sent[1:])
        assert b'"version"' not in body and b"BaseSettings" not in body


async def test_vendor_pages_are_not_served(client):
    """swagger-ui-dist's demo index.html loads the petstore spec from a third party."""
    for path in ("/static/vendor/swagger-ui/index.html", "/static/vendor/swagger-ui/",
                 "/static/vendor/swagger-ui/oauth2-redirect.html"):
        assert (await client.get(path)).status_code == 404, path


async def test_without_node_modules_the_app_starts_and_docs_says_how_to_fix(tmp_path):
    settings = Settings(database={"url": UNREACHABLE_DB}, vendor_dir=tmp_path)
    app = create_app(settings)  # no database touched for these routes
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/docs")
        assert r.status_code == 503
        assert r.json()["error"] == "vendor_files_missing"
        reason = r.json()["detail"][0]["reason"]
        assert "make venv" in reason and "npm ci" in reason and str(tmp_path) in reason
        r = await c.get("/static/vendor/leaflet/leaflet.js")
        assert r.status_code == 503 and r.json()["error"] == "vendor_files_missing"
        assert (await c.get("/openapi.json")).status_code == 200


def test_vendor_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GISAPP_VENDOR_DIR", str(tmp_path))
    assert node_modules(load_settings(_env_file=None)) == tmp_path.resolve()
    monkeypatch.delenv("GISAPP_VENDOR_DIR")
    default = node_modules(load_settings(_env_file=None))
    assert default.name == "node_modules" and (default.parent / "gisapp").is_dir()
