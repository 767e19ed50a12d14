"""The field app in a real browser (Debian's chromium via Playwright) on a phone-sized
screen, against gisapp served by uvicorn on the test database: scanning, logging in,
recording with a photo, working offline and syncing exactly once (also across a server
restart and a lost answer), what the public sees, the far-from-the-asset warning, capturing
an asset from a blank label, a conflict with the office, and a meter reading to confirm.
No page asks anything of another origin or logs an error other than those a test expects.

What the browser writes is committed to the test database; the module removes it after.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from .conftest import DEMO_PASSWORD
from . import test_browser as shared
from .test_browser import Watch, log_in
from .live_server import free_port

from playwright.async_api import Page, expect  # after test_browser's skip: needs chromium

ROOT = Path(__file__).resolve().parent.parent
DEMO = "/api/v1/municipalities/demo"
# the pages' browser tests' fixtures: one chromium per module, screenshots to $GISAPP_SCREENSHOTS
browser = shared.browser
screenshots = shared.screenshots
PHONE = {"width": 390, "height": 844}
OFFLINE_ERRORS = (r"net::ERR_INTERNET_DISCONNECTED", r"net::ERR_FAILED")


class LiveServer:
    """gisapp under uvicorn on a fixed port, so that it can be stopped and started again."""

    def __init__(self, settings) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GISAPP_")}
        self.env.update(GISAPP_DATABASE__URL=settings.database.url,
                        GISAPP_SERVER__PUBLIC_BASE_URL=self.base, GISAPP_MAPS__AUTO_BUILD="false")
        self.proc: subprocess.Popen | None = None
        # a file, not a pipe: a pipe nobody reads stalls the server once its buffer is full
        self.log = tempfile.TemporaryFile("w+")

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "gisapp.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as http:
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if self.proc.poll() is not None:
                    self.log.seek(0)
                    raise AssertionError(f"the server ended: {self.log.read()[-3000:]}")
                assert time.monotonic() < deadline, "server did not come up"
                await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


async def _as_owner(engine, sql: str, **params):
    async with engine.begin() as conn:
        await conn.execute(text(
            "SELECT set_config('gisapp.municipality_id',"
            " (SELECT id::text FROM municipality WHERE slug = 'demo'), true)"))
        return (await conn.execute(text(sql), params)).all()


async def _remove_field_data(engine, since: datetime) -> None:
    """What the tests and the browser wrote: records, photos, conflicts, labels, captured
    assets, logins. The demo's own rows are older than ``since``."""
    for sql in (
        "DELETE FROM photo WHERE created_at >= :t",
        "DELETE FROM maintenance_review WHERE created_at >= :t",
        "DELETE FROM maintenance_record WHERE created_at >= :t AND client_id IS NOT NULL",
        "DELETE FROM field_conflict WHERE created_at >= :t",
        "DELETE FROM tag_event WHERE tag_id IN (SELECT id FROM tag WHERE created_at >= :t)",
        "DELETE FROM tag WHERE created_at >= :t",
        "DELETE FROM maintenance_record WHERE asset_id IN (SELECT id FROM asset"
        " WHERE external_id LIKE 'field:%' AND created_at >= :t)",
        "DELETE FROM asset_history WHERE asset_id IN (SELECT id FROM asset"
        " WHERE external_id LIKE 'field:%' AND created_at >= :t)",
        "DELETE FROM asset WHERE external_id LIKE 'field:%' AND created_at >= :t",
        "DELETE FROM user_session WHERE created_at >= :t",
    ):
        async with engine.begin() as conn:
            await conn.execute(text(
                "SELECT set_config('gisapp.municipality_id',"
                " (SELECT id::text FROM municipality WHERE slug = 'demo'), true)"))
            await conn.execute(text(sql), {"t": since})


@pytest.fixture(scope="module")
async def live(settings, engine):
    started = datetime.now(UTC)
    server = LiveServer(settings)
    await server.start()
    try:
        yield server
    finally:
        server.stop()
        server.log.close()
        await _remove_field_data(engine, started)


