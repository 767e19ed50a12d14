"""Real clients read the OGC service over real HTTP, unmodified: GDAL's OAPIF driver
(through pyogrio) and OWSLib, against gisapp served by uvicorn on the test database.

The server sees only committed data (the demo); an API token for GDAL's header is
committed for the module and removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import text

from gisapp.auth.credentials import hash_secret

from .live_server import live_server

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "gat_ogc-clients-planner-0123456789abcdef"
PUBLIC_TYPES = ["charging_station", "fire_hydrant", "sensor", "street_light", "wlan_hotspot"]
PUBLIC_LIGHTS = ("a.type_code = 'street_light' AND a.is_public"
                 " AND a.status IN ('active', 'defective', 'out_of_service')")


async def _token(engine, add: bool) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM api_token WHERE name = 'ogc-clients-test'"))
        if add:
            await conn.execute(text(
                "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
                " SELECT id, 'ogc-clients-test', :h, 'gat_ogc', 'planner' FROM municipality"
                " WHERE slug = 'demo'"), {"h": hash_secret(TOKEN)})


@pytest.fixture(scope="module")
async def server(settings, engine):
    """gisapp served by uvicorn on a free port, on the test database (demo loaded)."""
    await _token(engine, add=True)
    try:
        async with live_server(settings.database.url) as base:
            yield base
    finally:
        await _token(engine, add=False)


async def _count(engine, where: str) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(text(
            "SELECT count(*) FROM asset a JOIN municipality m ON m.id = a.municipality_id"
            f" WHERE m.slug = 'demo' AND {where}"))


def _in_thread(func, *args, **kwargs):
    """GDAL and OWSLib block; run them beside the event loop that serves the fixtures."""
    return asyncio.to_thread(func, *args, **kwargs)


async def test_gdal_lists_layers_and_reads_every_feature(server, engine):
    url = f"OAPIF:{server}/ogc/demo"
    layers = await _in_thread(pyogrio.list_layers, url)
    assert sorted(name for name, _ in layers) == PUBLIC_TYPES
    # the demo has no hydrants: GDAL cannot tell the geometry type of an empty layer
    assert {kind for name, kind in layers if name != "fire_hydrant"} == {"Point"}
    # field types come from the feature schema (describedby), not from the first page:
    # power_w is a number even where the first lights have whole watts, and the empty
    # layer has its fields
    info = await _in_thread(pyogrio.read_info, url, layer="street_light")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["power_w"] == "float64" and types["luminaire_count"] == "int32"
    assert types["dimmable"] == "bool" and types["installed_on"] == "datetime64[D]"
    empty = await _in_thread(pyogrio.read_info, url, layer="fire_hydrant")
    assert {"diameter_mm", "hydrant_type", "code"} <= set(empty["fields"])
    frame = await _in_thread(pyogrio.read_dataframe, url, layer="street_light")
    assert len(frame) == await _count(engine, PUBLIC_LIGHTS)
    assert frame.crs.to_string() in ("OGC:CRS84", "EPSG:4326")
    assert {"code", "name", "status", "lamp_technology", "power_w"} <= set(frame.columns)
    assert "version" not in frame.columns  # the public's properties
    assert frame["id"].is_unique
    west, south, east, north = frame.total_bounds
    assert 7.0 < west < east < 7.6 and 49.7 < south < north < 50.1


async def test_gdal_bbox_and_crs(server, engine):
    url = f"OAPIF:{server}/ogc/demo"
    box = (7.285, 49.925, 7.300, 49.940)
    frame = await _in_thread(pyogrio.read_dataframe, url, layer="street_light", bbox=box)
    expected = await _count(engine, PUBLIC_LIGHTS + " AND ST_Intersects(a.geom,"
                            f" ST_MakeEnvelope({', '.join(map(str, box))}, 4326))")
    assert len(frame) == expected > 10
    utm = await _in_thread(pyogrio.read_dataframe, url, layer="street_light", CRS="EPSG:25832")
    assert utm.crs.to_epsg() == 25832
    x0, y0, x1, y1 = utm.total_bounds
    assert 360_000 < x0 < x1 < 400_000 and 5_500_000 < y0 < y1 < 5_560_000
    # EPSG:2169 is northing first on the wire; GDAL turns it back into x=easting
    lux = await _in_thread(pyogrio.read_dataframe, url, layer="street_light", CRS="EPSG:2169")
    x0, y0, x1, y1 = lux.total_bounds
    assert x0 > 140_000 and y1 < 130_000


async def test_gdal_with_an_api_token_sees_meters(server):
    url = f"OAPIF:{server}/ogc/demo"
    # GDAL sends "Authorization: Bearer <token>" with these (GDAL_HTTP_HEADERS is ignored
    # by the OAPIF driver's requests)
    options = {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": TOKEN}
    previous = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        layers = await _in_thread(pyogrio.list_layers, url)
        assert "meter" in [name for name, _ in layers]
        meters = await _in_thread(pyogrio.read_dataframe, url, layer="meter")
    finally:
        pyogrio.set_gdal_config_options(previous)
    assert len(meters) == 41
    assert meters["meter_number"].notna().all()


async def test_owslib_reads_collections_and_items(server, engine):
    from owslib.ogcapi.features import Features

    service = await _in_thread(Features, f"{server}/ogc/demo")
    collections = await _in_thread(service.collections)
    assert sorted(c["id"] for c in collections["collections"]) == PUBLIC_TYPES
    conformance = await _in_thread(service.conformance)
    assert any(c.endswith("ogcapi-features-1/1.0/conf/geojson")
               for c in conformance["conformsTo"])
    items = await _in_thread(service.collection_items, "street_light", limit=25)
    assert items["type"] == "FeatureCollection" and len(items["features"]) == 25
    queryables = await _in_thread(service.collection_queryables, "street_light")
    assert "lamp_technology" in queryables["properties"]
    box = [7.285, 49.925, 7.300, 49.940]
    boxed = await _in_thread(service.collection_items, "street_light", bbox=box, limit=1000)
    expected = await _count(engine, PUBLIC_LIGHTS + " AND ST_Intersects(a.geom,"
                            f" ST_MakeEnvelope({', '.join(map(str, box))}, 4326))")
    assert len(boxed["features"]) == expected
    one = await _in_thread(service.collection_item, "street_light",
                           items["features"][0]["id"])
    assert one["id"] == items["features"][0]["id"]
    # a CQL2 filter (Part 3), as OWSLib passes it on; GDAL 3.12 and QGIS 3.22 filter on
    # their side (they know only the draft "cql-text"), so OWSLib is the client here
    leds = await _in_thread(service.collection_items, "street_light", limit=1000,
                            filter="lamp_technology = 'LED' AND power_w > 50")
    expected = await _count(engine, PUBLIC_LIGHTS + " AND a.public_attributes->>"
                            "'lamp_technology' = 'LED' AND (a.public_attributes->>'power_w')"
                            "::numeric > 50")
    assert len(leds["features"]) == expected > 0


# QGIS's own OGC API Features provider (not GDAL's), in Debian's python3-qgis, run headless
# in a separate process with the system Python. `make test` installs it (scripts/
# system-packages.sh); elsewhere the test is skipped when QGIS is missing.
QGIS_READER = r"""
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = {}
for typename in sys.argv[2:]:
    layer = QgsVectorLayer(f"url='{sys.argv[1]}' typename='{typename}'", typename, "OAPIF")
    if not layer.isValid():
        out[typename] = {"valid": False}
        continue
    features = list(layer.getFeatures())
    out[typename] = {
        "valid": True, "count": len(features), "crs": layer.crs().authid(),
        "fields": [f.name() for f in layer.fields()],
        "extent": [layer.extent().xMinimum(), layer.extent().yMinimum(),
                   layer.extent().xMaximum(), layer.extent().yMaximum()],
    }
