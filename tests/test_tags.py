"""Tags: issued, printed blank, assigned, replaced, revoked, NFC serials; the scan card for
crews, for the public and for other municipalities; tokens unguessable and stable."""

from __future__ import annotations

import re
from datetime import datetime

DEMO = "/api/v1/municipalities/demo"


async def an_asset(client, **params):
    params = {"limit": 1, "status": "active", **params}
    return (await client.get(f"{DEMO}/assets", params=params)).json()["items"][0]


async def test_issue_a_tag_and_scan_it_as_crew(client, make_client):
    light = await an_asset(client, type="street_light")
    r = await client.post(f"{DEMO}/assets/{light['id']}/tags", json={"kind": "qr"})
    assert r.status_code == 201, r.text
    tag = r.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", tag["token"])  # 128 random bits
    assert tag["url"] == f"http://127.0.0.1:8000/t/{tag['token']}"
    # the demo's label of this asset is DEMO-SL-…; further labels are numbered on
    assert tag["short_code"] == f"DEMO-{light['code']}-2" and tag["state"] == "active"
    second = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={"kind": "nfc"})).json()
    assert second["short_code"] == f"DEMO-{light['code']}-3"
    assert second["token"] != tag["token"]

    async with make_client("crew") as crew:
        card = (await crew.get(f"/api/v1/scan/{tag['token']}")).json()
    assert card["municipality"] == {"slug": "demo", "name": "Musterdorf"}
    assert card["role"] == "crew" and "maintenance.write" in card["can"]
    assert card["asset"]["id"] == light["id"] and "next_due" in card["asset"]
    assert card["tag"] == {"short_code": tag["short_code"], "kind": "qr", "state": "active",
                           "id": tag["id"]}


async def test_scan_of_a_pole_shows_its_sensor(client, make_client):
    sensor = (await client.get(f"{DEMO}/assets", params={"type": "sensor", "limit": 100})).json()
    mounted = next(s for s in sensor["items"] if s["parent_id"])
    tag = (await client.post(f"{DEMO}/assets/{mounted['parent_id']}/tags", json={})).json()
    async with make_client("crew") as crew:
        card = (await crew.get(f"/api/v1/scan/{tag['token']}")).json()
    assert mounted["id"] in {c["id"] for c in card["children"]}
    tag2 = (await client.post(f"{DEMO}/assets/{mounted['id']}/tags", json={})).json()
    async with make_client("crew") as crew:
        card = (await crew.get(f"/api/v1/scan/{tag2['token']}")).json()
    assert card["parent"]["id"] == mounted["parent_id"]


async def test_public_scan_shows_public_facts_only(client, anon):
    sensor = await an_asset(client, type="sensor")
    tag = (await client.post(f"{DEMO}/assets/{sensor['id']}/tags", json={})).json()
    card = (await anon.get(f"/api/v1/scan/{tag['token']}")).json()
    assert card["role"] is None and card["can"] == [] and card["maintenance"] == []
    assert card["asset"]["code"] == sensor["code"]
    assert "device_eui" not in card["asset"]["attributes"]
    assert "version" not in card["asset"] and "next_due" not in card["asset"]
    meter = await an_asset(client, type="meter")
    tag = (await client.post(f"{DEMO}/assets/{meter['id']}/tags", json={})).json()
    card = (await anon.get(f"/api/v1/scan/{tag['token']}")).json()
    assert card["asset"] is None and card["municipality"]["name"] == "Musterdorf"
    # only what is printed on the label itself; nothing of the meter
    assert card["tag"]["short_code"].startswith(f"DEMO-{meter['code']}")
    for secret in ("meter_number", "building", "Rathaus", "medium", meter["id"]):
        assert secret not in str(card)


async def test_other_municipality_staff_see_the_public_card(client, other):
    meter = await an_asset(client, type="meter")
    tag = (await client.post(f"{DEMO}/assets/{meter['id']}/tags", json={})).json()
    async with other["client"]("admin") as nb:
        card = (await nb.get(f"/api/v1/scan/{tag['token']}")).json()
        assert card["asset"] is None and card["role"] is None
        # and their tag endpoints in the demo answer 404
        assert (await nb.get(f"{DEMO}/tags")).status_code == 404


async def test_unknown_token_is_404(anon):
    for token in ("A" * 22, "x" * 200, "../../etc"):
        assert (await anon.get(f"/api/v1/scan/{token}")).status_code == 404