class Api:
    """The API over real HTTP as one of the demo's people (cookie + CSRF token)."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=10)
        self.username = username

    async def __aenter__(self) -> Api:
        r = await self.http.post("/api/v1/auth/login",
                                 json={"username": self.username, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        # the cookie is Secure (loopback counts as secure to browsers, not to httpx)
        self.http.headers.update({"Cookie": f"gisapp_session={r.cookies['gisapp_session']}",
                                  "X-CSRF-Token": r.json()["csrf_token"]})
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()

    async def __call__(self, method: str, url: str, expect_status: int = 200, **kw):
        r = await self.http.request(method, url, **kw)
        assert r.status_code == expect_status, r.text
        return r.json()


async def a_street_light(api: Api, offset: int = 0) -> dict:
    page = await api("GET", f"{DEMO}/assets", params={"type": "street_light", "status": "active",
                                                      "limit": 1, "offset": 100 + offset})
    return page["items"][0]


async def label_for(api: Api, asset: dict) -> str:
    return (await api("POST", f"{DEMO}/assets/{asset['id']}/tags", 201, json={}))["token"]


@pytest.fixture
async def admin(live):
    async with Api(live.base, "admin") as api:
        yield api


async def new_context(browser, live, **kw):
    return await browser.new_context(base_url=live.base, locale="de-DE", viewport=PHONE,
                                     **kw)


def check(watch: Watch, *allowed: str) -> None:
    """No foreign request; no console error except the expected ones."""
    watch.errors = [e for e in watch.errors if not any(re.search(a, e) for a in allowed)]
    watch.check()


async def open_as_crew(page: Page, token: str) -> None:
    await log_in(page, username="crew", next_url=f"/t/{token}")
    await expect(page).to_have_url(re.compile(rf"/t/{token}$"))
    await ready(page)


async def ready(page: Page) -> None:
    await page.wait_for_selector("body[data-ready=true]")


async def worker_ready(page: Page) -> None:
    """The service worker controls the page, and the CSRF token is kept for offline use."""
    # functions, not expressions: Playwright would eval() an expression, which the CSP forbids
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await page.wait_for_function("() => Boolean(localStorage.getItem('gisapp-field.csrf'))")


OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('gisapp-field', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction('entries').objectStore('entries').getAll();
    all.onsuccess = () => resolve(all.result.map((e) => ({
      client_id: e.client_id, type: e.type, state: e.state, body: e.body || null})));
  };
})"""


async def outbox(page: Page) -> list[dict]:
    return await page.evaluate(OUTBOX)


async def jpeg(page: Page, width: int, height: int) -> bytes:
    """A camera-sized JPEG, drawn by the browser itself."""
    data_url = await page.evaluate("""([w, h]) => {
      const c = document.createElement('canvas'); c.width = w; c.height = h;
      const g = c.getContext('2d');
      g.fillStyle = '#2a6'; g.fillRect(0, 0, w, h);
      g.fillStyle = '#fd0'; g.fillRect(w / 4, h / 4, w / 2, h / 2);
      return c.toDataURL('image/jpeg', 0.9);
    }""", [width, height])
    return base64.b64decode(data_url.split(",", 1)[1])


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return (int.from_bytes(data[i + 7:i + 9], "big"),
                    int.from_bytes(data[i + 5:i + 7], "big"))
        i += 2 + length
    raise ValueError("no frame")


async def rows_by_client_id(engine, client_ids) -> dict[str, int]:
    rows = await _as_owner(engine, "SELECT client_id::text, count(*) FROM maintenance_record"
                                   " WHERE client_id = ANY(CAST(:ids AS uuid[])) GROUP BY 1",
                           ids=list(client_ids))
    return dict(rows)


# --- (a) scan, log in, record with a photo ----------------------------------------------


