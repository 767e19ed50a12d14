"""Bad input: each case gets a 4xx JSON body naming the field and the reason, and writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pyproj import Transformer
from shapely.geometry import shape

BASE = "/api/v1/municipalities/demo"
# a spot inside Musterdorf (Hunsrück), lon/lat
INSIDE = [7.2830, 49.9290]
TABLES = ("asset", "asset_history", "maintenance_record", "asset_type")


def light(**extra):
    body = {
        "type": "street_light",
        "name": "Teststraße 1",
        "geometry": {"type": "Point", "coordinates": INSIDE},
        "attributes": {"lamp_technology": "LED", "power_w": 36},
    }
    body.update(extra)
    return body


def point(*coordinates):
    return {"type": "Point", "coordinates": list(coordinates)}


def assert_problem(response, status, field: str, reason: str | None = None) -> None:
    """The status is right and a detail item names ``field`` (or a sub-field) with a reason."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"]
    named = [d for d in body["detail"]
             if d.get("field") == field or str(d.get("field", "")).startswith(field + ".")]
    assert named, f"no detail item names {field!r}: {body}"
    assert all(isinstance(d["reason"], str) and d["reason"].strip() for d in named), body
    if reason:
        assert any(reason.lower() in d["reason"].lower() for d in named), body


@pytest.fixture
async def rows(count):
    """``await rows()``: row counts of every table a request could write to."""
    async def _rows() -> dict[str, int]:
        return {table: await count(table) for table in TABLES}
    return _rows


@pytest.fixture
async def lamp(client):
    """A fresh street light of the demo municipality (version 1)."""
    r = await client.post(f"{BASE}/assets", json=light())
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
async def demo_meter(client):
    r = await client.get(f"{BASE}/assets", params={"type": "meter", "limit": 1})
    return r.json()["items"][0]


# --- POST /assets -----------------------------------------------------------------------------

BAD_ASSETS = [
    pytest.param(light(geometry=point(7.28, 95)), 422, "geometry.coordinates", "latitude",
                 id="latitude-95"),
    pytest.param(light(geometry=point(190, 49.9)), 422, "geometry.coordinates", "longitude",
                 id="longitude-190"),
    pytest.param(light(geometry=point(7.0, 49.5)), 422, "geometry", "outside the boundary",
                 id="outside-hunsrueck"),
    pytest.param(light(geometry=point(13.4, 52.5)), 422, "geometry", "outside the boundary",
                 id="outside-berlin"),
    pytest.param(light(geometry={"type": "LineString", "coordinates": [INSIDE, [7.284, 49.929]]}),
                 422, "geometry", "takes point", id="line-for-street-light"),
    pytest.param({k: v for k, v in light().items() if k != "geometry"}, 422, "geometry", None,
                 id="geometry-missing"),
    pytest.param(light(geometry={"type": "Circle", "coordinates": INSIDE, "radius": 5}),
                 422, "geometry", "Circle", id="geometry-circle"),
    pytest.param(light(geometry={"type": "Point"}), 422, "geometry.coordinates", "missing",
                 id="coordinates-missing"),
    pytest.param(light(geometry=point("a", 1)), 422, "geometry.coordinates", "not a number",
                 id="coordinates-strings"),
    pytest.param(light(geometry=point(True, 49.9)), 422, "geometry.coordinates", "not a number",
                 id="coordinates-boolean"),
    pytest.param(light(geometry=point(7.28)), 422, "geometry.coordinates", None,
                 id="coordinates-one-number"),
    pytest.param(light(geometry=point()), 422, "geometry", "empty", id="coordinates-empty"),
    pytest.param(light(type="spaceship"), 422, "type", "spaceship", id="unknown-type"),
    pytest.param(light(attributes={"power_w": -5}), 422, "attributes.power_w", None,
                 id="power-negative"),
    pytest.param(light(attributes={"lamp_technology": "candle"}), 422,
                 "attributes.lamp_technology", "candle", id="lamp-candle"),
    pytest.param(light(attributes={"colour": "red"}), 422, "attributes.colour", "colour",
                 id="unknown-attribute"),
    pytest.param(light(type="charging_station",
                       attributes={"connectors": [{"type": "CCS", "power_kw": "fast"}]}),
                 422, "attributes.connectors.0.power_kw", None, id="connector-power-text"),
    pytest.param(light(type="meter", attributes={"smart": True}), 422, "attributes.medium",
                 "required", id="meter-without-medium"),
    pytest.param(light(type="meter", attributes={"medium": "water"}, public=True), 422, "public",
                 "never be public", id="public-meter"),
    pytest.param(light(colour="red"), 422, "colour", None, id="unknown-top-level-field"),
    pytest.param(light(status="broken"), 422, "status", None, id="status-broken"),
    pytest.param(light(code="has spaces"), 422, "code", None, id="code-pattern"),
    pytest.param(light(maintenance_interval_days=0), 422, "maintenance_interval_days", None,
                 id="interval-zero"),
]


