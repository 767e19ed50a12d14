"""The planner map in a real browser (Debian's chromium via Playwright, like test_browser.py):
a planner logs in, opens the map, draws an area with leaflet-draw by mouse clicks, gets the
list of assets in it, exports them (the download is read back with pyogrio), opens an asset
card with its history, and searches by code. Crews see the map without export and labels;
the anonymous are sent to log in. No request leaves the server, no console error (CSP)."""

from __future__ import annotations

import json
import re

import pyogrio
import pytest
from playwright.async_api import expect
from sqlalchemy import text

from .test_browser import LAUNCH_ARGS, Watch, browser, log_in, screenshots, server  # noqa: F401

MAP = "/m/demo/map"


@pytest.fixture
async def context(browser, server):  # noqa: F811
    ctx = await browser.new_context(base_url=server, locale="de-DE", accept_downloads=True,
                                    viewport={"width": 1400, "height": 950})
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context):
    return await context.new_page()


async def tag_count(engine) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT count(*) FROM tag"))


async def shown(page) -> int:
    """Wait until the map says how many assets it shows; return that number."""
    status = page.locator("#map-status")
    await expect(status).to_have_text(re.compile(r"^Objekte auf der Karte: \d+$"), timeout=20_000)
    return int((await status.text_content()).split()[-1])


async def draw_polygon(page, points) -> None:
    """Click leaflet-draw's polygon tool, click the vertices, close on the first one."""
    await page.locator(".leaflet-draw-draw-polygon").click()
    box = await page.locator("#map").bounding_box()
    for dx, dy in [*points, points[0]]:
        await page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        await page.wait_for_timeout(150)


async def test_planner_draws_lists_exports_and_searches(page, context, server, engine,  # noqa: F811
                                                        screenshots, tmp_path):  # noqa: F811
    watch = Watch(page, server)
    before = await tag_count(engine)
    await log_in(page, "planner", next_url=MAP)
    await expect(page.get_by_role("heading", name="Karte von Musterdorf")).to_be_visible()
    total = await shown(page)
    r = await context.request.post("/api/v1/municipalities/demo/spatial/search",
                                   data=json.dumps({"limit": 10000}),
                                   headers={"Content-Type": "application/json",
                                            "X-CSRF-Token": await _csrf(context)})
    assert total == len((await r.json())["items"]) > 1000
    lights = page.locator("[data-count-for='street_light']")
    assert int(await lights.text_content()) > 1000
    await page.screenshot(path=str(screenshots / "planner-map.png"))

    # draw an area by clicks; the list comes from the same search the script sent
    async with page.expect_request(lambda rq: rq.url.endswith("/spatial/search")
                                   and "area" in (rq.post_data or "")) as sent:
        await draw_polygon(page, [(-160, -120), (150, -140), (170, 130), (-140, 150)])
    body = json.loads((await sent.value).post_data)
    assert body["area"]["type"] == "Polygon" and len(body["area"]["coordinates"][0]) == 5
    selection = page.locator("#map-selection")
    await expect(selection).to_be_visible()
    r = await context.request.post("/api/v1/municipalities/demo/spatial/search",
                                   data=json.dumps(body), headers={
                                       "Content-Type": "application/json",
                                       "X-CSRF-Token": await _csrf(context)})
    expected = [i["code"] for i in (await r.json())["items"]]
    assert 10 < len(expected) < total
    await expect(page.locator("#selection-count")).to_have_text(
        f"Objekte im Gebiet: {len(expected)}")
    items = page.locator("#selection-list button")
    await expect(items).to_have_count(len(expected))
    assert [t.split(" · ")[0] for t in await items.all_text_contents()] == expected
    await page.screenshot(path=str(screenshots / "planner-map-area.png"))

    # export the area as GeoPackage in EPSG:25832
    await page.locator("#export-format").select_option("gpkg")
    await page.locator("#export-crs").fill("25832")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Exportieren").click()
    download = await download_info.value
    assert download.suggested_filename.endswith("-epsg25832.gpkg")
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    layers = {name: pyogrio.read_dataframe(path, layer=name)
              for name, _ in pyogrio.list_layers(path)}
    assert sorted(c for layer in layers.values() for c in layer["code"]) == sorted(expected)
    assert all(layer.crs.to_epsg() == 25832 for layer in layers.values())
    await expect(page.locator("#map-status")).to_contain_text("Export bereit")

    # a label sheet for the listed assets (all labelled already: nothing new is issued)
    async with page.expect_download() as label_info:
        await page.get_by_role("button", name="Etiketten drucken").click()
    pdf = await label_info.value
    assert pdf.suggested_filename == "labels-demo.pdf"
    assert (await pdf.path()).read_bytes().startswith(b"%PDF")
    await expect(page.locator("#map-status")).to_contain_text(f"Etiketten: {len(expected)}")

    # the card of the first listed asset, with its history
    await items.first.click()
    card = page.locator("#asset-card")
    await expect(card).to_be_visible()
    await expect(page.locator("#card-title")).to_contain_text(expected[0])
    await expect(card.get_by_role("heading", name="Verlauf")).to_be_visible()
    await expect(card).to_contain_text("angelegt")

    # search by code, right after opening the card: markercluster used to ignore the move
    # to the found asset when it came within its animation after the card's zoom, and the
    # found light's marker stayed undrawn (the marker is clicked below)
    await page.get_by_label("Suche nach Kennung oder Name").fill("SL-0142")
    await page.get_by_role("button", name="Suchen").click()
    await expect(page.locator("#map-search-results button")).to_have_count(1)
    await expect(page.locator("#card-title")).to_contain_text("SL-0142")
    await page.screenshot(path=str(screenshots / "planner-map-card.png"))

    # clicking a marker (the searched light is on screen now) opens its card too
    await page.get_by_role("button", name="Gebiet entfernen").click()
    await expect(selection).to_be_hidden()
    await page.locator("#card-close").click()
    await expect(card).to_be_hidden()
    await page.screenshot(path=str(screenshots / "planner-map-zoomed.png"))
    marker = page.locator("#map .asset-marker[data-code='SL-0142']")
    await expect(marker).to_be_visible()
    await marker.click()
    await expect(card).to_be_visible()
    await expect(page.locator("#card-title")).to_contain_text("SL-0142")

    assert await tag_count(engine) == before
    watch.check()


async def _csrf(context) -> str:
    r = await context.request.get("/api/v1/auth/me")
    return (await r.json())["csrf_token"]


async def test_crew_sees_the_map_read_only(page, server):  # noqa: F811
    watch = Watch(page, server)
    await log_in(page, "crew", next_url=MAP)
    await shown(page)
    await expect(page.get_by_role("button", name="Exportieren")).to_have_count(0)
    await expect(page.get_by_role("button", name="Etiketten drucken")).to_have_count(0)
    await page.get_by_label("Nur überfällige").check()
    overdue = await shown(page)
    assert 0 < overdue < 1000
    watch.check()


async def test_the_anonymous_are_sent_to_log_in(page, server):  # noqa: F811
    await page.goto(MAP)
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fm%2Fdemo%2Fmap$"))
