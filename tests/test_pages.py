"""The pages people use: login, start page, administration of one municipality; who may
see what; forms that post with the CSRF token and keep what was typed; security headers;
no inline script or style and nothing from another origin in any page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from gisapp.i18n import load_translations
from gisapp.messages import translated
from gisapp.pages.templating import actor_label

from .conftest import DEMO_PASSWORD

DEMO = "/api/v1/municipalities/demo"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def log_in(client, username="admin", password=DEMO_PASSWORD, next_url="/"):
    return await client.post("/login", data={"username": username, "password": password,
                                             "next": next_url})


async def csrf_of(client, path="/"):
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def alert_of(html: str) -> str:
    """The text of the page's alert box (error summary)."""
    match = re.search(r'role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert match, html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


# --- logging in and out -------------------------------------------------------------

async def test_login_page_is_a_german_form_by_default(anon):
    r = await anon.get("/login")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in r.text and "Anmelden" in r.text
    assert 'name="username"' in r.text and 'type="password"' in r.text
    assert 'for="f-username"' in r.text and 'for="f-password"' in r.text
    assert "gisapp_session" not in r.headers.get("set-cookie", "")


async def test_login_logout_round_trip(anon):
    r = await log_in(anon)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "gisapp_session=" in r.headers["set-cookie"]
    home = await anon.get("/")
    assert "Musterdorf" in home.text and 'href="/admin/demo/"' in home.text
    assert "Ihre Rolle: Administration" in home.text
    token = CSRF.search(home.text).group(1)
    r = await anon.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert (await anon.get("/api/v1/auth/me")).status_code == 401
    assert 'href="/login"' in (await anon.get("/")).text


async def test_a_login_posted_from_another_site_is_refused(anon):
    data = {"username": "admin", "password": DEMO_PASSWORD}
    r = await anon.post("/login", data=data, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "gisapp_session" not in r.headers.get("set-cookie", "")
    r = await anon.post("/login", data=data, headers={"Origin": "https://testserver"})
    assert r.status_code == 303


async def test_logged_in_visitor_of_the_login_page_goes_on(anon):
    await log_in(anon)
    r = await anon.get("/login", params={"next": "/admin/demo/"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/demo/"


async def test_wrong_password_and_unknown_user_get_the_same_answer(anon):
    wrong = await log_in(anon, "planner", "not-the-password")
    unknown = await log_in(anon, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert alert_of(wrong.text) == alert_of(unknown.text)
    assert "Falscher Benutzername oder falsches Passwort" in alert_of(wrong.text)
    assert 'value="planner"' in wrong.text and 'value="nobody-here"' in unknown.text
    assert "not-the-password" not in wrong.text
    assert "gisapp_session" not in wrong.headers.get("set-cookie", "")


async def test_throttled_login_says_how_long_to_wait(anon, count):
    for _ in range(5):
        assert (await log_in(anon, "crew", "wrong-password!")).status_code == 401
    assert await count("login_failure", "account = 'crew'") == 5  # committed, though answered
    r = await log_in(anon, "crew", DEMO_PASSWORD)
    assert r.status_code == 429
    seconds = int(r.headers["retry-after"])
    minutes = -(-seconds // 60)
    assert f"{minutes} Minute" in alert_of(r.text)


@pytest.mark.parametrize("target, expected", [
    ("/admin/demo/users", "/admin/demo/users"),
    ("/admin/demo/types?x=1", "/admin/demo/types?x=1"),
    ("//evil.example", "/"),
    ("//evil.example/admin", "/"),
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/\t/evil.example", "/"),
    ("", "/"),
])
async def test_next_stays_on_this_site(anon, target, expected):
    r = await log_in(anon, next_url=target)
    assert r.status_code == 303 and r.headers["location"] == expected


# --- who may see the administration ---------------------------------------------------

async def test_anonymous_admin_page_redirects_to_login_and_back(anon):
    r = await anon.get("/admin/demo/users")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fadmin%2Fdemo%2Fusers"
    login_page = await anon.get(r.headers["location"])
    assert 'name="next" value="/admin/demo/users"' in login_page.text
    r = await log_in(anon, next_url="/admin/demo/users")
    assert r.headers["location"] == "/admin/demo/users"
    assert (await anon.get("/admin/demo/users")).status_code == 200


@pytest.mark.parametrize("role", ["crew", "planner"])
async def test_other_roles_get_the_403_page(anon, role):
    await log_in(anon, role)
    for page in ("/admin/demo/", "/admin/demo/users", "/admin/demo/tokens",
                 "/admin/demo/types", "/admin/demo/settings"):
        r = await anon.get(page)
        assert r.status_code == 403, page
        assert r.headers["content-type"].startswith("text/html")
        assert "Nicht erlaubt" in r.text
    # the API answers as always: JSON
    assert (await anon.get(f"{DEMO}/users")).json()["error"] == "forbidden"


async def test_another_municipalitys_admin_gets_404(anon, other):
    await log_in(anon, "nb-admin", "nb-password-123")
    assert (await anon.get("/admin/nachbarort/users")).status_code == 200
    r = await anon.get("/admin/demo/users")
    assert r.status_code == 404 and "Seite nicht gefunden" in r.text
    assert (await anon.get("/admin/no-such-place/")).status_code == 404


async def test_a_bad_id_in_the_path_is_a_404_page(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/users")
    r = await anon.post("/admin/demo/users/not-a-uuid/remove", data={"csrf_token": token})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


# --- the pages of a municipality: start page cards and the bar on its pages -------------

NAV = re.compile(r'<nav class="admin-nav member-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')
CARD = re.compile(r'<li class="card">(.*?)</li>\s*</ul>\s*</li>', re.S)


def member_bar(html: str) -> list[tuple[str, str, bool]]:
    """(href, label, current) of the municipality's bar, [] without one."""
    match = NAV.search(html)
    return [(href, label, bool(cur)) for href, cur, label in LINK.findall(match.group(1))
            ] if match else []


@pytest.mark.parametrize(("role", "labels"), [
    ("crew", ["Karte", "GIS-Dienst (QGIS)", "Öffentliche Karten"]),
    ("planner", ["Karte", "Import", "GIS-Dienst (QGIS)", "Öffentliche Karten"]),
    ("admin", ["Karte", "Import", "GIS-Dienst (QGIS)", "Öffentliche Karten", "Verwaltung"]),
])
async def test_each_role_finds_the_pages_it_may_open(anon, role, labels):
    """The start page's card and the bar on the municipality's pages list the same pages,
    exactly those the role may open: each link answers, none is a 403."""
    await log_in(anon, role)
    home = (await anon.get("/")).text
    card = CARD.search(home).group(1)
    links = [(href, label) for href, _cur, label in LINK.findall(card)]
    assert [label for _h, label in links] == [*labels, "Objekte (JSON)"]
    page = await anon.get("/m/demo/map")
    assert page.status_code == 200
    bar = member_bar(page.text)
    assert [(href, label) for href, label, _c in bar] == links[:-1]
    assert [label for _h, label, current in bar if current] == ["Karte"]
    for href, label in links:
        if href.startswith("/maps/"):
            continue  # the built public maps: their own tests (test_public_maps.py)
        r = await anon.get(href)
        assert r.status_code == 200, (role, label, href, r.status_code)


async def test_the_bar_marks_the_page_and_stays_off_public_pages(anon):
    await log_in(anon)
    for path, current in (("/m/demo/imports", "Import"), ("/ogc/demo?f=html", "GIS-Dienst (QGIS)"),
                          ("/ogc/demo/collections/street_light?f=html", "GIS-Dienst (QGIS)"),
                          ("/admin/demo/users", "Verwaltung")):
        bar = member_bar((await anon.get(path)).text)
        assert [label for _h, label, cur in bar if cur] == [current], path
    admin = (await anon.get("/admin/demo/users?lang=en")).text
    assert [label for _h, label, _c in member_bar(admin)][-1] == "Administration"
    assert 'class="admin-nav" aria-label="Administration"' in admin  # its own pages below
    await anon.post("/logout", data={"csrf_token": await csrf_of(anon, "/")})
    public = await anon.get("/ogc/demo?f=html")
    assert public.status_code == 200 and member_bar(public.text) == []


@pytest.mark.parametrize(("role", "says"), [
    ("admin", 'Token anlegen: <a href="/admin/demo/tokens">Verwaltung › API-Tokens</a>.'),
    ("planner", "Ihr Token legt eine Administratorin oder ein Administrator von Musterdorf an"),
    (None, None)])
async def test_the_gis_service_page_says_where_a_token_for_qgis_comes_from(anon, role, says):
    if role:
        await log_in(anon, role)
    page = (await anon.get("/ogc/demo?f=html")).text
    assert "Ohne API-Token sehen Sie nur öffentliche Daten" in page
    if says:
        assert says in page and "Authentifizierung der Verbindung" in page
    else:
        assert "Token anlegen" not in page and "Authentifizierung der Verbindung" not in page


async def test_another_municipalitys_member_gets_no_bar_here(anon, other):
    await log_in(anon, "nb-admin", "nb-password-123")
    assert member_bar((await anon.get("/ogc/demo?f=html")).text) == []
    theirs = member_bar((await anon.get("/ogc/nachbarort?f=html")).text)
    assert theirs[0][0] == "/m/nachbarort/map"


# --- people ---------------------------------------------------------------------------

async def test_admin_adds_a_person_with_the_form(anon, count):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/users")
    r = await anon.post("/admin/demo/users", data={
        "csrf_token": token, "username": "m.weber", "display_name": "Martin Weber",
        "email": "", "role": "crew", "password": "weber-password-1", "preferred_language": "fr"})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/admin/demo/users?done=added&who=m.weber"
    page = await anon.get(r.headers["location"])
    assert "m.weber wurde hinzugefügt." in page.text
    assert "Martin Weber" in page.text
    assert await count("app_user", "username = 'm.weber' AND preferred_language = 'fr'") == 1


async def test_a_form_without_the_csrf_token_is_refused(anon, count):
    await log_in(anon)
    r = await anon.post("/admin/demo/users", data={
        "username": "m.weber", "role": "crew", "password": "weber-password-1"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "Formular abgelaufen" in r.text
    assert await count("app_user", "username = 'm.weber'") == 0


async def test_a_refused_person_keeps_what_was_typed(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/users")
    data = {"csrf_token": token, "username": "planner", "display_name": "Petra Plan",
            "role": "crew", "password": "long-enough-123"}
    r = await anon.post("/admin/demo/users", data=data)
    assert r.status_code == 422
    assert "dieser Benutzername ist vergeben" in alert_of(r.text)  # the page's language
    assert 'value="Petra Plan"' in r.text and 'aria-invalid="true"' in r.text
    r = await anon.post("/admin/demo/users", data={**data, "username": "Bad Name",
                                                    "password": "short", "role": ""})
    assert r.status_code == 422
    summary = alert_of(r.text)
    assert "Benutzername" in summary and "Bitte eine der Möglichkeiten wählen" in summary
    assert 'value="Bad Name"' in r.text


async def test_role_password_sessions_and_removal(anon, make_client):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/users")
    await anon.post("/admin/demo/users", data={
        "csrf_token": token, "username": "m.weber", "role": "crew",
        "password": "weber-password-1"})
    members = {m["username"]: m for m in (await anon.get(f"{DEMO}/users")).json()}
    uid = members["m.weber"]["id"]
    async with make_client(None) as phone:
        assert (await log_in(phone, "m.weber", "weber-password-1")).status_code == 303
        r = await anon.post(f"/admin/demo/users/{uid}/sessions", data={"csrf_token": token})
        assert r.status_code == 303 and "n=1" in r.headers["location"]
        assert (await phone.get("/api/v1/auth/me")).status_code == 401
    r = await anon.post(f"/admin/demo/users/{uid}/role",
                        data={"csrf_token": token, "role": "planner"})
    assert r.status_code == 303
    r = await anon.post(f"/admin/demo/users/{uid}/password",
                        data={"csrf_token": token, "password": "short"})
    assert r.status_code == 422 and "mindestens 10 Zeichen" in r.text
    assert 'value="short"' in r.text  # kept at that form
    r = await anon.post(f"/admin/demo/users/{uid}/password",
                        data={"csrf_token": token, "password": "new-weber-pass-2"})
    assert r.status_code == 303
    r = await anon.post(f"/admin/demo/users/{uid}/remove", data={"csrf_token": token})
    assert r.status_code == 303
    assert "m.weber" not in {m["username"] for m in (await anon.get(f"{DEMO}/users")).json()}
    # nobody removes themselves
    me = (await anon.get("/api/v1/auth/me")).json()
    admin_id = {m["username"]: m["id"] for m in (await anon.get(f"{DEMO}/users")).json()}["admin"]
    r = await anon.post(f"/admin/demo/users/{admin_id}/remove", data={"csrf_token": token})
    assert r.status_code == 422 and "Sie können sich nicht selbst entfernen" in r.text
    assert me["username"] == "admin"


# --- API tokens -----------------------------------------------------------------------

async def test_token_secret_is_shown_once_and_revoked(anon, connection):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/tokens")
    r = await anon.post("/admin/demo/tokens", data={
        "csrf_token": token, "name": "QGIS Bauamt", "role": "planner", "expires_at": "2099-12-31"})
    assert r.status_code == 201
    secret = re.search(r'id="new-token"[^>]*value="(gat_[^"]+)"', r.text).group(1)
    assert "nur dieses eine Mal" in r.text
    listing = await anon.get("/admin/demo/tokens")
    assert "QGIS Bauamt" in listing.text and secret not in listing.text
    expires = await connection.scalar(text(
        "SELECT expires_at AT TIME ZONE 'Europe/Berlin' FROM api_token WHERE name = 'QGIS Bauamt'"))
    assert str(expires) == "2100-01-01 00:00:00"
    token_id = await connection.scalar(text("SELECT id FROM api_token WHERE name = 'QGIS Bauamt'"))
    r = await anon.post(f"/admin/demo/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert r.status_code == 303
    page = await anon.get(r.headers["location"])
    assert "„QGIS Bauamt“ wurde widerrufen" in page.text


async def test_token_form_problems(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/tokens")
    r = await anon.post("/admin/demo/tokens", data={
        "csrf_token": token, "name": "old", "role": "crew", "expires_at": "2001-01-01"})
    assert r.status_code == 422 and "liegt in der Vergangenheit" in r.text
    assert 'value="old"' in r.text
    r = await anon.post("/admin/demo/tokens", data={
        "csrf_token": token, "name": "", "role": "crew", "expires_at": "31.12.2030"})
    assert r.status_code == 422 and "Bitte ein Datum eingeben" in r.text


# --- asset types ----------------------------------------------------------------------

HYDRANT_FORM = {
    "code": "fire_cistern", "code_prefix": "lz", "label_de": "Löschwasserzisterne",
    "label_en": "Cistern", "label_fr": "Citerne incendie", "geometry_kind": "point",
    "maintenance_interval_days": "365", "public_by_default": "on", "color": "#cc0000",
    "field-0-name": "kind", "field-0-label": "Bauart", "field-0-kind": "choice",
    "field-0-choices": "Unterflur, Überflur", "field-0-required": "on",
    "field-1-name": "nominal_diameter", "field-1-label": "Nennweite (DN)",
    "field-1-kind": "integer",
    "field-2-name": "inspector", "field-2-label": "Prüfer", "field-2-kind": "text",
    "field-2-internal": "on",
    "field-3-name": "", "field-3-label": "", "field-3-kind": "text",
    "field-4-name": "installed", "field-4-kind": "date",
    "field-5-name": "flushed", "field-5-kind": "boolean",
    "field-6-name": "pressure_bar", "field-6-kind": "number",
}


async def test_admin_adds_a_type_with_the_field_builder(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/types")
    r = await anon.post("/admin/demo/types", data={"csrf_token": token, **HYDRANT_FORM})
    assert r.status_code == 303, alert_of(r.text)
    page = await anon.get(r.headers["location"])
    assert "fire_cistern" in page.text and "Nennweite (DN)" in page.text
    stored = (await anon.get(f"{DEMO}/types/fire_cistern")).json()
    assert stored["code_prefix"] == "LZ" and stored["maintenance_interval_days"] == 365
    assert stored["public_by_default"] is True and stored["color"] == "#cc0000"
    assert stored["label_fr"] == "Citerne incendie"
    assert stored["attribute_schema"] == {
        "type": "object", "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "title": "Bauart", "enum": ["Unterflur", "Überflur"]},
            "nominal_diameter": {"type": "integer", "title": "Nennweite (DN)"},
            "inspector": {"type": "string", "title": "Prüfer", "x-internal": True},
            "installed": {"type": "string", "format": "date"},
            "flushed": {"type": "boolean"},
            "pressure_bar": {"type": "number"},
        },
        "required": ["kind"],
    }
    # the schema works: an asset of the new type is checked against it
    r = await anon.post(f"{DEMO}/assets", headers={"X-CSRF-Token": token}, json={
        "type": "fire_cistern", "geometry": {"type": "Point", "coordinates": [7.283, 49.929]},
        "attributes": {"kind": "Seitenflur"}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "attributes.kind"


async def test_field_builder_problems_keep_every_row(anon, count):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/types")
    form = {**HYDRANT_FORM, "csrf_token": token, "field-1-name": "Nennweite",
            "field-2-choices": "a, b", "field-9-name": "extra_row", "field-9-kind": "text"}
    r = await anon.post("/admin/demo/types", data=form)
    assert r.status_code == 422
    assert 'name="field-1-name" type="text" value="Nennweite"' in r.text
    assert 'name="field-9-name" type="text" value="extra_row"' in r.text
    assert 'id="f-field-1-name-error"' in r.text and 'id="f-field-2-choices-error"' in r.text
    assert 'value="Citerne incendie"' in r.text
    assert await count("asset_type", "code = 'fire_cistern'") == 0
    r = await anon.post("/admin/demo/types", data={**HYDRANT_FORM, "csrf_token": token,
                                                     "code": "street_light"})
    assert r.status_code == 422 and "gibt es schon" in alert_of(r.text)


# --- settings -------------------------------------------------------------------------

def _square(lon: float, lat: float, d: float = 0.03) -> dict:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d],
            [lon - d, lat - d]]
    return {"type": "Polygon", "coordinates": [ring]}


async def test_settings_upload_a_boundary(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/settings")
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Musterdorf"},
         "geometry": _square(7.28, 49.93)}]}
    r = await anon.post("/admin/demo/settings", data={
        "csrf_token": token, "working_crs": "EPSG:2169", "default_language": "fr",
        "boundary_crs": ""}, files={"boundary": ("grenze.geojson", json.dumps(collection),
                                                  "application/geo+json")})
    assert r.status_code == 303, alert_of(r.text)
    muni = (await anon.get(DEMO)).json()
    assert muni["working_crs"] == 2169 and muni["default_language"] == "fr"
    assert muni["bbox"] == pytest.approx([7.25, 49.90, 7.31, 49.96], abs=1e-6)
    page = await anon.get(r.headers["location"])
    assert 'value="EPSG:2169"' in page.text


async def test_settings_problems_are_shown_at_their_field(anon):
    await log_in(anon)
    token = await csrf_of(anon, "/admin/demo/settings")
    before = (await anon.get(DEMO)).json()
    point = {"type": "Point", "coordinates": [7.28, 49.93]}
    r = await anon.post("/admin/demo/settings", data={
        "csrf_token": token, "working_crs": "EPSG:25832", "default_language": "de"},
        files={"boundary": ("p.geojson", json.dumps(point), "application/json")})
    assert r.status_code == 422 and "Polygon oder MultiPolygon" in r.text
    r = await anon.post("/admin/demo/settings", data={
        "csrf_token": token, "working_crs": "EPSG:99999999", "default_language": "de"},
        files={"boundary": ("x.geojson", b"not json", "application/json")})
    assert r.status_code == 422 and "kein GeoJSON" in r.text
    r = await anon.post("/admin/demo/settings", data={
        "csrf_token": token, "working_crs": "EPSG:99999999", "default_language": "de"})
    assert r.status_code == 422 and 'value="EPSG:99999999"' in r.text
    assert (await anon.get(DEMO)).json() == before


async def test_municipality_settings_api(client, make_client, anon):
    r = await client.patch(DEMO, json={"working_crs": "EPSG:2169", "boundary": {
        "type": "Feature", "properties": {}, "geometry": _square(7.28, 49.93)}})
    assert r.status_code == 200, r.text
    assert r.json()["working_crs"] == 2169 and r.json()["boundary"]["type"] == "MultiPolygon"
    r = await client.patch(DEMO, json={"boundary": {"type": "FeatureCollection", "features": []}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "boundary.features"
    r = await client.patch(DEMO, json={"working_crs": 5773})  # a vertical CRS
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "working_crs"
    async with make_client("crew") as crew:
        assert (await crew.patch(DEMO, json={"default_language": "en"})).status_code == 403
    assert (await anon.patch(DEMO, json={"default_language": "en"})).status_code == 401


# --- headers and page hygiene ----------------------------------------------------------

async def test_security_headers_on_html_json_and_files(anon):
    for path in ("/login", "/api/v1/municipalities", "/healthz", "/static/gisapp/gisapp.css",
                 "/no-such-path"):
        r = await anon.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert r.headers["permissions-policy"] == (
            "camera=(self), geolocation=(self), microphone=()")


async def test_docs_allows_only_its_own_boot_script(anon):
    r = await anon.get("/docs")
    csp = r.headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'$", csp.split(";")[3].strip())
    assert "unsafe-inline" not in csp


class _Hygiene(HTMLParser):
    """Inline scripts, style attributes/elements, and URLs that leave the site."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and not a.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in a:
            self.problems.append(f"style= on <{tag}>")
        for key, value in attrs:
            if key.startswith("on"):
                self.problems.append(f"{key}= handler on <{tag}>")
            if key in ("src", "href", "action") and value is not None:
                if not value.startswith(("/", "#", "?")) or value.startswith("//"):
                    self.problems.append(f"{key}={value} on <{tag}>")


def hygiene(html: str) -> list[str]:
    parser = _Hygiene()
    parser.feed(html)
    return parser.problems


async def test_no_inline_script_style_or_foreign_url_in_any_page(anon, make_client):
    pages = {"/login": await anon.get("/login"), "/": await anon.get("/"),
             "/admin/nowhere/": await anon.get("/admin/nowhere/")}
    await log_in(anon)
    for path in ("/", "/admin/demo/", "/admin/demo/users", "/admin/demo/tokens",
                 "/admin/demo/types", "/admin/demo/settings", "/admin/demo/types?lang=fr"):
        pages[path] = await anon.get(path)
    token = await csrf_of(anon, "/admin/demo/types")
    pages["types with problems"] = await anon.post("/admin/demo/types", data={
        "csrf_token": token, "code": "X"})
    pages["new token"] = await anon.post("/admin/demo/tokens", data={
        "csrf_token": token, "name": "n", "role": "crew"})
    async with make_client(None) as crew:
        await log_in(crew, "crew")
        pages["403"] = await crew.get("/admin/demo/users")
    for name, r in pages.items():
        assert r.status_code in (200, 201, 403, 404, 422), (name, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), name
        assert hygiene(r.text) == [], (name, hygiene(r.text))
        assert r.headers["cache-control"] == "no-store", name


@pytest.mark.parametrize(("actor", "shown"), [
    ("user:anna", "anna"), ("token:qgis", "API-Token qgis"), ("cli:root", "Kommandozeile (root)"),
    ("cli", "Kommandozeile"), ("demo", "demo"), (None, ""),
])
def test_who_did_something_as_a_person_reads_it(actor, shown):
    assert actor_label(actor, load_translations("de").gettext) == shown


def test_quantities_in_a_problem_follow_the_readers_number_format():
    """Measured distances are grouped as the reader writes numbers; a schema's limit (a
    year) or a cell value stays as it is."""
    german = load_translations("de").gettext
    outside = {"message": "lies %(metres)s m outside the boundary of %(name)s "
               "(tolerance %(tolerance)s m)", "reason": "…",
               "params": {"metres": 286977, "name": "Musterdorf", "tolerance": 12.5}}
    assert translated(outside, german, "de") == (
        "liegt 286.977 m außerhalb der Gemeindegrenze von Musterdorf (Toleranz 12,5 m)")
    assert translated(outside, german) == (
        "liegt 286977 m außerhalb der Gemeindegrenze von Musterdorf (Toleranz 12.5 m)")
    year = {"message": "%(value)s is less than the minimum of %(num)s", "reason": "…",
            "params": {"value": 1850, "num": 1900}}
    assert "1900" in translated(year, german, "de") and "1850" in translated(year, german, "de")
