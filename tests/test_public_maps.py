"""Public maps: GeoDataFrames in, pages out; only public data; everything escaped; the files
served under /maps/ with their CSP and framing; downloads with licence and date; the
rebuild schedule."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import folium
import httpx
import pytest
from folium.plugins import Fullscreen
from sqlalchemy import text

from gisapp.app import create_app
from gisapp.public_maps import builder, data, downloads, publish
from gisapp.public_maps.assets import Assets, ForeignResource, localize
from gisapp.public_maps.router import map_policy
from gisapp.public_maps.scheduler import MapScheduler
from gisapp.settings import MapsSettings
from gisapp.static import node_modules

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
# values of the demo that are not public: meter numbers, internal attributes, notes
SECRETS = ("meter_number", "admin_contact", "it@musterdorf.example", "device_eui", "app_key",
           "DGUV V3", "Gehäuse gereinigt", "(Strom)")


def _hotspots(n: int, name=lambda i: f"WLAN {i}", **attrs) -> data.Layer:
    rows = [{"id": uuid.uuid4(), "code": f"WL-{i:05d}", "type": "wlan_hotspot", "name": name(i),
             "status": "active", "street": "Hauptstraße",
             "attributes": {"ssid": "Freifunk", "provider": "Freifunk", **attrs},
             "geometry": {"type": "Point", "coordinates": [7.40 + i * 1e-4, 49.90]},
             "tag_token": f"tok{i:019d}" if i % 2 else None} for i in range(n)]
    return data.Layer(code="wlan_hotspot", labels={"de": "WLAN-Hotspot", "en": "WLAN hotspot"},
                      color="#1d3557", features=data.features_frame(rows))


def _ctx(language="de", **kw) -> builder.PageContext:
    return builder.PageContext(slug="demo", name="Musterdorf", language=language,
                               built_at=datetime(2025, 5, 1, 12, tzinfo=UTC),
                               assets=Assets(Path("/nonexistent")), licence="dl-de/by-2-0", **kw)


class _Tags(HTMLParser):
    """Every tag with its attributes, and the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._open = tag if tag in ("script", "style") and not a.get("src") else None

    def handle_data(self, d):
        if self._open and d.strip():
            self.inline.append(d)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _loaded_urls(html: str) -> list[str]:
    tags = _parse(html).tags
    return [a.get("src") or a.get("href") for t, a in tags
            if (t == "script" and a.get("src")) or (t == "link" and a.get("rel") == "stylesheet")
            or (t == "img")]


# --- builders: GeoDataFrame in, map out -------------------------------------------------


def test_a_layer_becomes_a_map_page_with_a_table_and_a_script_file():
    page = builder.render_page("wlan_hotspot", "WLAN-Hotspots", [_hotspots(25)], _ctx())
    parsed = _parse(page.html)
    rows = [a for t, a in parsed.tags if t == "tr" and "data-ll" in a]
    assert len(rows) == 25
    assert rows[3]["data-ll"] == "49.90000,7.40030"
    assert parsed.inline == [], "no inline script or style"
    assert not any("style" in a for _, a in parsed.tags), "no style attributes"
    assert 'href="../../../t/tok0000000000000000001"' in page.html
    assert page.html.count("Problem hier melden") == 12  # every other point has a label
    # folium's map script went into the file next to the page
    assert '<script src="wlan_hotspot.js?v=' in page.html
    assert "L.markerClusterGroup(" in page.script and "gisappPublicMap.load(" in page.script
    assert "L.control.locate(" in page.script and "fitBounds" in page.script
    assert "L.control.layers" not in page.script  # one layer: no switcher
    assert "tileLayer" not in page.script  # no basemap configured
    assert 'lang="de"' in page.html and "Stand" in page.html


def test_pages_load_only_gisapps_own_files():
    page = builder.render_page("all-layers", "Karte", [_hotspots(3)], _ctx())
    urls = _loaded_urls(page.html)
    assert urls, page.html
    for url in urls:
        assert "://" not in url and not url.startswith("//"), url
        resolved = urljoin("https://x/maps/demo/de/all-layers.html", url)
        assert resolved.startswith(("https://x/static/vendor/", "https://x/static/gisapp/",
                                    "https://x/maps/demo/")), url
    for cdn in ("jquery", "bootstrap", "awesome", "cdnjs", "jsdelivr", "fontawesome"):
        assert cdn not in page.html.lower() and cdn not in page.script.lower()