async def test_scan_log_in_and_record_maintenance_with_a_photo(browser, live, admin,
                                                               screenshots):
    light = await a_street_light(admin)
    token = await label_for(admin, light)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await page.goto(f"/t/{token}")
        await ready(page)
        await expect(page.locator("h1")).to_have_text(light["code"])
        await page.get_by_role("link", name="Anmelden (Mitarbeitende)").click()
        await page.get_by_label("Benutzername").fill("crew")
        await page.get_by_label("Passwort").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Anmelden").click()
        await expect(page).to_have_url(re.compile(rf"/t/{token}$"))
        await ready(page)
        await page.screenshot(path=str(screenshots / "field-card.png"), full_page=True)

        await page.get_by_role("button", name="Wartung erfassen").click()
        await page.get_by_role("radio", name="Reparatur").click()
        await page.get_by_role("radio", name="behoben").click()
        await page.get_by_label("Bemerkung").fill("Vorschaltgerät getauscht")
        await page.set_input_files("#photo-input", files=[{
            "name": "camera.jpg", "mimeType": "image/jpeg",
            "buffer": await jpeg(page, 3200, 2400)}])
        await expect(page.get_by_role("img", name="Vorschau des Fotos")).to_be_visible()
        await page.screenshot(path=str(screenshots / "field-record.png"), full_page=True)
        await page.get_by_role("button", name="Speichern").click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        await expect(page.locator(".history")).to_contain_text("Vorschaltgerät getauscht")
        await page.screenshot(path=str(screenshots / "field-sent.png"))
        assert await outbox(page) == []

        records = await admin("GET", f"{DEMO}/assets/{light['id']}/maintenance")
        record = records[0]
        assert (record["kind"], record["result"], record["notes"]) == \
            ("repair", "fixed", "Vorschaltgerät getauscht")
        assert record["capture_method"] == "qr" and record["performed_by"] == "user:crew"
        photos = await admin("GET", f"{DEMO}/maintenance/{record['id']}/photos")
        assert len(photos) == 1 and photos[0]["content_type"] == "image/jpeg"
        image = await admin.http.get(f"{DEMO}/photos/{photos[0]['id']}")
        assert max(jpeg_size(image.content)) == 1600  # downscaled on the phone
        check(watch)
    finally:
        await context.close()


# --- (b) offline: three records, then exactly once each ---------------------------------


async def record_offline(page: Page, kind: str, notes: str) -> None:
    await page.get_by_role("button", name="Wartung erfassen").click()
    await page.get_by_role("radio", name=kind).click()
    await page.get_by_label("Bemerkung").fill(notes)
    await page.get_by_role("button", name="Speichern").click()
    await expect(page.locator("#toast")).to_contain_text("Wird gesendet, sobald Netz da ist")


async def test_offline_records_are_kept_and_sent_exactly_once(browser, live, admin,
                                                              engine, screenshots):
    light = await a_street_light(admin, 1)
    token = await label_for(admin, light)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await worker_ready(page)
        await context.set_offline(True)
        await page.get_by_role("button", name="Prüfung OK").click()
        await expect(page.locator("#toast")).to_contain_text("Wird gesendet, sobald Netz da ist")
        await record_offline(page, "Reinigung", "Leuchte gereinigt")
        await record_offline(page, "Reparatur", "Klappe ersetzt")
        await expect(page.locator("#pending")).to_have_text("Ausstehend: 3")
        await expect(page.locator(".history .waiting")).to_have_count(3)
        await page.locator("#pending").click()
        await expect(page.locator(".entry")).to_have_count(3)
        await page.screenshot(path=str(screenshots / "field-outbox-offline.png"), full_page=True)
        await page.get_by_role("button", name="Zurück zum Objekt").click()
        waiting = await outbox(page)
        assert [e["state"] for e in waiting] == ["pending"] * 3
        assert await rows_by_client_id(engine, [e["client_id"] for e in waiting]) == {}

        await context.set_offline(False)  # the app syncs on the online event
        await expect(page.locator("#pending")).to_be_hidden(timeout=15000)
        await expect(page.locator("#toast")).to_contain_text("3 gesendet ✓")
        ids = [e["client_id"] for e in waiting]
        assert await rows_by_client_id(engine, ids) == {i: 1 for i in ids}
        notes = [r["notes"] for r in await admin("GET", f"{DEMO}/assets/{light['id']}/maintenance")]
        assert {"Leuchte gereinigt", "Klappe ersetzt", ""} <= set(notes[:3])
        check(watch, *OFFLINE_ERRORS)
    finally:
        await context.close()


