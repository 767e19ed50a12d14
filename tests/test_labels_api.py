"""Printing labels through the API: batches by street, by type, untagged assets, a drawn
area, blank labels; every QR code in the PDF decoded and pointing at the right tag URL.
A tag's QR code and NFC record, and the CSV for NFC encoding services."""

from __future__ import annotations

import csv
import io

import pypdfium2
import zxingcpp
from sqlalchemy import text

from gisapp.tags.ndef import parse_ndef_uri

DEMO = "/api/v1/municipalities/demo"


def decode_pdf(pdf: bytes) -> list[str]:
    found = []
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    return found


async def test_labels_of_a_street(client, connection):
    r = await client.post(f"{DEMO}/labels", json={"street": "Hauptstraße",
                                                  "types": ["street_light"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    count = int(r.headers["x-label-count"])
    expected = {f"http://127.0.0.1:8000/t/{t}" for (t,) in (await connection.execute(text("""
        SELECT t.token FROM tag t JOIN asset a ON a.municipality_id = t.municipality_id
         AND a.id = t.asset_id JOIN street s ON s.municipality_id = a.municipality_id
         WHERE s.name = 'Hauptstraße' AND a.type_code = 'street_light' AND t.state = 'active'
           AND a.status <> 'decommissioned'
           AND ST_DWithin(a.geom::geography, s.geom::geography, 30)"""))).all()}
    assert count == len(expected) > 30
    assert set(decode_pdf(r.content)) == expected


async def test_untagged_assets_get_tags_and_blank_labels_are_numbered(client, count):
    light = (await client.post(f"{DEMO}/assets", json={
        "type": "street_light", "geometry": {"type": "Point", "coordinates": [7.2831, 49.9291]}}
    )).json()
    before = await count("tag")
    r = await client.post(f"{DEMO}/labels", json={"untagged": True, "blank": 3,
                                                  "layout": "single-50x30"})
    assert r.status_code == 200, r.text
    assert r.headers["x-label-count"] == "4"
    assert await count("tag") == before + 4
    tags = (await client.get(f"{DEMO}/tags", params={"asset_id": light["id"]})).json()
    assert len(tags) == 1 and tags[0]["short_code"] == f"DEMO-{light['code']}"
    decoded = decode_pdf(r.content)
    assert tags[0]["url"] in decoded and len(decoded) == 4


async def test_labels_of_a_drawn_area(client):
    ring = [[7.282, 49.928], [7.285, 49.928], [7.285, 49.930], [7.282, 49.930], [7.282, 49.928]]
    area = {"type": "Polygon", "coordinates": [ring]}
    inside = (await client.get(f"{DEMO}/assets", params={
        "bbox": "7.282,49.928,7.285,49.930", "limit": 1000})).json()["items"]
    r = await client.post(f"{DEMO}/labels", json={"area": area, "layout": "a4-3x7"})
    assert r.status_code == 200 and int(r.headers["x-label-count"]) == len(inside) > 0


async def test_bad_batches_are_refused(client, make_client):
    for body, field in [({"street": "Nowhere Road"}, "street"), ({"layout": "a5-x"}, "layout"),
                        ({}, "batch"), ({"area": {"type": "Point", "coordinates": [7, 49]}}, "area"),
                        ({"blank": 1, "layout": "single-50x30", "skip": 1}, "skip")]:
        r = await client.post(f"{DEMO}/labels", json=body)
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, (body, r.text)
    async with make_client("crew") as crew:
        assert (await crew.post(f"{DEMO}/labels", json={"blank": 1})).status_code == 403


async def test_qr_and_ndef_of_a_tag(client):
    tag = (await client.get(f"{DEMO}/tags", params={"state": "active", "limit": 1})).json()[0]
    png = await client.get(f"{DEMO}/tags/{tag['id']}/qr.png")
    assert png.headers["content-type"] == "image/png"
    from PIL import Image

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))] == [tag["url"]]
    svg = await client.get(f"{DEMO}/tags/{tag['id']}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    raw = await client.get(f"{DEMO}/tags/{tag['id']}/ndef")
    assert parse_ndef_uri(raw.content) == tag["url"]
    hexed = await client.get(f"{DEMO}/tags/{tag['id']}/ndef", params={"f": "hex"})
    assert bytes.fromhex(hexed.text) == raw.content


async def test_nfc_encoding_csv(client):
    light = (await client.get(f"{DEMO}/assets", params={"type": "street_light", "limit": 1,
                                                        "status": "active"})).json()["items"][0]
    nfc = (await client.post(f"{DEMO}/assets/{light['id']}/tags", json={"kind": "nfc"})).json()
    r = await client.get(f"{DEMO}/tags.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["short_code"] for row in rows] == [nfc["short_code"]]
    assert rows[0]["url"] == nfc["url"]
    assert parse_ndef_uri(bytes.fromhex(rows[0]["ndef_hex"])) == nfc["url"]


async def test_layouts_are_listed(client):
    layouts = (await client.get(f"{DEMO}/labels/layouts")).json()
    assert {"a4-3x8", "a4-3x7", "a4-2x7", "single-50x30"} <= set(layouts)


def test_cli_prints_labels(db_url, tmp_path, engine):
    """`gisapp tags print` (it commits the labels it issues: charging stations have some)."""
    import subprocess
    import sys
    from pathlib import Path

    from .cli_env import cli_env

    env = cli_env("de_DE.UTF-8", GISAPP_DATABASE__URL=db_url)
    out = tmp_path / "labels.pdf"
    done = subprocess.run([sys.executable, "-m", "gisapp.cli", "tags", "print", "-o", str(out),
                           "--type", "charging_station", "--layout", "a4-2x7"],
                          env=env, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"6 Etiketten nach {out} geschrieben" in done.stdout
    decoded = decode_pdf(out.read_bytes())
    assert len(decoded) == 6 and all("/t/" in url for url in decoded)