def test_an_element_that_would_load_from_a_cdn_stops_the_build():
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(ForeignResource, match="Fullscreen"):
        localize(m, Assets(Path("/nonexistent")))


def test_combined_map_has_a_layer_switcher_and_a_legend():
    sensors = data.Layer(code="sensor", labels={"de": "Umweltsensor"}, color="#e76f51",
                         features=data.features_frame([{
                             "id": uuid.uuid4(), "code": "SN-1", "name": "Pegel", "status":
                             "defective", "attributes": {"quantities": ["water_level", "pm2_5"]},
                             "geometry": {"type": "Point", "coordinates": [7.41, 49.91]}}]))
    page = builder.render_page("all-layers", "Karte", [_hotspots(2), sensors], _ctx())
    assert "L.control.layers(" in page.script
    assert page.script.count("L.markerClusterGroup(") == 2
    assert 'class="gm-swatch gm-t-sensor"' in page.html
    assert "Wasserstand, Feinstaub PM2.5" in page.html and "defekt" in page.html
    assert ".gm-t-sensor{background-color:#e76f51}" in builder.layer_css([sensors])


def test_languages_and_basemap():
    basemap = builder.Basemap(url="https://tiles.example.org/{z}/{x}/{y}.png",
                              attribution="© OpenStreetMap", attribution_url="https://osm.org/c")
    page = builder.render_page("wlan_hotspot", "WLAN", [_hotspots(2)], _ctx("fr", basemap=basemap))
    assert 'lang="fr"' in page.html and "Signaler un problème ici" in page.html
    assert "tiles.example.org" in page.script and "© OpenStreetMap" in page.html
    en = builder.render_page("wlan_hotspot", "WLAN", [_hotspots(2)], _ctx("en"))
    assert "Report a problem here" in en.html and "Network name (SSID)" in en.html


def test_hostile_values_stay_text_everywhere():
    custom = data.Layer(
        code="business", labels={"de": EVIL}, color="#123456", titles={"branch": EVIL},
        features=data.features_frame([{
            "id": uuid.uuid4(), "code": EVIL, "name": EVIL, "status": "active", "street": EVIL,
            "attributes": {"branch": EVIL, EVIL: [EVIL]}, "tag_token": None,
            "geometry": {"type": "Point", "coordinates": [7.4, 49.9]}}]))
    hotspots = _hotspots(2, name=lambda i: EVIL, provider=EVIL, ssid=EVIL)
    ctx = _ctx(basemap=builder.Basemap(url="https://t.example/{z}/{x}/{y}.png", attribution=EVIL))
    ctx.name = EVIL
    ctx.licence = EVIL
    page = builder.render_page("all-layers", EVIL, [hotspots, custom], ctx)
    for content in (page.html, page.script):
        assert EVIL not in content
        assert "<img" not in content
    assert page.html.count(EVIL_ESCAPED) >= 9
    index = builder.render_index(ctx, [hotspots, custom], [], "https://gisapp.example")
    assert EVIL not in index and "<img" not in index


def test_downloads_carry_licence_and_date_and_defuse_formulas():
    layer = _hotspots(3, name=lambda i: "=HYPERLINK(\"http://evil\")" if i == 0 else f"W {i}")
    updated = datetime(2025, 5, 1, 12, tzinfo=UTC)
    doc = json.loads(downloads.geojson([layer], name="demo-wlan", attribution="Musterdorf",
                                       licence="dl-de/by-2-0", licence_url=None,
                                       updated=updated, base_url="https://g.example"))
    assert doc["licence"] == "dl-de/by-2-0" and doc["updated"] == "2025-05-01T12:00:00+00:00"
    assert len(doc["features"]) == 3
    assert doc["features"][1]["properties"]["report_url"] == "https://g.example/t/tok0000000000000000001"
    assert doc["features"][0]["properties"]["report_url"] is None
    raw = downloads.csv_bytes([layer], licence="dl-de/by-2-0", updated=updated,
                              base_url="https://g.example")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[0]["licence"] == "dl-de/by-2-0"
    assert rows[0]["updated"] == "2025-05-01T12:00:00+00:00"
    assert rows[0]["name"].startswith("'=")
    assert rows[1]["ssid"] == "Freifunk" and rows[1]["lat"] == "49.9"


