"""OGC API Features at /ogc/{m}: landing, conformance, OpenAPI 3.0, collections, queryables,
items (paging, bbox, crs/bbox-crs, filters, limits), errors, and who sees what."""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.numbers import format_decimal
from pyproj import Transformer
from sqlalchemy import text

B = "/ogc/demo"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def rels(doc) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in doc["links"]}


async def all_pages(client, url: str) -> list[dict]:
    """Follow next links to the end; every feature once."""
    features, pages = [], 0
    while url:
        r = await client.get(url)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["numberReturned"] == len(doc["features"])
        features += doc["features"]
        url = rels(doc).get("next")
        pages += 1
        assert pages < 500
    return features


async def test_landing_page_links_the_service(anon):
    r = await anon.get(B)
    assert r.status_code == 200
    links = rels(r.json())
    for rel in ("self", "service-desc", "conformance", "data"):
        assert rel in links
    assert links["data"].endswith("/ogc/demo/collections")
    html = await anon.get(B, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "/ogc/demo" in html.text and "QGIS" in html.text
    assert (await anon.get(B + "?f=html")).headers["content-type"].startswith("text/html")


async def test_conformance_and_openapi_30(anon):
    conf = (await anon.get(B + "/conformance")).json()["conformsTo"]
    for part in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
                 "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/oas30",
                 "ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/queryables"):
        assert f"http://www.opengis.net/spec/{part}" in conf
    r = await anon.get(B + "/api")
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"].startswith("3.0.")
    items = doc["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p.get("name") == "limit")
    assert limit["schema"]["maximum"] == 10000 and limit["schema"]["default"] == 10
    cid = next(p for p in items["parameters"] if p.get("name") == "collectionId")
    assert "meter" not in cid["schema"]["enum"] and "street_light" in cid["schema"]["enum"]


async def test_unknown_municipality_is_404(anon):
    for path in ("/ogc/nowhere", "/ogc/nowhere/collections",
                 "/ogc/nowhere/collections/street_light/items"):
        r = await anon.get(path)
        assert r.status_code == 404, path
        assert r.json()["code"] == "NotFound"


async def test_collections_follow_the_role(anon, make_client):
    public = (await anon.get(B + "/collections")).json()
    ids = [c["id"] for c in public["collections"]]
    assert "street_light" in ids and "meter" not in ids
    street = next(c for c in public["collections"] if c["id"] == "street_light")
    assert street["itemType"] == "feature"
    assert CRS84 in street["crs"] and EPSG.format(2169) in street["crs"]
    assert street["storageCrs"] == CRS84
    west, south, east, north = street["extent"]["spatial"]["bbox"][0]
    assert 7.0 < west < east < 7.6 and 49.7 < south < north < 50.1
    assert {"items", "self"} <= set(rels(street))
    async with make_client("planner") as planner:
        staff = (await planner.get(B + "/collections")).json()
        assert "meter" in [c["id"] for c in staff["collections"]]
        assert (await planner.get(B + "/collections/meter")).status_code == 200
    assert (await anon.get(B + "/collections/meter")).status_code == 404
    assert (await anon.get(B + "/collections/meter/items")).status_code == 404
    assert (await anon.get(B + "/collections/no_such_type")).status_code == 404
    r = await anon.get(B + "/collections/street_light?lang=en")
    assert r.json()["title"] == "Street light"


async def test_queryables_hide_internal_attributes_from_the_public(anon, make_client):
    r = await anon.get(B + "/collections/wlan_hotspot/queryables")
    assert r.headers["content-type"].startswith("application/schema+json")
    public = r.json()["properties"]
    assert "ssid" in public and "admin_contact" not in public
    assert public["status"]["enum"] == ["active", "defective", "out_of_service"]
    async with make_client("crew") as crew:
        staff = (await crew.get(B + "/collections/wlan_hotspot/queryables")).json()["properties"]
    assert "admin_contact" in staff and "external_id" in staff
    assert "decommissioned" in staff["status"]["enum"]


async def test_schema_names_every_property_a_feature_carries(anon, make_client):
    """Features Part 5: a client learns a layer's fields and geometry type from the schema,
    also for an empty layer; the schema follows the caller's role like the items do."""
    for collection, kind in (("wlan_hotspot", "geometry-point"), ("fire_hydrant", "geometry-point")):
        doc = (await anon.get(B + f"/collections/{collection}")).json()
        link = next(x for x in doc["links"] if x["rel"].endswith("/rel/ogc/1.0/schema"))
        r = await anon.get(link["href"])
        assert r.headers["content-type"].startswith("application/schema+json")
        props = r.json()["properties"]
        assert props["geometry"] == {"x-ogc-role": "primary-geometry", "format": kind}
        assert props["id"]["x-ogc-role"] == "id"
    public = (await anon.get(B + "/collections/wlan_hotspot/schema")).json()["properties"]
    assert "ssid" in public and "admin_contact" not in public and "external_id" not in public
    async with make_client("crew") as crew:
        staff = (await crew.get(B + "/collections/wlan_hotspot/schema")).json()["properties"]
        staff_items = (await crew.get(B + "/collections/wlan_hotspot/items?limit=50")).json()
    assert "admin_contact" in staff and "external_id" in staff and "version" in staff
    public_items = (await anon.get(B + "/collections/wlan_hotspot/items?limit=50")).json()
    for items, props in ((public_items, public), (staff_items, staff)):
        assert items["features"]
        for feature in items["features"]:
            assert set(feature["properties"]) <= set(props), set(feature["properties"]) - set(props)


async def test_feature_schema_describes_a_geojson_feature(anon, make_client):
    """describedby: the same properties as the schema, as the schema of one GeoJSON feature
    (the form GDAL reads field types from), for the caller's role; linked under both
    spellings of the relation (older GDAL compares it with case)."""
    doc = (await anon.get(B + "/collections/wlan_hotspot")).json()
    links = [x for x in doc["links"] if x["type"] == "application/schema+json"
             and x["rel"].lower() == "describedby"]
    assert {x["rel"] for x in links} == {"describedby", "describedBy"}
    assert len({x["href"] for x in links}) == 1
    r = await anon.get(links[0]["href"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/schema+json")
    feature = r.json()
    assert feature["properties"]["type"]["enum"] == ["Feature"]
    assert feature["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point", "MultiPoint"]
    public = (await anon.get(B + "/collections/wlan_hotspot/schema")).json()["properties"]
    props = feature["properties"]["properties"]["properties"]
    assert set(props) == set(public) - {"id", "geometry"}
    assert "admin_contact" not in props
    async with make_client("crew") as crew:
        staff = (await crew.get(B + "/collections/wlan_hotspot/feature.schema.json")).json()
    assert "admin_contact" in staff["properties"]["properties"]["properties"]
    lights = (await anon.get(B + "/collections/street_light/feature.schema.json")).json()
    assert lights["properties"]["properties"]["properties"]["power_w"]["type"] == "number"
    assert (await anon.get(B + "/collections/meter/feature.schema.json")).status_code == 404
    assert (await anon.get(B + "/collections/street_light/feature.schema.json?x=1")
            ).status_code == 400


async def test_paging_reads_every_public_feature_once(anon, connection):
    expected = await connection.scalar(text(
        "SELECT count(*) FROM asset a JOIN municipality m ON m.id = a.municipality_id"
        " WHERE m.slug = 'demo' AND a.type_code = 'street_light' AND a.is_public"
        " AND a.status IN ('active', 'defective', 'out_of_service')"))
    features = await all_pages(anon, B + "/collections/street_light/items?limit=100")
    ids = [f["id"] for f in features]
    assert len(ids) == expected == len(set(ids)) and expected > 1000
    assert ids == sorted(ids)  # a stable order: by id
    assert {f["properties"]["status"] for f in features} <= {"active", "defective",
                                                             "out_of_service"}


async def test_next_and_prev_links(anon):
    first = (await anon.get(B + "/collections/street_light/items?limit=5")).json()
    assert "prev" not in rels(first)
    second = (await anon.get(rels(first)["next"])).json()
    assert [f["id"] for f in second["features"]][0] > first["features"][-1]["id"]
    back = (await anon.get(rels(second)["prev"])).json()
    assert [f["id"] for f in back["features"]] == [f["id"] for f in first["features"]]
    assert "next" in rels(back)


async def test_default_and_maximum_limit(anon):
    r = await anon.get(B + "/collections/street_light/items")
    assert r.json()["numberReturned"] == 10
    r = await anon.get(B + "/collections/street_light/items?limit=50000")
    assert r.status_code == 200 and r.json()["numberReturned"] > 1000  # reduced to 10,000
    for bad in ("0", "-1", "ten", "1.5"):
        r = await anon.get(B + f"/collections/street_light/items?limit={bad}")
        assert r.status_code == 400 and r.json()["detail"][0]["field"] == "limit", bad


@pytest.mark.parametrize("query, field", [
    ("foo=1", "foo"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=7,50,7.1,49", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("crs=EPSG:31467", "crs"),
    ("crs=http://www.opengis.net/def/crs/EPSG/0/999999", "crs"),
    ("bbox=1,2,3,4&bbox-crs=urn:nonsense", "bbox-crs"),
    ("datetime=yesterday", "datetime"),
    ("after=not-a-cursor", "after"),
    ("f=xml", "f"),
    ("lamp_technology=plasma", "lamp_technology"),
    ("power_w=strong", "power_w"),
    ("limit=5&limit=6", "limit"),
])
async def test_bad_parameters_are_400_naming_them(anon, query, field):
    r = await anon.get(B + "/collections/street_light/items?" + query)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["detail"][0]["field"] == field
    assert body["code"] == "InvalidParameterValue" and body["description"]
    # OGC's description stays English for programs; people read the problem's text in their
    # language (German without an Accept-Language), like every other refusal
    (item,) = body["detail"]
    assert item["reason"] == body["description"] and item["message"]
    assert item["text"] != item["reason"], item


async def test_unknown_parameters_on_other_resources(anon):
    for path in ("", "/conformance", "/collections", "/collections/street_light",
                 "/collections/street_light/queryables", "/collections/street_light/schema",
                 "/collections/street_light/tiles/WebMercatorQuad/14/8523/5561"):
        r = await anon.get(B + path + "?bogus=1")
        assert r.status_code == 400, path
        assert r.json()["detail"][0]["field"] == "bogus"


async def test_unknown_feature_is_404(anon, make_client, other):
    assert (await anon.get(B + f"/collections/street_light/items/{uuid.uuid4()}")).status_code == 404
    assert (await anon.get(B + "/collections/street_light/items/SL-0001")).status_code == 404
    # a feature of another municipality does not exist here, whoever asks
    foreign = other["assets"]["NB-SL-1"]
    async with make_client("admin") as admin:
        r = await admin.get(B + f"/collections/street_light/items/{foreign}")
        assert r.status_code == 404
    r = await anon.get(f"/ogc/nachbarort/collections/street_light/items/{foreign}")
    assert r.status_code == 200 and r.json()["id"] == str(foreign)


async def test_single_feature_matches_its_page(anon):
    page = (await anon.get(B + "/collections/street_light/items?limit=1")).json()
    feature = page["features"][0]
    r = await anon.get(B + f"/collections/street_light/items/{feature['id']}")
    assert r.headers["content-type"] == "application/geo+json"
    one = r.json()
    assert one["geometry"] == feature["geometry"] and one["properties"] == feature["properties"]
    assert {"self", "collection"} <= set(rels(one))
    html = await anon.get(B + f"/collections/street_light/items/{feature['id']}?f=html",
                          headers={"Accept-Language": "de"})
    assert feature["properties"]["code"] in html.text
    # a person reads codes in words, dates and numbers as the language writes them; the
    # JSON keeps the codes
    assert isinstance(one["properties"]["dimmable"], bool)

    def row(label: str, key: str, value: str) -> str:
        return (f'<tr><th scope="row">{label} <small><code>{key}</code></small></th>'
                f"<td>{value}</td></tr>")

    assert row("Dimmbar", "dimmable", "ja" if one["properties"]["dimmable"] else "nein") in html.text
    assert row("Status", "status", "in Betrieb") in html.text or one["properties"]["status"] != "active"
    assert row("Typ", "type", "Straßenleuchte") in html.text
    # under the names the crews' app uses, with the key a GIS program shows beside them;
    # the choices of built-in attributes in words
    power = one["properties"]["power_w"]
    assert row("Leistung (W)", "power_w", format_decimal(power, locale="de")) in html.text
    mounting = {"pole_top": "Mastaufsatz", "bracket": "Ausleger"}[one["properties"]["mounting"]]
    assert row("Montage", "mounting", mounting) in html.text
    assert row("Kennung", "code", one["properties"]["code"]) in html.text
    installed = date.fromisoformat(one["properties"]["installed_on"])
    assert row("Installiert am", "installed_on", installed.strftime("%d.%m.%Y")) in html.text
    assert re.search(r'<th scope="row">Geändert <small><code>updated_at</code></small></th>'
                     r"<td>\d\d\.\d\d\.\d\d, \d\d:\d\d</td>", html.text)
    english = await anon.get(B + f"/collections/street_light/items/{feature['id']}?f=html",
                             headers={"Accept-Language": "en"})
    assert row("Power (W)", "power_w", format_decimal(power, locale="en")) in english.text
    assert row("Type", "type", "Street light") in english.text


async def test_bbox_selects_what_postgis_selects(anon, connection):
    box = (7.285, 49.925, 7.300, 49.940)
    expected = await connection.scalar(text(
        "SELECT count(*) FROM asset a JOIN municipality m ON m.id = a.municipality_id"
        " WHERE m.slug = 'demo' AND a.type_code = 'street_light' AND a.is_public"
        " AND a.status IN ('active', 'defective', 'out_of_service')"
        " AND ST_Intersects(a.geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))"),
        dict(zip("abcd", box)))
    assert expected > 10
    url = B + "/collections/street_light/items?limit=1000&bbox=" + ",".join(map(str, box))
    features = (await anon.get(url)).json()["features"]
    assert len(features) == expected
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    # the same box in EPSG:4326 is latitude first
    lat_lon = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    same = (await anon.get(B + "/collections/street_light/items?limit=1000&bbox=" + lat_lon
                           + "&bbox-crs=" + EPSG.format(4326))).json()["features"]
    assert [f["id"] for f in same] == [f["id"] for f in features]


@pytest.mark.parametrize("srid, swapped", [(4326, True), (3857, False), (25832, False),
                                           (25833, False), (2169, True)])
async def test_output_crs_numbers(anon, srid, swapped):
    plain = (await anon.get(B + "/collections/street_light/items?limit=3")).json()["features"]
    r = await anon.get(B + f"/collections/street_light/items?limit=3&crs={EPSG.format(srid)}")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Crs"] == f"<{EPSG.format(srid)}>"
    to = Transformer.from_crs(4326, srid, always_xy=True)
    for lonlat, feature in zip(plain, r.json()["features"]):
        lon, lat = lonlat["geometry"]["coordinates"]
        x, y = to.transform(lon, lat)
        got = feature["geometry"]["coordinates"]
        if swapped:  # the CRS's axis order: latitude/northing first
            got = got[::-1]
        # the CRS84 input is rounded to 7 decimals (1 cm); 3857 stretches it by 1/cos(lat)
        tolerance = 1e-6 if srid == 4326 else 0.03
        assert got[0] == pytest.approx(x, abs=tolerance)
        assert got[1] == pytest.approx(y, abs=tolerance)
    default = await anon.get(B + "/collections/street_light/items?limit=1")
    assert default.headers["Content-Crs"] == f"<{CRS84}>"


async def test_bbox_crs_in_utm(anon):
    feature = (await anon.get(B + "/collections/street_light/items?limit=1")).json()["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    x, y = Transformer.from_crs(4326, 25832, always_xy=True).transform(lon, lat)
    box = f"{x - 1},{y - 1},{x + 1},{y + 1}"
    r = await anon.get(B + f"/collections/street_light/items?bbox={box}&bbox-crs={EPSG.format(25832)}"
                       f"&crs={EPSG.format(25832)}")
    found = r.json()["features"]
    assert [f["id"] for f in found] == [feature["id"]]
    assert found[0]["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.03)
    # 2169 is northing first: the same box with its axes swapped
    ex, ny = Transformer.from_crs(4326, 2169, always_xy=True).transform(lon, lat)
    box = f"{ny - 1},{ex - 1},{ny + 1},{ex + 1}"
    r = await anon.get(B + f"/collections/street_light/items?bbox={box}&bbox-crs={EPSG.format(2169)}")
    assert [f["id"] for f in r.json()["features"]] == [feature["id"]]


async def test_property_filters(anon, make_client):
    leds = (await anon.get(B + "/collections/street_light/items?limit=1000"
                           "&lamp_technology=LED")).json()["features"]
    assert leds and {f["properties"]["lamp_technology"] for f in leds} == {"LED"}
    watts = (await anon.get(B + "/collections/street_light/items?limit=1000&power_w=50"))
    assert {f["properties"]["power_w"] for f in watts.json()["features"]} == {50}
    broken = (await anon.get(B + "/collections/street_light/items?status=defective&limit=1000"))
    assert {f["properties"]["status"] for f in broken.json()["features"]} == {"defective"}
    both = (await anon.get(B + "/collections/street_light/items?limit=1000"
                           "&lamp_technology=LED&status=defective")).json()["features"]
    assert len(both) < len(leds)
    # staff may ask for the decommissioned; the public may not even name the value
    async with make_client("planner") as planner:
        gone = await planner.get(B + "/collections/street_light/items?status=decommissioned")
        assert gone.status_code == 200 and gone.json()["numberReturned"] > 0
    assert (await anon.get(B + "/collections/street_light/items?status=decommissioned")
            ).status_code == 400


async def test_datetime_filters_by_last_change(anon):
    r = await anon.get(B + "/collections/street_light/items?datetime=2000-01-01T00:00:00Z/..")
    assert r.json()["numberReturned"] == 10
    r = await anon.get(B + "/collections/street_light/items?datetime=../2000-01-01")
    assert r.json()["numberReturned"] == 0


async def test_public_and_staff_properties(anon, make_client):
    public = (await anon.get(B + "/collections/wlan_hotspot/items?limit=100")).json()["features"]
    async with make_client("planner") as planner:
        staff = (await planner.get(B + "/collections/wlan_hotspot/items?limit=100")).json()["features"]
        meters = (await planner.get(B + "/collections/meter/items?limit=100")).json()["features"]
    assert len(meters) == 41 and all("meter_number" in m["properties"] for m in meters)
    assert any("admin_contact" in f["properties"] for f in staff)
    for f in public:
        assert "admin_contact" not in f["properties"]
        for bookkeeping in ("version", "created_by", "updated_by", "public", "external_id"):
            assert bookkeeping not in f["properties"]
    assert {"version", "created_by", "public"} <= set(staff[0]["properties"])


async def test_public_properties_match_the_public_api(anon):
    feature = (await anon.get(B + "/collections/sensor/items?limit=1")).json()["features"][0]
    api = (await anon.get(f"/api/v1/municipalities/demo/assets/{feature['id']}")).json()
    props = feature["properties"]
    for key in ("code", "name", "status", "installed_on", "manufacturer", "model", "parent_id"):
        assert props[key] == api[key], key
    for key, value in api["attributes"].items():
        assert props[key] == value
    assert set(props) == ({"code", "name", "type", "status", "installed_on", "manufacturer",
                           "model", "parent_id", "updated_at"} | set(api["attributes"]))


async def test_other_municipality_is_isolated(anon, other, make_client):
    nb = (await anon.get("/ogc/nachbarort/collections/street_light/items?limit=100")).json()
    assert [f["properties"]["code"] for f in nb["features"]] == ["NB-SL-1"]
    demo = await all_pages(anon, B + "/collections/street_light/items?limit=1000")
    assert "NB-SL-1" not in {f["properties"]["code"] for f in demo}
    # nachbarort's admin is the public in demo: no meters, no internal fields
    async with other["client"]("admin") as nb_admin:
        assert (await nb_admin.get(B + "/collections/meter/items")).status_code == 404
        own = (await nb_admin.get("/ogc/nachbarort/collections/meter/items")).json()
        assert [f["properties"]["meter_number"] for f in own["features"]] == ["SECRET-NB-4711"]
    # and demo's planner is the public in nachbarort
    async with make_client("planner") as planner:
        assert (await planner.get("/ogc/nachbarort/collections/meter/items")).status_code == 404


async def test_html_views(anon):
    for path in ("/collections", "/collections/street_light", "/collections/street_light/items",
                 "/conformance", "/api", "/collections/street_light/queryables",
                 "/collections/street_light/schema"):
        r = await anon.get(B + path + "?f=html&lang=en")
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
    r = await anon.get(B + "/collections/street_light/items?f=html")
    assert "SL-" in r.text


async def test_html_views_read_in_the_page_language(anon):
    """The JSON keeps OGC's English link titles and status codes; the HTML pages show the
    collection's title, the status and the links in the reader's language."""
    r = await anon.get(B + "/collections/street_light/items?f=html&limit=3&status=active",
                       headers={"Accept-Language": "de"})
    assert "<h1>Straßenleuchte</h1>" in r.text and ">in Betrieb<" in r.text
    assert ">nächste Seite</a>" in r.text and ">die Sammlung</a>" in r.text
    assert ">active<" not in r.text and "this page" not in r.text
    collection = await anon.get(B + "/collections/street_light?f=html",
                                headers={"Accept-Language": "de"})
    assert ">Schema eines Objekts (GeoJSON)</a>" in collection.text
    assert ">Objekte (HTML)</a>" in collection.text and "Schema of a" not in collection.text
    landing = await anon.get(B + "?f=html", headers={"Accept-Language": "fr"})
    assert "Inventaire des infrastructures de Musterdorf" in landing.text
    assert ">Classes de conformité</a>" in landing.text
    assert ">Page d’accueil du service (JSON)</a>" in landing.text
    feature = (await anon.get(B + "/collections/street_light/items?limit=1")).json()
    assert feature["links"][0]["title"] == "this page"
    assert feature["features"][0]["properties"]["status"] in ("active", "planned", "defective",
                                                              "out_of_service")


async def test_html_items_page_through_in_html(anon):
    """Reading the items as HTML, "Next page" and "Previous page" stay in HTML (the
    document's own paging links ask for JSON) with the same filter and limit, and the HTML
    pages hold what the JSON pages hold."""
    url = B + "/collections/street_light/items?limit=3&status=active"
    first = (await anon.get(url)).json()
    second = (await anon.get(rels(first)["next"])).json()

    def pager(html: str, rel: str) -> str | None:
        label = {"next": "Nächste Seite", "prev": "Vorige Seite"}[rel]
        found = re.search(rf'href="([^"]+)" rel="{rel}">{label}</a>', html)
        return found and found[1].replace("&amp;", "&")

    html = (await anon.get(url + "&f=html", headers={"Accept-Language": "de"})).text
    assert pager(html, "prev") is None
    for expected in (first, second):
        assert all(f"<code>{f['id']}</code>" in html for f in expected["features"])
        query = parse_qs(urlsplit(pager(html, "next")).query)
        assert query["f"] == ["html"] and query["limit"] == ["3"]
        assert query["status"] == ["active"]
        assert query["after"] == [expected["features"][-1]["id"]]
        previous, html = html, (await anon.get(pager(html, "next"))).text
    back = (await anon.get(pager(previous, "prev"))).text  # from the second page to the first
    assert parse_qs(urlsplit(pager(previous, "prev")).query)["f"] == ["html"]
    assert all(f"<code>{f['id']}</code>" in back for f in first["features"])


@pytest.fixture
async def public_pool(app, settings):
    """The app's public pool, as a served app has it (sees committed data)."""
    from gisapp.database import make_public_pool

    pool = await make_public_pool(settings)

    class Counting:
        """The pool, counting how often a request took a connection from it."""

        acquired = 0

        def acquire(self):
            Counting.acquired += 1
            return pool.acquire()

    app.state.public_pool = Counting()
    yield Counting
    del app.state.public_pool
    await pool.close()


async def test_public_pool_answers_the_same(anon, public_pool):
    url = B + "/collections/street_light/items?limit=50&bbox=7.285,49.925,7.300,49.940"
    fast = (await anon.get(url)).json()
    assert fast["numberReturned"] == 50
    second = (await anon.get(rels(fast)["next"])).json()
    assert second["features"][0]["id"] > fast["features"][-1]["id"]
    one = await anon.get(B + f"/collections/street_light/items/{fast['features'][0]['id']}")
    assert one.json()["properties"] == fast["features"][0]["properties"]
    # the public role applied on the pool's connection too: no meters
    assert (await anon.get(B + "/collections/meter/items")).status_code == 404
    assert (await anon.get("/ogc/nowhere/collections/street_light/items")).status_code == 404
    tile = await anon.get(B + "/collections/street_light/tiles/WebMercatorQuad/14/8523/5620")
    assert tile.status_code in (200, 204)
    filtered = await anon.get(url + "&lamp_technology=LED")  # needs the schemas: session
    assert {f["properties"]["lamp_technology"] for f in filtered.json()["features"]} == {"LED"}
    assert public_pool.acquired == 6  # all but the filtered page


async def test_a_browser_gets_an_error_page_a_gis_program_json(anon):
    """The HTML view's refusals are pages in the reader's language; the same request from a
    program (no Accept, or f=json) stays OGC's JSON exception."""
    url = B + "/collections/street_light/items?bbox=1,2,x"
    page = await anon.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                        "Accept-Language": "de"})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "bbox muss aus 4 Zahlen bestehen" in page.text
    french = await anon.get(url + "&f=html", headers={"Accept-Language": "fr"})
    assert french.status_code == 400 and "bbox doit être 4 nombres" in french.text
    missing = await anon.get(B + "/collections/nope?f=html", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "no collection &#39;nope&#39;" in missing.text
    for program in ({}, {"Accept": "application/geo+json"}):
        r = await anon.get(url, headers=program)
        assert r.status_code == 400 and r.json()["code"] == "InvalidParameterValue"
    assert (await anon.get(url + "&f=json", headers={"Accept": "text/html"})).json()["code"]
    # an unknown format cannot be answered in it: JSON
    assert (await anon.get(url + "&f=xml", headers={"Accept": "text/html"})).json()["code"]