# --- (c) replays: a server restart mid-way, a lost answer, the same entry twice --------


async def test_outbox_survives_closing_the_page_and_a_server_restart(browser, live,
                                                                     admin, engine):
    light = await a_street_light(admin, 2)
    token = await label_for(admin, light)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        await open_as_crew(page, token)
        await worker_ready(page)
        await context.set_offline(True)
        await page.get_by_role("button", name="Prüfung OK").click()
        await expect(page.locator("#toast")).to_contain_text("Wird gesendet")
        await page.get_by_role("button", name="Wartung erfassen").click()
        await page.set_input_files("#photo-input", files=[{
            "name": "p.jpg", "mimeType": "image/jpeg", "buffer": await jpeg(page, 800, 600)}])
        await expect(page.get_by_role("img", name="Vorschau des Fotos")).to_be_visible()
        await page.get_by_role("button", name="Speichern").click()
        await expect(page.locator("#pending")).to_have_text("Ausstehend: 3")
        waiting = await outbox(page)
        assert sorted(e["type"] for e in waiting) == ["maintenance", "maintenance", "photo"]
        await page.close()  # the browser tab is closed in the middle of the work

        live.stop()
        await live.start()
        await context.set_offline(False)

        page = await context.new_page()
        watch = Watch(page, live.base)
        await page.goto(f"/t/{token}")  # the app sends what waits when it starts
        await ready(page)
        await expect(page.locator("#pending")).to_be_hidden(timeout=15000)
        assert await outbox(page) == []
        records = [e for e in waiting if e["type"] == "maintenance"]
        ids = [e["client_id"] for e in records]
        assert await rows_by_client_id(engine, ids) == {i: 1 for i in ids}
        photos = await _as_owner(engine, "SELECT count(*) FROM photo p JOIN maintenance_record m"
                                         " ON m.id = p.record_id AND m.municipality_id ="
                                         " p.municipality_id WHERE m.client_id = ANY("
                                         "CAST(:ids AS uuid[]))", ids=ids)
        assert photos[0][0] == 1

        # the same outbox entry sent once more (a second phone, a restored backup …)
        me = await (await context.request.get("/api/v1/auth/me")).json()
        for entry in records:
            again = await context.request.post(
                f"{DEMO}/assets/{light['id']}/maintenance", data=entry["body"],
                headers={"X-CSRF-Token": me["csrf_token"]})
            assert again.status == 200, await again.text()
        assert await rows_by_client_id(engine, ids) == {i: 1 for i in ids}
        check(watch)
    finally:
        await context.close()


async def test_an_answer_lost_on_the_way_is_sent_again_and_stored_once(browser, live,
                                                                       admin, engine):
    """The server stored the record, but the phone never heard back (a dead spot)."""
    light = await a_street_light(admin, 3)
    token = await label_for(admin, light)
    # no worker here: Playwright sees (and can cut) only requests the page itself makes
    context = await new_context(browser, live, service_workers="block")
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        answers = []

        async def lose_first_answer(route):
            response = await route.fetch()  # reaches the server, which commits
            answers.append(response.status)
            if len(answers) == 1:
                await route.abort("internetdisconnected")
            else:
                await route.fulfill(response=response)

        await page.route("**/maintenance", lose_first_answer)
        await page.get_by_role("button", name="Prüfung OK").click()
        await expect(page.locator("#toast")).to_contain_text("Wird gesendet")
        (entry,) = await outbox(page)
        assert await rows_by_client_id(engine, [entry["client_id"]]) == {entry["client_id"]: 1}

        await page.locator("#pending").click()
        await page.get_by_role("button", name="Jetzt senden").click()
        await expect(page.locator("#pending")).to_be_hidden()
        assert answers == [201, 200]  # created, then the replay answered with the same record
        assert await rows_by_client_id(engine, [entry["client_id"]]) == {entry["client_id"]: 1}
        check(watch, *OFFLINE_ERRORS)
    finally:
        await context.close()