print("QGIS-RESULT " + json.dumps(out))
app.exitQgis()
"""


def _qgis_python() -> str | None:
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import qgis.core"], capture_output=True,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return python if probe.returncode == 0 else None


async def test_qgis_reads_the_demo_with_its_own_provider(server, engine):
    python = _qgis_python()
    if python is None:
        if os.environ.get("GISAPP_WITH_BROWSER") == "1":
            pytest.fail("QGIS (python3-qgis) is missing: scripts/system-packages.sh installs it")
        pytest.skip("QGIS is not installed (apt-get install python3-qgis qgis-providers)")
    run = await _in_thread(
        subprocess.run, [python, "-c", QGIS_READER, f"{server}/ogc/demo", "street_light",
                         "wlan_hotspot", "meter"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"})
    line = next((x for x in run.stdout.splitlines() if x.startswith("QGIS-RESULT ")), None)
    assert line, run.stdout[-2000:] + run.stderr[-2000:]
    import json
    layers = json.loads(line.removeprefix("QGIS-RESULT "))
    lights = layers["street_light"]
    assert lights["valid"] and lights["count"] == await _count(engine, PUBLIC_LIGHTS)
    assert {"code", "name", "status"} <= set(lights["fields"])
    assert "version" not in lights["fields"]  # the public's properties
    west, south, east, north = lights["extent"]
    assert 7.0 < west < east < 7.6 and 49.7 < south < north < 50.1
    assert layers["wlan_hotspot"]["valid"] and layers["wlan_hotspot"]["count"] > 0
    assert not layers["meter"]["valid"]  # meters are no collection for the public
