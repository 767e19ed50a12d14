"""Hostile uploads, generated here: each is refused with a 4xx that says why, nothing is
written (no asset, no import), and no file is left in or outside the import temp folder."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.imports_helpers import commit, upload

VRT_PASSWD = (b'<OGRVRTDataSource><OGRVRTLayer name="p"><SrcDataSource>CSV:/etc/passwd'
              b'</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')
VRT_URL = (b'<OGRVRTDataSource><OGRVRTLayer name="p"><SrcDataSource>'
           b'/vsicurl/http://127.0.0.1:9/x.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                     .encode() for i in range(1, 10)) + b"]>\n")


def zipped(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def shapefile_parts(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("shp")
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(7.283, 49.929)], crs=4326) \
        .to_file(folder / "x.shp", engine="pyogrio")
    return {ext: (folder / f"x.{ext}").read_bytes() for ext in ("shp", "shx", "dbf", "prj")}


def cases(parts: dict[str, bytes]) -> dict[str, tuple[str, bytes, int, str]]:
    """name → (client file name, content, status, words of the reason)."""
    shp = {f"layer.{k}": v for k, v in parts.items()}
    return {
        "zip slip": ("a.zip", zipped({"../../evil.shp": parts["shp"], "../../evil.shx": parts["shx"],
                                      "../../evil.dbf": parts["dbf"]}), 422, "path traversal"),
        "zip absolute path": ("a.zip", zipped({"/tmp/evil.shp": parts["shp"]}), 422,
                              "path traversal"),
        "zip bomb": ("a.zip", zipped({**shp, "layer.dbf": b"\0" * (60 * 1024 * 1024)}), 422,
                     "zip bomb"),
        "zip of many files": ("a.zip", zipped({**shp, **{f"f{i}.txt": b"x" for i in range(60)}}),
                              422, "at most 50"),
        "nested zip": ("a.zip", zipped({**shp, "inner.zip": zipped(shp)}), 422, "nested"),
        "missing .dbf": ("a.zip", zipped({"layer.shp": parts["shp"], "layer.shx": parts["shx"]}),
                         422, ".dbf file is missing"),
        "VRT as GeoJSON -> /etc/passwd": ("points.geojson", VRT_PASSWD, 415, "VRT"),
        "VRT as GeoJSON -> URL": ("points.geojson", VRT_URL, 415, "VRT"),
        "VRT as Shapefile": ("a.zip", zipped({**shp, "layer.shp": VRT_PASSWD}), 422,
                             "not a Shapefile part"),
        "VRT as GeoPackage": ("a.gpkg", VRT_PASSWD, 415, "VRT"),
        "billion laughs KML": ("a.kml", LAUGHS + b'<kml><Document>&lol9;</Document></kml>', 422,
                               "DTD"),
        "billion laughs GML": ("a.gml", LAUGHS + b"<gml:FeatureCollection xmlns:gml="
                               b'"http://www.opengis.net/gml">&lol9;</gml:FeatureCollection>', 422,
                               "DTD"),
        "billion laughs as OSM": ("a.osm", LAUGHS + b'<osm version="0.6">&lol9;</osm>', 422, "DTD"),
        "KML": ("a.kml", b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>',
                415, "KML/GML"),
        "GeoJSON crs link": ("a.geojson", json.dumps({
            "type": "FeatureCollection", "features": [],
            "crs": {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs"}}}).encode(),
            422, "links and other forms are refused"),
        "SQLite, not GeoPackage": ("a.gpkg", b"SQLite format 3\x00" + b"\0" * 200, 415,
                                   "not a GeoPackage"),
        "binary garbage": ("a.geojson", os.urandom(64) + b"\0", 415, "unknown binary"),
        # CI once drew random bytes starting with "{" and got "the JSON cannot be read".
        "binary starting like JSON": ("a.geojson", b"{\xf2" + bytes(range(256)), 415,
                                      "unknown binary"),
        "binary starting like XML": ("a.osm", b"<\xf2" + bytes(range(256)), 415,
                                     "unknown binary"),
        "empty file": ("a.csv", b"", 422, "empty"),
    }


@pytest.fixture
def import_tmp(tmp_path, settings, monkeypatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setattr(settings.imports, "temp_dir", folder)
    return folder


CASE_NAMES = list(cases({"shp": b"", "shx": b"", "dbf": b"", "prj": b""}))


@pytest.mark.parametrize("case", CASE_NAMES)
async def test_hostile_upload_is_refused(case, shapefile_parts, client, count, import_tmp, tmp_path):
    filename, data, status, reason = cases(shapefile_parts)[case]
    before = (await count("asset"), await count("import_job"))
    r = await upload(client, "demo", filename, data, type="street_light")
    assert r.status_code == status, (case, r.text)
    body = r.json()
    assert body["detail"][0]["field"].startswith("file") and reason in body["detail"][0]["reason"]
    assert (await count("asset"), await count("import_job")) == before
    assert list(import_tmp.iterdir()) == []  # the workspace is gone
    assert not list(tmp_path.parent.rglob("evil.*")) and not Path("/tmp/evil.shp").exists()
    assert not list(Path.cwd().glob("evil.*"))


async def test_too_large_upload(client, settings, monkeypatch, count):
    monkeypatch.setattr(settings.imports, "max_upload_mb", 0.01)
    before = await count("import_job")
    r = await upload(client, "demo", "a.geojson", b"{" + b" " * 20000 + b"}", type="street_light")
    assert r.status_code == 413 and "larger than 0.01 MB" in r.json()["detail"][0]["reason"]
    assert await count("import_job") == before


async def test_zip_contents_too_large(client, settings, monkeypatch, shapefile_parts):
    monkeypatch.setattr(settings.imports, "max_unzipped_mb", 0.0002)  # 210 bytes
    data = zipped({f"layer.{k}": v for k, v in shapefile_parts.items()})
    r = await upload(client, "demo", "a.zip", data, type="street_light")
    assert r.status_code == 413 and "contents are larger" in r.json()["detail"][0]["reason"]


async def test_nan_and_huge_coordinates_are_row_errors_and_nothing_is_written(client, count,
                                                                             import_tmp):
    doc = ('{"type": "FeatureCollection", "features": ['
           '{"type": "Feature", "properties": {"id": "ok"}, "geometry": {"type": "Point",'
           ' "coordinates": [7.283, 49.929]}},'
           '{"type": "Feature", "properties": {"id": "nan"}, "geometry": {"type": "Point",'
           ' "coordinates": [NaN, 49.929]}},'
           '{"type": "Feature", "properties": {"id": "huge"}, "geometry": {"type": "Point",'
           ' "coordinates": [1e300, -1e300]}}]}')
    csv = "id;lon;lat\nok;7,283;49,929\nnan;nan;49,9\ninf;inf;49,9\nbig;7,283;4992900\n"
    before = await count("asset")
    for name, data, bad in (("a.geojson", doc.encode(), 2), ("a.csv", csv.encode(), 3)):
        r = await upload(client, "demo", name, data, type="street_light")
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert report["errors"] == bad and report["valid"] == 1, report
        assert all(p["field"].startswith("geometry") for p in report["problems"])
        r = await commit(client, "demo", r.json()["id"])
        assert r.status_code == 422
        assert await count("asset") == before
    assert list(import_tmp.iterdir()) == []
