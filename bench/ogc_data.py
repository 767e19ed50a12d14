"""The benchmark database of bench/ogc_vs_tipg.py: one municipality with 1,000,000 assets.

``gisapp_bench_ogc`` on the same server as the development database, migrated with
gisapp's own migrations, and filled once; later runs reuse it (a comment on the database
records that the load finished, and with which generator version).

What is in it: a 30 x 30 km region in EPSG:25832 (around Nürnberg/Fürth), cut into 1 km
cells that are filled one after the other (as imports by district would), about 1,100 assets
per km² so that a 500 m box holds a few hundred of them: 90 % street lights, 6 % meters
(never public), 2 % sensors, 1 % chargers, 1 % WLAN hotspots (a third of the sensors and
hotspots hang on a street light: ``parent_id``), with attributes as the demo writes them
and valid against the built-in type schemas (a sample is checked with gisapp's validator).

How it is written, so that the rows are what the app itself writes:

* the municipality (and its copy of the built-in types) through gisapp's own service;
* the assets with one ``COPY`` (text format, geometry as EWKB hex) with the row triggers
  that shape a row still on: ``asset_type_rules`` (public/geometry rules of the type) and
  ``asset_public_attributes`` (computes ``public_attributes``), and the foreign keys;
* the per-row history trigger is disabled for the COPY and its rows are then written by
  one ``INSERT … SELECT`` that computes exactly what the trigger writes for an insert
  (action ``create``, the row as JSON without bookkeeping columns, geometry as GeoJSON
  with 9 decimals, the actor from ``gisapp.actor``); the trigger is enabled again in the
  same transaction, so nobody ever sees the table without it;
* the asset table's secondary indexes (everything but its constraints) are dropped before
  the COPY and re-created from their own definitions (``pg_get_indexdef``) afterwards,
  in the same transaction; then ``VACUUM (ANALYZE)``.
"""

from __future__ import annotations

import asyncio
import json
import random
import struct
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
import numpy as np
from pyproj import Transformer

from gisapp.demo.street_lights import STATUS_WEIGHTS, STATUSES, street_light

BENCH_DB = "gisapp_bench_ogc"
SLUG = "bench"
NAME = "Benchstadt"
ACTOR = "bench-load"
GENERATOR = "bench-ogc v2"  # change when the generated data changes: the DB is rebuilt
TOTAL = 1_000_000
# the data area in EPSG:25832 (x0, y0, x1, y1): 30 x 30 km
AREA = (635_000.0, 5_465_000.0, 665_000.0, 5_495_000.0)
CELL_M = 1_000.0
MIX = (("street_light", 0.90), ("meter", 0.06), ("sensor", 0.02),
       ("charging_station", 0.01), ("wlan_hotspot", 0.01))
PREFIX = {"street_light": "SL", "meter": "MTR", "sensor": "SN", "charging_station": "EV",
          "wlan_hotspot": "WL"}
COLUMNS = ("municipality_id", "id", "code", "type_code", "name", "status", "geom",
           "attributes", "installed_on", "manufacturer", "model", "is_public", "parent_id",
           "external_id", "created_by", "updated_by")
STREETS = ("Hauptstraße", "Bahnhofstraße", "Kirchweg", "Schulstraße", "Gartenstraße",
           "Lindenallee", "Bergstraße", "Mühlweg", "Am Anger", "Dorfstraße", "Ringstraße",
           "Feldweg", "Waldstraße", "Rosenstraße", "Friedhofstraße", "Sportplatzweg",
           "Brunnengasse", "Marktplatz", "Am Bach", "Weiherstraße", "Fürther Straße",
           "Nürnberger Straße", "Erlanger Straße", "Wiesenweg", "Eichenring")
TODAY = date(2026, 6, 1)  # fixed, so the data is the same on every machine and day


def owner_url_for(dev_url: str, database: str = BENCH_DB) -> str:
    """The owner's URL of the dev database, pointed at another database of the server."""
    plain = dev_url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, _ = plain.rpartition("/")
    return f"{base}/{database}"


def sa_url(url: str) -> str:
    """The same URL for SQLAlchemy/Alembic (asyncpg driver)."""
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def ewkb_point(x: float, y: float, srid: int = 4326) -> str:
    """Hex EWKB of a point, the text form geometry_in reads fastest."""
    return struct.pack("<BIIdd", 1, 0x20000001, srid, x, y).hex()