@pytest.mark.parametrize(("body", "status", "field", "reason"), BAD_ASSETS)
async def test_bad_asset_is_refused(client, rows, body, status, field, reason):
    before = await rows()
    r = await client.post(f"{BASE}/assets", json=body)
    assert_problem(r, status, field, reason)
    assert await rows() == before


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
async def test_non_finite_coordinate_is_refused(client, rows, number):
    before = await rows()
    raw = (b'{"type":"street_light","geometry":{"type":"Point","coordinates":[' + number
           + b',49.9]}}')
    r = await client.post(f"{BASE}/assets", content=raw,
                          headers={"content-type": "application/json"})
    assert r.status_code in (400, 422), r.text
    fields = [d.get("field", "") for d in r.json()["detail"]]
    assert any(f.startswith("geometry") or f == "body" for f in fields), r.text
    assert all(d["reason"] for d in r.json()["detail"])
    assert await rows() == before


async def test_malformed_json_names_the_body(client, rows):
    before = await rows()
    r = await client.post(f"{BASE}/assets", content=b'{"type": "street_light", ',
                          headers={"content-type": "application/json"})
    assert_problem(r, 422, "body", "JSON")
    assert await rows() == before


async def test_self_intersecting_polygon_is_refused(client, rows):
    r = await client.post(f"{BASE}/types", json={
        "code": "green_space", "code_prefix": "GS", "label_de": "Grünfläche",
        "geometry_kind": "polygon"})
    assert r.status_code == 201, r.text
    before = await rows()
    lon, lat = INSIDE
    bowtie = [[lon, lat], [lon + 0.001, lat + 0.001], [lon + 0.001, lat], [lon, lat + 0.001],
              [lon, lat]]
    r = await client.post(f"{BASE}/assets", json={
        "type": "green_space", "geometry": {"type": "Polygon", "coordinates": [bowtie]}})
    assert_problem(r, 422, "geometry", "Self-intersection")
    assert await rows() == before


async def test_boundary_tolerance(client, rows):
    """About 200 m outside is refused; 20 m outside lies within the 50 m tolerance."""
    muni = (await client.get("/api/v1/municipalities/demo")).json()
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    boundary = shape(muni["boundary"])
    east = max(to_utm.transform(x, y)[0] for poly in boundary.geoms
               for x, y in poly.exterior.coords)
    north = next(to_utm.transform(x, y)[1] for poly in boundary.geoms
                 for x, y in poly.exterior.coords if abs(to_utm.transform(x, y)[0] - east) < 1e-6)

    before = await rows()
    r = await client.post(f"{BASE}/assets", params={"crs": "EPSG:25832"},
                          json=light(geometry=point(east + 200, north)))
    assert_problem(r, 422, "geometry", "outside the boundary")
    assert await rows() == before

    r = await client.post(f"{BASE}/assets", params={"crs": "EPSG:25832"},
                          json=light(geometry=point(east + 20, north)))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("crs", "coordinates"), [
    pytest.param(None, [*INSIDE, 312.5], id="lonlat"),
    pytest.param("EPSG:25832", [376700.0, 5532300.0, 312.5], id="utm"),
])
async def test_position_with_altitude_keeps_two_dimensions(client, crs, coordinates):
    """Not bad input: a third coordinate (height) is dropped, never a server error."""
    r = await client.post(f"{BASE}/assets", params={"crs": crs} if crs else {},
                          json=light(geometry=point(*coordinates)))
    assert r.status_code == 201, r.text
    assert r.json()["geometry"]["coordinates"] == pytest.approx(coordinates[:2], abs=0.01)


