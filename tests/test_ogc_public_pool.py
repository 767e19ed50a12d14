"""The public pool of the OGC service (``gisapp.database.make_public_pool``): connections
that are ``gisapp_public`` for good and stay narrowed to the municipality they last served.

What must hold, against committed data and the real pool: two municipalities whose assets
lie at the same place, asked for in random order over two connections, never see each
other's assets, in items pages, single items and tiles; and a connection never becomes more
than the public.
"""

from __future__ import annotations

import asyncio
import random

import httpx
import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.test_tiles import tile_of

# a street of the demo; the second municipality's lights stand on it too
LON, LAT = 7.2925, 49.9325
BBOX = f"{LON - 0.004},{LAT - 0.003},{LON + 0.004},{LAT + 0.003}"


@pytest.fixture
async def twin(settings, engine):
    """A committed municipality 'pool-twin' with 20 public street lights where the demo
    has its own (codes TWIN-…); removed afterwards. (``engine`` loads the demo.)"""
    owner = create_async_engine(settings.database.url)
    try:
        async with owner.begin() as conn:
            mid = await conn.scalar(text(
                "INSERT INTO municipality (slug, name) VALUES ('pool-twin', 'Twin')"
                " RETURNING id"))
            await conn.execute(text(
                "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de,"
                " attribute_schema, public_by_default, public_allowed)"
                " VALUES (:m, 'street_light', 'TWIN', 'Leuchte', '{\"type\": \"object\"}',"
                " true, true)"), {"m": mid})
            for i in range(20):
                await conn.execute(text(
                    "INSERT INTO asset (municipality_id, code, name, type_code, geom, is_public)"
                    " VALUES (:m, :c, 'Twin light', 'street_light',"
                    " ST_SetSRID(ST_MakePoint(:x, :y), 4326), true)"),
                    {"m": mid, "c": f"TWIN-{i:03d}", "x": LON + (i - 10) * 0.0002,
                     "y": LAT + (i % 5 - 2) * 0.0002})
        yield mid
    finally:
        async with owner.begin() as conn:
            for table in ("asset_history", "asset", "asset_type"):
                await conn.execute(text(
                    f"DELETE FROM {table} WHERE municipality_id IN"
                    " (SELECT id FROM municipality WHERE slug = 'pool-twin')"))
            await conn.execute(text("DELETE FROM municipality WHERE slug = 'pool-twin'"))
        await owner.dispose()


@pytest.fixture
async def served(settings, twin):
    """The app with its own public pool of two connections (fewer than the requests in
    flight, so connections go back and forth between the municipalities)."""
    from gisapp.app import create_app
    from gisapp.database import make_public_pool

    app = create_app(settings.model_copy(update={"database": settings.database.model_copy(
        update={"pool_size": 2})}))
    app.state.sessionmaker = None  # anything but the public pool would fail loudly
    app.state.public_pool = await make_public_pool(app.state.settings)
    try:
        yield app
    finally:
        await app.state.public_pool.close()


async def test_two_municipalities_at_one_place_never_meet(served):
    transport = httpx.ASGITransport(app=served)
    z, x, y = tile_of(LON, LAT, 16)
    rng = random.Random(11)
    sem = asyncio.Semaphore(6)
    ids: dict[str, set[str]] = {"demo": set(), "pool-twin": set()}

    def own(slug: str, code: str) -> bool:
        return code.startswith("TWIN-") == (slug == "pool-twin")

    async def one(i: int) -> str:
        slug = rng.choice(["demo", "pool-twin"])
        kind = rng.choice(["items", "item", "tile", "combined"])
        base = f"/ogc/{slug}"
        async with sem, httpx.AsyncClient(transport=transport, base_url="https://t") as c:
            if kind == "item" and ids[slug]:
                fid = rng.choice(sorted(ids[slug]))
                r = await c.get(f"{base}/collections/street_light/items/{fid}")
                assert r.status_code == 200, r.text
                assert own(slug, r.json()["properties"]["code"])
            elif kind in ("items", "item"):
                r = await c.get(f"{base}/collections/street_light/items",
                                params={"bbox": BBOX, "limit": 100})
                assert r.status_code == 200, r.text
                features = r.json()["features"]
                assert features and all(own(slug, f["properties"]["code"]) for f in features)
                ids[slug].update(f["id"] for f in features)
            else:
                path = (f"{base}/collections/street_light/tiles/WebMercatorQuad/{z}/{x}/{y}"
                        if kind == "tile" else f"{base}/tiles/WebMercatorQuad/{z}/{x}/{y}")
                r = await c.get(path)
                assert r.status_code == 200, (path, r.text)
                layer = mapbox_vector_tile.decode(r.content)["street_light"]
                codes = [f["properties"]["code"] for f in layer["features"]]
                assert codes and all(own(slug, code) for code in codes)
        return f"{slug}/{kind}"

    seen = await asyncio.gather(*(one(i) for i in range(400)))
    assert len(set(seen)) == 8
    assert ids["demo"] and ids["pool-twin"] and not ids["demo"] & ids["pool-twin"]


async def test_a_public_connection_stays_the_public(served):
    transport = httpx.ASGITransport(app=served)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as c:
        r = await c.get("/ogc/pool-twin/collections/street_light/items", params={"limit": 1})
        assert r.status_code == 200
        # a collection the public may not read: 404, and the connection narrows afresh
        assert (await c.get("/ogc/demo/collections/meter/items")).status_code == 404
        assert (await c.get("/ogc/nowhere/collections/street_light/items")).status_code == 404
    pool = served.state.public_pool
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT current_user") == "gisapp_public"
        assert await conn.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
        assert conn.narrowed_to("demo", 60) is None  # forgotten after the 404
        for table in ("asset_history", "maintenance_record", "app_user", "api_token"):
            with pytest.raises(Exception, match="permission denied"):
                await conn.fetch(f"SELECT 1 FROM {table} LIMIT 1")
        with pytest.raises(Exception, match="permission denied"):
            await conn.fetch("SELECT attributes FROM asset LIMIT 1")