def _esc(text: str) -> str:
    """Escape a value for COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass
class _Gen:
    """Seeded generator of asset rows; the same rows on every run."""

    mid: uuid.UUID
    rng: random.Random
    counters: dict
    next_status: str | None = None

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def days_ago(self, lo: int, hi: int) -> str:
        return (TODAY - timedelta(days=self.rng.randint(lo, hi))).isoformat()

    def code(self, type_code: str) -> str:
        n = self.counters[type_code] = self.counters.get(type_code, 0) + 1
        return f"{PREFIX[type_code]}-{n:07d}"

    def status(self) -> str:
        """The status a street light drew for itself, else one drawn here."""
        if self.next_status:
            status, self.next_status = self.next_status, None
            return status
        return self.rng.choices(STATUSES, STATUS_WEIGHTS)[0]

    def street_light(self, street: str, cell: str) -> tuple:
        """As the demo's lights (gisapp.demo.street_lights), status included."""
        light = street_light(self.rng, self.days_ago, f"SK-{cell}")
        self.next_status = light.status
        return f"{street}, Mast", light.attributes, light.installed_on, light.manufacturer, \
            light.model

    def meter(self, street: str, cell: str) -> tuple:
        rng = self.rng
        medium = rng.choice(["electricity", "electricity", "water", "heat"])
        smart = medium == "electricity" and rng.random() < 0.4
        attrs = {"medium": medium, "meter_number": f"1{rng.randint(10**8, 10**9 - 1)}",
                 "smart": smart, "reading_interval": "15min" if smart else "monthly",
                 "building": f"{street} {rng.randint(1, 120)}",
                 "unit": {"electricity": "kWh", "water": "m3", "heat": "MWh"}[medium]}
        return f"{street} {rng.randint(1, 120)} ({medium})", attrs, self.days_ago(730, 5475), None, None

    def sensor(self, street: str, cell: str) -> tuple:
        rng = self.rng
        label, quantities, model = rng.choice([
            ("Luftqualität", ["pm10", "pm2_5", "temperature", "humidity"], "SDS011 + BME280"),
            ("Lärm", ["noise"], "DNMS"), ("Bodenfeuchte", ["soil_moisture", "temperature"],
                                          "Dragino LSE01"),
            ("Wetter", ["temperature", "humidity", "air_pressure"], "Bosch BME280")])
        attrs = {"quantities": quantities, "transport": rng.choice(["LoRaWAN", "LoRaWAN", "WLAN"]),
                 "device_eui": f"{rng.getrandbits(64):016X}", "sensor_model": model,
                 "battery_powered": rng.random() < 0.4}
        return f"{label} {street}", attrs, self.days_ago(60, 1095), model.split()[0], model

    def charging_station(self, street: str, cell: str) -> tuple:
        rng = self.rng
        connectors = [{"type": "Type2", "power_kw": 22}, {"type": "Type2", "power_kw": 22}]
        if rng.random() < 0.3:
            connectors.append({"type": "CCS", "power_kw": rng.choice([50, 150])})
        attrs = {"operator": "Stadtwerke Benchstadt", "charging_points": len(connectors),
                 "connectors": connectors, "access": "public",
                 "payment": ["ad_hoc_card", "app", "rfid"],
                 "evse_ids": [f"DE*BST*E{rng.randint(10000, 99999)}{i}"
                              for i in range(len(connectors))],
                 "opening_hours": "24/7"}
        return (f"Ladestation {street}", attrs, self.days_ago(200, 1825),
                rng.choice(["ABL", "Mennekes", "Compleo"]), None)

    def wlan_hotspot(self, street: str, cell: str) -> tuple:
        rng = self.rng
        provider = rng.choice(["WiFi4EU", "Freifunk"])
        attrs = {"ssid": provider, "provider": provider, "bands": ["2.4GHz", "5GHz"],
                 "backhaul": rng.choice(["fibre", "mesh"]), "indoor": False,
                 "admin_contact": "it@benchstadt.example"}
        return f"WLAN {street}", attrs, self.days_ago(100, 1460), "Ubiquiti", None