def test_the_schedule_waits_for_quiet_and_rebuilds_daily(settings, tmp_path):
    # its own maps folder: a build that `make run` left in ./maps would count as made already
    s = settings.model_copy(update={"maps": MapsSettings(dir=tmp_path, quiet_seconds=60,
                                                         rebuild_hours=24)})
    sch = MapScheduler(s)
    assert sch.due("demo", "a", 0)  # never built
    sch.done("demo", "a", 0)
    assert not sch.due("demo", "a", 30)
    assert not sch.due("demo", "b", 40)  # changed: wait until quiet
    assert not sch.due("demo", "c", 90)  # changed again
    assert not sch.due("demo", "c", 140)
    assert sch.due("demo", "c", 151)
    sch.done("demo", "c", 151)
    assert not sch.due("demo", "c", 151 + 3600)
    assert sch.due("demo", "c", 151 + 24 * 3600)


def test_a_foreign_basemap_is_allowed_for_images_only(settings):
    assert map_policy(settings) is None  # no basemap: the default same-origin policy
    geo = settings.geo.model_copy(update={"tile_url": "https://{s}.tile.example.org/{z}/{x}/{y}.png"})
    policy = map_policy(settings.model_copy(update={"geo": geo}))
    assert "img-src 'self' data: blob: https://*.tile.example.org" in policy
    assert "script-src 'self';" in policy and "frame-ancestors *" in policy


# --- from the database: public only --------------------------------------------------


@pytest.fixture
async def hostile(connection):
    """A public hotspot with a hostile name in every text field, a non-public one and a
    decommissioned one (both must never show)."""
    ids = {}
    for code, public, status in [("WL-EVIL", True, "active"), ("WL-HIDDEN", False, "active"),
                                 ("WL-GONE", True, "decommissioned")]:
        ids[code] = await connection.scalar(text(
            "INSERT INTO asset (municipality_id, code, type_code, name, status, geom, attributes,"
            " is_public, manufacturer, model) SELECT id, :code, 'wlan_hotspot', :name, :status,"
            " ST_SetSRID(ST_MakePoint(7.405, 49.905), 4326), CAST(:attrs AS jsonb), :public,"
            " :evil, :evil FROM municipality WHERE slug = 'demo' RETURNING id"),
            {"code": code, "status": status, "public": public, "evil": EVIL,
             "name": EVIL if code == "WL-EVIL" else f"secret {code}",
             "attrs": json.dumps({"ssid": EVIL, "node_id": EVIL, "admin_contact": "x@secret.example"})})
    return ids


@pytest.fixture
async def maps_settings(settings, tmp_path):
    return settings.model_copy(update={"maps": MapsSettings(dir=tmp_path / "maps",
                                                            auto_build=False)})


@pytest.fixture
async def built(sessionmaker, connection, maps_settings, hostile):
    result = await publish.build(sessionmaker, maps_settings, "demo")
    await connection.execute(text("RESET ROLE"))
    return result


async def test_read_map_data_returns_public_points_only(sessionmaker, connection, hostile, count):
    found = await data.read_map_data(sessionmaker, "demo")
    await connection.execute(text("RESET ROLE"))
    by_code = {layer.code: layer for layer in found.layers}
    assert "meter" not in by_code
    assert set(by_code) == {"charging_station", "sensor", "street_light", "wlan_hotspot"}
    for code, layer in by_code.items():
        expected = await count("asset", f"type_code = '{code}' AND is_public AND status IN"
                                        " ('active', 'defective', 'out_of_service')"
                                        " AND municipality_id = (SELECT id FROM municipality"
                                        " WHERE slug = 'demo')")
        assert len(layer.features) == expected, code
    hotspots = by_code["wlan_hotspot"].features
    assert len(hotspots) == 13  # the demo's 12 and the hostile one
    assert "WL-HIDDEN" not in set(hotspots["code"]) and "WL-GONE" not in set(hotspots["code"])
    for layer in found.layers:
        for attrs in layer.features["attributes"]:
            assert not {"admin_contact", "device_eui", "app_key"} & set(attrs)
    assert by_code["sensor"].features.crs.to_epsg() == 4326
    assert hotspots["tag_token"].notna().sum() == 12  # the demo's labels; the new one has none
    assert hotspots["street"].notna().any()
    assert found.boundary["type"] == "MultiPolygon" and len(found.streets["features"]) == 73


