"""Coordinates: EPSG:25832/2169/3857 round trips checked with pyproj, CRS spellings, geo parsers."""

from __future__ import annotations

import math

import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import text

from gisapp import geo
from gisapp.errors import InvalidGeometry, UnknownCRS

BASE = "/api/v1/municipalities/demo"
LUX = "/api/v1/municipalities/lux-test"
CM = 0.01  # metres
DEG = 1e-8  # degrees, about 1 mm
# village centre of the demo municipality in EPSG:25832
CENTRE = (376_700.0, 5_532_300.0)


def to_lonlat(code: int, x: float, y: float) -> tuple[float, float]:
    return Transformer.from_crs(code, 4326, always_xy=True).transform(x, y)


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


async def stored_lonlat(connection, asset_id: str) -> tuple[float, float]:
    """The point as the database holds it (EPSG:4326, full double precision)."""
    row = (await connection.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM asset WHERE id = :id"), {"id": asset_id}
    )).one()
    return row[0], row[1]


async def assert_point_round_trip(client, base: str, code: int, x: float, y: float) -> None:
    """POST in ``code``; read back in ``code`` (within 1 cm) and in lon/lat (as pyproj says)."""
    crs = f"EPSG:{code}"
    r = await client.post(f"{base}/assets", params={"crs": crs},
                          json={"type": "street_light", "geometry": point(x, y)})
    assert r.status_code == 201, r.text
    assert r.json()["crs"] == crs
    assert r.json()["geometry"]["coordinates"] == pytest.approx([x, y], abs=CM)
    url = f"{base}/assets/{r.json()['id']}"

    projected = (await client.get(url, params={"crs": crs})).json()
    assert projected["crs"] == crs
    assert projected["geometry"]["coordinates"] == pytest.approx([x, y], abs=CM)

    default = (await client.get(url)).json()
    explicit = (await client.get(url, params={"crs": "4326"})).json()
    assert default["geometry"] == explicit["geometry"]
    assert default["geometry"]["coordinates"] == pytest.approx(to_lonlat(code, x, y), abs=DEG)


@pytest.fixture
async def lux(superuser):
    """A municipality near Luxembourg City, working in EPSG:2169, boundary sent in EPSG:2169;
    created by an installation administrator, who becomes its admin."""
    ring = [[77000, 74000], [79000, 74000], [79000, 76000], [77000, 76000], [77000, 74000]]
    r = await superuser.post("/api/v1/municipalities", json={
        "slug": "lux-test", "name": "Lux Test", "working_crs": 2169, "default_language": "fr",
        "boundary": {"type": "Polygon", "coordinates": [ring]}, "boundary_crs": "EPSG:2169"})
    assert r.status_code == 201, r.text
    muni = r.json()
    assert muni["working_crs"] == 2169
    west, south = to_lonlat(2169, 77000, 74000)
    east, north = to_lonlat(2169, 79000, 76000)
    assert muni["bbox"] == pytest.approx([west, south, east, north], abs=1e-4)
    return LUX


@pytest.mark.parametrize("xy", [CENTRE, (376_712.345, 5_532_287.654), (376_650.5, 5_532_350.25),
                                (376_800.001, 5_532_349.999)])
async def test_round_trip_25832(client, xy):
    await assert_point_round_trip(client, BASE, 25832, *xy)


@pytest.mark.parametrize("xy", [(78_000.0, 75_000.0), (77_250.125, 74_500.5),
                                (78_800.75, 75_900.333)])
async def test_round_trip_2169(superuser, lux, xy):
    await assert_point_round_trip(superuser, lux, 2169, *xy)


async def test_point_outside_lux_boundary_in_2169(superuser, lux):
    r = await superuser.post(f"{lux}/assets", params={"crs": "EPSG:2169"},
                          json={"type": "street_light", "geometry": point(81_000.0, 75_000.0)})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "geometry"


