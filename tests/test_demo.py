"""The demo municipality: plausible counts, real attributes, a year of maintenance, all of it
inside the boundary, and deterministic."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from gisapp.demo.loader import _remove, write_demo
from gisapp.demo.village import generate

from .conftest import DEMO_PASSWORD

DEMO = "(SELECT id FROM municipality WHERE slug = 'demo')"


async def scalar(connection, sql: str):
    return await connection.scalar(text(sql))


async def test_counts(connection):
    rows = (await connection.execute(text(
        f"SELECT type_code, count(*) FROM asset WHERE municipality_id = {DEMO} GROUP BY 1"
    ))).all()
    counts = dict(rows)
    assert 950 <= counts["street_light"] <= 1150
    assert 6 == counts["charging_station"]
    assert 12 == counts["wlan_hotspot"]
    assert 25 == counts["sensor"]
    buildings = await scalar(connection, f"SELECT count(DISTINCT attributes->>'building') FROM asset"
                                         f" WHERE municipality_id = {DEMO} AND type_code = 'meter'")
    assert 18 <= buildings <= 22
    assert await scalar(connection, f"SELECT count(*) FROM district WHERE municipality_id = {DEMO}") == 3
    assert await scalar(connection, f"SELECT count(*) FROM street WHERE municipality_id = {DEMO}") > 40


async def test_everything_inside_the_boundary_and_in_the_working_crs_region(connection):
    outside = await scalar(connection, f"""
        SELECT count(*) FROM asset a JOIN municipality m ON m.id = a.municipality_id
        WHERE m.slug = 'demo' AND NOT ST_Covers(m.boundary, a.geom)""")
    assert outside == 0
    crs, lon, lat = (await connection.execute(text(
        "SELECT working_crs, ST_X(ST_Centroid(boundary)), ST_Y(ST_Centroid(boundary))"
        " FROM municipality WHERE slug = 'demo'"))).one()
    assert crs == 25832 and 6 < lon < 12 and 47 < lat < 55  # UTM 32N, Germany


async def test_statuses_attributes_and_mounting(connection):
    statuses = await scalar(connection, f"SELECT count(DISTINCT status) FROM asset"
                                        f" WHERE municipality_id = {DEMO} AND type_code = 'street_light'")
    assert statuses >= 4
    led = await scalar(connection, f"SELECT avg((attributes->>'lamp_technology' = 'LED')::int)"
                                   f" FROM asset WHERE municipality_id = {DEMO} AND type_code = 'street_light'")
    assert 0.4 < led < 0.8
    on_poles = await scalar(connection, f"""
        SELECT count(*) FROM asset c JOIN asset p
          ON p.municipality_id = c.municipality_id AND p.id = c.parent_id
        WHERE c.municipality_id = {DEMO} AND p.type_code = 'street_light'""")
    assert on_poles >= 10  # sensors and hotspots mounted on street-light poles
    assert await scalar(connection, f"SELECT count(*) FROM asset WHERE municipality_id = {DEMO}"
                                    " AND type_code = 'meter' AND is_public") == 0


async def test_a_year_of_maintenance_and_a_mix_of_due_dates(client, connection):
    first, last = (await connection.execute(text(
        f"SELECT min(performed_at)::date, max(performed_at)::date FROM maintenance_record"
        f" WHERE municipality_id = {DEMO}"))).one()
    loaded = await scalar(connection, "SELECT created_at::date FROM municipality WHERE slug = 'demo'")
    assert loaded - first <= timedelta(days=366) and last <= loaded
    assert loaded - first > timedelta(days=300)
    overdue = (await client.get("/api/v1/municipalities/demo/assets",
                                params={"overdue": "true", "limit": 1000})).json()["items"]
    current = (await client.get("/api/v1/municipalities/demo/assets",
                                params={"overdue": "false", "limit": 1000})).json()["items"]
    assert 20 < len(overdue) < 400 and len(current) > 500
    assert all(a["overdue"] for a in overdue)


async def test_history_records_the_load(connection):
    missing = await scalar(connection, f"""
        SELECT count(*) FROM asset a WHERE a.municipality_id = {DEMO} AND NOT EXISTS (
          SELECT 1 FROM asset_history h WHERE h.municipality_id = a.municipality_id
          AND h.asset_id = a.id AND h.action = 'create' AND h.changed_by = 'demo')""")
    assert missing == 0


def test_village_is_deterministic():
    a, b = generate(), generate()
    assert [p["point"].wkt for p in a.lights] == [p["point"].wkt for p in b.lights]
    assert a.boundary.equals(b.boundary)
    assert generate(seed=1).lights[0]["point"].wkt != a.lights[0]["point"].wkt


async def test_reloading_gives_the_same_inventory(session):
    sql = text("SELECT a.code, a.id::text, ST_AsText(a.geom), a.attributes::text, t.token"
               " FROM asset a LEFT JOIN tag t ON t.municipality_id = a.municipality_id"
               " AND t.asset_id = a.id"
               " WHERE a.municipality_id = (SELECT id FROM municipality WHERE slug = 'demo')"
               " ORDER BY a.code")
    before = (await session.execute(sql)).all()
    today = (await session.execute(text("SELECT created_at::date FROM municipality WHERE slug = 'demo'"))).scalar()
    mid = (await session.execute(text("SELECT id FROM municipality WHERE slug = 'demo'"))).scalar()
    # what people add to the demo goes with it, also the office's reviews of records
    await session.execute(text(
        "INSERT INTO maintenance_review (municipality_id, record_id)"
        " SELECT municipality_id, id FROM maintenance_record WHERE municipality_id = :m LIMIT 1"),
        {"m": mid})
    await _remove(session, mid)
    await write_demo(session, today=today, password=DEMO_PASSWORD)
    after = (await session.execute(sql)).all()
    assert before == after
    assert isinstance(today, date)


def test_export_geopackage_in_the_working_crs(tmp_path):
    import pyogrio

    from gisapp.demo.village import export_gpkg

    path = tmp_path / "musterdorf.gpkg"
    assert export_gpkg(path) == ["boundary", "districts", "streets", "lights", "buildings"]
    info = pyogrio.read_info(path, layer="lights")
    assert info["crs"] == "EPSG:25832" and info["features"] == len(generate().lights)


async def test_labels_on_every_asset_in_use_and_blank_ones(connection, anon):
    rows = dict((await connection.execute(text(f"""
        SELECT t.state, count(*) FROM tag t WHERE t.municipality_id = {DEMO} GROUP BY 1"""))).all())
    in_use = await scalar(connection, f"SELECT count(*) FROM asset WHERE municipality_id = {DEMO}"
                                      " AND status <> 'decommissioned'")
    assert rows == {"active": in_use, "unassigned": 20}
    token, code = (await connection.execute(text(
        f"SELECT t.token, a.code FROM tag t JOIN asset a ON a.municipality_id = t.municipality_id"
        f" AND a.id = t.asset_id WHERE t.municipality_id = {DEMO} AND a.type_code = 'charging_station'"
        " LIMIT 1"))).one()
    card = (await anon.get(f"/api/v1/scan/{token}")).json()
    assert card["asset"]["code"] == code and card["tag"]["short_code"] == f"DEMO-{code}"
