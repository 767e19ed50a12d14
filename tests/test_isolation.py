"""Isolation between municipalities and from the public, enforced by PostgreSQL: the
catalog shows forced row-level security everywhere; the app's role cannot bypass it; one
municipality's credentials see none of another's rows; the public sees no meter and no
internal attribute anywhere; pooled connections carry nothing from one request to the next."""

from __future__ import annotations

import asyncio
import json
import random

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DEMO = "/api/v1/municipalities/demo"
NB = "/api/v1/municipalities/nachbarort"


async def test_rls_enabled_and_forced_on_every_municipality_table(connection):
    rows = (await connection.execute(text("""
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'municipality_id' AND NOT a.attisdropped)"""))).all()
    tables = {r.relname for r in rows}
    assert {"asset", "asset_type", "asset_history", "maintenance_record", "district", "street",
            "membership", "api_token"} <= tables
    for r in rows:
        assert r.relrowsecurity and r.relforcerowsecurity and r.policies >= 1, r.relname
    # and the tables of people, which span municipalities
    for table in ("municipality", "app_user", "user_session"):
        forced = await connection.scalar(text(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = :t"),
            {"t": table})
        assert forced, table


async def test_app_role_cannot_bypass(app_engine):
    async with app_engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT current_user, r.rolsuper, r.rolbypassrls,"
            " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            "  AND tableowner = current_user) FROM pg_roles r WHERE r.rolname = current_user"
        ))).one()
        assert tuple(row) == ("gisapp_app", False, False, 0)
        # without a municipality in the transaction, nothing is visible
        assert await conn.scalar(text("SELECT count(*) FROM asset")) == 0
        # and the app cannot delete assets or history at all
        with pytest.raises(Exception, match="permission denied"):
            await conn.execute(text("DELETE FROM asset_history"))


async def test_views_are_security_invoker(connection):
    """Any view over municipality tables must run with the caller's rights (RLS applies)."""
    views = (await connection.execute(text(
        "SELECT c.relname, coalesce(c.reloptions, '{}') AS opts FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'v'"
        " AND c.relname NOT IN ('geography_columns', 'geometry_columns')"))).all()
    for v in views:
        assert "security_invoker=true" in v.opts or "security_invoker=on" in v.opts, v.relname


async def test_other_municipality_token_sees_nothing_of_demo(other, client):
    demo_asset = (await client.get(f"{DEMO}/assets", params={"type": "meter", "limit": 1})
                  ).json()["items"][0]
    async with other["client"]("admin") as nb:
        # lists: only what the public sees (no meters, no internal fields)
        r = await nb.get(f"{DEMO}/assets", params={"limit": 1000, "type": "meter"})
        assert r.status_code == 200 and r.json()["items"] == []
        # reads of a demo meter: 404, never 403
        assert (await nb.get(f"{DEMO}/assets/{demo_asset['id']}")).status_code == 404
        for path in ("history", "maintenance"):
            r = await nb.get(f"{DEMO}/assets/{demo_asset['id']}/{path}")
            assert r.status_code == 404, path
        # writes
        r = await nb.patch(f"{DEMO}/assets/{demo_asset['id']}", json={"version": 1, "name": "x"})
        assert r.status_code == 404
        r = await nb.post(f"{DEMO}/assets", json={"type": "street_light", "geometry": {
            "type": "Point", "coordinates": [7.283, 49.929]}})
        assert r.status_code == 404
        for path in ("users", "tokens"):
            assert (await nb.get(f"{DEMO}/{path}")).status_code == 404
        # its own data it sees fully
        own = (await nb.get(f"{NB}/assets", params={"type": "meter"})).json()["items"]
        assert [a["code"] for a in own] == ["NB-MTR-1"]
        assert own[0]["attributes"]["meter_number"] == "SECRET-NB-4711"


async def test_demo_admin_sees_nothing_of_the_other(other, client):
    meter = other["assets"]["NB-MTR-1"]
    assert (await client.get(f"{NB}/assets/{meter}")).status_code == 404
    assert (await client.get(f"{NB}/assets/{other['assets']['NB-SL-1']}/history")
            ).status_code == 404
    listed = (await client.get(f"{NB}/assets", params={"limit": 1000})).json()["items"]
    assert {a["code"] for a in listed} == {"NB-SL-1", "NB-SN-1"}  # public ones only
    assert all("device_eui" not in a["attributes"] for a in listed)
    assert all("version" not in a and "created_by" not in a for a in listed)
    # a demo admin cannot reach the other's people or tokens
    assert (await client.get(f"{NB}/users")).status_code == 404
    r = await client.post(f"{NB}/users/{other['user_id']}/password",
                          json={"password": "taken-over-123"})
    assert r.status_code == 404


