"""CQL2 filters of the items resource (OGC API Features Part 3): each answer compared with
the same question asked in Python over every feature, in cql2-text and cql2-json, with
filter-crs, for the public and for staff, and the filters that must be refused (400 naming
the parameter) - among them input that crashes the parser on a normal thread's stack."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, shape

from tests.test_ogc import B, all_pages, rels

LIGHTS = B + "/collections/street_light/items?limit=1000"


async def everything(client, collection: str = "street_light") -> list[dict]:
    return await all_pages(client, B + f"/collections/{collection}/items?limit=1000")


async def filtered(client, expression: str, *, lang: str | None = None, extra: str = "",
                   collection: str = "street_light") -> list[dict]:
    url = (B + f"/collections/{collection}/items?limit=1000&filter={quote(expression)}"
           + (f"&filter-lang={lang}" if lang else "") + extra)
    return await all_pages(client, url)


def ids(features) -> set[str]:
    return {f["id"] for f in features}


async def test_conformance_and_queryables_name_the_filter(anon):
    conf = (await anon.get(B + "/conformance")).json()["conformsTo"]
    for part in ("ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
                 "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json",
                 "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/basic-spatial-functions"):
        assert f"http://www.opengis.net/spec/{part}" in conf
    props = (await anon.get(B + "/collections/street_light/queryables")).json()["properties"]
    assert props["geometry"] == {"x-ogc-role": "primary-geometry", "format": "geometry-point"}
    api = (await anon.get(B + "/api")).json()
    names = {p["name"] for p in api["paths"]["/collections/{collectionId}/items"]["get"]
             ["parameters"] if "name" in p}
    assert {"filter", "filter-lang", "filter-crs"} <= names
    # the geometry is no name=value filter
    assert (await anon.get(LIGHTS + "&geometry=x")).status_code == 400


@pytest.mark.parametrize(("expression", "check"), [
    ("lamp_technology = 'LED' AND power_w > 50",
     lambda p: p.get("lamp_technology") == "LED" and (p.get("power_w") or 0) > 50),
    ("lamp_technology <> 'LED' OR dimmable = true",
     lambda p: p.get("lamp_technology") != "LED" or p.get("dimmable") is True),
    ("NOT (power_w <= 36)", lambda p: p.get("power_w") is not None and p["power_w"] > 36),
    ("power_w BETWEEN 30 AND 60", lambda p: 30 <= (p.get("power_w") or -1) <= 60),
    ("lamp_technology IN ('HPS', 'MH')", lambda p: p.get("lamp_technology") in ("HPS", "MH")),
    ("name LIKE 'Haupt%'", lambda p: (p.get("name") or "").startswith("Haupt")),
    ("model IS NULL", lambda p: p.get("model") is None),
    ("installed_on >= DATE('2015-01-01')",
     lambda p: p.get("installed_on") is not None and p["installed_on"] >= "2015-01-01"),
    ("status = 'defective'", lambda p: p["status"] == "defective"),
    ("60 < power_w", lambda p: (p.get("power_w") or 0) > 60),
])
async def test_text_filters_answer_what_python_finds(anon, expression, check):
    every = await everything(anon)
    expected = {f["id"] for f in every if check(f["properties"])}
    found = await filtered(anon, expression)
    assert expected, expression  # the demo has such lights: the test can fail
    assert ids(found) == expected
    assert len(expected) < len(every) or expression.startswith("model")


async def test_json_filter_is_the_same_as_text(anon):
    text = "lamp_technology = 'LED' AND power_w BETWEEN 20 AND 40"
    as_json = json.dumps({"op": "and", "args": [
        {"op": "=", "args": [{"property": "lamp_technology"}, "LED"]},
        {"op": "between", "args": [{"property": "power_w"}, 20, 40]}]})
    first = await filtered(anon, text)
    assert first and ids(first) == ids(await filtered(anon, as_json, lang="cql2-json"))


async def test_spatial_filter_in_crs84_and_in_25832(anon):
    every = await everything(anon)
    points = {f["id"]: shape(f["geometry"]) for f in every}
    middle = shapely.MultiPoint(list(points.values())).centroid
    area = box(middle.x - 0.004, middle.y - 0.003, middle.x + 0.004, middle.y + 0.002)
    expected = {fid for fid, p in points.items() if area.intersects(p)}
    assert 0 < len(expected) < len(points)
    by_bbox = await filtered(anon, "S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))".format(
        *area.bounds))
    assert ids(by_bbox) == expected
    # the same area as a polygon in EPSG:25832, and combined with an attribute
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    ring = [to_utm.transform(x, y) for x, y in area.exterior.coords]
    utm = shapely.Polygon(ring)
    expected_utm = {fid for fid, p in points.items()
                    if utm.intersects(shapely.Point(to_utm.transform(p.x, p.y)))}
    crs = "&filter-crs=" + quote("http://www.opengis.net/def/crs/EPSG/0/25832")
    found = await filtered(anon, f"S_INTERSECTS(geometry, {utm.wkt})", extra=crs)
    assert ids(found) == expected_utm
    leds = await filtered(anon, f"S_INTERSECTS(geometry, {utm.wkt}) AND lamp_technology = 'LED'",
                          extra=crs)
    assert ids(leds) == {f["id"] for f in found if f["properties"].get("lamp_technology") == "LED"}
    # EPSG:4326 is latitude first
    lat_first = await filtered(anon, "S_INTERSECTS(geometry, BBOX({1}, {0}, {3}, {2}))".format(
        *area.bounds), extra="&filter-crs=" + quote("http://www.opengis.net/def/crs/EPSG/0/4326"))
    assert ids(lat_first) == expected


async def test_the_public_cannot_filter_by_internal_fields(anon, make_client):
    r = await anon.get(B + "/collections/wlan_hotspot/items?filter="
                       + quote("admin_contact LIKE '%@%'"))
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "filter"
    assert "admin_contact" in r.json()["detail"][0]["reason"]
    assert (await anon.get(LIGHTS + "&filter=" + quote("external_id IS NULL"))).status_code == 400
    async with make_client("planner") as planner:
        staff = await filtered(planner, "admin_contact LIKE '%@%'", collection="wlan_hotspot")
        everything_staff = await everything(planner, "wlan_hotspot")
        assert ids(staff) == {f["id"] for f in everything_staff
                              if "@" in (f["properties"].get("admin_contact") or "")}
        # decommissioned lights only when the filter names the status
        gone = await filtered(planner, "status = 'decommissioned'")
        assert gone and {f["properties"]["status"] for f in gone} == {"decommissioned"}


async def test_paging_keeps_the_filter(anon):
    url = B + "/collections/street_light/items?limit=20&filter=" + quote("lamp_technology = 'LED'")
    doc = (await anon.get(url)).json()
    assert doc["numberReturned"] == 20
    following = (await anon.get(rels(doc)["next"])).json()
    assert {f["properties"]["lamp_technology"] for f in following["features"]} == {"LED"}
    assert not ids(doc["features"]) & ids(following["features"])


@pytest.mark.parametrize(("query", "field", "words"), [
    ("filter=" + quote("power_w >"), "filter", "not a valid CQL2"),
    ("filter=" + quote("colour = 'red'"), "filter", "not a queryable"),
    ("filter=" + quote("power_w = 'viel'"), "filter", "is a number"),
    ("filter=" + quote("lamp_technology = 5"), "filter", "is text"),
    ("filter=" + quote("dimmable > true"), "filter", "does not apply"),
    ("filter=" + quote("installed_on > DATE('2020-13-01')"), "filter", "is a date"),
    ("filter=" + quote("power_w LIKE '5%'"), "filter", "LIKE applies to text"),
    ("filter=" + quote("S_WITHIN(geometry, POINT(7 50))"), "filter", "not supported"),
    ("filter=" + quote("S_INTERSECTS(geometry, POLYGON((7 50, 8 51, 8 50, 7 51, 7 50)))"),
     "filter", "not valid"),
    ("filter=" + quote("S_INTERSECTS(geometry, POINT(700 50))"), "filter", "outside lon"),
    ("filter=" + quote("geometry = 'x'"), "filter", "S_INTERSECTS"),
    ("filter=" + quote("power_w = power_w + 1"), "filter", ""),
    ("filter=" + quote("a" * 4001), "filter", "longer than"),
    ("filter=" + quote("NOT (" * 30 + "power_w = 1" + ")" * 30), "filter", "nests deeper"),
    ("filter=" + quote(f"power_w IN ({', '.join(map(str, range(450)))})"), "filter", "parts"),
    ("filter=" + quote("{\"op\": \"=\""), "filter", "not JSON"),
    ("filter=x&filter-lang=ecql", "filter-lang", "cql2-text"),
    ("filter=" + quote("power_w = 1") + "&filter-crs=EPSG:31467", "filter-crs", "not offered"),
    ("filter=", "filter", "empty"),
])
async def test_bad_filters_are_400_naming_the_parameter(anon, query, field, words):
    r = await anon.get(f"{LIGHTS}&{query}" + ("&filter-lang=cql2-json" if "not JSON" in words
                                               else ""))
    assert r.status_code == 400, r.text
    detail = r.json()["detail"][0]
    assert detail["field"] == field and words in detail["reason"], detail
    # the same refusal in German for people (the parser's own words stay as they are)
    assert detail["message"] and detail["text"] != detail["reason"], detail


@pytest.mark.parametrize("expression", [
    "power_w = " + "-" * 3989 + "1",
    "lamp_technology IN (" + "(" * 1985 + "'x'" + ")" * 1985 + ")",
    "power_w = " + "(1+" * 997 + "1" + ")" * 997,
    "(" * 1994 + "power_w = 1" + ")" * 1994,
    "power_w = " + "[" * 1990 + "]" * 1990,
    "NOT (" * 660 + "power_w = 1" + ")" * 660,
])
async def test_the_deepest_filters_the_length_allows_do_not_crash_the_server(anon, expression):
    """cql2-rs recurses per nesting level: the first of these crashes the process with a
    segmentation fault on a thread with 2 MB of stack and is at the edge of the main
    thread's 8 MB (measured; 5,000 nested parentheses crash it). On the parser's own
    thread (128 MB) each is answered, and the server answers the next request."""
    assert len(expression) <= 4000
    r = await anon.get(LIGHTS + "&filter=" + quote(expression))
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["detail"][0]["field"] == "filter"
    assert (await anon.get(LIGHTS + "&filter=" + quote("power_w = 36"))).status_code == 200
