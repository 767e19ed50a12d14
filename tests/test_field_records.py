"""What the field app sends: records stored once per client id, the phone's position checked
against the asset, meter readings that need confirming, photos, capture of a new asset from
a blank label, GPS fixes too poor to move an asset, and stale changes kept as conflicts."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

DEMO = "/api/v1/municipalities/demo"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"


async def active(client, type_):
    return (await client.get(f"{DEMO}/assets", params={"type": type_, "status": "active",
                                                       "limit": 1})).json()["items"][0]


def near(asset, metres_east=0.0):
    lon, lat = asset["geometry"]["coordinates"]
    return {"lon": lon + metres_east / 71_500, "lat": lat}  # ~71.5 km per degree lon here


async def test_same_client_id_is_stored_once(make_client, client, count):
    light = await active(client, "street_light")
    body = {"client_id": str(uuid.uuid4()), "kind": "inspection", "capture_method": "qr",
            "position": near(light, 3), "accuracy_m": 6}
    async with make_client("crew") as crew:
        first = await crew.post(f"{DEMO}/assets/{light['id']}/maintenance", json=body)
        again = await crew.post(f"{DEMO}/assets/{light['id']}/maintenance", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert await count("maintenance_record", f"client_id = '{body['client_id']}'") == 1
    record = first.json()
    assert record["capture_method"] == "qr" and not record["flagged"]
    assert 2 <= record["scan_distance_m"] <= 4


async def test_concurrent_replays_store_once(settings, app_engine, engine):
    """Ten sends of the same outbox entry at the same moment over a real pool (committed
    data): one is stored (201), the others get it back (200)."""
    import httpx
    from sqlalchemy.ext.asyncio import create_async_engine

    from gisapp.app import create_app
    from gisapp.auth.credentials import hash_secret
    from gisapp.database import make_sessionmaker

    token, cid = "gat_concurrent-0123456789abcdefghij", str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
            " SELECT id, 'concurrent', :h, 'gat_conc', 'crew' FROM municipality WHERE slug = 'demo'"),
            {"h": hash_secret(token)})
        asset_id = await conn.scalar(text(
            "SELECT id FROM asset WHERE type_code = 'street_light' AND status = 'active'"
            " AND municipality_id = (SELECT id FROM municipality WHERE slug = 'demo') LIMIT 1"))
    pooled = create_async_engine(app_engine.url, pool_size=10)
    application = create_app(settings)
    application.state.engine = pooled
    application.state.sessionmaker = make_sessionmaker(pooled)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                     base_url="https://t",
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            answers = await asyncio.gather(*(c.post(
                f"{DEMO}/assets/{asset_id}/maintenance",
                json={"client_id": cid, "kind": "cleaning"}) for _ in range(10)))
        assert sorted(a.status_code for a in answers) == [200] * 9 + [201], [
            a.text for a in answers if a.status_code not in (200, 201)]
        assert len({a.json()["id"] for a in answers}) == 1
        async with engine.connect() as conn:
            assert await conn.scalar(text(
                "SELECT count(*) FROM maintenance_record WHERE client_id = :c"), {"c": cid}) == 1
    finally:
        await pooled.dispose()
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM maintenance_record WHERE client_id = :c"),
                               {"c": cid})
            await conn.execute(text("DELETE FROM api_token WHERE name = 'concurrent'"))


async def test_client_id_of_another_asset_is_a_conflict(client):
    a = await active(client, "street_light")
    b = await active(client, "sensor")
    body = {"client_id": str(uuid.uuid4()), "kind": "inspection"}
    assert (await client.post(f"{DEMO}/assets/{a['id']}/maintenance", json=body)).status_code == 201
    r = await client.post(f"{DEMO}/assets/{b['id']}/maintenance", json=body)
    assert r.status_code == 409 and r.json()["detail"][0]["field"] == "client_id"


async def test_far_from_the_asset_is_flagged(client):
    light = await active(client, "street_light")
    r = await client.post(f"{DEMO}/assets/{light['id']}/maintenance", json={
        "kind": "inspection", "capture_method": "qr", "position": near(light, 400),
        "accuracy_m": 10})
    record = r.json()
    assert r.status_code == 201 and record["flagged"]
    distance = record["scan_distance_m"]
    assert 390 <= distance <= 410 and f"{distance:.0f} m" in record["flag_reason"]
    # within accuracy plus margin: not flagged
    r = await client.post(f"{DEMO}/assets/{light['id']}/maintenance", json={
        "kind": "inspection", "position": near(light, 30), "accuracy_m": 10})
    assert r.json()["flagged"] is False


async def test_meter_readings_that_need_confirmation(client, count):
    meter = await active(client, "meter")
    records = (await client.get(f"{DEMO}/assets/{meter['id']}/maintenance")).json()
    last = max((r for r in records if r["kind"] == "meter_reading"),
               key=lambda r: r["performed_at"])
    url = f"{DEMO}/assets/{meter['id']}/maintenance"
    before = await count("maintenance_record")
    lower = float(last["reading_value"]) - 10
    r = await client.post(url, json={"kind": "meter_reading", "reading_value": lower})
    assert r.status_code == 422 and r.json()["error"] == "reading_needs_confirmation"
    assert r.json()["last_reading"]["reading_value"] == last["reading_value"]
    huge = float(last["reading_value"]) * 50 + 1_000_000
    r = await client.post(url, json={"kind": "meter_reading", "reading_value": huge})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reading_value"
    assert await count("maintenance_record") == before
    r = await client.post(url, json={"kind": "meter_reading", "reading_value": lower,
                                     "confirm_reading": True})
    assert r.status_code == 201
    normal = float(last["reading_value"]) + 30
    r = await client.post(url, json={"kind": "meter_reading", "reading_value": normal,
                                     "confirm_reading": True})
    assert r.status_code == 201


async def test_photos(client, make_client, other, count):
    light = await active(client, "street_light")
    record = (await client.post(f"{DEMO}/assets/{light['id']}/maintenance",
                                json={"kind": "repair", "result": "fixed"})).json()
    url = f"{DEMO}/maintenance/{record['id']}/photos"
    cid = str(uuid.uuid4())
    async with make_client("crew") as crew:
        r = await crew.post(url, files={"file": ("p.jpg", JPEG, "image/jpeg")},
                            data={"client_id": cid})
        assert r.status_code == 201, r.text
        again = await crew.post(url, files={"file": ("p.jpg", JPEG, "image/jpeg")},
                                data={"client_id": cid})
        assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
        assert await count("photo", f"client_id = '{cid}'") == 1
        # the declared type does not count; the bytes do
        bad = await crew.post(url, files={"file": ("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")})
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "file"
        big = await crew.post(url, files={"file": ("b.jpg", JPEG + b"\x00" * (10 * 2**20), "image/jpeg")})
        assert big.status_code == 422
        listed = (await crew.get(url)).json()
        assert [p["id"] for p in listed] == [r.json()["id"]]
        img = await crew.get(f"{DEMO}/photos/{r.json()['id']}")
        assert img.status_code == 200 and img.content == JPEG
        assert img.headers["content-type"] == "image/jpeg"
    async with make_client(None) as anon:
        assert (await anon.get(f"{DEMO}/photos/{r.json()['id']}")).status_code == 401
    async with other["client"]("admin") as nb:
        assert (await nb.get(f"{DEMO}/photos/{r.json()['id']}")).status_code == 404


async def test_capture_from_a_blank_label(client, make_client, count):
    blank = (await client.post(f"{DEMO}/tags", json={"count": 1})).json()[0]
    body = {"client_id": str(uuid.uuid4()), "type": "street_light", "name": "Neuer Mast",
            "geometry": {"type": "Point", "coordinates": [7.2831, 49.9291]}, "accuracy_m": 5,
            "attributes": {"lamp_technology": "LED", "power_w": 24}}
    async with make_client("crew") as crew:
        r = await crew.post(f"{DEMO}/tags/{blank['id']}/capture", json=body)
        assert r.status_code == 201, r.text
        asset = r.json()
        again = await crew.post(f"{DEMO}/tags/{blank['id']}/capture", json=body)
        assert again.status_code == 200 and again.json()["id"] == asset["id"]
        card = (await crew.get(f"/api/v1/scan/{blank['token']}")).json()
        assert card["asset"]["id"] == asset["id"] and card["tag"]["state"] == "active"
        assert asset["code"].startswith("SL-") and asset["created_by"] == "token:test-crew"
        # a second blank label with a poor fix is refused, nothing written
        other_blank = (await client.post(f"{DEMO}/tags", json={"count": 1})).json()[0]
        before = await count("asset")
        r = await crew.post(f"{DEMO}/tags/{other_blank['id']}/capture",
                            json={**body, "client_id": str(uuid.uuid4()), "accuracy_m": 60})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "accuracy_m"
        assert await count("asset") == before


async def test_blank_label_card_offers_capture_types(client, make_client):
    blank = (await client.post(f"{DEMO}/tags", json={"count": 1})).json()[0]
    async with make_client("crew") as crew:
        card = (await crew.get(f"/api/v1/scan/{blank['token']}")).json()
    assert card["capture"] is True and card["tag"]["id"] == blank["id"]
    codes = {t["code"] for t in card["types"]}
    assert {"street_light", "sensor", "meter"} <= codes
    meter = next(t for t in card["types"] if t["code"] == "meter")
    assert meter["required"] == ["medium"]
    assert card["limits"]["max_fix_accuracy_m"] == 15


async def test_poor_fix_does_not_move_an_asset(client):
    light = await active(client, "street_light")
    r = await client.patch(f"{DEMO}/assets/{light['id']}", json={
        "version": light["version"], "accuracy_m": 40,
        "geometry": {"type": "Point", "coordinates": [7.2831, 49.9291]}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "accuracy_m"
    r = await client.patch(f"{DEMO}/assets/{light['id']}", json={
        "version": light["version"], "accuracy_m": 4,
        "geometry": {"type": "Point", "coordinates": [7.2831, 49.9291]}})
    assert r.status_code == 200 and r.json()["version"] == light["version"] + 1


async def test_stale_field_change_is_kept_as_a_conflict(client, make_client, count, connection):
    light = await active(client, "street_light")
    await client.patch(f"{DEMO}/assets/{light['id']}", json={"version": light["version"],
                                                            "name": "changed in the office"})
    cid = str(uuid.uuid4())
    async with make_client("crew") as crew:
        for _ in range(2):  # the outbox may send it twice
            r = await crew.patch(f"{DEMO}/assets/{light['id']}",
                                 json={"version": light["version"], "status": "defective"},
                                 headers={"X-Client-Id": cid})
            assert r.status_code == 409 and r.json()["current"]["name"] == "changed in the office"
    assert await count("field_conflict", f"client_id = '{cid}'") == 1
    row = (await connection.execute(text(
        "SELECT base_version, current_version, submitted FROM field_conflict"
        " WHERE client_id = :c"), {"c": cid})).one()
    assert row.base_version == light["version"] and row.current_version == light["version"] + 1
    assert row.submitted == {"version": light["version"], "status": "defective"}
    # the office state stands
    assert (await client.get(f"{DEMO}/assets/{light['id']}")).json()["status"] == "active"
