"""Asset API round trips on the demo municipality: create, read, update, decommission,
list, history, maintenance, optimistic concurrency."""

from __future__ import annotations

import pytest

from gisapp import migrate

BASE = "/api/v1/municipalities/demo"
# a spot inside Musterdorf (Hunsrück), lon/lat
INSIDE = [7.2830, 49.9290]


def light(**extra):
    body = {
        "type": "street_light",
        "name": "Teststraße 1",
        "geometry": {"type": "Point", "coordinates": INSIDE},
        "attributes": {"lamp_technology": "LED", "power_w": 36, "dimmable": True},
        "installed_on": "2024-05-02",
    }
    body.update(extra)
    return body


async def test_create_read_round_trip(client):
    r = await client.post(f"{BASE}/assets", json=light())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["type"] == "street_light"
    assert created["code"].startswith("SL-")
    assert created["version"] == 1
    assert created["public"] is True
    assert created["geometry"]["coordinates"] == pytest.approx(INSIDE)
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"].endswith(f"/assets/{created['id']}")

    got = await client.get(f"{BASE}/assets/{created['id']}")
    assert got.status_code == 200
    assert got.json()["attributes"] == {"lamp_technology": "LED", "power_w": 36, "dimmable": True}
    assert got.json()["next_due"] == "2026-05-02"  # installed + 730 days, never maintained


async def test_generated_codes_follow_the_highest(client):
    first = (await client.post(f"{BASE}/assets", json=light())).json()["code"]
    second = (await client.post(f"{BASE}/assets", json=light())).json()["code"]
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


async def test_duplicate_code_is_409(client, count):
    r = await client.post(f"{BASE}/assets", json=light(code="SL-0001"))
    assert r.status_code == 409
    assert r.json()["detail"][0]["field"] == "code"


async def test_geojson_output(client):
    created = (await client.post(f"{BASE}/assets", json=light())).json()
    r = await client.get(f"{BASE}/assets/{created['id']}", params={"f": "geojson"})
    assert r.headers["content-type"].startswith("application/geo+json")
    feature = r.json()
    assert feature["type"] == "Feature" and feature["id"] == created["id"]
    assert feature["properties"]["code"] == created["code"]
    r = await client.get(f"{BASE}/assets/{created['id']}",
                         headers={"Accept": "application/geo+json"})
    assert r.json()["type"] == "Feature"