def _cells():
    x0, y0, x1, y1 = AREA
    nx, ny = int((x1 - x0) // CELL_M), int((y1 - y0) // CELL_M)
    return [(i, j, x0 + i * CELL_M, y0 + j * CELL_M) for j in range(ny) for i in range(nx)]


def generate_rows(mid: uuid.UUID, total: int = TOTAL, seed: int = 20261122):
    """Yield (type_code, COPY text line, attributes) for ``total`` assets, cell by cell."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    gen = _Gen(mid, rng, {})
    to_wgs84 = Transformer.from_crs(25832, 4326, always_xy=True)
    cells = _cells()
    types = [t for t, _ in MIX]
    weights = np.array([w for _, w in MIX])
    made = 0
    for k, (i, j, cx, cy) in enumerate(cells):
        n = (total - made) // (len(cells) - k)
        made += n
        xs = cx + nprng.random(n) * CELL_M
        ys = cy + nprng.random(n) * CELL_M
        lon, lat = to_wgs84.transform(xs, ys)
        kinds = nprng.choice(len(types), size=n, p=weights)
        # street lights first in each cell: the hotspots and sensors hang on them
        order = np.argsort(kinds, kind="stable")
        cell = f"{i:02d}{j:02d}"
        lights: list[str] = []
        for idx in order:
            type_code = types[kinds[idx]]
            street = STREETS[rng.randrange(len(STREETS))]
            name, attrs, installed, maker, model = getattr(gen, type_code)(street, cell)
            aid = gen.uid()
            parent = "\\N"
            if type_code == "street_light":
                lights.append(aid)
            elif type_code in ("sensor", "wlan_hotspot") and lights and rng.random() < 0.33:
                parent = rng.choice(lights)
            public = "f" if type_code == "meter" else "t"
            line = "\t".join((
                str(mid), aid, gen.code(type_code), type_code, _esc(name), gen.status(),
                ewkb_point(float(lon[idx]), float(lat[idx])),
                _esc(json.dumps(attrs, ensure_ascii=False, separators=(",", ":"))),
                installed, _esc(maker) if maker else "\\N", _esc(model) if model else "\\N",
                public, parent, "\\N", ACTOR, ACTOR,
            ))
            yield type_code, line, attrs


async def _database_state(server_url: str) -> str | None:
    """The completion comment of the bench database; None when it does not exist."""
    conn = await asyncpg.connect(server_url)
    try:
        row = await conn.fetchrow(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') AS note"
            " FROM pg_database WHERE datname = $1", BENCH_DB)
        return None if row is None else row["note"]
    finally:
        await conn.close()


def _marker(total: int) -> str:
    return f"{GENERATOR}: complete, {total} assets"


async def _recreate(server_url: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{BENCH_DB}" ENCODING \'UTF8\' TEMPLATE template0')
    finally:
        await conn.close()


async def _create_municipality(url: str) -> uuid.UUID:
    """Through gisapp's own service: the municipality with its built-in types."""
    from gisapp.database import make_engine, make_sessionmaker, session_scope
    from gisapp.municipalities import service
    from gisapp.municipalities.schemas import MunicipalityCreate
    from gisapp.settings import DatabaseSettings, Settings

    settings = Settings(database=DatabaseSettings(url=url))
    x0, y0, x1, y1 = AREA
    m = 200.0
    ring = [[x0 - m, y0 - m], [x1 + m, y0 - m], [x1 + m, y1 + m], [x0 - m, y1 + m], [x0 - m, y0 - m]]
    engine = make_engine(settings, settings.database.url)
    try:
        async with session_scope(make_sessionmaker(engine), actor=ACTOR, db_role=None,
                                 superuser=True) as session:
            return await service.create(session, MunicipalityCreate(
                slug=SLUG, name=NAME, working_crs=25832, default_language="de",
                boundary={"type": "Polygon", "coordinates": [ring]}, boundary_crs="EPSG:25832"),
                ACTOR)
    finally:
        await engine.dispose()


async def _validators(conn, mid: uuid.UUID):
    """One check per type: gisapp's own attribute validation against the stored schema."""
    from types import SimpleNamespace

    from gisapp.asset_types.service import validate_attributes

    rows = await conn.fetch("SELECT code, attribute_schema FROM asset_type"
                            " WHERE municipality_id = $1", mid)
    schemas = {r["code"]: SimpleNamespace(attribute_schema=json.loads(r["attribute_schema"]))
               for r in rows}
    return lambda code, attrs: validate_attributes(schemas[code], attrs)


HISTORY_SQL = """
INSERT INTO asset_history (municipality_id, asset_id, action, changed_by, version, before, after)
SELECT a.municipality_id, a.id, 'create',
       coalesce(nullif(current_setting('gisapp.actor', true), ''), a.updated_by, session_user),
       a.version, NULL,
       (to_jsonb(a) - ARRAY['version', 'updated_at', 'updated_by', 'created_at', 'created_by',
                            'municipality_id', 'id', 'public_attributes'])
       || jsonb_build_object('geom', ST_AsGeoJSON(a.geom, 9)::jsonb)
  FROM asset a WHERE a.municipality_id = $1
"""


async def _bulk_load(url: str, mid: uuid.UUID, total: int, log) -> None:
    conn = await asyncpg.connect(url)
    checked: dict[str, int] = {}
    try:
        validate = await _validators(conn, mid)
        async with conn.transaction():
            await conn.execute("SELECT set_config('gisapp.actor', $1, true),"
                               " set_config('gisapp.municipality_id', $2, true)", ACTOR, str(mid))
            indexes = await conn.fetch(
                "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def"
                "  FROM pg_index i WHERE i.indrelid = 'asset'::regclass AND NOT i.indisprimary"
                "   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)")
            for ix in indexes:
                await conn.execute(f"DROP INDEX {ix['name']}")
            await conn.execute("ALTER TABLE asset DISABLE TRIGGER asset_history")
            start = time.monotonic()

            async def chunks():
                buf, size, n = [], 0, 0
                for type_code, line, attrs in generate_rows(mid, total):
                    if checked.get(type_code, 0) < 200:  # a sample, checked as the API would
                        validate(type_code, attrs)
                        checked[type_code] = checked.get(type_code, 0) + 1
                    buf.append(line)
                    size += len(line) + 1
                    n += 1
                    if size > 1 << 20:
                        yield ("\n".join(buf) + "\n").encode()
                        buf, size = [], 0
                    if n % 200_000 == 0:
                        log(f"  … {n:,} rows generated ({time.monotonic() - start:.0f} s)")
                if buf:
                    yield ("\n".join(buf) + "\n").encode()

            await conn.copy_to_table("asset", source=chunks(), columns=list(COLUMNS),
                                     format="text")
            log(f"  COPY of {total:,} assets: {time.monotonic() - start:.0f} s")
            t = time.monotonic()
            await conn.execute(HISTORY_SQL, mid)
            await conn.execute("ALTER TABLE asset ENABLE TRIGGER asset_history")
            log(f"  history rows: {time.monotonic() - t:.0f} s")
            t = time.monotonic()
            await conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for ix in indexes:
                await conn.execute(ix["def"])
            log(f"  indexes {', '.join(ix['name'] for ix in indexes)}: {time.monotonic() - t:.0f} s")
        t = time.monotonic()
        await conn.execute("VACUUM (ANALYZE) asset")
        await conn.execute("VACUUM (ANALYZE) asset_history")
        await conn.execute("ANALYZE")
        log(f"  VACUUM (ANALYZE): {time.monotonic() - t:.0f} s")
    finally:
        await conn.close()


async def ensure_bench_db(dev_url: str, *, total: int = TOTAL, log=print) -> str:
    """The owner URL of a complete benchmark database, building it when needed."""
    from gisapp import migrate
    from gisapp.database import ensure_app_login
    from gisapp.settings import DatabaseSettings, Settings

    server = owner_url_for(dev_url, "postgres")
    url = owner_url_for(dev_url)
    state = await _database_state(server)
    if state == _marker(total):
        log(f"Reusing {BENCH_DB} ({state}); migrating to the latest schema")
        await asyncio.to_thread(migrate.upgrade, sa_url(url))
        await ensure_app_login(Settings(database=DatabaseSettings(url=url)))
        return url
    log(f"Building {BENCH_DB} ({'was: ' + state if state else 'new'}): {total:,} assets")
    started = time.monotonic()
    await _recreate(server)
    await asyncio.to_thread(migrate.upgrade, sa_url(url))
    await ensure_app_login(Settings(database=DatabaseSettings(url=url)))
    mid = await _create_municipality(url)
    await _bulk_load(url, mid, total, log)
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f"COMMENT ON DATABASE \"{BENCH_DB}\" IS '{_marker(total)}'")
    finally:
        await conn.close()
    log(f"Built {BENCH_DB} in {time.monotonic() - started:.0f} s")
    return url
