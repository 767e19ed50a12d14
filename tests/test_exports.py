"""Exports: every format written, read back with pyogrio (GDAL), and compared with the
database as the schema owner sees it: row counts, CRS, coordinates within 1 cm of what
pyproj makes of the stored lon/lat, which fields are there for whom, and the filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, mapping

from gisapp.exports.shapefile_names import short_names

from .cli_env import cli_env
from .test_spatial import demo_assets, districts, listed

EXPORT = "/api/v1/municipalities/demo/export"
ROOT = Path(__file__).resolve().parent.parent
CM = 0.01
SUFFIX = {"gpkg": ".gpkg", "shp": ".zip", "geojson": ".geojson", "csv": ".csv", "xlsx": ".xlsx"}
FORMATS = list(SUFFIX)


def save(response, folder: Path, fmt: str) -> Path:
    assert response.status_code == 200, response.text
    path = folder / f"export{SUFFIX[fmt]}"
    path.write_bytes(response.content)
    return path


def read_layers(path: Path, fmt: str) -> dict:
    """Every layer of an export as GeoDataFrames, shapefile columns renamed back."""
    if fmt == "shp":
        with zipfile.ZipFile(path) as zf:
            names = [n[:-4] for n in zf.namelist() if n.endswith(".shp")]
        return {n: pyogrio.read_dataframe(f"/vsizip/{path}/{n}.shp") for n in names}
    layers = [name for name, _ in pyogrio.list_layers(path)]
    if fmt == "xlsx":  # sheets: the geometry as WKT, points also as x and y
        sheets = {n: pyogrio.read_dataframe(path, layer=n) for n in layers}
        for sheet in sheets.values():
            points = sheet["WKT"].str.startswith("POINT")
            assert sheet["x"].notna().eq(points).all() and sheet["y"].notna().eq(points).all()
        return {n: gpd.GeoDataFrame(sheet.drop(columns=["WKT", "x", "y"]),
                                    geometry=shapely.from_wkt(sheet["WKT"]))
                for n, sheet in sheets.items()}
    return {n: pyogrio.read_dataframe(path, layer=n) for n in layers}


def _nothing_left_behind(before: set[str]) -> None:
    left = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("gisapp-export-")}
    assert left - before == set()


def _export_dirs() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("gisapp-export-")}


@pytest.mark.parametrize("srid", [25832, 2169])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_round_trip_with_internal_fields_for_planners(make_client, connection, tmp_path,
                                                             fmt, srid):
    assets = {a["code"]: a for a in listed(await demo_assets(connection))
              if a["type"] in ("street_light", "meter")}
    before = _export_dirs()
    async with make_client("planner") as planner:
        r = await planner.post(EXPORT, json={"format": fmt, "output_crs": f"EPSG:{srid}",
                                             "types": ["street_light", "meter"]})
    path = save(r, tmp_path, fmt)
    _nothing_left_behind(before)
    assert r.headers["x-asset-count"] == str(len(assets))
    assert f"epsg{srid}" in r.headers["content-disposition"]
    layers = read_layers(path, fmt)
    if fmt in ("gpkg", "shp", "xlsx"):
        assert sorted(layers) == ["meter", "street_light"]
    rows = [row for layer in layers.values() for _, row in layer.iterrows()]
    assert sorted(row["code"] for row in rows) == sorted(assets)
    to_out = Transformer.from_crs(4326, srid, always_xy=True)
    for layer in layers.values():
        if fmt not in ("csv", "xlsx"):
            assert layer.crs.to_epsg() == srid
        for _, row in layer.iterrows():
            a = assets[row["code"]]
            x, y = to_out.transform(a["lon"], a["lat"])
            assert abs(row.geometry.x - x) < CM and abs(row.geometry.y - y) < CM, row["code"]
    # internal fields: meter numbers, bookkeeping
    meters = [row for row in rows if row["type"] == "meter"]
    number = "meter_numb" if fmt == "shp" else "meter_number"
    assert len(meters) == 41
    assert all(str(row[number]) == assets[row["code"]]["attributes"]["meter_number"]
               for row in meters)
    assert {"version", "overdue", "created_by"} <= set(rows[0].index)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_public_field_set_has_no_internal_fields(make_client, connection, tmp_path, fmt):
    public = [a for a in await demo_assets(connection)
              if a["is_public"] and a["status"] in ("active", "defective", "out_of_service")]
    async with make_client("planner") as planner:
        r = await planner.post(EXPORT, json={"format": fmt, "fields": "public"})
    layers = read_layers(save(r, tmp_path, fmt), fmt)
    rows = [row for layer in layers.values() for _, row in layer.iterrows()]
    assert sorted(row["code"] for row in rows) == sorted(a["code"] for a in public)
    columns = set().union(*(set(layer.columns) for layer in layers.values()))
    assert "meter" not in {row["type"] for row in rows}
    for internal in ("meter_number", "meter_numb", "device_eui", "version", "overdue",
                     "external_id", "created_by", "public"):
        assert internal not in columns, internal
    assert {"code", "name", "power_w", "quantities"} <= columns


async def test_only_roles_with_data_export(make_client, anon):
    async with make_client("crew") as crew:
        r = await crew.post(EXPORT, json={"format": "csv"})
    assert r.status_code == 403
    r = await anon.get(EXPORT, params={"format": "csv", "fields": "public"})
    assert r.status_code == 401


async def test_filters_area_in_2169_district_status(make_client, connection, tmp_path):
    assets = await demo_assets(connection)
    to_lux = Transformer.from_crs(4326, 2169, always_xy=True)
    lights = [a for a in assets if a["type"] == "street_light"]
    xs = sorted(to_lux.transform(a["lon"], a["lat"])[0] for a in lights)
    ys = sorted(to_lux.transform(a["lon"], a["lat"])[1] for a in lights)
    cx, cy = xs[len(xs) // 2], ys[len(ys) // 2]
    area = Polygon([(cx - 300, cy - 250), (cx + 350, cy - 200), (cx + 200, cy + 300),
                    (cx - 250, cy + 200)])

    def inside(a):
        return area.intersects(Point(*to_lux.transform(a["lon"], a["lat"])))

    expected = sorted(a["code"] for a in listed(assets) if inside(a))
    assert len(expected) > 30
    async with make_client("planner") as planner:
        r = await planner.post(EXPORT, json={"format": "geojson", "crs": "EPSG:2169",
                                             "output_crs": "2169", "area": mapping(area)})
        got = read_layers(save(r, tmp_path, "geojson"), "geojson")
        assert sorted(next(iter(got.values()))["code"]) == expected

        parts = await districts(connection)
        r = await planner.get(EXPORT, params=[
            ("format", "csv"), ("district", "Niederbach"), ("type", "street_light"),
            ("status", "defective"), ("status", "active")])
        got = read_layers(save(r, tmp_path, "csv"), "csv")
        assert sorted(next(iter(got.values()))["code"]) == sorted(
            a["code"] for a in lights if a["status"] in ("defective", "active")
            and parts["Niederbach"].intersects(Point(a["lon"], a["lat"])))

        r = await planner.post(EXPORT, json={"format": "gpkg", "untagged": True})
        got = read_layers(save(r, tmp_path, "gpkg"), "gpkg")
        assert sum(len(layer) for layer in got.values()) == len(
            [a for a in listed(assets) if not a["tagged"]])


async def test_export_of_listed_assets_by_id(make_client, other, tmp_path):
    """The planner map exports the answer to a nearest question by the listed ids; ids of
    another municipality's assets export nothing (row-level security)."""
    async with make_client("planner") as planner:
        r = await planner.post("/api/v1/municipalities/demo/spatial/search", json={
            "nearest": {"point": {"type": "Point", "coordinates": [7.29, 49.93]}, "count": 7}})
        listed_ = r.json()["items"]
        assert len(listed_) == 7
        r = await planner.post(EXPORT, json={"format": "geojson",
                                             "ids": [i["id"] for i in listed_]})
        got = read_layers(save(r, tmp_path, "geojson"), "geojson")
        assert sorted(next(iter(got.values()))["code"]) == sorted(i["code"] for i in listed_)
        theirs = [str(i) for i in other["assets"].values()]
        r = await planner.post(EXPORT, json={"format": "csv", "ids": theirs})
        assert r.headers["x-asset-count"] == "0"
        r = await planner.post(EXPORT, json={"format": "csv", "ids": ["SL-0001"]})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "ids.0"


