import json, uuid
from sqlalchemy import text
BASE = "/api/v1/municipalities/demo"
INSIDE = [7.2830, 49.9290]

async def show(r):
    print(r.request.method, r.request.url, r.status_code, r.text[:400])

async def test_probe(client, connection, count):
    print(await connection.scalar(text("select postgis_full_version()")))
    print(await connection.scalar(text("select count(*) from spatial_ref_sys")))
    for c in (25832, 2169, 3857, 5783, 4978, 7415, 9518, 10285):
        print(c, await connection.scalar(text(f"select count(*) from spatial_ref_sys where srid={c}")))
    h = {"content-type": "application/json"}
    for raw in [b'{"type":"street_light","geometry":{"type":"Point","coordinates":[NaN,49.9]}}',
                b'{"type":"street_light","geometry":{"type":"Point","coordinates":[Infinity,49.9]}}',
                b'{"type":"street_light","geometry":{"type":"Point","coordinates":[1e999,49.9]}}',
                b'{"type": "street_light", ']:
        await show(await client.post(f"{BASE}/assets", content=raw, headers=h))
    g = lambda c: {"type": "street_light", "geometry": {"type": "Point", "coordinates": c}}
    for c in ([7.28, 49.929, 300.0], [7.28], [], [[7.28, 49.9]]):
        await show(await client.post(f"{BASE}/assets", json=g(c)))
    for crs in ("EPSG:5783", "EPSG:4978", "²", "99999999999999999999", "EPSG:7415", "EPSG:4258", "EPSG:3035"):
        await show(await client.get(f"{BASE}/assets", params={"crs": crs, "limit": 1}))
        await show(await client.post(f"{BASE}/assets", params={"crs": crs}, json=g([4000000.0, 3000000.0])))
    for bb, bc in (("0,0,1e12,1e12", "EPSG:25832"), ("-200,-100,200,100", None), ("376690,5532290,376710,5532310","EPSG:5783")):
        await show(await client.get(f"{BASE}/assets", params={"bbox": bb, "bbox-crs": bc} if bc else {"bbox": bb}))
    a = (await client.post(f"{BASE}/assets", json=g(INSIDE))).json()
    for im in ('"\xb2"', 'abc', '"0"'):
        try:
            await show(await client.patch(f"{BASE}/assets/{a['id']}", headers={"If-Match": im.encode('latin-1')}, json={"name": "x"}))
        except Exception as e:
            print("EXC", repr(e))
    await show(await client.get(f"{BASE}/assets/abc"))
    await show(await client.get(f"{BASE}/assets", params={"limit": 0}))
    for pa in ("0001-01-01T00:00:00+14:00", "2026-05-04T09:30:00", "9999-12-31T23:59:59-14:00"):
        try:
            await show(await client.post(f"{BASE}/assets/{a['id']}/maintenance", json={"kind": "inspection", "performed_at": pa}))
        except Exception as e:
            print("EXC", repr(e))
    for sch in ({"type": "object", "properties": {"a": {"type": "nonsense"}}},
                {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
                {"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}):
        r = await client.post(f"{BASE}/types", json={"code": "t_" + uuid.uuid4().hex[:6], "code_prefix": "T", "label_de": "x", "attribute_schema": sch})
        await show(r)
        if r.status_code == 201:
            try:
                await show(await client.post(f"{BASE}/assets", json={**g(INSIDE), "type": r.json()["code"], "attributes": {"a": "x"}}))
            except Exception as e:
                print("EXC", repr(e))
    assert 0