# --- coordinate reference systems -------------------------------------------------------------

@pytest.mark.parametrize(("crs", "reason"), [
    pytest.param("EPSG:999999", "EPSG:999999", id="unknown-code"),
    pytest.param("foo", "not an EPSG code", id="malformed"),
    pytest.param("http://www.opengis.net/def/crs/OGC/1.3/CRS83", "unsupported", id="ogc-not-crs84"),
    pytest.param("²", None, id="superscript-two"),
])
async def test_bad_crs_on_create(client, rows, crs, reason):
    before = await rows()
    r = await client.post(f"{BASE}/assets", params={"crs": crs}, json=light())
    assert_problem(r, 400, "crs", reason)
    assert await rows() == before


@pytest.mark.parametrize(("params", "status", "field"), [
    pytest.param({"bbox": "1,2,3"}, 422, "bbox", id="bbox-three-numbers"),
    pytest.param({"bbox": "a,b,c,d"}, 422, "bbox", id="bbox-letters"),
    pytest.param({"bbox": "5,5,1,1"}, 422, "bbox", id="bbox-min-over-max"),
    pytest.param({"bbox": "nan,nan,nan,nan"}, 422, "bbox", id="bbox-nan"),
    pytest.param({"bbox": "7,49,8,50", "bbox-crs": "foo"}, 400, "bbox-crs", id="bbox-crs-foo"),
    pytest.param({"bbox": "7,49,8,50", "bbox-crs": "EPSG:999999"}, 400, "bbox-crs",
                 id="bbox-crs-unknown"),
    pytest.param({"crs": "EPSG:999999"}, 400, "crs", id="crs-unknown"),
    pytest.param({"limit": 0}, 422, "query.limit", id="limit-zero"),
    pytest.param({"crs": "EPSG:5783"}, 400, "crs", id="crs-vertical"),
    pytest.param({"bbox": "376690,5532290,376710,5532310", "bbox-crs": "EPSG:5783"}, 400,
                 "bbox-crs", id="bbox-crs-vertical"),
    pytest.param({"bbox": "0,0,1e12,1e12", "bbox-crs": "EPSG:25832"}, 422, "bbox",
                 id="bbox-outside-projection"),
])
async def test_bad_list_parameters(client, rows, params, status, field):
    before = await rows()
    r = await client.get(f"{BASE}/assets", params=params)
    assert_problem(r, status, field)
    assert await rows() == before


# --- PATCH ------------------------------------------------------------------------------------

async def test_if_match_that_is_no_version(client, rows, lamp):
    before = await rows()
    r = await client.patch(f"{BASE}/assets/{lamp['id']}", headers={"If-Match": "abc"},
                           json={"name": "x"})
    assert_problem(r, 422, "If-Match", "abc")
    assert await rows() == before
    assert (await client.get(f"{BASE}/assets/{lamp['id']}")).json()["version"] == 1


async def test_if_match_with_superscript_digit(client, rows, lamp):
    before = await rows()
    r = await client.patch(f"{BASE}/assets/{lamp['id']}", headers={"If-Match": b'"\xb2"'},
                           json={"name": "x"})
    assert_problem(r, 422, "If-Match")
    assert await rows() == before