async def test_logging_out_forgets_the_cards_kept_for_offline_use(browser, live, admin):
    """A shared phone: after logout, the last crew member's cards (internal fields) are not
    kept on it; the outbox is not touched."""
    light = await a_street_light(admin, 1)
    token = await label_for(admin, light)
    context = await new_context(browser, live)
    cards = "() => caches.open('field-cards').then((c) => c.keys()).then((k) => k.length)"
    try:
        page = await context.new_page()
        await open_as_crew(page, token)
        await worker_ready(page)
        await page.reload()  # the worker now controls the page and keeps the card
        await ready(page)
        assert await page.evaluate(cards) >= 1
        await page.goto("/")
        await page.get_by_role("button", name="Abmelden").click()
        await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
        for _ in range(50):  # the worker deletes them while the logout is on its way
            if "field-cards" not in await page.evaluate("() => caches.keys()"):
                break
            await asyncio.sleep(0.1)
        assert "field-cards" not in await page.evaluate("() => caches.keys()")
        # offline now, the label opens no crew card any more
        await context.set_offline(True)
        await page.goto(f"/t/{token}")
        await expect(page.get_by_text(light["code"])).to_have_count(0)
    finally:
        await context.close()


# --- (d) the public ---------------------------------------------------------------------


async def test_the_public_sees_no_internal_field(browser, live, admin, screenshots):
    first = {"limit": 1, "status": "active"}
    sensor = (await admin("GET", f"{DEMO}/assets", params={"type": "sensor", **first}))["items"][0]
    meter = (await admin("GET", f"{DEMO}/assets", params={"type": "meter", **first}))["items"][0]
    assert sensor["attributes"].get("device_eui") and meter["attributes"].get("meter_number")
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        token = await label_for(admin, sensor)
        await page.goto(f"/t/{token}")
        await ready(page)
        await expect(page.locator("h1")).to_have_text(sensor["code"])
        await page.screenshot(path=str(screenshots / "field-public.png"), full_page=True)
        body = await page.locator("body").inner_text()
        for secret in (sensor["attributes"]["device_eui"], "DevEUI", "AppKey", "Letzte Arbeiten"):
            assert secret not in body
        assert await page.get_by_role("button", name="Prüfung OK").count() == 0
        report = page.get_by_role("link", name="Problem melden")
        assert await report.get_attribute("href") == f"/report?tag={token}"
        login = page.get_by_role("link", name="Anmelden (Mitarbeitende)")
        assert (await login.get_attribute("href")).startswith(f"/login?next=%2Ft%2F{token}")
        await page.get_by_role("button", name="FR").click()  # the switcher; kept on the phone
        await expect(page.get_by_role("link", name="Signaler un problème")).to_be_visible()
        assert await page.get_attribute("html", "lang") == "fr"
        await page.reload()
        await ready(page)
        await expect(page.get_by_role("link", name="Se connecter (personnel)")).to_be_visible()
        await page.get_by_role("button", name="DE").click()

        token = await label_for(admin, meter)
        await page.goto(f"/t/{token}")
        await ready(page)
        await expect(page.locator("main")).to_contain_text("keine öffentlichen Angaben")
        body = await page.locator("body").inner_text()
        for secret in (meter["attributes"]["meter_number"], "Zählernummer", meter["name"],
                       meter["attributes"].get("building", "Rathaus")):
            assert secret not in body
        check(watch)
    finally:
        await context.close()


# --- (e) far from the asset ---------------------------------------------------------------


async def test_far_from_the_asset_warns_and_the_record_is_flagged(browser, live, admin,
                                                                  engine, screenshots):
    light = await a_street_light(admin, 4)
    token = await label_for(admin, light)
    lon, lat = light["geometry"]["coordinates"]
    context = await new_context(browser, live, permissions=["geolocation"],
                                geolocation={"longitude": lon, "latitude": lat + 0.0027,
                                             "accuracy": 10})  # about 300 m north
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await expect(page.locator(".notice.warn")).to_contain_text(
            "Dieses Etikett gehört evtl. nicht hierher")
        await expect(page.locator(".notice.warn")).to_contain_text("300 m vom Objekt")
        await page.screenshot(path=str(screenshots / "field-far.png"))
        await page.get_by_role("button", name="Prüfung OK").click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        (row,) = await _as_owner(
            engine, "SELECT flagged, scan_distance_m, accuracy_m, flag_reason FROM"
                    " maintenance_record WHERE asset_id = :a AND client_id IS NOT NULL",
            a=light["id"])
        assert row.flagged and 290 < row.scan_distance_m < 310 and row.accuracy_m == 10
        check(watch)
    finally:
        await context.close()


