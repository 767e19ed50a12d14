"""The planner map in a real browser (Debian's chromium via Playwright, like test_browser.py):
a planner logs in, opens the map, draws an area with leaflet-draw by mouse clicks, gets the
list of assets in it, exports them (the download is read back with pyogrio), opens an asset
card with its history, and searches by code; asks the other spatial questions (district,
along a street, around a set point, nearest to it) and reads the statistics per district;
folds layers and filters away, a late answer to an older request is never drawn, and the
map says when it shows only the first assets.
Crews see the map without export and labels; the anonymous are sent to log in. No request leaves the server, no console error (CSP)."""

from __future__ import annotations

import asyncio
import json
import re

import pyogrio
import pytest
from babel.numbers import format_decimal
from playwright.async_api import Error as PlaywrightError
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


async def stored_folds(page, ready) -> None:
    """Wait until the folded sections the page keeps satisfy ``ready``: the toggle event
    that stores them comes a task after the click (polled from here, as the page's CSP
    forbids the string evaluation of wait_for_function)."""
    for _ in range(50):
        kept = await page.evaluate("() => localStorage.getItem('gisapp.planner-map.folded')")
        if ready(None if kept is None else json.loads(kept)):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"folded sections never stored as expected: {kept!r}")


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
    assert int((await lights.text_content()).replace(".", "")) > 1000  # German digit groups
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
    await expect(page.locator("#selection-title")).to_have_text("Objekte im gezeichneten Gebiet")
    await expect(page.locator("#selection-count")).to_have_text(f"Objekte: {len(expected)}")
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
    await page.get_by_role("button", name="Abfrage zurücksetzen").click()
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


async def _api(context, path: str, body: dict) -> dict:
    r = await context.request.post(f"/api/v1/municipalities/demo{path}", data=json.dumps(body),
                                   headers={"Content-Type": "application/json",
                                            "X-CSRF-Token": await _csrf(context)})
    assert r.ok, await r.text()
    return await r.json()


async def _asked(page, kind: str | None = None) -> dict:
    """Press "Abfragen" (or draw, when ``kind`` is None) and return the search it sent."""
    async with page.expect_request(lambda rq: rq.url.endswith("/spatial/search")
                                   and rq.method == "POST") as sent:
        if kind is not None:
            await page.get_by_role("button", name="Abfragen", exact=True).click()
    return json.loads((await sent.value).post_data)


async def _listed(page, expected: list[str], shape: bool = False) -> None:
    """The list shows ``expected``; the map has a ring round each, all of them in view,
    and the outline of the district or street asked about when ``shape``."""
    items = page.locator("#selection-list button")
    await expect(items).to_have_count(len(expected))
    assert [t.split(" · ")[0] for t in await items.all_text_contents()] == expected
    rings = page.locator("#map path.answer-ring")
    await expect(rings).to_have_count(len(expected))
    await expect(page.locator("#map path.answer-shape")).to_have_count(1 if shape else 0)
    box = await page.locator("#map").bounding_box()
    # framed: once the map has moved, every ring is drawn inside the map (Leaflet leaves a
    # ring outside the view as an empty path)
    in_view = -1
    for _ in range(50):  # the fit to the answer is animated: up to 10 s
        in_view = await rings.evaluate_all(
            """(paths, box) => paths.filter(p => { const r = p.getBoundingClientRect();
                 return r.width > 0 && r.left >= box.x - 1 && r.right <= box.x + box.width + 1
                        && r.top >= box.y - 1 && r.bottom <= box.y + box.height + 1; }).length""",
            box)
        if in_view == len(expected):
            break
        await page.wait_for_timeout(200)
    assert in_view == len(expected)