@pytest.mark.parametrize(("geometry", "field", "reason"), [
    pytest.param(point(7.28, 95), "geometry.coordinates", "latitude", id="latitude-95"),
    pytest.param(point(13.4, 52.5), "geometry", "outside the boundary", id="berlin"),
    pytest.param({"type": "LineString", "coordinates": [INSIDE, [7.284, 49.929]]}, "geometry",
                 None, id="line"),
    pytest.param(point("a", 1), "geometry.coordinates", "not a number", id="strings"),
    pytest.param(None, "geometry", None, id="null"),
])
async def test_patch_with_invalid_geometry_changes_nothing(client, rows, lamp, geometry, field,
                                                           reason):
    url = f"{BASE}/assets/{lamp['id']}"
    before = await rows()
    r = await client.patch(url, headers={"If-Match": '"1"'},
                           json={"name": "moved", "geometry": geometry})
    assert_problem(r, 422, field, reason)
    assert await rows() == before
    now = (await client.get(url)).json()
    assert now["version"] == 1 and now["name"] == lamp["name"]
    assert now["geometry"] == lamp["geometry"]
    assert len((await client.get(f"{url}/history")).json()) == 1


async def test_patch_failing_after_the_geometry_was_applied_changes_nothing(client, rows, lamp):
    """The geometry is set on the row before the attributes are checked; all of it is undone."""
    url = f"{BASE}/assets/{lamp['id']}"
    before = await rows()
    r = await client.patch(url, headers={"If-Match": '"1"'}, json={
        "geometry": point(7.2835, 49.9292), "attributes": {"power_w": -5}})
    assert_problem(r, 422, "attributes.power_w")
    assert await rows() == before
    now = (await client.get(url)).json()
    assert now["version"] == 1 and now["geometry"] == lamp["geometry"]
    assert now["attributes"] == lamp["attributes"]


async def test_patch_meter_to_public(client, rows, demo_meter):
    url = f"{BASE}/assets/{demo_meter['id']}"
    before = await rows()
    r = await client.patch(url, json={"version": demo_meter["version"], "public": True})
    assert_problem(r, 422, "public", "never be public")
    assert await rows() == before
    now = (await client.get(url)).json()
    assert now["version"] == demo_meter["version"] and now["public"] is False


# --- maintenance ------------------------------------------------------------------------------

def _in_two_days() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("body", "field", "reason"), [
    pytest.param({"kind": "inspection", "performed_at": _in_two_days()}, "performed_at",
                 "future", id="future"),
    pytest.param({"kind": "inspection", "performed_at": "2026-05-04T09:30:00"}, "performed_at",
                 "time zone", id="naive"),
    pytest.param({"kind": "dance"}, "kind", None, id="kind-dance"),
    pytest.param({"kind": "inspection", "result": "meh"}, "result", None, id="result-meh"),
    pytest.param({"kind": "inspection", "reading_value": "12"}, "reading_value", None,
                 id="reading-on-inspection"),
    pytest.param({"kind": "inspection", "performed_at": "0001-01-01T00:00:00+14:00"},
                 "performed_at", None, id="year-one-east-of-utc"),
])
async def test_bad_maintenance_is_refused(client, rows, lamp, body, field, reason):
    before = await rows()
    r = await client.post(f"{BASE}/assets/{lamp['id']}/maintenance", json=body)
    assert_problem(r, 422, field, reason)
    assert await rows() == before
    assert (await client.get(f"{BASE}/assets/{lamp['id']}/maintenance")).json() == []


