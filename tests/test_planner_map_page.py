"""The planner map page without a browser: who may open it, what the page offers each
role, and that a basemap (only when configured) is the one other origin it may load."""

from __future__ import annotations

import json
import re

import pytest

MAP = "/m/demo/map"


def config(html: str) -> dict:
    raw = re.search(r"data-config='([^']*)'", html).group(1)
    return json.loads(raw.replace("&#39;", "'").replace("&amp;", "&"))


@pytest.mark.parametrize(("role", "exports"), [("planner", True), ("admin", True),
                                               ("crew", False)])
async def test_staff_open_the_map(make_client, role, exports):
    async with make_client(role) as c:
        r = await c.get(MAP)
    assert r.status_code == 200
    cfg = config(r.text)
    assert cfg["may_export"] is exports and cfg["may_print"] is exports
    assert ('id="export-form"' in r.text) is exports
    assert cfg["tiles"] is None
    assert {t["code"] for t in cfg["types"]} >= {"street_light", "meter"}
    # the card names attributes and choices as the crews' app does
    assert cfg["attribute_names"]["power_w"] == "Leistung (W)"
    assert cfg["choice_names"]["mounting"]["bracket"] == "Ausleger"
    assert "/static/vendor/leaflet-draw/leaflet.draw.js" in r.text
    assert "<script>" not in r.text  # no inline script (CSP)
    assert "img-src 'self' data: blob:;" in r.headers["content-security-policy"]


async def test_others_may_not(anon, other):
    r = await anon.get(MAP)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fm%2Fdemo%2Fmap"
    async with other["client"]("admin") as nb:
        assert (await nb.get(MAP)).status_code == 404
        assert (await nb.get("/m/nachbarort/map")).status_code == 200


async def test_a_configured_basemap_is_allowed_on_this_page_only(make_client, app):
    geo = app.state.settings.geo.model_copy(update={
        "tile_url": "https://tiles.example.de/{z}/{x}/{y}.png", "tile_attribution": "© Test"})
    app.state.settings = app.state.settings.model_copy(update={"geo": geo})
    async with make_client("planner") as c:
        r = await c.get(MAP + "?lang=en")
        home = await c.get("/")
    assert config(r.text)["tiles"]["url"] == "https://tiles.example.de/{z}/{x}/{y}.png"
    assert "img-src 'self' data: blob: https://tiles.example.de;" in r.headers[
        "content-security-policy"]
    assert "tiles.example.de" not in home.headers["content-security-policy"]
    assert "Map of Musterdorf" in r.text