# --- (f) a blank label: capture a new asset -----------------------------------------------


async def test_capture_a_new_asset_from_a_blank_label(browser, live, admin,
                                                      screenshots):
    (blank,) = await admin("POST", f"{DEMO}/tags", 201, json={"count": 1})
    near = await a_street_light(admin, 5)
    lon, lat = near["geometry"]["coordinates"]
    spot = {"longitude": lon + 0.0003, "latitude": lat, "accuracy": 4}  # 20 m east of it
    context = await new_context(browser, live, permissions=["geolocation"], geolocation=spot)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, blank["token"])
        await expect(page.locator("h1")).to_have_text("Neues Etikett")
        await page.get_by_role("button", name="Neues Objekt erfassen").click()
        await expect(page.get_by_role("radio", name="Straßenleuchte")).to_be_checked()
        await page.get_by_label("Name oder Ort").fill("Feldweg, neuer Mast")
        await page.get_by_role("radio", name="LED", exact=True).click()
        await page.set_input_files("#photo-input", files=[{
            "name": "p.jpg", "mimeType": "image/jpeg", "buffer": await jpeg(page, 1200, 900)}])
        await expect(page.locator(".accuracy")).to_have_text("GPS ±4 m")
        await page.screenshot(path=str(screenshots / "field-capture.png"), full_page=True)
        await page.get_by_role("button", name="Objekt speichern").click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        await expect(page.locator(".type")).to_have_text("Straßenleuchte")
        code = await page.locator("h1").inner_text()
        assert re.fullmatch(r"SL-\d{4}", code)

        tag = await admin("GET", f"{DEMO}/tags/{blank['id']}")
        assert tag["state"] == "active"
        asset = await admin("GET", f"{DEMO}/assets/{tag['asset_id']}")
        assert (asset["code"], asset["name"]) == (code, "Feldweg, neuer Mast")
        assert asset["attributes"] == {"lamp_technology": "LED"}
        assert asset["geometry"]["coordinates"] == pytest.approx([spot["longitude"], lat], abs=1e-6)
        (record,) = await admin("GET", f"{DEMO}/assets/{asset['id']}/maintenance")
        assert len(await admin("GET", f"{DEMO}/maintenance/{record['id']}/photos")) == 1
        check(watch)
    finally:
        await context.close()


# --- a conflict with the office, and a meter reading to confirm ----------------------------


async def test_a_change_the_office_overtook_is_shown_not_overwritten(browser, live,
                                                                     admin, engine, screenshots):
    near = await a_street_light(admin, 6)
    asset = await admin("POST", f"{DEMO}/assets", 201, json={
        "type": "street_light", "name": "Konfliktmast", "geometry": near["geometry"],
        "external_id": f"field:{uuid.uuid4()}"})
    token = await label_for(admin, asset)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await admin("PATCH", f"{DEMO}/assets/{asset['id']}",
                    json={"version": 1, "name": "Konfliktmast (Büro)"})
        await page.get_by_role("button", name="Defekt melden").click()
        await page.get_by_role("button", name="Ja, als defekt melden").click()
        entry = page.locator(".entry.state-conflict")
        await expect(entry).to_contain_text("Im Büro wurde das Objekt inzwischen geändert")
        await expect(entry.locator("dd").first).to_have_text("defekt")
        await expect(entry.locator("dd").nth(1)).to_contain_text("in Betrieb")
        await page.screenshot(path=str(screenshots / "field-conflict.png"), full_page=True)
        assert (await admin("GET", f"{DEMO}/assets/{asset['id']}"))["status"] == "active"
        conflicts = await _as_owner(engine, "SELECT base_version, current_version FROM"
                                            " field_conflict WHERE asset_id = :a", a=asset["id"])
        assert [tuple(c) for c in conflicts] == [(1, 2)]

        await page.get_by_role("button", name="Meine Änderung trotzdem übernehmen").click()
        await expect(page.locator(".entry")).to_have_count(0)
        now = await admin("GET", f"{DEMO}/assets/{asset['id']}")
        assert (now["status"], now["name"], now["version"]) == \
            ("defective", "Konfliktmast (Büro)", 3)
        check(watch, r"status of 409")
    finally:
        await context.close()