async def test_empty_export_is_a_valid_file(make_client, tmp_path):
    async with make_client("planner") as planner:
        for fmt in ("gpkg", "shp", "geojson", "csv"):
            r = await planner.post(EXPORT, json={"format": fmt, "q": "no such asset anywhere"})
            assert r.headers["x-asset-count"] == "0"
            assert all(len(layer) == 0 for layer in read_layers(save(r, tmp_path, fmt),
                                                                 fmt).values())


async def test_shapefile_names_and_field_map(make_client, tmp_path):
    async with make_client("planner") as planner:
        r = await planner.post(EXPORT, json={"format": "shp", "types": ["street_light", "sensor"]})
    path = save(r, tmp_path, "shp")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        field_map = zf.read("fields.txt").decode("utf-8")
    for layer in ("street_light", "sensor"):
        assert {f"{layer}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
    layer = pyogrio.read_dataframe(f"/vsizip/{path}/street_light.shp")
    assert all(len(c) <= 10 for c in layer.columns)
    assert "luminous_f  luminous_flux_lm" in field_map
    assert "color_temp  color_temperature_k" in field_map
    assert "Masthöhe" not in field_map  # names, not titles


def test_short_names_are_unique_and_short():
    names = ["maintenance_interval_days", "maintenance_interval_hours", "maintenance_x",
             "Maintenanc", "pole height (m)", "code", "über_größe"]
    short = short_names(names)
    assert list(short) == names
    assert all(len(s) <= 10 for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(names)
    assert short["code"] == "code" and short["pole height (m)"] == "pole_heigh"
    assert short["maintenance_interval_hours"] == "maintena_1"
    assert short["Maintenanc"] == "Maintena_3"
    assert all(s.isascii() for s in short.values())


async def test_a_workbook_holds_texts_as_text_cells_never_formulas(make_client, tmp_path):
    """A name like "=HYPERLINK(…)" typed into the inventory reaches the spreadsheet as the
    text it is; numbers stay numbers (no decimal comma or separator to guess)."""
    hostile = '=HYPERLINK("http://evil.example","klick")'
    async with make_client("planner") as planner:
        r = await planner.post("/api/v1/municipalities/demo/assets", json={
            "type": "street_light", "name": hostile, "attributes": {"power_w": 12.5},
            "geometry": {"type": "Point", "coordinates": [7.283, 49.929]}})
        assert r.status_code == 201, r.text
        r = await planner.post(EXPORT, json={"format": "xlsx", "ids": [r.json()["id"]]})
    path = save(r, tmp_path, "xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;klick&quot;)" in strings
    row = read_layers(path, "xlsx")["street_light"].iloc[0]
    assert row["name"] == hostile and row["power_w"] == 12.5


@pytest.mark.parametrize(("body", "field", "status"), [
    ({"format": "xls"}, "format", 422),
    ({"output_crs": "EPSG:4978"}, "output_crs", 400),
    ({"output_crs": "nonsense"}, "output_crs", 400),
    ({"fields": "everything"}, "fields", 422),
    ({"district": "Atlantis"}, "district", 422),
    ({"area": {"type": "Point", "coordinates": [7.28, 49.93]}}, "area", 422),
])
async def test_bad_export_requests(make_client, body, field, status):
    async with make_client("planner") as planner:
        r = await planner.post(EXPORT, json=body)
    assert r.status_code == status, r.text
    assert field in [d.get("field") for d in r.json()["detail"]]


def test_cli_export(db_url, settings, engine, tmp_path):
    """`gisapp export` writes the file; a wrong filter is named in the chosen language."""
    out = tmp_path / "lights.zip"
    env = cli_env("C.UTF-8", GISAPP_DATABASE__URL=db_url)

    def export(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gisapp.cli", "export", "-m", "demo",
                               "-o", str(out), *args],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)

    result = export("-f", "shp", "--crs", "2169", "--type", "street_light",
                    "--district", "Oberweiler", "--lang", "en")
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.split()[1])
    layer = pyogrio.read_dataframe(f"/vsizip/{out}/street_light.shp")
    assert len(layer) == count > 100 and layer.crs.to_epsg() == 2169
    bad = export("--district", "Atlantis", "--lang", "en")
    assert bad.returncode == 2 and "district: no district 'Atlantis'" in bad.stderr, bad.stderr
    # the map's filters: overdue ones are some of all
    counts = {}
    for name, extra in (("all", ()), ("overdue", ("--overdue",))):
        done = export("-f", "geojson", "--lang", "en", *extra)
        assert done.returncode == 0, done.stderr
        counts[name] = int(done.stdout.split()[1])
        assert len(json.loads(out.read_text())["features"]) == counts[name]
    assert 0 < counts["overdue"] < counts["all"]
    german = export("--district", "Atlantis", "--lang", "de")
    assert german.returncode == 2 and "district: kein Ortsteil 'Atlantis'" in german.stderr