async def test_planner_asks_spatial_questions_and_reads_statistics(page, context, server,  # noqa: F811
                                                                   screenshots):  # noqa: F811
    watch = Watch(page, server)
    await log_in(page, "planner", next_url=MAP)
    await shown(page)
    kind = page.get_by_label("Welche Objekte?")

    # a district
    await kind.select_option("district")
    await page.get_by_label("Ortsteil", exact=True).select_option("Oberweiler")
    body = await _asked(page, "district")
    assert body["district"] == "Oberweiler"
    expected = [i["code"] for i in (await _api(context, "/spatial/search", body))["items"]]
    assert len(expected) > 50
    await expect(page.locator("#selection-title")).to_have_text("Objekte in Oberweiler")
    await _listed(page, expected, shape=True)

    # within 25 m of a street (the road to be rebuilt), nearest first
    await kind.select_option("street")
    await page.get_by_label("Straße", exact=True).select_option("Hauptstraße")
    await page.get_by_label("Abstand bis (Meter)").fill("25")
    body = await _asked(page, "street")
    assert body["near"] == {"street": "Hauptstraße", "distance_m": 25}
    answer = (await _api(context, "/spatial/search", body))["items"]
    assert answer and all(i["distance_m"] <= 25 for i in answer)
    await expect(page.locator("#selection-title")).to_have_text(
        "Objekte bis 25 m Abstand zur Straße Hauptstraße")
    await _listed(page, [i["code"] for i in answer], shape=True)
    first = page.locator("#selection-list button").first
    await expect(first).to_contain_text(f"{round(answer[0]['distance_m'])} m")

    # a point set on the map: the 5 nearest, then everything within 60 m of it
    await kind.select_option("nearest")
    await page.get_by_label("Wie viele").fill("5")
    await page.locator(".leaflet-draw-draw-marker").click()
    box = await page.locator("#map").bounding_box()
    async with page.expect_request(lambda rq: rq.url.endswith("/spatial/search")) as sent:
        await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    body = json.loads((await sent.value).post_data)
    assert body["nearest"]["count"] == 5 and body["nearest"]["point"]["type"] == "Point"
    nearest = (await _api(context, "/spatial/search", body))["items"]
    assert len(nearest) == 5
    assert [i["distance_m"] for i in nearest] == sorted(i["distance_m"] for i in nearest)
    await expect(page.locator("#selection-title")).to_have_text(
        "Die 5 nächsten Objekte zum Punkt")
    await _listed(page, [i["code"] for i in nearest])
    await kind.select_option("point")
    await page.get_by_label("Abstand bis (Meter)").fill("60")
    body = await _asked(page, "point")
    assert body["near"]["distance_m"] == 60 and body["near"]["geometry"]["type"] == "Point"
    around = (await _api(context, "/spatial/search", body))["items"]
    await _listed(page, [i["code"] for i in around])
    assert {i["code"] for i in nearest if i["distance_m"] <= 60} <= {i["code"] for i in around}
    await page.screenshot(path=str(screenshots / "planner-map-point.png"))

    # statistics per district of the whole municipality (no question), as the API counts
    await page.get_by_role("button", name="Abfrage zurücksetzen").click()
    await page.get_by_role("button", name="Statistik je Ortsteil").click()
    stats_panel = page.locator("#map-stats")
    await expect(stats_panel).to_be_visible()
    checked = await page.locator("#map-filters input[name='status']:checked").evaluate_all(
        "inputs => inputs.map(i => i.value)")
    types = await page.locator("#map-layers input[name='type']:checked").evaluate_all(
        "inputs => inputs.map(i => i.value)")
    stats = await _api(context, "/spatial/stats", {"types": types, "statuses": checked,
                                                   "group_by": ["district", "type"]})
    await expect(page.locator("#stats-rows tr")).to_have_count(len(stats["groups"]))
    total = page.locator("#stats-total td")
    await expect(total.nth(2)).to_have_text(german(stats["total"]["count"], 0))
    await expect(total.nth(3)).to_have_text(german(stats["total"]["power_w"] / 1000, 1))
    await expect(total.nth(4)).to_have_text(german(stats["total"]["annual_kwh"], 0))
    await expect(page.locator("#stats-scope")).to_have_text(
        "Die ganze Gemeinde, mit den gewählten Ebenen und Filtern.")
    await page.screenshot(path=str(screenshots / "planner-map-stats.png"))
    watch.check()