async def test_a_lower_meter_reading_is_confirmed_before_it_is_stored(browser, live,
                                                                       admin, engine, screenshots):
    meters = (await admin("GET", f"{DEMO}/assets", params={"type": "meter", "limit": 5}))["items"]
    meter = meters[-1]
    last = next(r for r in await admin("GET", f"{DEMO}/assets/{meter['id']}/maintenance")
                if r["reading_value"] is not None)
    lower = str(int(float(last["reading_value"])) - 100)
    token = await label_for(admin, meter)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await page.get_by_role("button", name="Zählerstand erfassen").click()
        await expect(page.get_by_label("Zählerstand")).to_be_focused()
        await page.get_by_label("Zählerstand").fill(lower)
        await page.get_by_role("button", name="Speichern").click()
        entry = page.locator(".entry.state-confirm")
        await expect(entry).to_contain_text("passt nicht zum letzten Stand")
        await page.screenshot(path=str(screenshots / "field-confirm-reading.png"), full_page=True)
        (waiting,) = await outbox(page)
        assert await rows_by_client_id(engine, [waiting["client_id"]]) == {}
        await page.get_by_role("button", name="Wert stimmt – speichern").click()
        await expect(page.locator(".entry")).to_have_count(0)
        stored = await _as_owner(engine, "SELECT reading_value FROM maintenance_record"
                                         " WHERE client_id = :c", c=waiting["client_id"])
        assert [float(r[0]) for r in stored] == [float(lower)]
        check(watch, r"status of 422")
    finally:
        await context.close()


# --- position, NFC, a renewed CSRF token ---------------------------------------------------


async def office_asset(admin: Api, offset: int) -> dict:
    """A street light of its own for a test that changes it (removed with the test data)."""
    near = await a_street_light(admin, offset)
    return await admin("POST", f"{DEMO}/assets", 201, json={
        "type": "street_light", "name": "Testmast", "geometry": near["geometry"],
        "external_id": f"field:{uuid.uuid4()}"})


async def test_a_position_is_corrected_only_from_a_good_enough_fix(browser, live,
                                                                   admin):
    asset = await office_asset(admin, 7)
    token = await label_for(admin, asset)
    lon, lat = asset["geometry"]["coordinates"]
    spot = {"longitude": lon + 0.0001, "latitude": lat, "accuracy": 40}  # about 7 m east
    context = await new_context(browser, live, permissions=["geolocation"], geolocation=spot)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await page.get_by_role("button", name="Position korrigieren").click()
        await expect(page.locator(".accuracy")).to_have_text("GPS ±40 m")
        await expect(page.get_by_text("Zu ungenau – höchstens 15 m")).to_be_visible()
        take = page.get_by_role("button", name="Diese Position übernehmen")
        await expect(take).to_be_disabled()
        await context.set_geolocation({**spot, "accuracy": 5})
        await expect(page.locator(".accuracy")).to_have_text("GPS ±5 m")
        await expect(page.locator(".shift")).to_contain_text("7 m")
        await take.click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        now = await admin("GET", f"{DEMO}/assets/{asset['id']}")
        assert now["geometry"]["coordinates"] == pytest.approx([lon + 0.0001, lat], abs=1e-7)
        assert now["version"] == 2
        check(watch)
    finally:
        await context.close()