async def test_the_build_has_every_map_and_download_and_nothing_secret(built):
    folder = built.folder
    assert built.layers["wlan_hotspot"] == 13
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for lang in ("de", "en", "fr"):
        assert f"index.{lang}.html" in names
        for page in ("all-layers", "wlan_hotspot", "charging_station", "sensor", "street_light"):
            assert {f"{lang}/{page}.html", f"{lang}/{page}.js"} <= names
    for d in ("all-layers", "wlan_hotspot", "charging_station", "sensor", "street_light"):
        assert {f"data/{d}.geojson", f"data/{d}.csv"} <= names
    assert not any("meter" in n for n in names)
    for path in folder.rglob("*"):
        if path.is_file() and path.name != publish.MANIFEST:
            content = path.read_text("utf-8")
            for secret in (*SECRETS, "secret WL-", "x@secret.example"):
                assert secret not in content, (path, secret)
            if path.suffix in (".html", ".js", ".css"):
                assert EVIL not in content, path  # downloads are data: raw there
    html = (folder / "de" / "wlan_hotspot.html").read_text()
    assert html.count("<tr data-ll=") == 13 and EVIL_ESCAPED in html
    geo = json.loads((folder / "data" / "all-layers.geojson").read_text())
    assert {f["properties"]["type"] for f in geo["features"]} == {
        "charging_station", "sensor", "street_light", "wlan_hotspot"}
    evil = next(f for f in geo["features"] if f["properties"]["code"] == "WL-EVIL")
    assert evil["properties"]["name"] == EVIL  # data stays data in the download
    assert evil["properties"]["attributes"] == {"ssid": EVIL, "node_id": EVIL}


@pytest.fixture
def maps_client(maps_settings, connection, sessionmaker):
    application = create_app(maps_settings)
    application.state.engine = connection.engine
    application.state.sessionmaker = sessionmaker
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                             base_url="https://testserver")


async def test_maps_are_served_with_index_language_framing_and_types(built, maps_client):
    async with maps_client as c:
        r = await c.get("/maps/demo/")
        assert r.status_code == 200 and r.headers["content-language"] == "de"
        assert "Öffentliche Karten" in r.text and 'href="de/all-layers.html"' in r.text
        assert ("&lt;iframe src=&#34;http://127.0.0.1:8000/maps/demo/de/all-layers.html&#34;"
                in r.text)  # the snippet, as text, with the public base URL
        assert "data/wlan_hotspot.geojson" in r.text
        assert (await c.get("/maps/demo/?lang=fr")).headers["content-language"] == "fr"
        r = await c.get("/maps/demo/", headers={"accept-language": "en-GB,en;q=0.8"})
        assert "Public maps" in r.text
        r = await c.get("/maps/demo")
        assert r.status_code == 308 and r.headers["location"].endswith("/maps/demo/")

        r = await c.get("/maps/demo/de/wlan_hotspot.html")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors *" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "x-frame-options" not in r.headers
        for url in _loaded_urls(r.text):
            f = await c.get(urljoin("https://testserver/maps/demo/de/wlan_hotspot.html", url))
            assert f.status_code == 200, url
        js = await c.get("/maps/demo/de/wlan_hotspot.js")
        assert js.headers["content-type"].startswith("text/javascript")
        geo = await c.get("/maps/demo/data/wlan_hotspot.geojson")
        assert geo.headers["content-type"] == "application/geo+json"
        assert geo.json()["licence"]
        csv_r = await c.get("/maps/demo/data/wlan_hotspot.csv")
        assert csv_r.headers["content-type"].startswith("text/csv")

        for missing in ("/maps/demo/build.json", "/maps/nowhere/", "/maps/",
                        "/maps/demo/../../pyproject.toml", "/maps/demo/de/%2e%2e/build.json"):
            assert (await c.get(missing)).status_code == 404, missing
        # pages outside /maps/ still refuse to be framed
        r = await c.get("/login")
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_nothing_is_served_before_the_first_build(maps_client):
    async with maps_client as c:
        assert (await c.get("/maps/demo/")).status_code == 404


