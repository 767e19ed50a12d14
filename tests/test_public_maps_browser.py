"""The public maps in a real browser (Debian's chromium, headless, via Playwright): every built
map shows all its points (markers and clusters add up to the rows of its list), popups open
by mouse and keyboard, hostile names stay text in popups, tooltips and lists, the combined
map switches layers, the maps work inside another site's iframe, and no request leaves the
app's own origin (no basemap configured), with no console error (CSP violations included).

The server is gisapp under uvicorn on the test database; it builds the maps itself when it
starts (the lifespan's scheduler), into a temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text

from .test_browser import CHROMIUM, LAUNCH_ARGS, Watch
from .live_server import live_server

from playwright.async_api import async_playwright, expect  # noqa: E402

EVIL = "<img src=x onerror=alert(1)>"
EVIL_TYPE = "browser_evil"
PAGES = ("all-layers", "wlan_hotspot", "charging_station", "sensor", "street_light", EVIL_TYPE)


async def _remove_evil(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "SELECT set_config('gisapp.municipality_id',"
            " (SELECT id::text FROM municipality WHERE slug = 'demo'), true)"))
        ids = "SELECT id FROM asset WHERE code IN ('WL-EVIL-B', 'BE-1')"
        await conn.execute(text(f"DELETE FROM asset_history WHERE asset_id IN ({ids})"))
        await conn.execute(text(f"DELETE FROM asset WHERE id IN ({ids})"))
        await conn.execute(text("DELETE FROM asset_type WHERE code = :c"), {"c": EVIL_TYPE})


async def _add_evil(engine) -> None:
    """A hostile public hotspot and a custom public type whose label, field title and values
    are hostile too, committed so the server sees them."""
    async with engine.begin() as conn:
        await conn.execute(text(
            "SELECT set_config('gisapp.municipality_id',"
            " (SELECT id::text FROM municipality WHERE slug = 'demo'), true)"))
        await conn.execute(text(
            "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de, label_en,"
            " label_fr, attribute_schema, public_by_default, color)"
            " SELECT id, :code, 'BE', :evil, :evil, :evil, CAST(:schema AS jsonb), true, '#7b2cbf'"
            " FROM municipality WHERE slug = 'demo'"),
            {"code": EVIL_TYPE, "evil": EVIL, "schema": json.dumps({
                "type": "object", "properties": {"branch": {"type": "string", "title": EVIL}}})})
        for code, type_code, attrs in [
            ("WL-EVIL-B", "wlan_hotspot", {"ssid": EVIL, "provider": "other"}),
            ("BE-1", EVIL_TYPE, {"branch": EVIL}),
        ]:
            await conn.execute(text(
                "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,"
                " is_public) SELECT id, :code, :type, :evil,"
                " ST_SetSRID(ST_MakePoint(7.3601, 49.9601), 4326), CAST(:attrs AS jsonb), true"
                " FROM municipality WHERE slug = 'demo'"),
                {"code": code, "type": type_code, "evil": EVIL, "attrs": json.dumps(attrs)})


@pytest.fixture(scope="module")
async def server(settings, engine, tmp_path_factory):
    """gisapp under uvicorn; its scheduler builds the maps on start."""
    await _remove_evil(engine)
    await _add_evil(engine)
    maps = tmp_path_factory.mktemp("maps")
    try:
        async with live_server(settings.database.url, ready_path="/maps/demo/", wait_s=120,
                               GISAPP_MAPS__AUTO_BUILD="true", GISAPP_MAPS__DIR=str(maps),
                               GISAPP_MAPS__POLL_SECONDS="3600") as base:
            yield base
    finally:
        await _remove_evil(engine)


@pytest.fixture(scope="module")
async def browser():
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                            args=LAUNCH_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser, server):
    ctx = await browser.new_context(base_url=server, locale="de-DE",
                                    viewport={"width": 1280, "height": 900})
    p = await ctx.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
    yield p
    await ctx.close()


async def _open(page, path):
    await page.goto(path)
    await expect(page.locator(".folium-map[data-ready=true]")).to_have_count(1)
    # clusters animate in; wait until the icons settled
    await page.wait_for_timeout(400)


async def _shown_points(page) -> int:
    """Points on the map: single markers plus the counts on the cluster icons."""
    return await page.evaluate("""() => {
        let n = document.querySelectorAll('.leaflet-marker-icon.gm-marker').length;
        for (const c of document.querySelectorAll('.marker-cluster span'))
            n += parseInt(c.firstChild.textContent, 10);
        return n;
    }""")


@pytest.mark.parametrize("name", PAGES)
async def test_each_map_shows_all_its_points_and_asks_nothing_of_others(page, server, name):
    watch = Watch(page, server)
    await _open(page, f"/maps/demo/de/{name}.html")
    rows = await page.locator("table[data-layer] tbody tr").count()
    assert rows > 0
    assert await _shown_points(page) == rows
    await expect(page.locator(".leaflet-control-locate")).to_have_count(1)
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("Musterdorf")
    assert await page.locator(".leaflet-tile").count() == 0  # no basemap configured
    watch.check()
    assert page.dialogs == []


async def test_street_lights_are_clustered(page, server):
    await _open(page, "/maps/demo/de/street_light.html")
    clusters = await page.locator(".marker-cluster").count()
    assert 0 < clusters < 200, clusters  # 1,058 lights in a few dozen clusters


async def test_popup_of_a_hostile_hotspot_shows_text(page, server):
    watch = Watch(page, server)
    await _open(page, "/maps/demo/de/wlan_hotspot.html")
    row_name = page.locator("tbody th", has_text=EVIL)
    await expect(row_name).to_have_count(1)  # the list shows the name as text
    await row_name.click()  # "show on map": zooms to the marker and opens its popup
    popup = page.locator(".leaflet-popup-content")
    await expect(popup.locator("h3")).to_have_text(EVIL)
    await expect(popup).to_contain_text("Netzwerkname (SSID)")
    await expect(popup.locator("dd", has_text=EVIL)).to_have_count(1)
    marker = page.locator(f'.gm-marker[title="{EVIL}"]')
    await expect(marker).to_have_count(1)  # the tooltip: the title, as text
    assert await page.locator("img[src=x]").count() == 0
    assert page.dialogs == []
    watch.check()


async def test_a_custom_type_with_hostile_label_and_fields(page, server):
    watch = Watch(page, server)
    await _open(page, f"/maps/demo/de/{EVIL_TYPE}.html")
    await expect(page.locator("caption")).to_contain_text(EVIL)
    await expect(page.locator("thead th", has_text=EVIL)).to_have_count(1)
    await page.locator("tbody th").first.click()
    await expect(page.locator(".leaflet-popup-content dt")).to_contain_text([EVIL])
    await page.goto("/maps/demo/de/all-layers.html")
    await expect(page.locator(".leaflet-control-layers-overlays")).to_contain_text(EVIL)
    assert await page.locator("img[src=x]").count() == 0
    assert page.dialogs == []
    watch.check()


async def test_keyboard_opens_clusters_and_popups(page, server):
    await _open(page, "/maps/demo/de/charging_station.html")
    for _ in range(5):  # Enter on a cluster zooms into it
        if await page.locator(".gm-marker").count():
            break
        await page.locator(".marker-cluster").first.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_timeout(600)
    marker = page.locator(".gm-marker").first
    await marker.focus()
    await page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    await expect(popup.locator("h3")).to_have_text(await marker.get_attribute("title"))
    await expect(popup).to_contain_text("Stecker und Leistung")
    await expect(popup.get_by_role("link", name="Problem hier melden")).to_have_attribute(
        "href", re.compile(r"/t/[A-Za-z0-9_-]{16,}$"))


async def test_combined_map_switches_layers(page, server):
    await _open(page, "/maps/demo/de/all-layers.html")
    overlays = page.locator(".leaflet-control-layers-overlays label")
    assert await overlays.count() == await page.locator("table[data-layer]").count()
    before = await _shown_points(page)
    lights = await page.locator("table[data-layer=street_light] tbody tr").count()
    await overlays.filter(has_text="Straßenleuchte").locator("input").uncheck()
    await page.wait_for_timeout(400)
    assert await _shown_points(page) == before - lights


async def test_index_links_maps_downloads_and_embeds(page, server, browser):
    watch = Watch(page, server)
    await page.goto("/maps/demo/")
    await expect(page.get_by_role("heading", name="Öffentliche Karten")).to_be_visible()
    await page.get_by_role("link", name="Alle Ebenen auf einer Karte").click()
    await expect(page.locator(".folium-map[data-ready=true]")).to_have_count(1)
    await page.get_by_role("link", name="Français").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    watch.check()
    # framed by another site: a page on another origin (another port) with the snippet
    snippet = (f'<!DOCTYPE html><title>Gemeinde</title><iframe src="{server}/maps/demo/de/'
               'wlan_hotspot.html" width="800" height="600"></iframe>').encode()

    class Host(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(snippet)

        def log_message(self, *args):
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    ctx = await browser.new_context()
    try:
        host = await ctx.new_page()
        await host.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        frame = host.frame_locator("iframe")
        await expect(frame.locator(".folium-map[data-ready=true]")).to_have_count(1)
        await expect(frame.locator(".leaflet-marker-icon").first).to_be_visible()
    finally:
        await ctx.close()
        site.shutdown()
