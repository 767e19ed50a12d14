"""Migrations 0009 (the asset's triggers) and 0010 (no search index) on a database that
already holds assets and their history: up, down to the per-row triggers, up again, with
the history still written the same way at each step. Runs in a database of its own on the
test server."""

from __future__ import annotations

import json

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from gisapp import migrate
from gisapp.database import ensure_database

NAME = "gisapp_test_migrations"
TRIGGERS_BEFORE = {"asset_history", "asset_type_rules", "asset_public_attributes"}
TRIGGERS_AFTER = {"asset_history", "asset_history_update", "asset_shape"}


@pytest.fixture
async def scratch(db_url):
    """(owner URL for migrations, plain URL for asyncpg) of a fresh database, dropped after."""
    base = db_url.rsplit("/", 1)[0]
    plain = base.replace("postgresql+asyncpg://", "postgresql://")
    await _drop(plain)
    await ensure_database(db_url, NAME)
    yield f"{base}/{NAME}", f"{plain}/{NAME}"
    await _drop(plain)


async def _drop(plain_base: str) -> None:
    conn = await asyncpg.connect(f"{plain_base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    finally:
        await conn.close()


async def _municipality(conn, slug: str, actor: str):
    """A municipality, made the transaction's one (as the installation's superuser)."""
    await conn.execute("SELECT set_config('gisapp.actor', $1, true),"
                       " set_config('gisapp.superuser', 'on', true)", actor)
    mid = await conn.fetchval("INSERT INTO municipality (slug, name) VALUES ($1, $1)"
                              " RETURNING id", slug)
    await conn.execute("SELECT set_config('gisapp.municipality_id', $1, true)", str(mid))
    return mid


async def _triggers(conn) -> set[str]:
    rows = await conn.fetch("SELECT tgname FROM pg_trigger WHERE tgrelid = 'asset'::regclass"
                            " AND NOT tgisinternal")
    return {r["tgname"] for r in rows}


async def _search_index(conn) -> bool:
    return await conn.fetchval("SELECT to_regclass('ix_asset_search') IS NOT NULL")


async def _edit(conn, name: str) -> list:
    """Change the light's name and a meter's internal attribute as the app would; returns
    the newest history entry of the light and the meter's public attributes."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('gisapp.actor', 'user:migrator', true)")
        await conn.execute("UPDATE asset SET name = $1, version = version + 1 WHERE code = 'M-SL-1'",
                           name)
        await conn.execute("UPDATE asset SET attributes = attributes || '{\"meter_number\": \"N2\"}'"
                           " WHERE code = 'M-MTR-1'")
    entry = await conn.fetchrow(
        "SELECT action, changed_by, before, after FROM asset_history h JOIN asset a"
        " ON a.id = h.asset_id WHERE a.code = 'M-SL-1' ORDER BY h.id DESC LIMIT 1")
    public = await conn.fetchval("SELECT public_attributes FROM asset WHERE code = 'M-MTR-1'")
    return [entry["action"], entry["changed_by"], entry["before"], entry["after"], public]


async def test_0009_0010_up_down_up_on_a_database_with_assets(scratch):
    url, plain = scratch
    previous = ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision(
        "0009").down_revision
    migrate.upgrade(url, previous)
    conn = await asyncpg.connect(plain)
    try:
        async with conn.transaction():
            mid = await _municipality(conn, "mig", "user:before")
            await conn.execute(
                "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de,"
                " attribute_schema, public_by_default, public_allowed) VALUES"
                " ($1, 'street_light', 'SL', 'Leuchte', '{\"type\": \"object\"}', true, true),"
                " ($1, 'meter', 'MTR', 'Zähler', '{\"type\": \"object\", \"properties\":"
                "  {\"meter_number\": {\"type\": \"string\", \"x-internal\": true}}}', false, false)",
                mid)
            await conn.execute(
                "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,"
                " is_public) VALUES"
                " ($1, 'M-SL-1', 'street_light', 'A', ST_SetSRID(ST_MakePoint(7, 50), 4326), '{}', true),"
                " ($1, 'M-MTR-1', 'meter', 'M', ST_SetSRID(ST_MakePoint(7, 50), 4326),"
                "  '{\"meter_number\": \"N1\"}', false)", mid)
        assert await _triggers(conn) == TRIGGERS_BEFORE and await _search_index(conn)
        old = await _edit(conn, "B")
        assert old[:2] == ["update", "user:migrator"]
        assert old[4] == '{}'

        migrate.upgrade(url)
        assert await _triggers(conn) == TRIGGERS_AFTER and not await _search_index(conn)
        keys = await conn.fetch("SELECT code, internal_keys FROM asset_type ORDER BY code")
        assert [(r["code"], r["internal_keys"]) for r in keys] == [
            ("meter", ["meter_number"]), ("street_light", [])]
        assert await conn.fetchval("SELECT count(*) FROM asset_history") == 4  # kept
        assert await _edit(conn, "C") == ["update", "user:migrator", '{"name": "B"}',
                                          '{"name": "C"}', '{}']

        migrate.downgrade(url, previous)
        assert await _triggers(conn) == TRIGGERS_BEFORE and await _search_index(conn)
        assert await conn.fetchval("SELECT count(*) FROM information_schema.columns"
                                   " WHERE table_name = 'asset_type'"
                                   " AND column_name = 'internal_keys'") == 0
        assert await _edit(conn, "D") == ["update", "user:migrator", '{"name": "C"}',
                                          '{"name": "D"}', '{}']

        migrate.upgrade(url)
        assert await _triggers(conn) == TRIGGERS_AFTER
        # creates 2, edit B 2, edits C and D 1 each (the meter's number is N2 already)
        assert await conn.fetchval("SELECT count(*) FROM asset_history") == 6
    finally:
        await conn.close()


# columns of asset a history entry leaves out: keys, bookkeeping, and what is derived
BOOKKEEPING = {"municipality_id", "id", "version", "created_at", "created_by", "updated_at",
               "updated_by", "public_attributes"}
_MUNICIPALITY_KEYS = ("SELECT conname FROM pg_constraint WHERE contype = 'f'"
                      " AND confrelid = 'municipality'::regclass"
                      " AND conrelid IN ('asset'::regclass, 'asset_history'::regclass)")


async def _history_json(conn) -> list:
    rows = await conn.fetch("SELECT code, gisapp_asset_history_json(a) AS j, public_attributes"
                            " FROM asset a ORDER BY code")
    return [(r["code"], r["j"], r["public_attributes"]) for r in rows]


async def test_0011_writes_the_same_history_with_less_work(scratch):
    """0011 builds the history's JSON differently and drops the direct foreign keys to
    municipality: the JSON of every asset is the same text, a municipality with assets
    still cannot be deleted, and down and up again change nothing."""
    url, plain = scratch
    migrate.upgrade(url, "0010")
    conn = await asyncpg.connect(plain)
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('gisapp.actor', 'user:m', true),"
                               " set_config('gisapp.superuser', 'on', true)")
            mid = await conn.fetchval("INSERT INTO municipality (slug, name) VALUES ('m11', 'M')"
                                      " RETURNING id")
            await conn.execute("SELECT set_config('gisapp.municipality_id', $1, true)", str(mid))
            await conn.execute(
                "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de,"
                " attribute_schema, public_by_default, public_allowed) VALUES"
                " ($1, 'street_light', 'SL', 'Leuchte', '{\"type\": \"object\"}', true, true),"
                " ($1, 'meter', 'MTR', 'Zähler', '{\"type\": \"object\", \"properties\":"
                "  {\"meter_number\": {\"type\": \"string\", \"x-internal\": true}}}', false, false)",
                mid)
            pole = await conn.fetchval(
                "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,"
                " is_public, installed_on, manufacturer, model, maintenance_interval_days,"
                " external_id) VALUES ($1, 'SL-1', 'street_light', 'Mast \"1\"',"
                " ST_SetSRID(ST_MakePoint(7.123456789012, 50.5), 4326),"
                " '{\"power_w\": 24.5, \"lamp\": {\"kind\": \"LED\"}, \"dimmable\": true}', true,"
                " '2020-02-29', 'Hess', 'A1', 365, 'osm:1') RETURNING id", mid)
            await conn.execute(
                "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,"
                " is_public, parent_id) VALUES ($1, 'MTR-1', 'meter', 'Zähler',"
                " ST_SetSRID(ST_MakePoint(7, 50), 4326), '{\"meter_number\": \"N1\"}', false, $2)",
                mid, pole)
        before = await _history_json(conn)
        assert len(await conn.fetch(_MUNICIPALITY_KEYS)) == 2

        migrate.upgrade(url)
        assert await _history_json(conn) == before
        assert await conn.fetch(_MUNICIPALITY_KEYS) == []
        keys = set(json.loads(before[0][1]))
        columns = {r["attname"] for r in await conn.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'asset'::regclass"
            " AND attnum > 0 AND NOT attisdropped")}
        assert keys == columns - BOOKKEEPING, "a column of asset is missing from its history"
        async with conn.transaction():
            await conn.execute("SELECT set_config('gisapp.actor', 'user:m', true),"
                               " set_config('gisapp.municipality_id', $1, true)", str(mid))
            await conn.execute("UPDATE asset SET attributes = attributes || '{\"meter_number\":"
                               " \"N2\"}', version = version + 1 WHERE code = 'MTR-1'")
        entry = await conn.fetchrow("SELECT before, after FROM asset_history ORDER BY id DESC"
                                    " LIMIT 1")
        assert json.loads(entry["after"]) == {"attributes": {"meter_number": "N2"}}
        assert await conn.fetchval("SELECT public_attributes FROM asset WHERE code = 'MTR-1'") \
            == "{}"
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute("DELETE FROM municipality WHERE id = $1", mid)

        current = await _history_json(conn)
        migrate.downgrade(url, "0010")
        assert len(await conn.fetch(_MUNICIPALITY_KEYS)) == 2
        assert await _history_json(conn) == current
        migrate.upgrade(url)
        assert await _history_json(conn) == current
    finally:
        await conn.close()


async def test_0013_down_keeps_what_counts_and_up_again(scratch):
    """Down to one review per record: a record whose review was taken back has none, one
    reviewed anew keeps its latest review; up again, both read the same."""
    url, plain = scratch
    migrate.upgrade(url)
    conn = await asyncpg.connect(plain)
    try:
        async with conn.transaction():
            mid = await _municipality(conn, "rev", "user:m")
            await conn.execute(
                "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de,"
                " attribute_schema, public_by_default, public_allowed)"
                " VALUES ($1, 'street_light', 'SL', 'L', '{\"type\": \"object\"}', true, true)",
                mid)
            asset = await conn.fetchval(
                "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,"
                " is_public) VALUES ($1, 'R-1', 'street_light', 'A',"
                " ST_SetSRID(ST_MakePoint(7, 50), 4326), '{}', true) RETURNING id", mid)
            records = [await conn.fetchval(
                "INSERT INTO maintenance_record (municipality_id, asset_id, kind, performed_at,"
                " result, flagged) VALUES ($1, $2, 'inspection', now(), 'ok', true) RETURNING id",
                mid, asset) for _ in range(2)]
            log = [(records[0], "reviewed", "a", 1), (records[0], "withdrawn", "b", 2),
                   (records[1], "reviewed", "c", 1), (records[1], "withdrawn", "d", 2),
                   (records[1], "reviewed", "e", 3)]
            for record, kind, note, minute in log:
                await conn.execute(
                    "INSERT INTO maintenance_review (municipality_id, record_id, kind, note,"
                    " created_at) VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))",
                    mid, record, kind, note, minute)
        migrate.downgrade(url, "0012")
        rows = await conn.fetch("SELECT record_id, note FROM maintenance_review")
        assert [(r["record_id"], r["note"]) for r in rows] == [(records[1], "e")]
        migrate.upgrade(url)
        assert await conn.fetchval("SELECT kind FROM maintenance_review") == "reviewed"
    finally:
        await conn.close()