FAKE_NFC = """
// Web NFC as on an Android phone: what is written can be read back, with a serial number
window.NDEFReader = class {
  async write(message) { window.nfcWritten = message.records[0]; }
  async scan() {
    setTimeout(() => this.onreading({
      serialNumber: '04:a2:3b:4c:5d:6e:7f',
      message: { records: [{ recordType: 'url',
        data: new DataView(new TextEncoder().encode(window.nfcWritten.data).buffer) }] },
    }), 50);
  }
};
"""


async def test_an_nfc_chip_is_written_checked_and_its_serial_kept(browser, live,
                                                                  admin):
    light = await a_street_light(admin, 8)
    tag = await admin("POST", f"{DEMO}/assets/{light['id']}/tags", 201, json={"kind": "nfc"})
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        await open_as_crew(page, tag["token"])  # no Web NFC in this browser: no button
        await expect(page.get_by_role("button", name="Prüfung OK")).to_be_visible()
        assert await page.get_by_role("button", name="NFC-Chip beschreiben").count() == 0

        await context.add_init_script(FAKE_NFC)
        page = await context.new_page()
        watch = Watch(page, live.base)
        await page.goto(f"/t/{tag['token']}")
        await ready(page)
        await page.get_by_role("button", name="NFC-Chip beschreiben").click()
        await page.get_by_role("button", name="Chip beschreiben", exact=True).click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        written = await page.evaluate("() => window.nfcWritten")
        assert written == {"recordType": "url", "data": f"{live.base}/t/{tag['token']}"}
        stored = await admin("GET", f"{DEMO}/tags/{tag['id']}")
        assert stored["nfc_serial"] == "04A23B4C5D6E7F"
        check(watch)
    finally:
        await context.close()


async def test_a_stale_csrf_token_is_renewed_and_the_record_sent(browser, live, admin,
                                                                 engine):
    """Logged in again on another tab: the kept token is old; the app fetches the new one."""
    light = await a_street_light(admin, 9)
    token = await label_for(admin, light)
    context = await new_context(browser, live)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await page.evaluate("() => localStorage.setItem('gisapp-field.csrf', 'stale')")
        await page.get_by_role("button", name="Prüfung OK").click()
        await expect(page.locator("#toast")).to_contain_text("gesendet ✓")
        assert await outbox(page) == []
        assert await page.evaluate("() => localStorage.getItem('gisapp-field.csrf')") != "stale"
        check(watch, r"status of 403")
    finally:
        await context.close()


async def test_two_offline_changes_of_one_asset_both_apply(browser, live, admin, engine):
    """Defective, then moved, without network: the second change was made on the version
    the first replaces; it must follow the first, not meet it as a conflict."""
    asset = await office_asset(admin, 10)
    token = await label_for(admin, asset)
    lon, lat = asset["geometry"]["coordinates"]
    spot = {"longitude": lon, "latitude": lat + 0.0001, "accuracy": 3}
    context = await new_context(browser, live, permissions=["geolocation"], geolocation=spot)
    try:
        page = await context.new_page()
        watch = Watch(page, live.base)
        await open_as_crew(page, token)
        await worker_ready(page)
        await context.set_offline(True)
        await page.get_by_role("button", name="Defekt melden").click()
        await page.get_by_role("button", name="Ja, als defekt melden").click()
        await expect(page.locator("#toast")).to_contain_text("Wird gesendet")
        await page.get_by_role("button", name="Position korrigieren").click()
        await page.get_by_role("button", name="Diese Position übernehmen").click()
        await expect(page.locator("#pending")).to_have_text("Ausstehend: 2")

        await context.set_offline(False)
        await expect(page.locator("#pending")).to_be_hidden(timeout=15000)
        now = await admin("GET", f"{DEMO}/assets/{asset['id']}")
        assert (now["status"], now["version"]) == ("defective", 3)
        assert now["geometry"]["coordinates"] == pytest.approx([lon, lat + 0.0001], abs=1e-7)
        conflicts = await _as_owner(engine, "SELECT count(*) FROM field_conflict"
                                            " WHERE asset_id = :a", a=asset["id"])
        assert conflicts[0][0] == 0
        check(watch, *OFFLINE_ERRORS)
    finally:
        await context.close()
