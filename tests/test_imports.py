"""Imports through the API: dry run, commit, re-import, all-or-nothing, CRS round trips."""

from __future__ import annotations

import json
import re
import uuid

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import text

from gisapp.imports.mapping import comparable, guess_attributes
from gisapp.imports.writer import ascending_ids
from gisapp.pages.imports import sheet_cell
from tests.imports_helpers import add_municipality, commit, upload

DEMO = "/api/v1/municipalities/demo"
# spots inside Musterdorf, lon/lat
SPOTS = [(7.2830, 49.9290), (7.2841, 49.9302), (7.2815, 49.9281)]
TO_25832 = Transformer.from_crs(4326, 25832, always_xy=True)


def geojson_25832(rows: list[dict]) -> bytes:
    """A FeatureCollection in EPSG:25832, named the GeoJSON-2008 way (as QGIS writes it)."""
    features = []
    for (lon, lat), props in zip(SPOTS, rows):
        x, y = TO_25832.transform(lon, lat)
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [x, y]}})
    return json.dumps({"type": "FeatureCollection", "features": features, "crs": {
        "type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}}).encode()


LIGHTS = [{"id": "KAT-1", "name": "Leuchte Kirchweg", "lamp_technology": "LED", "power_w": 36},
          {"id": "KAT-2", "name": "Leuchte Schulstraße", "lamp_technology": "HPS", "power_w": 70}]


async def test_geojson_in_25832_dry_run_writes_nothing_then_commit_round_trips(client, count):
    before = (await count("asset"), await count("asset_history"))
    r = await upload(client, "demo", "kataster.geojson", geojson_25832(LIGHTS), type="street_light")
    assert r.status_code == 201, r.text
    job = r.json()
    report = job["report"]
    assert job["status"] == "checked" and report["format"] == "geojson"
    assert report["crs"] == "EPSG:25832" and report["create"] == 2 and report["errors"] == 0
    assert (await count("asset"), await count("asset_history")) == before
    r = await commit(client, "demo", job["id"])
    assert r.status_code == 200, r.text
    assert r.json()["result"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    assert await count("asset") == before[0] + 2
    assert await count("asset_history") == before[1] + 2  # the trigger saw every insert
    page = (await client.get(f"{DEMO}/assets", params={"q": "Leuchte Kirchweg",
                                                       "crs": "EPSG:25832"})).json()
    item = page["items"][0] if "items" in page else page[0]
    x, y = TO_25832.transform(*SPOTS[0])
    assert item["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)
    assert item["attributes"] == {"lamp_technology": "LED", "power_w": 36}
    assert item["external_id"] == "KAT-1" and item["code"].startswith("SL-")
    assert item["public"] is True and item["created_by"] == "token:test-admin"
    # ids are random version-4 UUIDs, handed out in ascending order along the file
    ids = {a["external_id"]: uuid.UUID(a["id"]) for a in (await client.get(
        f"{DEMO}/assets", params={"q": "Leuchte"})).json()["items"]
        if a["external_id"] in ("KAT-1", "KAT-2")}
    assert ids["KAT-1"] < ids["KAT-2"] and {i.version for i in ids.values()} == {4}


def test_ascending_ids_are_random_version_4_uuids():
    ids = [uuid.UUID(i) for i in ascending_ids(20_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {4} and {i.variant for i in ids} == {uuid.RFC_4122}
    # spread over the whole range, like gen_random_uuid(): no prefix, no clock
    assert ids[0].int < 2 ** 128 // 100 and ids[-1].int > 2 ** 128 // 100 * 99
    assert ascending_ids(0) == [] and len(ascending_ids(1)) == 1


async def test_reimport_updates_by_external_id(client, count, connection):
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light")
    await commit(client, "demo", r.json()["id"])
    assets = await count("asset")
    changed = [{**LIGHTS[0], "power_w": 24}, LIGHTS[1]]
    r = await upload(client, "demo", "a.geojson", geojson_25832(changed), type="street_light")
    report = r.json()["report"]
    assert report["create"] == 0 and report["update"] == 2
    assert report["advice"] == []  # every row has its id: nothing to warn about
    r = await commit(client, "demo", r.json()["id"])
    assert r.json()["result"] == {"created": 0, "updated": 1, "unchanged": 1, "skipped": 0}
    assert await count("asset") == assets
    row = (await connection.execute(text(
        "SELECT a.version, a.attributes, (SELECT array_agg(action ORDER BY id) FROM asset_history h"
        " WHERE h.asset_id = a.id) AS actions FROM asset a WHERE external_id = 'KAT-1'"))).one()
    assert row.version == 2 and row.attributes["power_w"] == 24
    assert row.actions == ["create", "update"]


async def test_reimport_without_names_keeps_the_names(client, connection):
    """A re-import from a file that has no name column (or an empty name) updates the
    attributes and keeps the names the assets have."""
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light")
    await commit(client, "demo", r.json()["id"])
    nameless = [{"id": "KAT-1", "power_w": 24}, {"id": "KAT-2", "name": "", "power_w": 70}]
    r = await upload(client, "demo", "a.geojson", geojson_25832(nameless), type="street_light")
    r = await commit(client, "demo", r.json()["id"])
    assert r.json()["result"] == {"created": 0, "updated": 1, "unchanged": 1, "skipped": 0}
    names = dict((await connection.execute(text(
        "SELECT external_id, name FROM asset WHERE external_id LIKE 'KAT-%'"))).all())
    assert names == {"KAT-1": "Leuchte Kirchweg", "KAT-2": "Leuchte Schulstraße"}


async def test_osm_nodes_only_with_negative_ids_and_an_empty_file(client, count):
    """An Overpass or JOSM file of nodes only (JOSM's new nodes have negative ids, so the
    ids do not increase) is read; a file without features is refused, nothing written."""
    lon, lat = SPOTS[0]
    osm = ('<?xml version="1.0"?><osm version="0.6" generator="JOSM">'
           f'<node id="-3" lat="{lat}" lon="{lon}"><tag k="emergency" v="fire_hydrant"/></node>'
           f'<node id="1138771822" lat="{SPOTS[1][1]}" lon="{SPOTS[1][0]}">'
           '<tag k="emergency" v="fire_hydrant"/></node>'
           f'<node id="-7" lat="{SPOTS[2][1]}" lon="{SPOTS[2][0]}">'
           '<tag k="amenity" v="charging_station"/></node></osm>').encode()
    r = await upload(client, "demo", "josm.osm", osm)
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["create"] == 3 and report["errors"] == 0
    assert report["types"] == {"fire_hydrant": 2, "charging_station": 1}
    before = await count("asset")
    for name, data in [("a.geojson", b'{"type": "FeatureCollection", "features": []}'),
                       ("a.csv", b"lon;lat;name\r\n")]:
        r = await upload(client, "demo", name, data, type="street_light")
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["reason"] == "the file holds no rows"
    assert await count("asset") == before


async def test_reimport_history_codes_and_unchanged_rows(client, connection):
    """A re-import updates by external id with one history entry holding only what changed,
    leaves unchanged rows alone (no version, no entry) and numbers new rows after the last."""
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light")
    await commit(client, "demo", r.json()["id"])
    third = {"id": "KAT-3", "name": "Leuchte Bach", "lamp_technology": "LED", "power_w": 18}
    again = [{**LIGHTS[0], "power_w": 24}, LIGHTS[1], third]
    r = await upload(client, "demo", "a.geojson", geojson_25832(again), type="street_light")
    r = await commit(client, "demo", r.json()["id"])
    assert r.json()["result"] == {"created": 1, "updated": 1, "unchanged": 1, "skipped": 0}
    rows = {row.external_id: row for row in (await connection.execute(text(
        "SELECT a.external_id, a.code, a.version, array_agg(h.action ORDER BY h.id) AS actions,"
        " (array_agg(h.before ORDER BY h.id DESC))[1] AS before,"
        " (array_agg(h.after ORDER BY h.id DESC))[1] AS after,"
        " (array_agg(h.changed_by ORDER BY h.id DESC))[1] AS changed_by"
        " FROM asset a JOIN asset_history h ON h.municipality_id = a.municipality_id"
        " AND h.asset_id = a.id WHERE a.external_id LIKE 'KAT-%'"
        " GROUP BY a.external_id, a.code, a.version"))).all()}
    first = rows["KAT-1"]
    assert first.version == 2 and first.actions == ["create", "update"]
    assert first.before == {"attributes": {"lamp_technology": "LED", "power_w": 36}}
    assert first.after == {"attributes": {"lamp_technology": "LED", "power_w": 24}}
    assert first.changed_by == "token:test-admin"
    assert rows["KAT-2"].version == 1 and rows["KAT-2"].actions == ["create"]
    assert rows["KAT-3"].actions == ["create"]
    assert rows["KAT-3"].after["attributes"] == {"lamp_technology": "LED", "power_w": 18}
    number = int(rows["KAT-3"].code.split("-")[1])
    assert number == max(int(rows[k].code.split("-")[1]) for k in ("KAT-1", "KAT-2")) + 1


async def test_external_id_taken_meanwhile_is_a_conflict_and_writes_nothing(
        session, count):
    """Between the check and the write another transaction adds one of the file's external
    ids: the unique index refuses the insert, the import is a 409 and writes nothing."""
    from gisapp.database import set_context
    from gisapp.errors import Conflict
    from gisapp.imports import service, writer
    from gisapp.imports.mapping import FieldMapping
    from gisapp.imports.uploads import save_bytes, workspace
    from gisapp.municipalities.service import get_ref
    from gisapp.settings import Settings

    settings = Settings()
    muni = await get_ref(session, "demo")
    await set_context(session, actor="user:test", municipality_id=muni.id)
    with workspace(settings.imports) as folder:
        path = save_bytes(folder, geojson_25832(LIGHTS), settings.imports)
        checked = await service.check_file(session, muni, path,
                                           FieldMapping(type="street_light"), settings)
    assert checked.plan.existing == {}
    await session.execute(text(
        "INSERT INTO asset (municipality_id, code, type_code, name, geom, is_public, external_id)"
        " VALUES (:m, 'SL-OTHER', 'street_light', 'elsewhere',"
        " ST_SetSRID(ST_MakePoint(7.2830, 49.9290), 4326), true, 'KAT-2')"), {"m": muni.id})
    before = (await count("asset"), await count("asset_history"))
    await set_context(session, actor="user:test", municipality_id=muni.id)
    savepoint = await session.begin_nested()
    with pytest.raises(Conflict) as caught:
        await writer.write(session, muni.id, checked.plan, checked.types, "user:test")
    await savepoint.rollback()
    assert caught.value.field == "external_id"
    assert (await count("asset"), await count("asset_history")) == before


async def test_all_or_nothing_on_a_bad_row(client, count):
    bad = [LIGHTS[0], {**LIGHTS[1], "power_w": "viel"}]
    r = await upload(client, "demo", "bad.geojson", geojson_25832(bad), type="street_light")
    report = r.json()["report"]
    assert report["errors"] == 1 and report["valid"] == 1
    problem = report["problems"][0]
    assert problem["row"] == "2" and problem["field"] == "attributes.power_w"
    before = await count("asset")
    r = await commit(client, "demo", r.json()["id"])
    detail = r.json()["detail"]
    assert r.status_code == 422 and detail[0]["field"] == "file"
    assert detail[0]["reason"].startswith("1 rows have errors")
    assert detail[1]["field"] == "row 2: attributes.power_w"
    assert await count("asset") == before
    r2 = await commit(client, "demo", (await client.get(f"{DEMO}/imports")).json()[0]["id"],
                      skip_invalid=True)
    assert r2.status_code == 200 and r2.json()["result"]["created"] == 1
    assert r2.json()["result"]["skipped"] == 1 and await count("asset") == before + 1
    again = await commit(client, "demo", r2.json()["id"])
    assert again.status_code == 409


async def test_rows_with_errors_are_counted_as_rows(client):
    """A row with two errors is one row with errors (and one skipped), two problems."""
    bad = [LIGHTS[0], {**LIGHTS[1], "power_w": "viel", "lamp_technology": "Glühbirne"}]
    r = await upload(client, "demo", "bad.geojson", geojson_25832(bad), type="street_light")
    report = r.json()["report"]
    assert report["errors"] == 1 and report["valid"] == 1 and len(report["problems"]) == 2
    r = await commit(client, "demo", r.json()["id"], skip_invalid=True)
    assert r.json()["result"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}


async def test_outside_the_boundary_and_duplicates_are_reported(client):
    far = geojson_25832([LIGHTS[0], {**LIGHTS[0]}, {**LIGHTS[1], "id": "KAT-1"}])
    doc = json.loads(far)
    doc["features"][1]["geometry"]["coordinates"][0] += 20000  # 20 km east
    r = await upload(client, "demo", "x.geojson", json.dumps(doc).encode(), type="street_light")
    problems = r.json()["report"]["problems"]
    reasons = {p["row"]: p["reason"] for p in problems}
    assert "outside the boundary of Musterdorf" in reasons["2"]
    assert "also in row 1 with other values" in reasons["3"]
    # each reason also comes as the catalogs' text and its values, for pages to translate
    outside = next(p for p in problems if p["row"] == "2")
    assert outside["message"] == ("lies %(metres)s m outside the boundary of %(name)s "
                                  "(tolerance %(tolerance)s m)")
    assert outside["params"]["name"] == "Musterdorf"
    assert outside["message"] % outside["params"] == outside["reason"]


def test_problems_read_in_the_readers_language():
    from gisapp.i18n import load_translations
    from gisapp.messages import Message, N_, translated

    german = load_translations("de").gettext
    problem = Message(N_("coordinate %(value)s is not a number"), value="'x'").fields()
    assert problem["reason"] == "coordinate 'x' is not a number"
    assert translated(problem, german) == "Koordinate 'x' ist keine Zahl"
    # a stored report from before messages, and a translation that lost a placeholder
    assert translated({"reason": "old text"}, german) == "old text"
    assert translated({**problem, "params": {}}, german) == "Koordinate %(value)s ist keine Zahl"
    assert translated({**problem, "params": {"other": 1}}, german) == problem["reason"]


async def test_german_csv_with_bom_semicolons_decimal_commas_and_crlf(client, connection):
    lines = ["Nr;Bezeichnung;Rechtswert;Hochwert;Leistung"]
    for i, (lon, lat) in enumerate(SPOTS, 1):
        x, y = TO_25832.transform(lon, lat)
        lines.append(f"CSV-{i};Leuchte {i};{x:.3f};{y:.3f}".replace(".", ",") + f";{30 + i},5")
    data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    mapping = {"external_id": "Nr", "name": "Bezeichnung", "attributes": {"power_w": "Leistung"}}
    r = await upload(client, "demo", "leuchten.csv", data, type="street_light", crs="25832",
                     mapping=mapping)
    assert r.status_code == 201, r.text
    assert r.json()["report"]["format"] == "csv" and r.json()["report"]["create"] == 3
    assert (await commit(client, "demo", r.json()["id"])).status_code == 200
    row = (await connection.execute(text(
        "SELECT name, attributes, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM asset"
        " WHERE external_id = 'CSV-2'"))).one()
    assert row.name == "Leuchte 2" and row.attributes == {"power_w": 32.5}
    assert (row.lon, row.lat) == pytest.approx(SPOTS[1], abs=1e-7)


async def test_columns_named_like_an_attribute_in_any_language_are_mapped(client, connection):
    """No mapping given: the columns of a spreadsheet written by hand fill the attributes
    whose names they carry, in German, English or French, however spelt ("Leistung W",
    "MASTHOEHE_M", "Type de lampe"); a column that matches nothing stays unmapped."""
    lines = ["id;Bezeichnung;Rechtswert;Hochwert;Leistung W;MASTHOEHE_M;Type de lampe;Bemerkung"]
    for i, (lon, lat) in enumerate(SPOTS, 1):
        x, y = TO_25832.transform(lon, lat)
        lines.append(f"HAND-{i};Leuchte {i};{x:.2f};{y:.2f}".replace(".", ",")
                     + f";{30 + i};6,5;LED;neu")
    r = await upload(client, "demo", "hand.csv", ("\ufeff" + "\n".join(lines)).encode(),
                     type="street_light", crs="25832")
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["mapping_used"]["attributes"] == {"power_w": "Leistung W",
                                                    "pole_height_m": "MASTHOEHE_M",
                                                    "lamp_technology": "Type de lampe"}
    assert (await commit(client, "demo", r.json()["id"])).status_code == 200
    row = (await connection.execute(text(
        "SELECT attributes FROM asset WHERE external_id = 'HAND-2'"))).one()
    assert row.attributes == {"power_w": 32, "pole_height_m": 6.5, "lamp_technology": "LED"}


def test_column_names_are_compared_without_case_spaces_brackets_or_umlauts():
    props = {"power_w": {}, "pole_height_m": {}, "circuit": {"title": "Stromkreis"},
             "a": {"title": "Same"}, "b": {"title": "same"}}
    names = [{"power_w": "Leistung (W)", "pole_height_m": "Masthöhe (m)"}]
    assert comparable("Masthöhe (m)") == comparable("MASTHOEHE_M") == "masthoehem"
    assert comparable("Température (°C)") == "temperaturec"
    guessed = guess_attributes(["Power W", "power_w", "masthöhe m", "STROMKREIS", "SAME"],
                               props, names)
    # the exact key wins over a spelling of it; a name two attributes share guesses neither
    assert guessed == {"power_w": "power_w", "pole_height_m": "masthöhe m",
                       "circuit": "STROMKREIS"}


async def test_geopackage_in_2169_round_trip(connection, make_client, tmp_path):
    """Luxembourg (LUREF, EPSG:2169), a municipality without a boundary."""
    lux = await add_municipality(connection, make_client, "luxtest", 2169)
    points = [(77000.125, 75000.5), (77150.25, 75210.75)]
    gdf = gpd.GeoDataFrame({"ext": ["LU-1", "LU-2"], "name": ["Borne 1", "Borne 2"],
                            "operator": ["Chargy", "Chargy"]},
                           geometry=shapely.points(points), crs=2169)
    path = tmp_path / "bornes.gpkg"
    gdf.to_file(path, layer="bornes", engine="pyogrio")
    async with lux:
        r = await upload(lux, "luxtest", "bornes.gpkg", path.read_bytes(), type="charging_station",
                         mapping={"external_id": "ext"})
        assert r.status_code == 201, r.text
        assert r.json()["report"]["crs"] == "EPSG:2169"
        assert (await commit(lux, "luxtest", r.json()["id"])).status_code == 200
        got = (await lux.get("/api/v1/municipalities/luxtest/assets",
                             params={"crs": "EPSG:2169", "f": "geojson"})).json()
    coords = {f["properties"]["external_id"]: f["geometry"]["coordinates"] for f in got["features"]}
    assert coords["LU-1"] == pytest.approx(points[0], abs=0.001)
    assert coords["LU-2"] == pytest.approx(points[1], abs=0.001)
    assert {f["properties"]["attributes"]["operator"] for f in got["features"]} == {"Chargy"}


async def test_zipped_shapefile(client, tmp_path, count):
    import zipfile

    gdf = gpd.GeoDataFrame({"id": ["SHP-1"], "name": ["Hotspot Rathaus"], "ssid": ["Musterdorf"]},
                           geometry=[shapely.Point(*TO_25832.transform(*SPOTS[2]))], crs=25832)
    gdf.to_file(tmp_path / "hotspots.shp", engine="pyogrio")
    archive = tmp_path / "hotspots.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            z.write(tmp_path / f"hotspots.{ext}", f"export/hotspots.{ext}")
    r = await upload(client, "demo", "hotspots.zip", archive.read_bytes(), type="wlan_hotspot")
    assert r.status_code == 201, r.text
    assert r.json()["report"]["format"] == "shapefile" and r.json()["report"]["create"] == 1
    before = await count("asset")
    assert (await commit(client, "demo", r.json()["id"])).status_code == 200
    assert await count("asset") == before + 1


async def test_who_may_import(make_client, client):
    data = geojson_25832(LIGHTS)
    async with make_client("crew") as crew, make_client(None) as anon, \
            make_client("planner") as planner:
        assert (await upload(crew, "demo", "a.geojson", data, type="street_light")).status_code == 403
        assert (await upload(anon, "demo", "a.geojson", data, type="street_light")).status_code == 401
        r = await upload(planner, "demo", "a.geojson", data, type="street_light")
        assert r.status_code == 201
        assert (await crew.get(f"{DEMO}/imports/{r.json()['id']}")).status_code == 403


async def test_other_municipality_sees_no_import(client, other):
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light")
    async with other["client"]("admin") as nb:
        assert (await nb.get(f"/api/v1/municipalities/nachbarort/imports/{r.json()['id']}")
                ).status_code == 404
        assert (await nb.post(f"{DEMO}/imports/{r.json()['id']}/commit")).status_code == 404


async def test_bad_mapping_and_missing_type_are_named(client):
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "type"
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light",
                     mapping={"name": "Gibtsnicht"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "mapping.name"
    r = await upload(client, "demo", "a.geojson", geojson_25832(LIGHTS), type="street_light",
                     mapping="{kaputt")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "mapping"


def test_cli_dry_run_and_refusal(db_url, settings, engine, tmp_path):
    """`gisapp import`: a dry run prints the report and writes nothing; a file with errors
    is refused as a whole (exit 1)."""
    from tests.test_cli_types import cli

    good = tmp_path / "lights.geojson"
    good.write_bytes(geojson_25832(LIGHTS))
    dry = cli(db_url, "import", str(good), "-m", "demo", "--type", "street_light", "--dry-run",
              "--lang", "en")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was written" in dry.stderr and "New assets" in dry.stderr
    assert "Field mapping" in dry.stderr and "power_w ← power_w" in dry.stderr
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(geojson_25832([LIGHTS[0], {**LIGHTS[1], "power_w": "viel"}]))
    refused = cli(db_url, "import", str(bad), "-m", "demo", "--type", "street_light",
                  "--lang", "en")
    assert refused.returncode == 1 and "1 rows have errors" in refused.stderr
    # the report's problems in the shell's language, as on the planner page
    german = cli(db_url, "import", str(bad), "-m", "demo", "--type", "street_light",
                 "--dry-run", locale="de_DE.UTF-8")
    assert german.returncode == 0, german.stderr
    assert "Probelauf: nichts wurde geschrieben" in german.stderr
    assert "Zeilen mit Fehlern" in german.stderr and "'viel' ist nicht vom Typ" in german.stderr
    french = cli(db_url, "import", str(bad), "-m", "demo", "--type", "street_light",
                 locale="fr_LU.UTF-8")
    assert french.returncode == 1 and "1 lignes contiennent des erreurs" in french.stderr
    # a server without a language in its locale reads German, the default of the pages
    plain = cli(db_url, "import", str(good), "-m", "demo", "--type", "street_light",
                "--dry-run", locale="C.UTF-8")
    assert "Neue Objekte" in plain.stderr, plain.stderr
    # too many problems to read one by one: the report sums them up by kind
    many = tmp_path / "leuchten.csv"
    many.write_bytes(_many_problems_csv())
    summed = cli(db_url, "import", str(many), "-m", "demo", "--type", "street_light",
                 "--dry-run", locale="de_DE.UTF-8")
    assert "… und 1160 weitere" in summed.stderr, summed.stderr
    kinds = summed.stderr[summed.stderr.index("Probleme nach Art"):]
    assert re.search(r"geometry +│ Zeile 1: liegt .*│ 1150 +│", kinds), kinds
    assert re.search(r"attributes.power_w +│ Zeile 1151: .*│ 40 +│", kinds), kinds
    unknown = cli(db_url, "import", str(good), "-m", "demo", "--lang", "xx")
    assert unknown.returncode == 2 and "--lang" in unknown.stderr


async def test_planner_page_upload_report_commit(make_client, count):
    async with make_client("planner") as planner, make_client("crew") as crew:
        page = await planner.get("/m/demo/imports?lang=fr")
        assert page.status_code == 200 and "Vérifier le fichier" in page.text
        assert (await crew.get("/m/demo/imports")).status_code == 403
        # the layer and the JSON mapping are folded away, and unfold when one of them is wrong
        assert '<details class="more-options">' in page.text
        wrong = await planner.post("/m/demo/imports", data={"type": "street_light",
                                                           "mapping": "{not json"},
                                   files={"file": ("k.geojson", geojson_25832(LIGHTS))})
        assert wrong.status_code == 422 and '<details class="more-options" open>' in wrong.text
        assert 'value="{not json"' in wrong.text
        before = await count("asset")
        bad = [LIGHTS[0], {**LIGHTS[1], "power_w": "viel"}]
        r = await planner.post("/m/demo/imports", data={"type": "street_light"},
                               files={"file": ("kataster.geojson", geojson_25832(bad))})
        assert r.status_code == 303, r.text
        report = await planner.get(r.headers["location"] + "?lang=de")
        assert "Zeilen mit Fehlern" in report.text
        # the schema's problem in the page's language, the type by its name, every count a number
        assert "&#39;viel&#39; ist nicht vom Typ &#39;number&#39;" in report.text
        assert "is not of type" not in report.text and "built-in method" not in report.text
        assert "Typ Straßenleuchte" in report.text
        assert re.search(r"Änderungen vorhandener Objekte</th><td>0</td>", report.text)
        assert "1 Objekt importieren" in report.text
        assert "<td>GeoJSON (EPSG:25832)</td>" in report.text
        french = await planner.get(r.headers["location"] + "?lang=fr")
        assert "&#39;viel&#39; n’est pas du type &#39;number&#39;" in french.text
        action = r.headers["location"] + "/commit"
        refused = await planner.post(action + "?lang=en", data={})
        assert refused.status_code == 422 and await count("asset") == before
        # why, next to the box that would have let it through (the rows are in the report)
        assert ("1 row has errors: correct the file and upload it again, or tick the box to "
                "leave it out and import the other rows (1).") in refused.text
        assert 'id="f-skip_invalid-error"' in refused.text
        done = await planner.post(action, data={"skip_invalid": "on"})
        assert done.status_code == 303 and done.headers["location"].endswith("done=committed")
        assert await count("asset") == before + 1
        shown = await planner.get(done.headers["location"] + "&lang=en")
        assert "Written: 1 new, 0 updated, 0 unchanged." in shown.text
        listing = await planner.get("/m/demo/imports?lang=en")
        assert "<td>GeoJSON</td>" in listing.text
        # who checked it, as a person reads it (the history keeps "token:test-planner")
        assert '<span class="muted">API token test-planner</span>' in listing.text
        empty = await planner.post("/m/demo/imports", data={"type": "street_light"},
                                   files={"file": ("x.geojson", b"")})
        assert empty.status_code == 422 and "the file is empty" in empty.text
        # an upload's refusal, like every service's problem, in the page's language
        empty = await planner.post("/m/demo/imports?lang=de", data={"type": "street_light"},
                                   files={"file": ("x.geojson", b"")})
        assert empty.status_code == 422 and "die Datei ist leer" in empty.text
        zipped = await planner.post("/m/demo/imports?lang=fr", data={"type": "street_light"},
                                    files={"file": ("x.zip", b"PK\x05\x06" + bytes(18))})
        assert zipped.status_code == 422 and "archive zip est vide" in zipped.text


def _many_problems_csv() -> bytes:
    """1,200 lights: 1,150 far outside Musterdorf, 40 with a power that is no number, ten
    good ones."""
    lines = ["id;lon;lat;power_w"]
    for i in range(1, 1201):
        ident = f"L-{i}"
        lon, lat = (8.5, 50.5) if i <= 1150 else SPOTS[i % 3]
        power = "viel" if 1150 < i <= 1190 else "36"
        lines.append(f"{ident};{lon};{lat};{power}".replace(".", ","))
    return "\n".join(lines).encode()


async def test_a_report_with_many_problems_sums_them_up_by_kind(make_client, count):
    """Every problem counted by kind (also past the 1,000 listed), a page of the first 100
    rows, all listed rows behind a link and as a spreadsheet in the page's language."""
    async with make_client("planner") as planner:
        before = await count("asset")
        r = await planner.post("/m/demo/imports", data={"type": "street_light"},
                               files={"file": ("leuchten.csv", _many_problems_csv())})
        assert r.status_code == 303, r.text
        job_id = r.headers["location"].rsplit("/", 1)[1]
        report = (await planner.get(f"{DEMO}/imports/{job_id}")).json()["report"]
        assert report["errors"] == 1190 and len(report["problems"]) == 1000
        assert report["advice"] == []  # ten rows are inside: no advice about the file
        kinds = [(k["severity"], k["field"], k["count"]) for k in report["problem_kinds"]]
        assert kinds == [("error", "geometry", 1150), ("error", "attributes.power_w", 40)]
        outside = report["problem_kinds"][0]
        assert outside["example_row"] == "1" and "outside the boundary" in outside["reason"]
        assert outside["message"] % outside["params"] == outside["reason"]
        assert re.fullmatch(r"lies \d+ m outside the boundary of Musterdorf \(tolerance 50 m\)",
                            outside["reason"])
        assert await count("asset") == before  # a dry run

        page = (await planner.get(r.headers["location"] + "?lang=de")).text
        summary = page[page.index("Probleme nach Art"):page.index("Probleme Zeile für Zeile")]
        # the distances in German number format ("105.531 m"), the API's reason in English
        assert re.search(r"Zeile 1: liegt \d{1,3}(\.\d{3})+ m außerhalb der Gemeindegrenze von "
                         r"Musterdorf.*?<td class=\"number\">1\.150</td>", summary, re.S)
        assert re.search(r"Zeile 1151: .*?&#39;viel&#39;.*?<td class=\"number\">40</td>",
                         summary, re.S)
        # fields by the names the pages give them, with their key
        assert '<td>Geometrie <span class="muted">geometry</span></td>' in summary
        assert '<td>Leistung (W) <span class="muted">attributes.power_w</span></td>' in summary
        rows = page[page.index("Probleme Zeile für Zeile"):]
        assert rows.count('<th scope="row">') == 100
        assert "Die ersten 100 von 1.000 aufgeführten Problemen." in rows
        assert "<td>1.200</td>" in page  # rows in the file, as German writes numbers
        everything = (await planner.get(r.headers["location"] + "?problems=all")).text
        assert everything[everything.index("Probleme Zeile für Zeile"):].count(
            '<th scope="row">') == 1000

        sheet = await planner.get(r.headers["location"] + "/problems.csv?lang=fr")
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
        assert sheet.headers["content-disposition"] == (
            "attachment; filename=\"leuchten-probl_mes.csv\"; "
            "filename*=UTF-8''leuchten-probl%C3%A8mes.csv")
        text_ = sheet.content.decode("utf-8")
        assert text_.startswith("\ufeffLigne;Champ;Problème;Nature\r\n")
        lines = text_.splitlines()[1:]
        assert len(lines) == 1000
        assert lines[0].startswith("1;geometry;se trouve à ") and lines[0].endswith(";erreur")
        async with make_client("crew") as crew:
            assert (await crew.get(r.headers["location"] + "/problems.csv")).status_code == 403


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+49", "'+49"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("node/12", "node/12"), ("", "")])
def test_a_problem_sheet_never_runs_a_cell_from_the_file_as_a_formula(cell, written):
    """Row ids come from the uploaded file (a GeoJSON feature's id, an OSM id)."""
    assert sheet_cell(cell) == written


def _german_csv() -> bytes:
    lines = ["Nr;Bezeichnung;Rechtswert;Hochwert;Leistung"]
    for i, (lon, lat) in enumerate(SPOTS, 1):
        x, y = TO_25832.transform(lon, lat)
        lines.append(f"CSV-{i};Leuchte {i};{x:.3f};{y:.3f}".replace(".", ",") + f";{30 + i},5")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _select(html: str, name: str) -> str:
    """The ``<select>`` of one form field, options and all."""
    return re.search(rf'<select id="f-{re.escape(name)}".*?</select>', html, re.S).group(0)


def _swapped_csv() -> bytes:
    """A spreadsheet whose "x" holds the latitude and "y" the longitude."""
    lines = ["Nr;x;y"] + [f"S-{i};{lat};{lon}" for i, (lon, lat) in enumerate(SPOTS, 1)]
    return "\n".join(lines).encode()


async def _checked_on_the_page(planner, filename: str, body: bytes, crs: str):
    """Upload street lights on the import page: the report's address and its German page."""
    r = await planner.post("/m/demo/imports?lang=de", data={"type": "street_light", "crs": crs},
                           files={"file": (filename, body)})
    assert r.status_code == 303, r.text
    return r.headers["location"], await planner.get(r.headers["location"] + "?lang=de")


async def test_installation_dates_from_a_column(make_client, client, connection):
    """A column named like the installation date fills it (DD.MM.YYYY, DD.MM.YY, ISO); a
    cell that is no date is an error of its row; the page lets the planner choose the
    column, and leaving it out keeps the dates the assets have."""
    dates = ["01.02.2020", "22.07.21", "31.02.2020"]
    lines = ["Kennung;lon;lat;Inbetriebnahme"] + [
        f"D-{i};{lon};{lat};{day}" for i, ((lon, lat), day) in enumerate(zip(SPOTS, dates), 1)]
    body = "\n".join(lines).encode()
    r = await upload(client, "demo", "daten.csv", body, type="street_light", crs="4326",
                     mapping={"external_id": "Kennung"})
    report = r.json()["report"]
    assert report["mapping_used"]["installed_on"] == "Inbetriebnahme"
    assert [(p["row"], p["field"], p["reason"]) for p in report["problems"]] == [
        ("3", "installed_on", "'31.02.2020' is not a date (DD.MM.YYYY or YYYY-MM-DD)")]
    r = await commit(client, "demo", r.json()["id"], skip_invalid=True)
    assert r.json()["result"]["created"] == 2
    stored = dict((await connection.execute(text(
        "SELECT external_id, installed_on::text FROM asset WHERE external_id LIKE 'D-%'"))).all())
    assert stored == {"D-1": "2020-02-01", "D-2": "2021-07-22"}
    async with make_client("planner") as planner:
        first, page = await _checked_on_the_page(planner, "daten.csv", body, "4326")
        assert '<option value="Inbetriebnahme" selected>' in _select(page.text, "installed_on")
        again = await planner.post(first + "/recheck", data={
            "x": "lon", "y": "lat", "external_id": "Kennung", "installed_on": ""})
        assert again.status_code == 303, again.text
        fixed = await planner.get(again.headers["location"] + "?lang=de")
        assert "selected" not in _select(fixed.text, "installed_on")  # "not in the file"
        assert "Zeilen mit Fehlern</th><td>0</td>" in fixed.text
        done = await planner.post(again.headers["location"] + "/commit", data={})
        assert done.status_code == 303
    stored = dict((await connection.execute(text(
        "SELECT external_id, installed_on::text FROM asset WHERE external_id LIKE 'D-%'"))).all())
    assert stored == {"D-1": "2020-02-01", "D-2": "2021-07-22", "D-3": None}


async def test_the_planner_maps_the_columns_on_the_report_page(make_client, connection):
    """A file whose columns are not named like the fields: the report shows the columns and
    the mapping it guessed; the planner picks the right ones, checks again, and writes."""
    async with make_client("planner") as planner:
        first, report = await _checked_on_the_page(planner, "leuchten.csv", _german_csv(),
                                                   "25832")
        assert "Feldzuordnung" in report.text and "Leistung (W) (power_w)" in report.text
        # "Bezeichnung" is taken for the name; "Nr" and "Leistung" are not field names
        assert '<option value="Bezeichnung" selected>' in report.text
        assert '<option value="Leistung" selected>' not in report.text
        # what fills nothing is said; the coordinates made the points: they are offered
        # for x and y only (once each), not for the attributes
        assert "Spalten der Datei, die kein Feld füllen: Nr, Leistung" in report.text
        assert report.text.count('<option value="Rechtswert"') == 2
        assert '<option value="Rechtswert" selected>' in _select(report.text, "x")
        assert '<option value="Hochwert" selected>' in _select(report.text, "y")
        again = await planner.post(first + "/recheck", data={
            "external_id": "Nr", "name": "Bezeichnung", "attributes.power_w": "Leistung",
            "attributes.lamp_technology": ""})
        assert again.status_code == 303 and again.headers["location"] != first
        second = await planner.get(again.headers["location"] + "?lang=de")
        assert 'id="unused-columns"' not in second.text
        assert '<option value="Leistung" selected>Leistung</option>' in second.text
        assert '<option value="Nr" selected>Nr</option>' in second.text
        # a wrong column is named, and nothing is checked
        wrong = await planner.post(again.headers["location"] + "/recheck?lang=de",
                                   data={"attributes.power_w": "Watt"})
        assert wrong.status_code == 422 and "keine Spalte &#39;Watt&#39;" in wrong.text
        # the first check is replaced: it points to the newer one and cannot be written
        old = await planner.get(first + "?lang=de")
        assert "nur die neuere Prüfung kann geschrieben werden" in old.text
        assert "/commit" not in old.text and again.headers["location"] in old.text
        refused = await planner.post(first + "/commit?lang=de", data={})
        assert refused.status_code == 422 and "durch eine neuere ersetzt" in refused.text
        done = await planner.post(again.headers["location"] + "/commit", data={})
        assert done.status_code == 303, done.text
    row = (await connection.execute(text(
        "SELECT name, attributes FROM asset WHERE external_id = 'CSV-2'"))).one()
    assert row.name == "Leuchte 2" and row.attributes == {"power_w": 32.5}


async def test_recheck_through_the_api(client):
    """The same through the API: the report names the columns and the mapping in force;
    a recheck is a new import, and the check it replaces can no longer be written."""
    imports = "/api/v1/municipalities/demo/imports"
    r = await upload(client, "demo", "leuchten.csv", _german_csv(), type="street_light",
                     crs="25832")
    first = r.json()
    report = first["report"]
    assert report["columns"] == ["Nr", "Bezeichnung", "Leistung"]  # not the coordinates
    # "Bezeichnung" is a known name for the name; "Nr" and "Leistung" are not guessed
    assert report["mapping_used"] == {"external_id": None, "name": "Bezeichnung",
                                      "installed_on": None, "attributes": {},
                                      "x": "Rechtswert", "y": "Hochwert"}
    again = await client.post(f"{imports}/{first['id']}/recheck",
                              json={"external_id": "Nr", "attributes": {"power_w": "Leistung"}})
    assert again.status_code == 201, again.text
    second = again.json()
    assert second["report"]["mapping_used"] == {
        "external_id": "Nr", "name": "Bezeichnung", "installed_on": None,
        "attributes": {"power_w": "Leistung"}, "x": "Rechtswert", "y": "Hochwert"}
    old = (await client.get(f"{imports}/{first['id']}")).json()
    assert old["superseded_by"] == second["id"] and second["superseded_by"] is None
    refused = await commit(client, "demo", first["id"])
    assert refused.status_code == 409 and refused.json()["superseded_by"] == second["id"]
    # a wrong column is named, and the check it came from stays the one to write
    bad = await client.post(f"{imports}/{second['id']}/recheck",
                            json={"attributes": {"power_w": "Watt"}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "mapping.attributes.power_w"
    assert (await client.get(f"{imports}/{second['id']}")).json()["superseded_by"] is None
    # "" says: no such column in this file (not: guess one); what is not sent stays
    third = (await client.post(f"{imports}/{second['id']}/recheck", json={"name": ""})).json()
    assert third["report"]["mapping_used"] == {
        "external_id": "Nr", "name": None, "installed_on": None,
        "attributes": {"power_w": "Leistung"}, "x": "Rechtswert", "y": "Hochwert"}
    assert (await commit(client, "demo", third["id"])).status_code == 200
    late = await client.post(f"{imports}/{third['id']}/recheck", json={})
    assert late.status_code == 409


async def test_a_file_with_longitude_and_latitude_swapped_is_said_so(client):
    """Every row outside: the report says it about the file (and that swapping x and y
    would put the rows in Musterdorf) before the rows; a recheck with the columns named
    the other way round finds nothing wrong and no advice."""
    imports = "/api/v1/municipalities/demo/imports"
    r = await upload(client, "demo", "vertauscht.csv", _swapped_csv(), type="street_light",
                     crs="4326")
    first = r.json()
    report = first["report"]
    assert report["errors"] == 3 and report["mapping_used"]["x"] == "x"
    assert [a["message"].split(":")[0] for a in report["advice"]] == [
        "None of the %(rows)s rows lies in %(name)s",
        "With longitude and latitude swapped, %(rows_inside)s of the %(rows)s rows would lie "
        "in %(name)s"]
    assert report["advice"][1]["params"] == {"rows_inside": 3, "rows": 3, "name": "Musterdorf"}
    assert report["advice"][0]["params"]["km"] > 4000  # in the Indian Ocean
    again = await client.post(f"{imports}/{first['id']}/recheck", json={"x": "y", "y": "x"})
    assert again.status_code == 201, again.text
    fixed = again.json()["report"]
    assert fixed["errors"] == 0 and fixed["create"] == 3
    # the file's rows have no id of their own: a second import would make them again
    assert [a["message"].split(":")[0] for a in fixed["advice"]] == [
        "%(rows)s rows have no external id (the file's own id of each asset)"]
    assert fixed["advice"][0]["params"] == {"rows": 3}
    assert fixed["mapping_used"]["x"] == "y" and fixed["mapping_used"]["y"] == "x"
    bad = await client.post(f"{imports}/{again.json()['id']}/recheck", json={"x": "lon"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "mapping.x"


async def test_a_file_of_another_place_gets_one_advice(client):
    """Rows in Köln, swapped or not, are not in Musterdorf: the report says none of them is
    and asks about the municipality and the reference system; no swap is suggested."""
    csv = "id;lon;lat\nK-1;6,9603;50,9375\nK-2;6,9610;50,9380\n".encode()
    report = (await upload(client, "demo", "koeln.csv", csv, type="street_light")).json()[
        "report"]
    assert report["errors"] == 2 and len(report["advice"]) == 1
    assert report["advice"][0]["params"]["rows"] == 2
    assert 50 < report["advice"][0]["params"]["km"] < 200


async def test_the_report_page_says_so_and_the_planner_swaps_the_columns(make_client):
    """The same on the report page, in German: the advice above the counts, and the x and
    y of the field mapping to correct it."""
    async with make_client("planner") as planner:
        first, page = await _checked_on_the_page(planner, "vertauscht.csv", _swapped_csv(),
                                                 "4326")
        assert "Keine der 3 Zeilen liegt in Musterdorf" in page.text
        assert "Mit vertauschter Länge und Breite lägen 3 der 3 Zeilen" in page.text
        assert page.text.index("import-advice") < page.text.index("report-counts")
        assert '<option value="x" selected>' in _select(page.text, "x")
        again = await planner.post(first + "/recheck", data={"x": "y", "y": "x"})
        assert again.status_code == 303, again.text
        fixed = await planner.get(again.headers["location"] + "?lang=de")
        assert "Keine der 3 Zeilen" not in fixed.text and "vertauschter" not in fixed.text
        assert '<option value="y" selected>' in _select(fixed.text, "x")
