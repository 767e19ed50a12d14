"""Vector tiles at /ogc/{m}/…/tiles/WebMercatorQuad/{z}/{x}/{y}: decoded with
mapbox-vector-tile, layers and features as expected, roles, ETag/304, empty tiles."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import mapbox_vector_tile
from sqlalchemy import text

B = "/ogc/demo"
MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2 ** z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


async def _count_in(connection, bounds, where: str) -> int:
    return await connection.scalar(text(
        "SELECT count(*) FROM asset a JOIN municipality m ON m.id = a.municipality_id"
        f" WHERE m.slug = 'demo' AND {where}"
        " AND ST_Intersects(a.geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"),
        dict(zip("wsen", bounds)))


async def _busy_tile(connection, z: int = 14) -> tuple[int, int, int]:
    lon, lat = (await connection.execute(text(
        "SELECT ST_X(a.geom), ST_Y(a.geom) FROM asset a JOIN municipality m"
        " ON m.id = a.municipality_id WHERE m.slug = 'demo' AND a.code = 'SL-0003'"))).one()
    return tile_of(lon, lat, z)


async def test_collection_tile_holds_the_public_features(anon, connection):
    z, x, y = await _busy_tile(connection)
    r = await anon.get(B + f"/collections/street_light/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert r.status_code == 200
    assert r.headers["content-type"] == MVT
    assert r.headers["cache-control"].startswith("public")
    layers = mapbox_vector_tile.decode(r.content)
    assert list(layers) == ["street_light"]
    features = layers["street_light"]["features"]
    # the tile's 64/4096 buffer may add a few from the neighbours
    inside = await _count_in(connection, tile_bounds(z, x, y),
                             "a.type_code = 'street_light' AND a.is_public AND a.status IN"
                             " ('active', 'defective', 'out_of_service')")
    assert inside > 10 and inside <= len(features) <= inside * 1.2
    props = features[0]["properties"]
    assert {"id", "code", "name", "status", "type"} <= set(props)
    assert props["type"] == "street_light" and props["code"].startswith("SL-")
    assert {f["properties"]["status"] for f in features} <= {"active", "defective",
                                                             "out_of_service"}
    for f in features:  # tile coordinates within extent plus buffer
        px, py = f["geometry"]["coordinates"]
        assert -64 <= px <= 4096 + 64 and -64 <= py <= 4096 + 64


async def test_combined_tile_has_a_layer_per_visible_type(anon, make_client, connection):
    lon, lat = (await connection.execute(text(
        "SELECT ST_X(a.geom), ST_Y(a.geom) FROM asset a JOIN municipality m"
        " ON m.id = a.municipality_id WHERE m.slug = 'demo' AND a.type_code = 'meter'"
        " LIMIT 1"))).one()
    z, x, y = tile_of(lon, lat, 13)
    public = mapbox_vector_tile.decode(
        (await anon.get(B + f"/tiles/WebMercatorQuad/{z}/{x}/{y}")).content)
    assert "street_light" in public and "meter" not in public
    async with make_client("planner") as planner:
        r = await planner.get(B + f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
        assert r.headers["cache-control"].startswith("private")
        staff = mapbox_vector_tile.decode(r.content)
    assert "meter" in staff
    assert any("meter_number" in f["properties"] for f in staff["meter"]["features"])
    for layer in staff:
        assert {f["properties"]["type"] for f in staff[layer]["features"]} == {layer}
    # the public never sees internal attributes in any layer
    for layer in public.values():
        for f in layer["features"]:
            assert "admin_contact" not in f["properties"]
            assert "meter_number" not in f["properties"]


async def test_etag_and_not_modified(anon, connection):
    z, x, y = await _busy_tile(connection)
    url = B + f"/collections/street_light/tiles/WebMercatorQuad/{z}/{x}/{y}"
    first = await anon.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and len(etag) > 10
    again = await anon.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    changed = await anon.get(url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content


async def test_a_change_changes_the_etag(anon, client, connection):
    z, x, y = await _busy_tile(connection)
    url = B + f"/collections/street_light/tiles/WebMercatorQuad/{z}/{x}/{y}"
    before = (await anon.get(url)).headers["etag"]
    asset = (await client.get("/api/v1/municipalities/demo/assets?q=SL-0003")).json()["items"][0]
    r = await client.patch(f"/api/v1/municipalities/demo/assets/{asset['id']}",
                           json={"name": "Umbenannt"}, headers={"If-Match": f'"{asset["version"]}"'})
    assert r.status_code == 200, r.text
    assert (await anon.get(url)).headers["etag"] != before


async def test_empty_tiles_are_204(anon):
    # far away from the municipality (the Pacific): answered without asking for features
    r = await anon.get(B + "/collections/street_light/tiles/WebMercatorQuad/14/100/8000")
    assert r.status_code == 204 and r.content == b""
    assert "etag" in r.headers and "cache-control" in r.headers
    r = await anon.get(B + "/tiles/WebMercatorQuad/3/0/0")
    assert r.status_code == 204


async def test_tile_errors(anon):
    assert (await anon.get(B + "/collections/nothing/tiles/WebMercatorQuad/14/1/1")).status_code == 404
    assert (await anon.get(B + "/collections/meter/tiles/WebMercatorQuad/14/100/8000")
            ).status_code == 404
    assert (await anon.get(B + "/tiles/WebMercatorQuad/3/8/0")).status_code == 404
    assert (await anon.get(B + "/tiles/WebMercatorQuad/25/0/0")).status_code == 404
    assert (await anon.get(B + "/tiles/WebMercatorQuad/a/b/c")).status_code == 400
    assert (await anon.get("/ogc/nowhere/tiles/WebMercatorQuad/1/0/0")).status_code == 404


async def test_tilejson_and_tile_matrix_set(anon, make_client):
    doc = (await anon.get(B + "/collections/street_light/tiles/WebMercatorQuad/tilejson.json")).json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"][0].endswith("/ogc/demo/collections/street_light/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert [layer["id"] for layer in doc["vector_layers"]] == ["street_light"]
    assert doc["vector_layers"][0]["fields"]["power_w"] == "Number"
    combined = (await anon.get(B + "/tiles/WebMercatorQuad/tilejson.json")).json()
    ids = [layer["id"] for layer in combined["vector_layers"]]
    assert "street_light" in ids and "meter" not in ids
    west, south, east, north = combined["bounds"]
    assert west < combined["center"][0] < east and south < combined["center"][1] < north
    async with make_client("crew") as crew:
        staff = (await crew.get(B + "/tiles/WebMercatorQuad/tilejson.json")).json()
    assert "meter" in [layer["id"] for layer in staff["vector_layers"]]
    tms = (await anon.get(B + "/tileMatrixSets/WebMercatorQuad")).json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) == 25
    z14 = tms["tileMatrices"][14]
    assert z14["matrixWidth"] == 2 ** 14
    assert abs(z14["scaleDenominator"] - 34123.67) < 0.1
    listed = (await anon.get(B + "/tileMatrixSets")).json()
    assert listed["tileMatrixSets"][0]["id"] == "WebMercatorQuad"
    sets = (await anon.get(B + "/collections/street_light/tiles")).json()
    template = next(link for link in sets["tilesets"][0]["links"] if link["rel"] == "item")
    assert template["templated"] and "{tileMatrix}" in template["href"]


ROOT = Path(__file__).resolve().parent.parent


def _validate_style(doc: dict, tmp_path: Path) -> None:
    """MapLibre's own validator (npm devDependency): what MapLibre and QGIS load."""
    path = tmp_path / "style.json"
    path.write_text(json.dumps(doc))
    node = shutil.which("node")
    assert node, "node is needed (make installs it with npm)"
    validator = ROOT / "node_modules/@maplibre/maplibre-gl-style-spec/dist/gl-style-validate.mjs"
    done = subprocess.run([node, str(validator), str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_style_draws_each_type_in_its_colour(anon, make_client, connection, tmp_path):
    """The style QGIS or MapLibre take for the tiles: valid by MapLibre's validator, one
    layer per layer of the tiles, the types' colours, and the caller's types only."""
    r = await anon.get(B + "/tiles/WebMercatorQuad/style.json", headers={"Accept-Language": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox.style+json"
    style = r.json()
    _validate_style(style, tmp_path)
    (source,) = style["sources"].values()
    assert source["tiles"][0].endswith("/ogc/demo/tiles/WebMercatorQuad/{z}/{x}/{y}")
    tilejson = (await anon.get(B + "/tiles/WebMercatorQuad/tilejson.json")).json()
    drawn = {layer["source-layer"] for layer in style["layers"]}
    assert drawn == {layer["id"] for layer in tilejson["vector_layers"]}
    assert "meter" not in drawn  # meters are personal data: not even a layer name
    colours = {t["code"]: t["color"] for t in
               (await anon.get("/api/v1/municipalities/demo/types")).json()}
    lights = next(layer for layer in style["layers"] if layer["id"] == "street_light")
    assert lights["type"] == "circle" and lights["paint"]["circle-color"] == colours["street_light"]
    assert lights["metadata"]["gisapp:title"] == "Street light"
    # the layers name what a busy tile holds
    z, x, y = await _busy_tile(connection)
    tile = await anon.get(B + f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert set(mapbox_vector_tile.decode(tile.content)) <= drawn
    # staff see their meters; a collection's own style has its one layer
    async with make_client("crew") as crew:
        staff = (await crew.get(B + "/tiles/WebMercatorQuad/style.json")).json()
    assert "meter" in {layer["source-layer"] for layer in staff["layers"]}
    one = (await anon.get(B + "/collections/wlan_hotspot/tiles/WebMercatorQuad/style.json")).json()
    _validate_style(one, tmp_path)
    assert [layer["source-layer"] for layer in one["layers"]] == ["wlan_hotspot"]
    assert one["sources"]["gisapp"]["tiles"][0].endswith(
        "/collections/wlan_hotspot/tiles/WebMercatorQuad/{z}/{x}/{y}")
    # found from the tile set, and refused like every other document
    sets = (await anon.get(B + "/tiles/WebMercatorQuad")).json()
    assert any(link["rel"] == "stylesheet" and link["href"].endswith("/style.json")
               for link in sets["links"])
    assert (await anon.get(B + "/collections/meter/tiles/WebMercatorQuad/style.json")
            ).status_code == 404
    assert (await anon.get(B + "/tiles/WebMercatorQuad/style.json?bogus=1")).status_code == 400
