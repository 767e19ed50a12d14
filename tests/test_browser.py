"""The pages in a real browser (Debian's chromium, headless, via Playwright): logging in,
adding a custom asset type with the field builder (with and without JavaScript), and /docs.
Every page load asks nothing of another origin and logs no error, CSP violations included.

The browser needs a real HTTP server, so these tests start gisapp with uvicorn against the
test database; what the browser writes is committed there and removed afterwards.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from .conftest import DEMO_PASSWORD
from .live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                "(apt-get install chromium; `make test` installs it)", allow_module_level=True)

from playwright.async_api import Page, async_playwright, expect  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TYPE_CODES = ("browser_bench", "browser_nojs")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


async def _remove_browser_data(engine, since=None) -> None:
    """Delete the types the browser added (and its logins), as the schema owner."""
    async with engine.begin() as conn:
        await conn.execute(text(
            "SELECT set_config('gisapp.municipality_id',"
            " (SELECT id::text FROM municipality WHERE slug = 'demo'), true)"))
        await conn.execute(text(
            "DELETE FROM asset_type WHERE code = ANY(:codes)"
            " AND municipality_id = (SELECT id FROM municipality WHERE slug = 'demo')"),
            {"codes": list(TYPE_CODES)})
        if since is not None:
            await conn.execute(text("DELETE FROM user_session WHERE created_at >= :t"),
                               {"t": since})


@pytest.fixture(scope="module")
async def server(settings, engine):
    """gisapp served by uvicorn on a free port, on the test database (demo loaded)."""
    await _remove_browser_data(engine)
    started = datetime.now(UTC)
    try:
        async with live_server(settings.database.url) as base:
            yield base
    finally:
        await _remove_browser_data(engine, since=started)


@pytest.fixture(scope="module")
async def browser():
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                            args=LAUNCH_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: $GISAPP_SCREENSHOTS, else a temporary folder."""
    folder = os.environ.get("GISAPP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


class Watch:
    """Records what a page asks for and what it complains about."""

    def __init__(self, page: Page, base: str) -> None:
        self.base = base
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.base + "/") or url.startswith("data:")
                or url.startswith("blob:")):
            self.foreign.append(url)

    def check(self) -> None:
        assert self.foreign == [], f"requests to other origins: {self.foreign}"
        assert self.errors == [], f"console errors (CSP violations?): {self.errors}"


@pytest.fixture
async def context(browser, server):
    ctx = await browser.new_context(base_url=server, locale="de-DE",
                                    viewport={"width": 1280, "height": 900})
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context):
    return await context.new_page()


@pytest.fixture
def watch(page, server) -> Watch:
    """Attached before the test's first navigation; the test calls ``watch.check()``."""
    return Watch(page, server)


async def log_in(page: Page, username="admin", password=DEMO_PASSWORD, next_url=None):
    await page.goto("/login" + (f"?next={next_url}" if next_url else ""))
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(password)
    await page.get_by_role("button", name="Anmelden").click()


async def test_login_in_german_then_home_shows_musterdorf(page, watch, screenshots):
    await page.goto("/login")
    assert await page.get_attribute("html", "lang") == "de"
    await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    await page.screenshot(path=str(screenshots / "login.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(screenshots / "login-phone.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await log_in(page)
    await expect(page).to_have_url(watch.base + "/")
    await expect(page.get_by_role("heading", name="Musterdorf")).to_be_visible()
    await expect(page.get_by_role("link", name="Verwaltung")).to_be_visible()
    await page.get_by_role("link", name="Français").click()
    await expect(page.get_by_role("heading", name="Vos communes")).to_be_visible()
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    watch.check()


async def _fill_type(page: Page, code: str, label: str) -> None:
    await page.get_by_label("Kennung").fill(code)
    await page.get_by_label("Nummernpräfix").fill("BK")
    await page.get_by_label("Bezeichnung auf Deutsch").fill(label)
    await page.get_by_label("Bezeichnung auf Französisch").fill("Banc")
    await page.get_by_label("Prüfintervall in Tagen").fill("180")
    await page.locator("#f-field-0-name").fill("material")
    await page.locator("#f-field-0-label").fill("Material")
    await page.locator("#f-field-0-kind").select_option("choice")
    await page.locator("#f-field-0-choices").fill("Holz, Metall, Kunststoff")
    await page.locator("#f-field-0-required").check()
    await page.locator("#f-field-1-name").fill("sponsor")
    await page.locator("#f-field-1-label").fill("Pate")
    await page.locator("#f-field-1-internal").check()


EXPECTED_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["material"],
    "properties": {
        "material": {"type": "string", "title": "Material",
                     "enum": ["Holz", "Metall", "Kunststoff"]},
        "sponsor": {"type": "string", "title": "Pate", "x-internal": True},
    },
}


async def test_admin_adds_a_custom_type_in_the_browser(page, watch, context, screenshots):
    await log_in(page, next_url="/admin/demo/types")
    await expect(page.get_by_role("heading", name="Objekttypen", exact=True)).to_be_visible()
    rows = page.locator("[data-field-row]")
    assert await rows.count() == 8
    await page.get_by_role("button", name="Weiteres Feld hinzufügen").click()  # the script
    assert await rows.count() == 9
    await expect(page.locator("#f-field-8-name")).to_be_focused()
    await _fill_type(page, "browser_bench", "Ruhebank")
    await page.locator("#f-field-0-name").scroll_into_view_if_needed()
    await page.screenshot(path=str(screenshots / "types-form.png"))
    await page.get_by_role("button", name="Typ hinzufügen").click()
    await expect(page.get_by_role("status")).to_contain_text("browser_bench")
    card = page.locator("#type-browser_bench")
    await expect(card).to_contain_text("Ruhebank")
    await card.get_by_text("2 Felder").click()
    await expect(card.get_by_role("cell", name="Holz, Metall, Kunststoff")).to_be_visible()
    await card.scroll_into_view_if_needed()
    await page.screenshot(path=str(screenshots / "types.png"))
    r = await context.request.get("/api/v1/municipalities/demo/types")  # the browser's cookie
    assert r.ok, await r.text()
    stored = {t["code"]: t for t in await r.json()}["browser_bench"]
    assert stored["attribute_schema"] == EXPECTED_SCHEMA
    assert stored["label_fr"] == "Banc" and stored["maintenance_interval_days"] == 180
    watch.check()


async def test_the_types_form_works_without_javascript(browser, server):
    ctx = await browser.new_context(base_url=server, locale="de-DE", java_script_enabled=False)
    try:
        page = await ctx.new_page()
        watch = Watch(page, server)
        await log_in(page, next_url="/admin/demo/types")
        await expect(page.get_by_role("button", name="Weiteres Feld hinzufügen")).to_be_hidden()
        await _fill_type(page, "browser_nojs", "Bank ohne Skript")
        await page.get_by_role("button", name="Typ hinzufügen").click()
        await expect(page.locator("#type-browser_nojs")).to_contain_text("Bank ohne Skript")
        r = await ctx.request.get("/api/v1/municipalities/demo/types/browser_nojs")
        assert (await r.json())["attribute_schema"] == EXPECTED_SCHEMA
        watch.check()
    finally:
        await ctx.close()


async def test_docs_renders_the_operations_under_the_csp(page, watch):
    await page.goto("/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("gisapp")
    operations = page.locator(".swagger-ui .opblock")
    await expect(operations.first).to_be_visible()
    assert await operations.count() > 10
    await expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/municipalities")
    watch.check()