async def test_export_and_labels_without_a_question_take_what_the_map_shows(
        page, context, server, engine, tmp_path):  # noqa: F811
    """No area needs drawing to export a layer: without a question, the export and the label
    sheet take the whole municipality with the layers and filters chosen (here: only the
    WLAN hotspots), as the statistics do, and the panel says so."""
    watch = Watch(page, server)
    before = await tag_count(engine)
    await log_in(page, "planner", next_url=MAP)
    await shown(page)
    await expect(page.locator("#export-scope")).to_have_text(
        "Die ganze Gemeinde, mit den gewählten Ebenen und Filtern.")
    for box in await page.locator("#map-layers input").all():
        if await box.get_attribute("value") != "wlan_hotspot":
            await box.uncheck()
    statuses = await page.locator("#map-filters input[name='status']:checked").evaluate_all(
        "inputs => inputs.map(i => i.value)")
    wanted = sorted(i["code"] for i in (await _api(context, "/spatial/search", {
        "types": ["wlan_hotspot"], "statuses": statuses, "limit": 10000}))["items"])
    assert len(wanted) > 5
    await expect(page.locator("#map-status")).to_have_text(f"Objekte auf der Karte: {len(wanted)}")

    await page.locator("#export-format").select_option("geojson")
    await page.locator("#export-crs").fill("4326")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Exportieren").click()
    path = tmp_path / (await download_info.value).suggested_filename
    await (await download_info.value).save_as(path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(f["properties"]["code"] for f in exported["features"]) == wanted

    async with page.expect_download() as label_info:
        await page.get_by_role("button", name="Etiketten drucken").click()
    assert (await (await label_info.value).path()).read_bytes().startswith(b"%PDF")
    await expect(page.locator("#map-status")).to_contain_text(f"Etiketten: {len(wanted)}")
    assert await tag_count(engine) == before  # every hotspot has its label already

    # a question narrows both again, and clearing it widens them back
    await page.locator("#question-kind").select_option("district")
    district = await page.locator("#question-district option").first.text_content()
    await page.get_by_role("button", name="Abfragen").click()
    await expect(page.locator("#export-scope")).to_have_text(
        f"Objekte in {district}, mit den gewählten Ebenen und Filtern.")
    await page.get_by_role("button", name="Abfrage zurücksetzen").click()
    await expect(page.locator("#export-scope")).to_have_text(
        "Die ganze Gemeinde, mit den gewählten Ebenen und Filtern.")
    watch.check()


def german(value: float, digits: int) -> str:
    """A number as the page writes it in German (toLocaleString, at most ``digits``)."""
    text = f"{round(value, digits):,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


async def _csrf(context) -> str:
    r = await context.request.get("/api/v1/auth/me")
    return (await r.json())["csrf_token"]


async def test_the_card_shows_records_in_german_and_flags_one_made_far_away(
        page, context, server):  # noqa: F811
    """A crew's record made 300 m from the light: the office sees it flagged on the card,
    with the kind and result in the page's language (the API stores only the codes)."""
    watch = Watch(page, server)
    await log_in(page, "planner", next_url=MAP)
    await shown(page)
    r = await context.request.get("/api/v1/municipalities/demo/assets?q=SL-0077")
    (light,) = [a for a in (await r.json())["items"] if a["code"] == "SL-0077"]
    lon, lat = light["geometry"]["coordinates"]
    await _api(context, f"/assets/{light['id']}/maintenance", {
        "kind": "lamp_replacement", "result": "fixed", "capture_method": "qr",
        "position": {"lon": lon, "lat": lat + 0.0027}, "accuracy_m": 10,
        "performed_by": "Team Nord", "notes": "LED-Modul getauscht"})
    await page.get_by_label("Suche nach Kennung oder Name").fill("SL-0077")
    await page.get_by_role("button", name="Suchen").click()
    card = page.locator("#asset-card")
    await expect(page.locator("#card-title")).to_contain_text("SL-0077")
    # attributes under the names the crew's app gives them, yes/no and choices in words
    dimmable = card.locator("dt", has_text=re.compile("^Dimmbar$"))
    await expect(dimmable.locator("xpath=following-sibling::dd[1]")).to_have_text(
        re.compile("^(ja|nein)$"))
    mounting = card.locator("dt", has_text=re.compile("^Montage$"))
    await expect(mounting.locator("xpath=following-sibling::dd[1]")).to_have_text(
        re.compile("^(Mastaufsatz|Ausleger)$"))
    # numbers as German writes them ("4,5")
    height = card.locator("dt", has_text=re.compile("^Masthöhe \\(m\\)$"))
    await expect(height.locator("xpath=following-sibling::dd[1]")).to_have_text(
        format_decimal(light["attributes"]["pole_height_m"], locale="de"))
    latest = card.locator(".card-events").first.locator("li").first
    await expect(latest).to_contain_text(
        "Leuchtmitteltausch · behoben · von Team Nord · LED-Modul getauscht")
    await expect(latest.locator(".card-flagged")).to_have_text(re.compile(
        r"^Erfasst 30\d m vom Objekt \(GPS ±10 m\): "))
    # the office's list of such records: the filter shows the assets the API names
    flagged = (await _api(context, "/spatial/search", {"flagged": True, "limit": 10_000}))
    codes = {a["code"] for a in flagged["items"]}
    assert "SL-0077" in codes
    async with page.expect_request(lambda rq: "/spatial/search?f=geojson" in rq.url) as sent:
        await page.get_by_label("Nur wo die letzte Erfassung weit vom Objekt entfernt war").check()
    assert (await sent.value).post_data_json["flagged"] is True
    await expect(page.locator("#map-status")).to_have_text(f"Objekte auf der Karte: {len(codes)}")
    # the office looked into it: the card says so, and the light leaves the filtered map
    await latest.get_by_label("Was Sie festgestellt haben (optional)").fill(
        "Etikett hängt an SL-0078")
    await latest.get_by_role("button", name="Als geprüft markieren").click()
    reviewed = card.locator(".card-events").first.locator("li").first.locator(".card-reviewed")
    await expect(reviewed).to_have_text(re.compile(
        r"^Geprüft von planner am .+: Etikett hängt an SL-0078$"))
    await expect(card.get_by_role("button", name="Als geprüft markieren")).to_have_count(0)
    await expect(page.locator("#map-status")).to_have_text(
        f"Objekte auf der Karte: {len(codes) - 1}")
    # a mistake after all: taken back, the light is on the filtered map again
    first = card.locator(".card-events").first.locator("li").first
    await first.get_by_label("Warum (optional)").fill("anderen Mast angesehen")
    await first.get_by_role("button", name="Prüfung zurücknehmen").click()
    await expect(first.locator(".card-reviewed")).to_have_text(re.compile(
        r"^Prüfung zurückgenommen von planner am .+: anderen Mast angesehen$"))
    await expect(first.get_by_role("button", name="Als geprüft markieren")).to_be_visible()
    await expect(page.locator("#map-status")).to_have_text(f"Objekte auf der Karte: {len(codes)}")
    watch.check()


async def test_a_late_answer_is_not_drawn_and_layers_and_filters_fold(page, context,
                                                                      server):  # noqa: F811
    """Two filter changes in a row: the map's first request is held back by the test until the
    second one has been answered. Only the newest answer may be drawn, so the page cancels the
    older request; without that, its late answer put every overdue street light back on the
    map (and the count) after street lights had been switched off. Then the planner folds the
    layers and filters away, still sees that both differ from the default, and after a
    reload the fold is remembered and the spatial question is on the screen."""
    watch = Watch(page, server)
    await log_in(page, "planner", next_url=MAP)
    await shown(page)
    held, released = [], asyncio.Event()

    async def hold_first(route):
        if held:
            await route.continue_()
            return
        held.append(route.request.post_data)
        await asyncio.sleep(2)
        try:
            await route.continue_()
        except PlaywrightError:
            pass  # the page cancelled it meanwhile
        released.set()

    await page.route("**/spatial/search?f=geojson", hold_first)
    await page.locator("#map-filters input[name='overdue']").check()     # held back
    lights = page.locator("#map-layers input[value='street_light']")
    await lights.uncheck()                                                 # answered at once
    await asyncio.wait_for(released.wait(), 10)
    await page.wait_for_timeout(500)
    assert json.loads(held[0])["types"].count("street_light") == 1
    r = await context.request.post("/api/v1/municipalities/demo/spatial/search", data=json.dumps(
        {"limit": 10000, "overdue": True, "types": [
            t for t in await page.locator("#map-layers input:checked").evaluate_all(
                "list => list.map(i => i.value)")]}),
        headers={"Content-Type": "application/json", "X-CSRF-Token": await _csrf(context)})
    wanted = len((await r.json())["items"])
    assert 0 < wanted == await shown(page)
    await expect(page.locator("[data-count-for='street_light']")).to_have_text("0")
    await page.unroute("**/spatial/search?f=geojson")

    await expect(page.locator("#layers-note")).to_have_text("(ausgeblendet: 1)")
    await expect(page.locator("#filters-note")).to_have_text("(geändert: 1)")
    for section in ("layers", "filters"):
        await page.locator(f"details[data-section='{section}'] > summary").click()
    await expect(lights).to_be_hidden()
    await stored_folds(page, lambda kept: kept is not None and len(kept) == 2)
    await page.reload()
    await shown(page)
    await expect(page.locator("details.map-section[open]")).to_have_count(0)
    question = await page.locator("#question-form").bounding_box()
    assert question["y"] + question["height"] < page.viewport_size["height"]
    await page.locator("details[data-section='filters'] > summary").click()
    await expect(page.locator("#map-filters input[name='overdue']")).to_be_visible()
    watch.check()


async def test_on_a_narrow_screen_layers_and_filters_start_folded(browser, server):  # noqa: F811
    """On a tablet in portrait the map sits below the panel: until the reader chooses,
    layers and filters start folded (so the map is near), and that default is not kept as
    a choice; unfolding one is."""
    ctx = await browser.new_context(base_url=server, locale="de-DE",
                                    viewport={"width": 768, "height": 1024})
    page = await ctx.new_page()
    watch = Watch(page, server)
    await log_in(page, "planner", next_url=MAP)
    await shown(page)
    await expect(page.locator("details.map-section[open]")).to_have_count(0)
    assert await page.evaluate("localStorage.getItem('gisapp.planner-map.folded')") is None
    await page.locator("details[data-section='layers'] > summary").click()
    await expect(page.locator("details.map-section[open]")).to_have_count(1)
    await stored_folds(page, lambda kept: kept is not None)
    assert await page.evaluate(
        "JSON.parse(localStorage.getItem('gisapp.planner-map.folded'))") == ["filters"]
    await page.reload()
    await shown(page)
    await expect(page.locator("details[data-section='layers']")).to_have_attribute("open", "")
    watch.check()
    await ctx.close()


async def test_the_map_says_when_it_shows_only_the_first_assets(page, server,  # noqa: F811
                                                                 engine):
    """A municipality with more assets than one answer holds (10,000): the map must not
    pass the first ones off as all of them. The test lowers the page's limit to 25 on its
    way to the real server, which then answers "more"; the counts per layer are still all
    the assets of each type (counted here in the database); with fewer layers than that the
    plain count comes back."""
    async with engine.connect() as conn:
        expected = dict((await conn.execute(text(
            "SELECT a.type_code, count(*) FROM asset a JOIN municipality m "
            "ON m.id = a.municipality_id WHERE m.slug = 'demo' "
            "AND a.status <> 'decommissioned' GROUP BY a.type_code"))).all())
    assert sum(expected.values()) > 25
    watch = Watch(page, server)
    limits = []

    async def lower_limit(route):
        body = json.loads(route.request.post_data)
        limits.append(body["limit"])
        body["limit"] = 25
        await route.continue_(post_data=json.dumps(body))

    await page.route("**/spatial/search?f=geojson", lower_limit)
    await log_in(page, "planner", next_url=MAP)
    status = page.locator("#map-status")
    await expect(status).to_have_text(
        "Objekte auf der Karte: nur die ersten 25. Blenden Sie Ebenen aus oder setzen Sie "
        "einen Filter, um die übrigen zu sehen.", timeout=20_000)
    assert limits == [10_000]
    for code, count in expected.items():
        await expect(page.locator(f"[data-count-for='{code}']")).to_have_text(
            format_decimal(count, locale="de"))
    for code in await page.locator("#map-layers input:checked").evaluate_all(
            "list => list.map(i => i.value)"):
        if code != "charging_station":
            await page.locator(f"#map-layers input[value='{code}']").uncheck()
    assert 0 < await shown(page) < 25
    watch.check()


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