def test_cli_builds_the_maps(db_url, settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from gisapp.cli import app

    monkeypatch.setenv("GISAPP_DATABASE__URL", db_url)
    monkeypatch.setenv("GISAPP_MAPS__DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["maps", "build", "--municipality", "demo"])
    assert result.exit_code == 0, result.output
    assert "demo: " in result.output and "12 wlan_hotspot" in result.output
    assert (tmp_path / "demo" / "de" / "all-layers.html").is_file()
    result = CliRunner().invoke(app, ["maps", "build", "-m", "nowhere"])
    assert result.exit_code == 1 and "nowhere" in result.output


def test_vendor_files_exist_for_every_link(settings):
    """The pages link files that the installed npm packages really have."""
    root = node_modules(settings)
    page = builder.render_page("x", "X", [_hotspots(1)], _ctx()).html
    for url in _loaded_urls(page):
        path = url.split("?")[0]
        m = re.match(r"\.\./\.\./\.\./static/vendor/([^/]+)/(.+)", path)
        if m:
            from gisapp.static import VENDOR

            package, folder = VENDOR[m.group(1)]
            assert (root / package / folder / m.group(2)).is_file(), url


async def test_embedding_can_be_limited_to_the_municipalitys_site(built, maps_settings,
                                                                  connection, sessionmaker):
    limited = maps_settings.model_copy(update={"maps": maps_settings.maps.model_copy(
        update={"embed_origins": ["https://www.musterdorf.de"]})})
    application = create_app(limited)
    application.state.engine = connection.engine
    application.state.sessionmaker = sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                 base_url="https://testserver") as c:
        r = await c.get("/maps/demo/de/all-layers.html")
        assert r.status_code == 200
        assert "frame-ancestors https://www.musterdorf.de" in r.headers["content-security-policy"]


async def test_a_restart_keeps_a_current_build(built, maps_settings, sessionmaker, connection):
    stamp = await data.fingerprint(sessionmaker, "demo")
    await connection.execute(text("RESET ROLE"))
    sch = MapScheduler(maps_settings)
    assert not sch.due("demo", stamp, 1000.0)  # built from the same data and inputs
    assert not MapScheduler(maps_settings).due("demo", stamp + "x", 1000.0)  # changed: quiet first
    other = maps_settings.model_copy(update={"geo": maps_settings.geo.model_copy(
        update={"tile_url": "https://tiles.example.org/{z}/{x}/{y}.png"})})
    assert MapScheduler(other).due("demo", stamp, 1000.0)  # another basemap: build again


async def test_one_process_builds_the_others_adopt(built, maps_settings, sessionmaker,
                                                  connection):
    """Every server worker runs the schedule: while one builds (holds the folder's lock),
    another skips the round, and afterwards it adopts that build instead of repeating it."""
    from gisapp.public_maps import scheduler as sched

    stamp = await data.fingerprint(sessionmaker, "demo")
    await connection.execute(text("RESET ROLE"))
    other_worker = sched._try_lock(publish.maps_dir(maps_settings))
    assert other_worker is not None
    try:
        assert sched._try_lock(publish.maps_dir(maps_settings)) is None
        assert await MapScheduler(maps_settings).run_once(sessionmaker) == []
    finally:
        other_worker.close()
    waiting = MapScheduler(maps_settings)
    waiting.states["demo"] = sched._State(seen=stamp, seen_since=0.0)  # had never built
    assert await waiting.run_once(sessionmaker) == []  # the build on disk is adopted
    assert waiting.states["demo"].built == stamp