# --- unknown objects --------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "", None),
    ("PATCH", "", {"version": 1, "name": "x"}),
    ("DELETE", "", None),
    ("GET", "/history", None),
    ("GET", "/maintenance", None),
    ("POST", "/maintenance", {"kind": "inspection"}),
])
async def test_unknown_asset_is_404(client, rows, method, path, body):
    before = await rows()
    r = await client.request(method, f"{BASE}/assets/{uuid.uuid4()}{path}", json=body)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "not_found" and r.json()["detail"][0]["reason"]
    assert await rows() == before


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "", None),
    ("PATCH", "", {"version": 1, "name": "x"}),
    ("POST", "/maintenance", {"kind": "inspection"}),
])
async def test_asset_id_that_is_no_uuid(client, rows, method, path, body):
    before = await rows()
    r = await client.request(method, f"{BASE}/assets/abc{path}", json=body)
    assert r.status_code == 422, r.text
    fields = [d["field"] for d in r.json()["detail"]]
    assert any(f.endswith("asset_id") for f in fields), r.text  # today: "path.asset_id"
    assert await rows() == before


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/assets", None),
    ("POST", "/assets", light()),
    ("POST", "/types", {"code": "bench", "code_prefix": "BK", "label_de": "Bank"}),
])
async def test_unknown_municipality_is_404(client, rows, method, path, body):
    before = await rows()
    r = await client.request(method, f"/api/v1/municipalities/nowhere{path}", json=body)
    assert r.status_code == 404, r.text
    assert "nowhere" in r.json()["detail"][0]["reason"]
    assert await rows() == before


# --- custom types -----------------------------------------------------------------------------

def bench_type(**extra):
    body = {"code": "bench", "code_prefix": "BK", "label_de": "Sitzbank",
            "attribute_schema": {"type": "object", "properties": {"seats": {"type": "integer"}}}}
    body.update(extra)
    return body


@pytest.mark.parametrize(("body", "status", "field", "reason"), [
    pytest.param(bench_type(attribute_schema={"type": "object",
                                              "properties": {"a": {"type": "nonsense"}}}),
                 422, "attribute_schema", "JSON Schema", id="schema-type-nonsense"),
    pytest.param(bench_type(attribute_schema={"type": "object",
                                              "properties": {"a": {"pattern": "("}}}),
                 422, "attribute_schema.properties.a.pattern", None, id="schema-bad-regex"),
    pytest.param(bench_type(attribute_schema={"type": "array"}), 422, "attribute_schema",
                 "object", id="schema-not-an-object"),
    pytest.param(bench_type(code="Bad Code"), 422, "code", None, id="code-with-space"),
    pytest.param(bench_type(code_prefix="bk"), 422, "code_prefix", None, id="prefix-lowercase"),
    pytest.param(bench_type(geometry_kind="circle"), 422, "geometry_kind", None,
                 id="geometry-kind-circle"),
    pytest.param(bench_type(code="street_light"), 409, "code", "exists", id="code-taken"),
    pytest.param(bench_type(public_by_default=True, public_allowed=False), 422,
                 "public_by_default", None, id="public-by-default-not-allowed"),
    pytest.param(bench_type(attribute_schema={"type": "object", "properties": {
        "a": {"$ref": "#/$defs/missing"}}}), 422, "attribute_schema", None,
        id="schema-dangling-ref"),
])
async def test_bad_custom_type_is_refused(client, rows, body, status, field, reason):
    before = await rows()
    r = await client.post(f"{BASE}/types", json=body)
    assert_problem(r, status, field, reason)
    assert await rows() == before


# --- failures half-way ------------------------------------------------------------------------

async def test_unknown_parent_leaves_no_rows_and_no_code_used(client, rows):
    first = (await client.post(f"{BASE}/assets", json=light())).json()["code"]
    before = await rows()
    r = await client.post(f"{BASE}/assets", json=light(parent_id=str(uuid.uuid4())))
    assert_problem(r, 422, "parent_id", "no such asset")
    assert await rows() == before
    after = (await client.post(f"{BASE}/assets", json=light())).json()["code"]
    assert int(after.split("-")[1]) == int(first.split("-")[1]) + 1


async def test_duplicate_code_refused_by_the_database_leaves_no_rows(client, rows):
    """Every check passes; the INSERT itself fails on the unique constraint."""
    before = await rows()
    r = await client.post(f"{BASE}/assets", json=light(code="SL-0001"))
    assert_problem(r, 409, "code")
    assert await rows() == before