async def test_blank_labels_are_numbered_and_assigned_on_site(client, make_client, count):
    r = await client.post(f"{DEMO}/tags", json={"count": 3})
    assert r.status_code == 201, r.text
    blanks = r.json()
    codes = [t["short_code"] for t in blanks]
    assert all(re.fullmatch(r"DEMO-L-\d{6}", c) for c in codes)
    assert [int(c[-6:]) for c in codes] == list(range(int(codes[0][-6:]), int(codes[0][-6:]) + 3))
    more = (await client.post(f"{DEMO}/tags", json={"count": 1})).json()
    assert int(more[0]["short_code"][-6:]) == int(codes[-1][-6:]) + 1
    async with make_client("crew") as crew:
        card = (await crew.get(f"/api/v1/scan/{blanks[0]['token']}")).json()
        assert card["tag"]["state"] == "unassigned" and card["capture"] is True
        light = await an_asset(client, type="street_light")
        r = await crew.post(f"{DEMO}/tags/{blanks[0]['id']}/assign", json={"asset_id": light["id"]})
        assert r.status_code == 200 and r.json()["state"] == "active"
        card = (await crew.get(f"/api/v1/scan/{blanks[0]['token']}")).json()
        assert card["asset"]["id"] == light["id"]
        again = await crew.post(f"{DEMO}/tags/{blanks[0]['id']}/assign",
                                json={"asset_id": light["id"]})
        assert again.status_code == 409
    async with make_client("crew") as crew:
        assert (await crew.post(f"{DEMO}/tags", json={"count": 1})).status_code == 403


async def test_replace_keeps_the_story_and_revoke_closes_the_label(client, anon):
    light = await an_asset(client, type="street_light")
    old = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={})).json()
    r = await client.post(f"{DEMO}/tags/{old['id']}/replace")
    assert r.status_code == 201
    new = r.json()
    assert new["asset_id"] == light["id"] and new["token"] != old["token"]
    old_now = (await client.get(f"{DEMO}/tags/{old['id']}")).json()
    assert old_now["state"] == "replaced" and old_now["replaced_by"] == new["id"]
    # the old label still leads to the asset, and says it was replaced
    card = (await anon.get(f"/api/v1/scan/{old['token']}")).json()
    assert card["tag"]["state"] == "replaced" and card["asset"]["id"] == light["id"]
    events = [e["action"] for e in (await client.get(f"{DEMO}/tags/{old['id']}/events")).json()]
    assert events == ["created", "assigned", "replaced"]
    assert (await client.post(f"{DEMO}/tags/{new['id']}/revoke")).json()["state"] == "revoked"
    card = (await anon.get(f"/api/v1/scan/{new['token']}")).json()
    assert card["tag"]["state"] == "revoked" and card["asset"] is None


async def test_nfc_serial_is_stored(client):
    light = await an_asset(client, type="street_light")
    tag = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={"kind": "nfc"})).json()
    r = await client.post(f"{DEMO}/tags/{tag['id']}/nfc", json={"serial": "04:a2:2b:5a:6c:3e:80"})
    assert r.status_code == 200 and r.json()["nfc_serial"] == "04A22B5A6C3E80"
    qr = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={})).json()
    r = await client.post(f"{DEMO}/tags/{qr['id']}/nfc", json={"serial": "04A22B5A6C3E80"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "kind"


async def test_tags_of_decommissioned_assets_cannot_be_issued(client):
    light = await an_asset(client, type="street_light")
    await client.delete(f"{DEMO}/assets/{light['id']}")
    r = await client.post(f"{DEMO}/assets/{light['id']}/tags", json={})
    assert r.status_code == 409


async def test_card_shows_the_asset_exactly_as_the_asset_api(client, make_client, anon):
    """The card is built by one database function (gisapp_scan_card): its asset must be the
    asset API's, field for field, for staff and for the public (due date included)."""
    for kind in ("street_light", "sensor", "wlan_hotspot", "charging_station"):
        asset = await an_asset(client, type=kind)
        tag = (await client.post(f"{DEMO}/assets/{asset['id']}/tags", json={})).json()
        async with make_client("crew") as crew:
            card = (await crew.get(f"/api/v1/scan/{tag['token']}")).json()
            staff = (await crew.get(f"{DEMO}/assets/{asset['id']}")).json()
            history = (await crew.get(f"{DEMO}/assets/{asset['id']}/maintenance")).json()
        when = datetime.fromisoformat
        assert instants(card["asset"]) == instants(staff)
        assert [when(m["performed_at"]) for m in card["maintenance"]] == sorted(
            (when(m["performed_at"]) for m in history), reverse=True)[:5]
        public = (await anon.get(f"{DEMO}/assets/{asset['id']}")).json()
        assert instants((await anon.get(f"/api/v1/scan/{tag['token']}")).json()["asset"]) \
            == instants(public)


def instants(asset: dict) -> dict:
    """The asset with its timestamps as instants: PostgreSQL writes the fraction of a second
    without trailing zeros (.05355), Python with six digits (.053550); both are the same."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v
            for k, v in asset.items()}


async def test_scan_with_an_unknown_api_token_is_401_before_anything_is_told(client, anon):
    light = await an_asset(client, type="street_light")
    tag = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={})).json()
    for header in ("Bearer gat_unknown", "Basic abc", "Bearer "):
        r = await anon.get(f"/api/v1/scan/{tag['token']}", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["detail"][0]["field"] == "Authorization"
        assert light["code"] not in r.text
    r = await anon.get("/api/v1/scan/" + "A" * 22, headers={"Authorization": "Bearer gat_x"})
    assert r.status_code == 401