async def test_update_with_if_match_merges_attributes_and_records_history(client):
    created = (await client.post(f"{BASE}/assets", json=light())).json()
    url = f"{BASE}/assets/{created['id']}"
    r = await client.patch(url, headers={"If-Match": '"1"'},
                           json={"status": "defective", "attributes": {"power_w": 29, "dimmable": None}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2 and body["status"] == "defective"
    assert body["attributes"] == {"lamp_technology": "LED", "power_w": 29}

    history = (await client.get(f"{url}/history")).json()
    assert [h["action"] for h in history] == ["create", "update"]
    change = history[1]
    assert change["changed_by"] == "token:test-admin"
    assert change["before"]["status"] == "active" and change["after"]["status"] == "defective"
    assert change["before"]["attributes"]["power_w"] == 36
    assert change["after"]["attributes"] == {"lamp_technology": "LED", "power_w": 29}
    assert "name" not in change["after"]  # only what changed
    assert history[0]["after"]["geom"]["coordinates"] == pytest.approx(INSIDE)


async def test_two_updates_with_the_same_version_one_conflicts(client):
    created = (await client.post(f"{BASE}/assets", json=light())).json()
    url = f"{BASE}/assets/{created['id']}"
    first = await client.patch(url, json={"version": 1, "name": "Office edit"})
    second = await client.patch(url, json={"version": 1, "name": "Field edit"})
    assert first.status_code == 200
    assert second.status_code == 409
    body = second.json()
    assert body["detail"][0]["field"] == "version"
    assert body["current"]["name"] == "Office edit" and body["current"]["version"] == 2
    assert (await client.get(url)).json()["name"] == "Office edit"


async def test_update_without_version_is_428(client):
    created = (await client.post(f"{BASE}/assets", json=light())).json()
    r = await client.patch(f"{BASE}/assets/{created['id']}", json={"name": "x"})
    assert r.status_code == 428
    assert r.json()["detail"][0]["field"] == "version"


async def test_decommission_keeps_the_asset(client, count):
    created = (await client.post(f"{BASE}/assets", json=light())).json()
    url = f"{BASE}/assets/{created['id']}"
    before = await count("asset")
    r = await client.delete(url)
    assert r.status_code == 200 and r.json()["status"] == "decommissioned"
    assert await count("asset") == before
    assert [h["action"] for h in (await client.get(f"{url}/history")).json()] == [
        "create", "decommission"]
    listed = (await client.get(f"{BASE}/assets", params={"q": created["code"]})).json()["items"]
    assert listed == []
    listed = (await client.get(f"{BASE}/assets", params={"q": created["code"],
                                                         "status": "decommissioned"})).json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    again = await client.delete(url)
    assert again.status_code == 200 and again.json()["version"] == 2


async def test_list_filters_and_paging(client):
    r = await client.get(f"{BASE}/assets", params={"type": "charging_station"})
    items = r.json()["items"]
    assert len(items) == 6 and {a["type"] for a in items} == {"charging_station"}

    page1 = (await client.get(f"{BASE}/assets", params={"type": "street_light", "limit": 50})).json()
    assert len(page1["items"]) == 50 and page1["next"]
    page2 = (await client.get(page1["next"])).json()
    assert page2["offset"] == 50
    assert not {a["id"] for a in page1["items"]} & {a["id"] for a in page2["items"]}

    r = await client.get(f"{BASE}/assets", params={"q": "hauptstraße", "limit": 1000})
    assert r.json()["items"] and all("Hauptstraße" in a["name"] for a in r.json()["items"])

    fc = (await client.get(f"{BASE}/assets", params={"f": "geojson", "type": "sensor",
                                                      "limit": 10})).json()
    assert fc["type"] == "FeatureCollection" and fc["numberReturned"] == 10
    assert fc["links"][0]["rel"] == "next"


async def test_bbox_in_working_crs(client):
    created = (await client.post(f"{BASE}/assets", json=light(
        geometry={"type": "Point", "coordinates": [376700.0, 5532300.0]}),
        params={"crs": "EPSG:25832"})).json()
    assert created["crs"] == "EPSG:25832"
    assert created["geometry"]["coordinates"] == pytest.approx([376700.0, 5532300.0], abs=0.01)
    r = await client.get(f"{BASE}/assets", params={
        "bbox": "376690,5532290,376710,5532310", "bbox-crs": "EPSG:25832", "limit": 1000})
    assert created["id"] in {a["id"] for a in r.json()["items"]}
    r = await client.get(f"{BASE}/assets", params={"bbox": "7.0,49.0,7.01,49.01"})
    assert r.json()["items"] == []


async def test_parent_and_children(client):
    pole = (await client.post(f"{BASE}/assets", json=light())).json()
    sensor = await client.post(f"{BASE}/assets", json={
        "type": "sensor", "geometry": {"type": "Point", "coordinates": INSIDE},
        "parent_id": pole["id"], "attributes": {"quantities": ["pm10", "pm2_5"],
                                                 "transport": "LoRaWAN"}})
    assert sensor.status_code == 201, sensor.text
    children = (await client.get(f"{BASE}/assets", params={"parent_id": pole["id"]})).json()
    assert [c["id"] for c in children["items"]] == [sensor.json()["id"]]
    # a pole cannot be mounted on its own sensor
    r = await client.patch(f"{BASE}/assets/{pole['id']}",
                           json={"version": 1, "parent_id": sensor.json()["id"]})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "parent_id"


async def test_maintenance_moves_the_due_date(client):
    created = (await client.post(f"{BASE}/assets", json=light(installed_on="2020-01-01"))).json()
    assert created["overdue"] is True
    url = f"{BASE}/assets/{created['id']}/maintenance"
    r = await client.post(url, json={"kind": "inspection", "result": "ok",
                                     "performed_at": "2026-11-01T09:00:00+01:00"})
    assert r.status_code == 201, r.text
    asset = (await client.get(f"{BASE}/assets/{created['id']}")).json()
    assert asset["next_due"] == "2028-10-31" and asset["overdue"] is False
    records = (await client.get(url)).json()
    assert len(records) == 1 and records[0]["performed_by"] == "token:test-admin"


async def test_meter_reading_needs_a_value(client, count):
    meter = (await client.get(f"{BASE}/assets", params={"type": "meter", "limit": 1})).json()["items"][0]
    url = f"{BASE}/assets/{meter['id']}/maintenance"
    before = await count("maintenance_record")
    r = await client.post(url, json={"kind": "meter_reading"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reading_value"
    r = await client.post(url, json={"kind": "meter_reading", "reading_value": "12345.5",
                                     "confirm_reading": True})  # below the demo's readings
    assert r.status_code == 201
    assert await count("maintenance_record") == before + 1


async def test_custom_type_through_the_api(client):
    r = await client.post(f"{BASE}/types", json={
        "code": "fire_cistern", "code_prefix": "LZ", "label_de": "Löschwasserzisterne",
        "label_en": "Fire-water cistern", "maintenance_interval_days": 365,
        "public_by_default": True,
        "attribute_schema": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["underground", "pillar"]},
            "nominal_diameter": {"type": "integer", "enum": [80, 100, 150]}},
            "additionalProperties": False}})
    assert r.status_code == 201, r.text
    cistern = await client.post(f"{BASE}/assets", json={
        "type": "fire_cistern", "geometry": {"type": "Point", "coordinates": INSIDE},
        "attributes": {"kind": "pillar", "nominal_diameter": 100}})
    assert cistern.status_code == 201 and cistern.json()["code"] == "LZ-0001"
    types = [t["code"] for t in (await client.get(f"{BASE}/types")).json()]
    builtin = 6  # street_light, meter, charging_station, wlan_hotspot, sensor, fire_hydrant
    assert types[-1] == "fire_cistern" and types[:builtin] == sorted(types[:builtin])


async def test_health_and_openapi(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json()["schema"] == migrate.head()
    spec = (await client.get("/openapi.json")).json()
    assert f"/api/v1/municipalities/{{municipality}}/assets" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