async def test_public_sees_no_meters_and_no_internal_attributes(anon, other):
    for base in (DEMO, NB):
        items = []
        url = f"{base}/assets?limit=1000"
        while url:
            page = (await anon.get(url)).json()
            items += page["items"]
            url = page["next"]
        assert items, base
        assert not [a for a in items if a["type"] == "meter"]
        text_out = json.dumps(items)
        for secret in ("meter_number", "device_eui", "app_key", "admin_contact", "building",
                       "SECRET-NB-4711"):
            assert secret not in text_out, (base, secret)
        for field in ("version", "created_by", "updated_by", "external_id", "overdue",
                      "next_due", "last_maintenance_at"):
            assert all(field not in a for a in items), field
        fc = (await anon.get(f"{base}/assets", params={"f": "geojson", "limit": 1000})).json()
        assert "meter_number" not in json.dumps(fc) and "device_eui" not in json.dumps(fc)
        types = (await anon.get(f"{base}/types")).json()
        assert "meter" not in {t["code"] for t in types}
        assert all("attribute_schema" not in t for t in types)


async def test_public_cannot_read_a_meter_by_id_or_history(anon, client):
    meter = (await client.get(f"{DEMO}/assets", params={"type": "meter", "limit": 1})
             ).json()["items"][0]
    assert (await anon.get(f"{DEMO}/assets/{meter['id']}")).status_code == 404
    light = (await client.get(f"{DEMO}/assets", params={"type": "street_light", "limit": 1,
                                                         "status": "active"})).json()["items"][0]
    assert (await anon.get(f"{DEMO}/assets/{light['id']}")).status_code == 200
    assert (await anon.get(f"{DEMO}/assets/{light['id']}/history")).status_code == 401
    assert (await anon.get(f"{DEMO}/assets/{light['id']}/maintenance")).status_code == 401
    r = await anon.get(f"{DEMO}/assets", params={"overdue": "true"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "overdue"


async def test_database_refuses_the_public_role_internal_columns(connection):
    """Even a query the app never sends fails: the public role lacks the privilege."""
    await set_context_raw(connection, "demo", "gisapp_public")
    with pytest.raises(Exception, match="permission denied"):
        await connection.execute(text("SELECT attributes FROM asset LIMIT 1"))


async def test_database_hides_non_public_rows_from_the_public_role(connection):
    await set_context_raw(connection, "demo", "gisapp_public")
    counts = (await connection.execute(text(
        "SELECT count(*) FILTER (WHERE type_code = 'meter'), count(*) FILTER (WHERE NOT is_public),"
        " count(*) FROM asset"))).one()
    assert counts[0] == 0 and counts[1] == 0 and counts[2] > 1000


async def set_context_raw(connection, slug: str, role: str) -> None:
    mid = await connection.scalar(text("SELECT id FROM municipality WHERE slug = :s"), {"s": slug})
    await connection.execute(text(f"SET LOCAL ROLE {role}"))
    await connection.execute(text("SELECT set_config('gisapp.municipality_id', :m, true)"),
                             {"m": str(mid)})


async def test_rls_blocks_writes_into_another_municipality(connection):
    """The app role with demo as tenant cannot insert a row carrying another municipality."""
    other_id = await connection.scalar(text(
        "INSERT INTO municipality (slug, name) VALUES ('x-other', 'X') RETURNING id"))
    await set_context_raw(connection, "demo", "gisapp_app")
    with pytest.raises(Exception, match="row-level security"):
        await connection.execute(text(
            "INSERT INTO maintenance_record (municipality_id, asset_id, kind, performed_at, result)"
            " SELECT :o, id, 'inspection', now(), 'ok' FROM asset LIMIT 1"), {"o": other_id})


async def test_interleaved_requests_of_two_municipalities_leak_nothing(settings, app_engine):
    """1,000 requests of two municipalities (and the public) over one small pool, against
    committed data, in random order; every answer holds only its own municipality's rows."""
    from gisapp.app import create_app
    from gisapp.auth.credentials import hash_secret
    from gisapp.database import make_sessionmaker

    tokens = {"demo": "gat_leak-demo-0123456789abcdefghij",
              "leak-test": "gat_leak-leak-0123456789abcdefghij"}
    owner = create_async_engine(settings.database.url)  # sets up committed data
    try:
        async with owner.begin() as conn:
            mid = await conn.scalar(text(
                "INSERT INTO municipality (slug, name) VALUES ('leak-test', 'Leak') RETURNING id"))
            await conn.execute(text(
                "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de,"
                " attribute_schema, public_by_default, public_allowed)"
                " VALUES (:m, 'meter', 'MTR', 'Zähler', '{\"type\": \"object\"}', false, false)"),
                {"m": mid})
            for i in range(30):
                await conn.execute(text(
                    "INSERT INTO asset (municipality_id, code, type_code, geom, is_public, attributes)"
                    " VALUES (:m, :c, 'meter', ST_SetSRID(ST_MakePoint(7.5, 49.9), 4326), false,"
                    " '{\"leak\": true}')"), {"m": mid, "c": f"LEAK-{i:03d}"})
            for slug, token in tokens.items():
                await conn.execute(text(
                    "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
                    " SELECT id, 'leak', :h, 'gat_leak', 'planner' FROM municipality WHERE slug = :s"),
                    {"h": hash_secret(token), "s": slug})

        app = create_app(settings)
        # as gisapp_app, with fewer connections than concurrent requests: they get reused
        pooled = create_async_engine(app_engine.url, pool_size=3, max_overflow=0)
        app.state.engine = pooled
        app.state.sessionmaker = make_sessionmaker(pooled)
        transport = httpx.ASGITransport(app=app)
        rng = random.Random(7)
        callers = [("demo", tokens["demo"]), ("leak", tokens["leak-test"]), ("demo-public", None),
                   ("leak-public", None)]
        sem = asyncio.Semaphore(12)

        async def one(i: int):
            who, token = rng.choice(callers)
            slug = "demo" if who.startswith("demo") else "leak-test"
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            params = {"limit": 50, "type": "meter"} if i % 2 else {"limit": 50}
            async with sem, httpx.AsyncClient(transport=transport, base_url="https://t",
                                              headers=headers) as c:
                r = await c.get(f"/api/v1/municipalities/{slug}/assets", params=params)
            assert r.status_code == 200, r.text
            codes = [a["code"] for a in r.json()["items"]]
            if who == "leak":
                assert codes and all(c.startswith("LEAK-") for c in codes)
            elif who == "demo":
                assert codes and not any(c.startswith("LEAK-") for c in codes)
            elif who == "leak-public":
                assert codes == []  # meters are never public
            else:
                assert not any(c.startswith(("LEAK-", "MTR-")) for c in codes)
            return who

        seen = await asyncio.gather(*(one(i) for i in range(1000)))
        assert len(seen) == 1000 and len(set(seen)) == 4
        await pooled.dispose()
        # nothing lingers on pooled connections: a fresh transaction has no context
        async with app_engine.connect() as conn:
            assert await conn.scalar(text(
                "SELECT current_setting('gisapp.municipality_id', true)")) in (None, "")
    finally:
        async with owner.begin() as conn:
            await conn.execute(text("DELETE FROM api_token WHERE name = 'leak'"))
            await conn.execute(text("DELETE FROM asset_history WHERE municipality_id IN"
                                    " (SELECT id FROM municipality WHERE slug = 'leak-test')"))
            await conn.execute(text("DELETE FROM asset WHERE code LIKE 'LEAK-%'"))
            await conn.execute(text("DELETE FROM asset_type WHERE municipality_id IN"
                                    " (SELECT id FROM municipality WHERE slug = 'leak-test')"))
            await conn.execute(text("DELETE FROM municipality WHERE slug = 'leak-test'"))
        await owner.dispose()


@pytest.mark.parametrize("role", ["gisapp_public", "gisapp_app"])
async def test_the_spatial_index_works_under_row_level_security(connection, role):
    """Migration 0007 marks PostGIS's bounding-box operators LEAKPROOF: without that, every
    bbox query, tile and distance search under RLS would scan the whole municipality.
    (ST_Intersects itself is not leakproof, so queries state the ``&&`` test explicitly.)"""
    await connection.execute(text(
        "SELECT set_config('gisapp.municipality_id', id::text, true) FROM municipality"
        " WHERE slug = 'demo'"))
    await connection.execute(text(f"SET LOCAL ROLE {role}"))
    await connection.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join((await connection.execute(text(
        "EXPLAIN SELECT id FROM asset WHERE geom && ST_MakeEnvelope(7.28, 49.92, 7.29, 49.93, 4326)"
        " AND ST_Intersects(geom, ST_MakeEnvelope(7.28, 49.92, 7.29, 49.93, 4326))"
    ))).scalars())
    await connection.execute(text("RESET ROLE"))
    assert "ix_asset_geom" in plan, plan


async def test_the_app_can_tell_whether_the_spatial_index_is_usable(connection):
    """At start the app warns when migration 0007 could not mark the operators (no
    superuser): then bbox queries and tiles would scan whole municipalities."""
    from gisapp.database import spatial_index_usable

    assert await spatial_index_usable(connection)
    await connection.execute(text(
        "ALTER FUNCTION geometry_overlaps(geometry, geometry) NOT LEAKPROOF"))  # rolled back
    assert not await spatial_index_usable(connection)