async def test_line_round_trip_25832(client):
    r = await client.post(f"{BASE}/types", json={
        "code": "water_pipe", "code_prefix": "WP", "label_de": "Wasserleitung",
        "geometry_kind": "line"})
    assert r.status_code == 201, r.text
    x, y = CENTRE
    vertices = [[x - 100.0, y - 50.0], [x, y], [x + 55.555, y + 20.125], [x + 100.0, y + 50.0]]
    r = await client.post(f"{BASE}/assets", params={"crs": "EPSG:25832"}, json={
        "type": "water_pipe", "geometry": {"type": "LineString", "coordinates": vertices}})
    assert r.status_code == 201, r.text
    url = f"{BASE}/assets/{r.json()['id']}"

    back = (await client.get(url, params={"crs": "EPSG:25832"})).json()["geometry"]
    assert back["type"] == "LineString" and len(back["coordinates"]) == len(vertices)
    for got, sent in zip(back["coordinates"], vertices):
        assert got == pytest.approx(sent, abs=CM)

    lonlat = (await client.get(url)).json()["geometry"]["coordinates"]
    for got, sent in zip(lonlat, vertices):
        assert got == pytest.approx(to_lonlat(25832, *sent), abs=DEG)


async def test_crs_spellings_store_the_same_point(client, connection):
    lon, lat = to_lonlat(25832, *CENTRE)
    spellings = {
        "25832": CENTRE,
        "EPSG:25832": CENTRE,
        "epsg:25832": CENTRE,
        "http://www.opengis.net/def/crs/EPSG/0/25832": CENTRE,
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84": (lon, lat),
        "CRS84": (lon, lat),
        "EPSG:4326": (lon, lat),
    }
    stored = {}
    for crs, xy in spellings.items():
        r = await client.post(f"{BASE}/assets", params={"crs": crs},
                              json={"type": "street_light", "geometry": point(*xy)})
        assert r.status_code == 201, (crs, r.text)
        assert r.json()["crs"] == ("EPSG:4326" if xy == (lon, lat) else "EPSG:25832")
        stored[crs] = await stored_lonlat(connection, r.json()["id"])
    for crs, got in stored.items():
        assert got == pytest.approx((lon, lat), abs=1e-9), crs


async def test_output_in_web_mercator_matches_pyproj(client, connection):
    params = {"type": "street_light", "limit": 3}
    lights = (await client.get(f"{BASE}/assets", params=params)).json()
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    for item in lights["items"]:
        expected = to_mercator.transform(*await stored_lonlat(connection, item["id"]))
        got = (await client.get(f"{BASE}/assets/{item['id']}", params={"crs": "EPSG:3857"})).json()
        assert got["crs"] == "EPSG:3857"
        assert got["geometry"]["coordinates"] == pytest.approx(expected, abs=CM)
        feature = (await client.get(f"{BASE}/assets/{item['id']}",
                                    params={"crs": "3857", "f": "geojson"})).json()
        assert feature["geometry"]["coordinates"] == pytest.approx(expected, abs=CM)

    listed = (await client.get(f"{BASE}/assets", params={
        "type": "street_light", "limit": 3, "crs": "EPSG:3857"})).json()["items"]
    for item in listed:
        expected = to_mercator.transform(*await stored_lonlat(connection, item["id"]))
        assert item["geometry"]["coordinates"] == pytest.approx(expected, abs=CM)


# --- gisapp.geo without a database ------------------------------------------------------------

@pytest.mark.parametrize(("value", "srid"), [
    (None, 4326),
    ("", 4326),
    (25832, 25832),
    ("25832", 25832),
    (" EPSG:25832 ", 25832),
    ("epsg:2169", 2169),
    ("http://www.opengis.net/def/crs/EPSG/0/25832", 25832),
    ("https://www.opengis.net/def/crs/EPSG/0/3857", 3857),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
    ("CRS84", 4326),
    ("OGC:CRS84", 4326),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
])
def test_parse_srid_accepts(value, srid):
    assert geo.parse_srid(value) == srid


@pytest.mark.parametrize("value", [
    "foo", "EPSG:", "EPSG:999999", "0", "-25832", "25832.5", "EPSG:25832x",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS83",
    "http://example.org/def/crs/EPSG/0/25832",
    pytest.param("²"),
])
def test_parse_srid_refuses(value):
    with pytest.raises(UnknownCRS) as info:
        geo.parse_srid(value, field="bbox-crs")
    assert info.value.field == "bbox-crs" and info.value.message


