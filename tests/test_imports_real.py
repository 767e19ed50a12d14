"""Imports of the real files in ../shared/data (read there, never copied): the Lauf OSM
extract with its broken polygons, the Köln charging register with duplicate rows, the Ulm
Freifunk meshviewer capture. Each gets a municipality of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.imports_helpers import add_municipality, commit, upload

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LAUF = DATA / "osm" / "lauf-200115.osm.pbf"
KOELN = DATA / "chargers" / "bnetza-ladesaeulenregister-koeln-2022.csv"
ULM = DATA / "hotspots" / "freifunk-ulm-meshviewer-2020-03-03.json"
# the extract's bounding box, a little larger (the boundary check must pass for all)
LAUF_BOX = "POLYGON((11.20 49.47, 11.36 49.47, 11.36 49.56, 11.20 49.56, 11.20 49.47))"
KOELN_BOX = "POLYGON((6.75 50.82, 7.17 50.82, 7.17 51.09, 6.75 51.09, 6.75 50.82))"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not there")


async def test_lauf_osm_extract(connection, make_client):
    lauf = await add_municipality(connection, make_client, "lauf", 25832, LAUF_BOX)
    async with lauf:
        r = await upload(lauf, "lauf", "lauf.osm.pbf", LAUF.read_bytes())
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert report["format"] == "osm"
        assert report["types"] == {"charging_station": 8, "wlan_hotspot": 5, "fire_hydrant": 479}
        assert report["errors"] == 0 and report["not_mapped"] > 10000
        r = await commit(lauf, "lauf", r.json()["id"])
        assert r.status_code == 200, r.text
        assert r.json()["result"]["created"] == 492
    rows = dict((await connection.execute(text(
        "SELECT type_code, count(*) FROM asset WHERE municipality_id ="
        " (SELECT id FROM municipality WHERE slug = 'lauf') GROUP BY 1"))).all())
    assert rows == {"charging_station": 8, "wlan_hotspot": 5, "fire_hydrant": 479}
    charger = (await connection.execute(text(
        "SELECT external_id, name, attributes FROM asset WHERE type_code = 'charging_station'"
        " AND external_id = 'osm:node/1471099775'"))).one()
    assert charger.name == "Ladestation"
    assert charger.attributes["operator"] == "Städtische Werke Lauf a.d.Pegnitz"
    hydrant_codes = (await connection.execute(text(
        "SELECT min(code), max(code) FROM asset WHERE type_code = 'fire_hydrant'"
        " AND municipality_id = (SELECT id FROM municipality WHERE slug = 'lauf')"))).one()
    assert hydrant_codes == ("HY-0001", "HY-0479")


async def test_lauf_broken_polygons_at_the_cut_edge_are_reported_not_fatal(connection,
                                                                          make_client):
    """Buildings mapped to a polygon type: the rings of 2 points at the extract's edge are
    rows with a broken geometry; everything else is checked as usual."""
    lauf = await add_municipality(connection, make_client, "lauf", 25832, LAUF_BOX)
    await connection.execute(text(
        "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de, geometry_kind,"
        " attribute_schema, public_by_default, public_allowed)"
        " SELECT id, 'building', 'GB', 'Gebäude', 'polygon', '{\"type\": \"object\"}', false, true"
        " FROM municipality WHERE slug = 'lauf'"))
    async with lauf:
        r = await upload(lauf, "lauf", "lauf.osm.pbf", LAUF.read_bytes(),
                         mapping={"osm": {"building=*": "building"}})
    report = r.json()["report"]
    broken = [p for p in report["problems"] if p["reason"].startswith("broken geometry")]
    assert len(broken) >= 5 and all(p["field"] == "geometry" for p in broken)
    assert "LinearRing found 2" in broken[0]["reason"]
    assert report["types"]["building"] > 1000 and report["types"]["fire_hydrant"] == 479


async def test_koeln_charging_register_with_duplicate_rows(connection, make_client):
    koeln = await add_municipality(connection, make_client, "koeln", 25832, KOELN_BOX)
    async with koeln:
        r = await upload(koeln, "koeln", "ladesaeulen.csv", KOELN.read_bytes())
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert report["format"] == "bnetza"
        # one real error in the register: a charger in Köln at longitude 6.007 (for 7.007?)
        [error] = [p for p in report["problems"] if p["severity"] == "error"]
        assert error["row"] == "223" and "km" not in error["reason"]
        assert "outside the boundary of Koeln" in error["reason"]
        duplicates = [p for p in report["problems"] if "imported once" in p["reason"]]
        unique = len(set(KOELN.read_text("utf-8-sig").splitlines()[1:]) - {""})
        assert report["valid"] == unique - 1
        assert len(duplicates) == report["candidates"] - unique
        assert (await commit(koeln, "koeln", r.json()["id"])).status_code == 422
        done = await commit(koeln, "koeln", r.json()["id"], skip_invalid=True)
        assert done.json()["result"]["created"] == unique - 1
        again = await upload(koeln, "koeln", "ladesaeulen.csv", KOELN.read_bytes())
        assert again.json()["report"]["create"] == 0
        assert again.json()["report"]["update"] == unique - 1
        result = (await commit(koeln, "koeln", again.json()["id"], skip_invalid=True)).json()
        assert result["result"]["unchanged"] == unique - 1 and result["result"]["created"] == 0
    lanxess = (await connection.execute(text(
        "SELECT name, installed_on, attributes FROM asset WHERE attributes->>'operator'"
        " = 'LANXESS Deutschland GmbH' ORDER BY code LIMIT 1"))).one()
    assert lanxess.name == "Kennedyplatz 1, Köln" and str(lanxess.installed_on) == "2021-07-22"
    assert lanxess.attributes["connectors"] == [{"type": "Type2", "power_kw": 22.0}] * 2
    assert lanxess.attributes["charging_points"] == 2


async def test_ulm_freifunk_nodes(connection, make_client):
    ulm = await add_municipality(connection, make_client, "ulm", 25832)  # nodes spread wide
    async with ulm:
        r = await upload(ulm, "ulm", "meshviewer.json", ULM.read_bytes())
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert report["format"] == "meshviewer" and report["types"] == {"wlan_hotspot": 205}
        assert report["not_mapped"] == 23
        assert (await commit(ulm, "ulm", r.json()["id"])).status_code == 200
    row = (await connection.execute(text(
        "SELECT name, attributes FROM asset WHERE external_id = 'freifunk:9adac4bff456'"))).one()
    assert row.name == "THW OCOB"
    assert row.attributes == {"provider": "Freifunk", "node_id": "9adac4bff456"}
