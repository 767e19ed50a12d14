"""Spatial questions against the demo village, each answer checked against an independent
computation: the assets read as the schema owner, geometry done with shapely/pyproj
(geodesic distances with pyproj.Geod, point-in-polygon with shapely), energy in Python."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point, Polygon, mapping
from sqlalchemy import text

from gisapp.settings import EnergySettings

SEARCH = "/api/v1/municipalities/demo/spatial/search"
STATS = "/api/v1/municipalities/demo/spatial/stats"
GEOD = Geod(ellps="WGS84")
TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)
TO_LONLAT = Transformer.from_crs(25832, 4326, always_xy=True)
INSTALLED = ("active", "defective", "out_of_service")
ALL = 10_000


async def demo_assets(connection) -> list[dict]:
    """Every asset of the demo, read past the app (as the schema owner)."""
    await connection.execute(text("RESET ROLE"))
    rows = await connection.execute(text(
        "SELECT a.code, a.type_code AS type, a.status, a.is_public, a.attributes,"
        " a.public_attributes, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat,"
        " EXISTS (SELECT 1 FROM tag t WHERE t.municipality_id = a.municipality_id"
        "         AND t.asset_id = a.id AND t.state = 'active') AS tagged"
        " FROM asset a JOIN municipality m ON m.id = a.municipality_id WHERE m.slug = 'demo'"))
    return [dict(r._mapping) for r in rows]


async def districts(connection) -> dict[str, shapely.Geometry]:
    await connection.execute(text("RESET ROLE"))
    rows = await connection.execute(text(
        "SELECT d.name, ST_AsBinary(d.geom) AS wkb FROM district d JOIN municipality m"
        " ON m.id = d.municipality_id WHERE m.slug = 'demo' ORDER BY d.name"))
    return {r.name: shapely.from_wkb(bytes(r.wkb)) for r in rows}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def listed(assets, *, statuses=None) -> list[dict]:
    """What a search considers by default: everything but decommissioned."""
    if statuses:
        return [a for a in assets if a["status"] in statuses]
    return [a for a in assets if a["status"] != "decommissioned"]


def utm(asset) -> Point:
    return Point(*TO_UTM.transform(asset["lon"], asset["lat"]))


def centre_utm(assets) -> tuple[float, float]:
    """A point in the middle of the lights of Musterdorf (median, so it lies among them)."""
    pts = sorted((utm(a).x, utm(a).y) for a in assets if a["type"] == "street_light")
    xs = sorted(p[0] for p in pts)
    ys = sorted(p[1] for p in pts)
    return xs[len(xs) // 2], ys[len(ys) // 2]


def geodesic_m(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


async def test_within_a_polygon_drawn_in_utm(client, connection):
    assets = await demo_assets(connection)
    cx, cy = centre_utm(assets)
    pentagon = Polygon([(cx + 380 * math.cos(a), cy + 300 * math.sin(a))
                        for a in (i * 2 * math.pi / 5 + 0.3 for i in range(5))])
    body = {"crs": "EPSG:25832", "area": mapping(pentagon), "limit": ALL}
    expected = sorted(a["code"] for a in listed(assets) if pentagon.intersects(utm(a)))
    assert len(expected) > 50
    assert codes(await client.post(SEARCH, json=body)) == expected
    # combined with type and status
    body |= {"types": ["street_light"], "statuses": ["defective", "out_of_service"]}
    expected = sorted(a["code"] for a in listed(assets, statuses=body["statuses"])
                      if a["type"] == "street_light" and pentagon.intersects(utm(a)))
    assert codes(await client.post(SEARCH, json=body)) == expected
    # the answer comes in the CRS of the question
    r = await client.post(SEARCH, json=body | {"limit": 1})
    x, y = r.json()["items"][0]["geometry"]["coordinates"]
    assert pentagon.buffer(0.01).contains(Point(x, y))


async def test_within_a_named_district(client, connection):
    assets = await demo_assets(connection)
    parts = await districts(connection)
    assert sorted(parts) == ["Musterdorf", "Niederbach", "Oberweiler"]
    for name, shape in parts.items():
        expected = sorted(a["code"] for a in listed(assets)
                          if shape.intersects(Point(a["lon"], a["lat"])))
        got = codes(await client.post(SEARCH, json={"district": name, "limit": ALL}))
        assert got == expected and len(got) > 100, name


async def test_within_a_distance_of_a_point_in_true_metres(client, connection):
    assets = await demo_assets(connection)
    cx, cy = centre_utm(assets)
    lon, lat = TO_LONLAT.transform(cx, cy)
    distances = {a["code"]: geodesic_m(lon, lat, a["lon"], a["lat"]) for a in listed(assets)}
    assert not any(abs(d - 120) < 0.01 for d in distances.values())  # no borderline case
    expected = sorted((d, c) for c, d in distances.items() if d <= 120)
    body = {"near": {"geometry": {"type": "Point", "coordinates": [lon, lat]},
                     "distance_m": 120}, "limit": ALL}
    r = await client.post(SEARCH, json=body)
    items = r.json()["items"]
    assert [i["code"] for i in items] == [c for _, c in expected]  # nearest first
    assert len(items) > 5
    for item, (d, _) in zip(items, expected, strict=True):
        assert item["distance_m"] == pytest.approx(d, abs=0.01)
    # the same point sent in EPSG:25832 gives the same answer
    body["near"]["geometry"]["coordinates"] = [cx, cy]
    r = await client.post(SEARCH, json=body | {"crs": "25832"})
    assert codes(r) == [c for _, c in expected]


def local_metric(lon: float, lat: float) -> Transformer:
    """An azimuthal equidistant projection around a point: true distances nearby."""
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return Transformer.from_crs(4326, crs, always_xy=True)


async def test_within_a_distance_of_a_drawn_line(client, connection):
    assets = await demo_assets(connection)
    cx, cy = centre_utm(assets)
    line_utm = [(cx - 500, cy - 120), (cx, cy + 60), (cx + 450, cy - 40)]
    line_lonlat = [TO_LONLAT.transform(x, y) for x, y in line_utm]
    local = local_metric(*TO_LONLAT.transform(cx, cy))
    line = shapely.LineString([local.transform(*p) for p in line_lonlat])
    distances = {a["code"]: line.distance(Point(local.transform(a["lon"], a["lat"])))
                 for a in listed(assets) if a["type"] == "street_light"}
    assert not any(abs(d - 25) < 0.02 for d in distances.values())
    expected = sorted(c for c, d in distances.items() if d <= 25)
    assert len(expected) > 3
    body = {"crs": "EPSG:25832", "types": ["street_light"], "limit": ALL,
            "near": {"geometry": {"type": "LineString", "coordinates": line_utm},
                     "distance_m": 25}}
    assert sorted(codes(await client.post(SEARCH, json=body))) == expected


async def test_within_a_distance_of_a_named_street(client, connection):
    assets = await demo_assets(connection)
    await connection.execute(text("RESET ROLE"))
    wkb = await connection.scalar(text(
        "SELECT ST_AsBinary(s.geom) FROM street s JOIN municipality m ON m.id = s.municipality_id"
        " WHERE m.slug = 'demo' AND s.name = 'Kreisstraße K 12'"))
    street = shapely.from_wkb(bytes(wkb))
    expected = []
    for a in listed(assets):
        local = local_metric(a["lon"], a["lat"])  # centred on the asset: exact enough
        d = shapely.transform(street, lambda xy, t=local: _project(t, xy)).distance(Point(0, 0))
        assert abs(d - 25) > 0.02
        if d <= 25:
            expected.append(a["code"])
    body = {"near": {"street": "Kreisstraße K 12", "distance_m": 25}, "limit": ALL}
    got = codes(await client.post(SEARCH, json=body))
    assert sorted(got) == sorted(expected) and len(got) > 10


def _project(transformer, xy):
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


async def test_nearest_n_to_a_point(client, connection):
    assets = await demo_assets(connection)
    cx, cy = centre_utm(assets)
    lon, lat = TO_LONLAT.transform(cx + 37, cy - 11)
    ranked = sorted((geodesic_m(lon, lat, a["lon"], a["lat"]), a["code"]) for a in listed(assets))
    body = {"nearest": {"point": {"type": "Point", "coordinates": [lon, lat]}, "count": 7}}
    r = await client.post(SEARCH, json=body)
    assert codes(r) == [c for _, c in ranked[:7]]
    assert [i["distance_m"] for i in r.json()["items"]] == pytest.approx(
        [d for d, _ in ranked[:7]], abs=0.01)
    # nearest of one type, far from most of them: the re-ranking must still be exact
    hotspots = sorted((geodesic_m(lon, lat, a["lon"], a["lat"]), a["code"])
                      for a in listed(assets) if a["type"] == "wlan_hotspot")
    body |= {"types": ["wlan_hotspot"], "nearest": body["nearest"] | {"count": 4}}
    assert codes(await client.post(SEARCH, json=body)) == [c for _, c in hotspots[:4]]


def expected_stats(assets, parts, *, attrs_key="attributes") -> dict[tuple, dict]:
    energy = EnergySettings()
    groups: dict[tuple, dict] = defaultdict(lambda: {"count": 0, "power_w": None,
                                                     "annual_kwh": None})
    for a in assets:
        point = Point(a["lon"], a["lat"])
        district = next((n for n, g in parts.items() if g.intersects(point)), None)
        g = groups[(district, a["type"])]
        g["count"] += 1
        attrs = a[attrs_key]
        if isinstance(attrs.get("power_w"), (int, float)):
            power = attrs["power_w"] * attrs.get("luminaire_count", 1)
            factor = energy.dimming_factor if attrs.get("dimmable") is True else 1.0
            g["power_w"] = (g["power_w"] or 0) + power
            g["annual_kwh"] = ((g["annual_kwh"] or 0)
                               + power * energy.burning_hours_per_year * factor / 1000)
    return dict(groups)


def by_key(body) -> dict[tuple, dict]:
    return {(g["district"], g["type"]): {k: g[k] for k in ("count", "power_w", "annual_kwh")}
            for g in body["groups"]}


def assert_stats(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert got[key]["count"] == want["count"], key
        for field in ("power_w", "annual_kwh"):
            if want[field] is None:
                assert got[key][field] is None, (key, field)
            else:
                assert got[key][field] == pytest.approx(want[field], abs=0.01), (key, field)


async def test_counts_power_and_energy_per_district_and_type(client, connection):
    assets = [a for a in await demo_assets(connection) if a["status"] in INSTALLED]
    parts = await districts(connection)
    r = await client.post(STATS, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["statuses"] == list(INSTALLED)
    assert body["energy"]["burning_hours_per_year"] == 4000
    expected = expected_stats(assets, parts)
    assert_stats(by_key(body), expected)
    assert body["total"]["count"] == len(assets)
    lights = [a for a in assets if a["type"] == "street_light"]
    assert body["total"]["power_w"] == pytest.approx(
        sum(a["attributes"]["power_w"] * a["attributes"].get("luminaire_count", 1)
            for a in lights))

    # installed lighting power per district: the link form
    r = await client.get(STATS, params={"type": "street_light", "group_by": "district"})
    per_district = {g["district"]: g for g in r.json()["groups"]}
    assert sorted(per_district) == sorted(parts)
    for name in parts:
        want = next(v for (d, t), v in expected.items() if d == name and t == "street_light")
        assert per_district[name]["power_w"] == pytest.approx(want["power_w"])
        assert per_district[name]["annual_kwh"] == pytest.approx(want["annual_kwh"])


async def test_stats_follow_the_settings(make_client, app, connection):
    app.state.settings = app.state.settings.model_copy(
        update={"energy": EnergySettings(burning_hours_per_year=3000, dimming_factor=0.5)})
    assets = await demo_assets(connection)
    lights = [a["attributes"] for a in assets
              if a["type"] == "street_light" and a["status"] == "active"]
    want = sum(a["power_w"] * 3000 * (0.5 if a.get("dimmable") else 1) / 1000 for a in lights)
    async with make_client("planner") as c:
        r = await c.get(STATS, params={"type": "street_light", "status": "active",
                                       "group_by": "type"})
    assert r.json()["groups"][0]["annual_kwh"] == pytest.approx(want)
    assert r.json()["energy"]["dimming_factor"] == 0.5


async def test_the_public_gets_public_assets_and_fields_only(anon, connection, other):
    assets = await demo_assets(connection)
    parts = await districts(connection)
    public = [a for a in assets if a["is_public"] and a["status"] in INSTALLED]
    assert_stats(by_key((await anon.post(STATS, json={})).json()),
                 expected_stats(public, parts, attrs_key="public_attributes"))
    r = await anon.post(SEARCH, json={"district": "Musterdorf", "limit": ALL})
    items = r.json()["items"]
    parts_m = parts["Musterdorf"]
    assert sorted(i["code"] for i in items) == sorted(
        a["code"] for a in public if parts_m.intersects(Point(a["lon"], a["lat"])))
    assert {i["type"] for i in items} >= {"street_light", "sensor"}
    assert "meter" not in {i["type"] for i in items}
    for item in items:
        assert "version" not in item and "overdue" not in item and "external_id" not in item
        assert "device_eui" not in item["attributes"]  # internal attribute of sensors
    # staff-only filters, named
    r = await anon.post(SEARCH, json={"overdue": True, "untagged": True})
    assert r.status_code == 422
    assert {d["field"] for d in r.json()["detail"]} == {"overdue", "untagged"}
    # another municipality's admin is the public here: meters are not even a type to them
    async with other["client"]("admin") as nb:
        r = await nb.post(SEARCH, json={"types": ["meter"]})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "types.0"
        r = await nb.post(SEARCH, json={"district": "Musterdorf", "limit": ALL})
    assert sorted(i["code"] for i in r.json()["items"]) == sorted(i["code"] for i in items)


async def test_staff_see_meters_and_internal_fields(make_client):
    async with make_client("crew") as crew:
        r = await crew.post(SEARCH, json={"types": ["meter"], "limit": ALL})
    items = r.json()["items"]
    assert len(items) == 41
    assert all("meter_number" in i["attributes"] and "version" in i for i in items)


async def test_assets_without_an_active_label(client, connection):
    # the demo labels every asset in use; give some reasons to differ
    r = await client.post("/api/v1/municipalities/demo/assets", json={
        "type": "street_light", "geometry": {"type": "Point", "coordinates": [7.283, 49.929]}})
    assert r.status_code == 201, r.text
    new_code = r.json()["code"]
    await connection.execute(text("RESET ROLE"))
    await connection.execute(text(
        "UPDATE tag SET state = 'revoked' WHERE id IN (SELECT t.id FROM tag t JOIN asset a"
        " ON a.id = t.asset_id WHERE a.code IN ('SL-0010', 'SN-0003') AND t.state = 'active')"))
    assets = await demo_assets(connection)
    expected = sorted(a["code"] for a in listed(assets) if not a["tagged"])
    assert {new_code, "SL-0010", "SN-0003"} <= set(expected)
    assert codes(await client.post(SEARCH, json={"untagged": True, "limit": ALL})) == expected
    tagged = codes(await client.post(SEARCH, json={"untagged": False, "limit": ALL}))
    assert len(tagged) == len(listed(assets)) - len(expected)
    r = await client.get(STATS, params={"untagged": "true", "group_by": "type"})
    assert sum(g["count"] for g in r.json()["groups"]) == len(
        [a for a in assets if a["status"] in INSTALLED and not a["tagged"]])


async def test_assets_overdue(client, connection):
    listed_overdue = []
    url = "/api/v1/municipalities/demo/assets?overdue=true&limit=1000"
    while url:
        page = (await client.get(url)).json()
        listed_overdue += [i["code"] for i in page["items"]]
        url = page["next"]
    assert len(listed_overdue) > 5
    got = codes(await client.post(SEARCH, json={"overdue": True, "limit": ALL}))
    assert got == sorted(listed_overdue)
    parts = await districts(connection)
    assets = {a["code"]: a for a in await demo_assets(connection)}
    in_oberweiler = codes(await client.post(SEARCH, json={
        "overdue": True, "district": "Oberweiler", "limit": ALL}))
    assert in_oberweiler == sorted(c for c in listed_overdue if parts["Oberweiler"].intersects(
        Point(assets[c]["lon"], assets[c]["lat"])))


async def test_geojson_answer_and_paging(client):
    r = await client.post(SEARCH + "?f=geojson", json={"types": ["street_light"], "limit": 10})
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 10 and body["more"]
    first = codes(await client.post(SEARCH, json={"types": ["street_light"], "limit": 20}))
    second = codes(await client.post(SEARCH, json={"types": ["street_light"], "limit": 10,
                                                   "offset": 10}))
    assert first[10:] == second


async def test_districts_as_geojson(client, anon, connection):
    parts = await districts(connection)
    body = (await anon.get("/api/v1/municipalities/demo/districts")).json()
    assert sorted(f["properties"]["name"] for f in body["features"]) == sorted(parts)
    r = await client.get("/api/v1/municipalities/demo/districts?crs=25832")
    shape = shapely.geometry.shape(r.json()["features"][0]["geometry"])
    assert 300_000 < shape.centroid.x < 500_000


async def test_streets_as_geojson(client, anon, connection):
    names = set(await connection.scalars(text(
        "SELECT s.name FROM street s JOIN municipality m ON m.id = s.municipality_id"
        " WHERE m.slug = 'demo'")))
    body = (await anon.get("/api/v1/municipalities/demo/streets")).json()
    assert len(names) > 50
    assert {f["properties"]["name"] for f in body["features"]} == names
    main = next(f for f in body["features"] if f["properties"]["name"] == "Hauptstraße")
    assert main["geometry"]["type"] == "MultiLineString"
    r = await client.get("/api/v1/municipalities/demo/streets?crs=25832")
    line = shapely.geometry.shape(r.json()["features"][0]["geometry"])
    assert 300_000 < line.centroid.x < 500_000
    assert (await anon.get("/api/v1/municipalities/demo/streets?crs=EPSG:99999")).status_code == 400


BOWTIE = {"type": "Polygon", "coordinates": [[[7.27, 49.92], [7.29, 49.94], [7.29, 49.92],
                                              [7.27, 49.94], [7.27, 49.92]]]}
POINT = {"type": "Point", "coordinates": [7.283, 49.929]}


@pytest.mark.parametrize(("body", "field"), [
    ({"area": POINT}, "area"),
    ({"area": BOWTIE}, "area"),
    ({"area": {"type": "Polygon", "coordinates": [[[380000, 5530000], [381000, 5530000],
                                                   [381000, 5531000], [380000, 5530000]]]}},
     "area.coordinates"),
    ({"crs": "EPSG:99999", "area": BOWTIE}, "crs"),
    ({"district": "Atlantis"}, "district"),
    ({"near": {"geometry": POINT, "street": "Hauptstraße", "distance_m": 5}}, "near"),
    ({"near": {"geometry": POINT}}, "near.distance_m"),
    ({"near": {"geometry": POINT, "distance_m": -3}}, "near.distance_m"),
    ({"near": {"street": "Nowhere Lane", "distance_m": 5}}, "near.street"),
    ({"near": {"geometry": BOWTIE | {"type": "Polygon"}, "distance_m": 5}}, "near.geometry"),
    ({"nearest": {"point": {"type": "LineString", "coordinates": [[7.28, 49.92], [7.29, 49.93]]}}},
     "nearest.point"),
    ({"nearest": {"point": POINT, "count": 0}}, "nearest.count"),
    ({"nearest": {"point": POINT}, "offset": 5}, "offset"),
    ({"types": ["meter", "spaceship"]}, "types.1"),
    ({"statuses": ["broken"]}, "statuses.0"),
    ({"limit": 0}, "limit"),
    ({"bogus": 1}, "bogus"),
])
async def test_bad_input_is_refused_naming_the_field(client, body, field):
    r = await client.post(SEARCH, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] in ("invalid_input", "invalid_geometry")
    assert field in [d.get("field") for d in r.json()["detail"]], r.json()


async def test_bad_stats_parameters(client):
    r = await client.get(STATS, params={"group_by": "street"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "query.group_by.0"
    r = await client.post(STATS, json={"district": "Atlantis"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "district"


async def test_assets_whose_latest_record_was_made_far_away(client, anon):
    """The office's list of records to look into: the latest record of the asset was made
    far from it (flagged); a later record made at the asset settles it, and so does the
    office's review of the flagged record."""
    demo = "/api/v1/municipalities/demo"
    light, sensor = [(await client.get(f"{demo}/assets", params={
        "type": t, "status": "active", "limit": 1})).json()["items"][0]
        for t in ("street_light", "sensor")]

    async def record(asset, metres_east):  # now: later than every record of the demo
        lon, lat = asset["geometry"]["coordinates"]
        r = await client.post(f"{demo}/assets/{asset['id']}/maintenance", json={
            "kind": "inspection", "position": {"lon": lon + metres_east / 71_500, "lat": lat},
            "accuracy_m": 10})
        assert r.status_code == 201, r.text
        return r.json()

    async def flagged_codes(value=True):
        return codes(await client.post(SEARCH, json={"flagged": value, "limit": ALL}))

    before = await flagged_codes()
    far = await record(light, 300)
    assert far["flagged"] and (await record(sensor, 300))["flagged"]
    # the sensor was visited again, this time at the sensor
    near = await record(sensor, 5)
    assert not near["flagged"]
    flagged = await flagged_codes()
    assert set(flagged) - set(before) == {light["code"]}
    others = await flagged_codes(False)
    assert light["code"] not in others and sensor["code"] in others
    r = await client.get(STATS, params={"flagged": "true", "group_by": "type"})
    assert sum(g["count"] for g in r.json()["groups"]) == len(flagged)
    r = await anon.post(SEARCH, json={"flagged": True})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "flagged"

    # the office looks into the light's record: it leaves the list, the record stays
    r = await client.post(f"{demo}/maintenance/{far['id']}/review",
                          json={"note": "Etikett hängt richtig, GPS war ungenau"})
    assert r.status_code == 201, r.text
    assert r.json()["created_by"] and r.json()["record_id"] == far["id"]
    assert set(await flagged_codes()) == set(before) - {light["code"]}
    listed = (await client.get(f"{demo}/assets/{light['id']}/maintenance")).json()
    (shown,) = [m for m in listed if m["id"] == far["id"]]
    assert shown["flagged"] and shown["review"]["note"].startswith("Etikett hängt richtig")
    assert all(m["review"] is None for m in listed if m["id"] != far["id"])
    again = await client.post(f"{demo}/maintenance/{far['id']}/review", json={})
    assert again.status_code == 409 and again.json()["detail"][0]["field"] == "record_id"
    unflagged = await client.post(f"{demo}/maintenance/{near['id']}/review", json={})
    assert unflagged.status_code == 422 and unflagged.json()["detail"][0]["field"] == "record_id"

    # the review was a mistake: taken back, the light is on the list again; the review stays
    # on file before the withdrawal, and the record can be reviewed anew
    r = await client.post(f"{demo}/maintenance/{far['id']}/review/withdrawal",
                          json={"note": "falscher Mast angesehen"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "withdrawn" and r.json()["note"] == "falscher Mast angesehen"
    assert light["code"] in await flagged_codes()
    listed = (await client.get(f"{demo}/assets/{light['id']}/maintenance")).json()
    assert next(m for m in listed if m["id"] == far["id"])["review"]["kind"] == "withdrawn"
    again = await client.post(f"{demo}/maintenance/{far['id']}/review/withdrawal", json={})
    assert again.status_code == 409 and again.json()["detail"][0]["field"] == "record_id"
    never = await client.post(f"{demo}/maintenance/{near['id']}/review/withdrawal", json={})
    assert never.status_code == 422
    r = await client.post(f"{demo}/maintenance/{far['id']}/review", json={"note": "jetzt ja"})
    assert r.status_code == 201 and r.json()["kind"] == "reviewed"
    assert light["code"] not in await flagged_codes()