def test_parse_geometry_lonlat_is_kept():
    geom = geo.parse_geometry(point(7.283, 49.929))
    assert isinstance(geom, Point) and (geom.x, geom.y) == (7.283, 49.929)


def test_parse_geometry_transforms_like_pyproj():
    x, y = CENTRE
    geom = geo.parse_geometry(point(x, y), 25832)
    assert (geom.x, geom.y) == pytest.approx(to_lonlat(25832, x, y), abs=1e-12)

    ring = [[x, y], [x + 100, y], [x + 100, y + 80], [x, y + 80], [x, y]]
    polygon = geo.parse_geometry({"type": "Polygon", "coordinates": [ring]}, 25832)
    assert isinstance(polygon, Polygon) and polygon.is_valid
    for got, sent in zip(polygon.exterior.coords, ring):
        assert got == pytest.approx(to_lonlat(25832, *sent), abs=1e-12)

    line = geo.parse_geometry({"type": "LineString", "coordinates": [[78000, 75000],
                                                                      [78100, 75050]]}, 2169)
    assert isinstance(line, LineString)
    for got, sent in zip(line.coords, [(78000, 75000), (78100, 75050)]):
        assert got == pytest.approx(to_lonlat(2169, *sent), abs=1e-12)


@pytest.mark.parametrize(("geojson", "srid", "field", "reason"), [
    pytest.param({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                 4326, "geometry", "Self-intersection", id="bowtie"),
    pytest.param(point(math.nan, 49.9), 4326, "geometry.coordinates", "finite", id="nan"),
    pytest.param(point(math.inf, 49.9), 4326, "geometry.coordinates", "finite", id="inf"),
    pytest.param(point(True, 49.9), 4326, "geometry.coordinates", "not a number", id="bool"),
    pytest.param(point("7", 49.9), 4326, "geometry.coordinates", "not a number", id="string"),
    pytest.param(point(7.28, 95), 4326, "geometry.coordinates", "latitude", id="latitude"),
    pytest.param(point(-181, 49), 4326, "geometry.coordinates", "longitude", id="longitude"),
    pytest.param(None, 4326, "geometry", "required", id="none"),
    pytest.param({"type": "Circle", "coordinates": [0, 0]}, 4326, "geometry", "Circle",
                 id="circle"),
    pytest.param({"type": "Point"}, 4326, "geometry.coordinates", "missing", id="no-coordinates"),
    pytest.param({"type": "Point", "coordinates": []}, 4326, "geometry", "empty", id="empty"),
    pytest.param(point(1e30, 1e30), 25832, "geometry.coordinates", "transformed",
                 id="beyond-projection"),
])
def test_parse_geometry_refuses(geojson, srid, field, reason):
    with pytest.raises(InvalidGeometry) as info:
        geo.parse_geometry(geojson, srid)
    assert info.value.field == field
    assert reason.lower() in info.value.message.lower()


def test_parse_geometry_names_the_given_field():
    with pytest.raises(InvalidGeometry) as info:
        geo.parse_geometry(point(7.28, 95), field="boundary")
    assert info.value.field == "boundary.coordinates"


def test_parse_geometry_unknown_srid():
    with pytest.raises(UnknownCRS):
        geo.parse_geometry(point(1, 1), 999999)


def test_parse_geometry_drops_a_third_coordinate():
    geom = geo.parse_geometry({"type": "Point", "coordinates": [7.283, 49.929, 312.5]})
    assert not geom.has_z and (geom.x, geom.y) == (7.283, 49.929)


def test_projected_coordinates_must_land_where_the_crs_is_used():
    """Swapped x/y in UTM would put an asset on another continent: refused, not stored."""
    with pytest.raises(InvalidGeometry) as info:
        geo.parse_geometry({"type": "Point", "coordinates": [5532300.0, 376700.0]}, 25832)
    assert info.value.field == "geometry.coordinates" and "swapped" in info.value.message
