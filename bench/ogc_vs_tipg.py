"""OGC API Features items and vector tiles: gisapp against tipg and the raw-PostGIS floor,
side by side in one run, on one database of 1,000,000 assets (issue 5, item 8).

    .venv/bin/python bench/ogc_vs_tipg.py            # full run (~5 min; ~6 more on the first
                                                     # run, which builds the database)
    .venv/bin/python bench/ogc_vs_tipg.py --quick    # short cases, for a smoke run
    .venv/bin/python bench/ogc_vs_tipg.py --only gisapp   # or tipg, floor

What runs (see bench/README.md for the details and the reasons):

1. the database ``gisapp_bench_ogc`` on the local cluster (``gisapp db start``), migrated and
   filled once (bench/ogc_data.py), reused by later runs;
2. tipg 1.6.1 from its own hash-locked venv (bench/.venv-tipg) on views that show what
   gisapp shows the public (one per public asset type, schema ``bench_tipg``), and gisapp,
   both under uvicorn with 2 workers on 127.0.0.1 (ports 8105, 8106);
3. once: the same feature ids from both for one box, and the same features in one tile;
4. per case (items of a ~500 m box with limit 100, z14 tiles of street lights; 16 and 64
   concurrent clients): wrk (C, one thread) on each server, rotating through the same list
   of boxes/tiles, and the same statements straight through asyncpg (the floor);
5. a table, and the figures as JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))

import local_cluster  # noqa: E402
import ogc_data  # noqa: E402
import ogc_floor  # noqa: E402
import ogc_servers  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
GISAPP_PORT, TIPG_PORT = 8105, 8106
TIPG_SCHEMA = "bench_tipg"
COLLECTION = "street_light"
BOX_M = 500.0
ZOOM = 14
LIMIT = 100
STATES = ("active", "defective", "out_of_service")  # what the public may see
SYSTEMS = ("gisapp", "tipg", "floor", "floor-owner")


def log(message: str) -> None:
    print(message, flush=True)


# --- what is asked: the same boxes and tiles, in the same order, for every system -----------

def random_boxes(n: int, seed: int = 5) -> list[tuple[float, float, float, float]]:
    """``n`` boxes of ~500 x 500 m (drawn in EPSG:25832) inside the data, as lon/lat."""
    rng = random.Random(seed)
    to_wgs84 = Transformer.from_crs(25832, 4326, always_xy=True)
    x0, y0, x1, y1 = ogc_data.AREA
    boxes = []
    for _ in range(n):
        cx = rng.uniform(x0 + BOX_M / 2, x1 - BOX_M / 2)
        cy = rng.uniform(y0 + BOX_M / 2, y1 - BOX_M / 2)
        w, s, e, nn = to_wgs84.transform_bounds(cx - BOX_M / 2, cy - BOX_M / 2,
                                                cx + BOX_M / 2, cy + BOX_M / 2)
        boxes.append(tuple(round(v, 6) for v in (w, s, e, nn)))
    return boxes


def random_tiles(n: int, seed: int = 14, z: int = ZOOM) -> list[tuple[int, int, int]]:
    """``n`` web-mercator tiles at zoom ``z`` under random points of the data area."""
    rng = random.Random(seed)
    to_wgs84 = Transformer.from_crs(25832, 4326, always_xy=True)
    x0, y0, x1, y1 = ogc_data.AREA
    tiles = []
    for _ in range(n):
        lon, lat = to_wgs84.transform(rng.uniform(x0, x1), rng.uniform(y0, y1))
        scale = 2 ** z
        x = int((lon + 180.0) / 360.0 * scale)
        r = math.radians(lat)
        y = int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * scale)
        tiles.append((z, x, y))
    return tiles


def bbox_param(box) -> str:
    return ",".join(f"{v:.6f}" for v in box)


# --- tipg's views: what gisapp shows the public, one view per public type -------------------

_SQL_TYPES = {"string": "text", "number": "double precision", "integer": "bigint",
              "boolean": "boolean"}


async def tipg_views(url: str, mid: uuid.UUID) -> dict[str, list[str]]:
    """Views ``bench_tipg.<type>`` with the columns gisapp's public items carry (the public
    attributes flattened into typed columns); tipg connects as the owner, so the view
    itself applies what row-level security and the column grants do for gisapp's public.
    Returns each view's attribute columns."""
    conn = await asyncpg.connect(url)
    columns: dict[str, list[str]] = {}
    try:
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {TIPG_SCHEMA} CASCADE")
            await conn.execute(f"CREATE SCHEMA {TIPG_SCHEMA}")
            types = await conn.fetch(
                "SELECT code, attribute_schema FROM asset_type WHERE municipality_id = $1"
                " AND public_allowed ORDER BY code", mid)
            for t in types:
                props = json.loads(t["attribute_schema"]).get("properties", {})
                attrs = []
                for key, spec in props.items():
                    if not isinstance(spec, dict) or spec.get("x-internal"):
                        continue
                    kind = spec.get("type")
                    cast = ("date" if spec.get("format") == "date" else _SQL_TYPES.get(kind))
                    expr = (await conn.fetchval(
                        "SELECT format('(a.public_attributes ->> %L)::%s AS %I', $1::text,"
                        " $2::text, $1::text)", key, cast) if cast else await conn.fetchval(
                        "SELECT format('(a.public_attributes -> %L) AS %I', $1::text, $1::text)",
                        key))
                    attrs.append(expr)
                    columns.setdefault(t["code"], []).append(key)
                ddl = await conn.fetchval(
                    "SELECT format($q$CREATE VIEW %I.%I AS SELECT a.id, a.code, a.name,"
                    " a.type_code AS type, a.status, a.installed_on, a.manufacturer, a.model,"
                    " (SELECT v.id FROM public.asset v WHERE v.municipality_id = a.municipality_id"
                    "   AND v.id = a.parent_id AND v.is_public AND v.status = ANY(%L::text[]))"
                    "   AS parent_id, a.updated_at, %s, a.geom FROM public.asset a"
                    " WHERE a.municipality_id = %L AND a.type_code = %L AND a.is_public"
                    " AND a.status = ANY(%L::text[])$q$, $1::text, $2::text, $3::text[], $4::text,"
                    " $5::text, $2::text, $3::text[])",
                    TIPG_SCHEMA, t["code"], list(STATES), ", ".join(attrs), str(mid))
                await conn.execute(ddl)
    finally:
        await conn.close()
    return columns


# --- the paths each system is asked for ------------------------------------------------------

def gisapp_paths(kind: str, boxes, tiles) -> list[str]:
    base = f"/ogc/{ogc_data.SLUG}/collections/{COLLECTION}"
    if kind == "items":
        return [f"{base}/items?bbox={bbox_param(b)}&limit={LIMIT}" for b in boxes]
    return [f"{base}/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in tiles]


def tipg_paths(kind: str, boxes, tiles, tile_properties: str) -> list[str]:
    base = f"/collections/{TIPG_SCHEMA}.{COLLECTION}"
    if kind == "items":
        return [f"{base}/items?bbox={bbox_param(b)}&limit={LIMIT}" for b in boxes]
    # the properties gisapp's tiles carry (id, code, name, type, status, attributes)
    return [f"{base}/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={tile_properties}"
            for z, x, y in tiles]


def floor_query(kind: str, mid: uuid.UUID, boxes, tiles):
    """gisapp's own statement for request i, as the public asks it (gisapp.ogc)."""
    from gisapp.ogc.crs import CRS84_OUT
    from gisapp.ogc.features_sql import ItemsQuery
    from gisapp.ogc.tiles_sql import collection_tile_sql

    if kind == "items":
        def query(i: int):
            return ItemsQuery(mid, COLLECTION, False, CRS84_OUT, LIMIT,
                              bbox=boxes[i % len(boxes)]).sql()
    else:
        def query(i: int):
            z, x, y = tiles[i % len(tiles)]
            return collection_tile_sql(mid, COLLECTION, z, x, y, False)
    return query


# --- correctness once: the same features from both servers -----------------------------------

def _all_pages(http: httpx.Client, url: str) -> list[str]:
    ids: list[str] = []
    for _ in range(100):
        response = http.get(url)
        response.raise_for_status()
        doc = response.json()
        ids += [str(f["id"]) for f in doc["features"]]
        url = next((l["href"] for l in doc.get("links", []) if l.get("rel") == "next"), None)
        if not url or not doc["features"]:
            break
    return ids


def check_same(gisapp: str, tipg: str, box, tile, tile_properties: str) -> dict:
    """For one box: the same first page (both order by id) and the same ids over all pages;
    for one tile: the same features. Stops the run when they differ."""
    import mapbox_vector_tile

    out = {}
    with httpx.Client(timeout=60) as http:
        g_url = gisapp + gisapp_paths("items", [box], [])[0]
        t_url = tipg + tipg_paths("items", [box], [], "")[0]
        g_first = [str(f["id"]) for f in http.get(g_url).json()["features"]]
        t_first = [str(f["id"]) for f in http.get(t_url).json()["features"]]
        g_all, t_all = _all_pages(http, g_url), _all_pages(http, t_url)
        out["items"] = {"bbox": box, "first_page": len(g_first), "all_pages": len(g_all),
                        "same": g_first == t_first and sorted(g_all) == sorted(t_all)
                        and len(g_all) == len(set(g_all))}
        if not out["items"]["same"]:
            raise SystemExit(f"gisapp and tipg differ for bbox {box}: first pages "
                             f"{len(g_first)}/{len(t_first)} features, all pages "
                             f"{len(g_all)}/{len(t_all)}; "
                             f"only gisapp: {sorted(set(g_all) - set(t_all))[:5]}, "
                             f"only tipg: {sorted(set(t_all) - set(g_all))[:5]}")
        g_tile = http.get(gisapp + gisapp_paths("tiles", [], [tile])[0])
        t_tile = http.get(tipg + tipg_paths("tiles", [], [tile], tile_properties)[0])
        g_ids = {f["properties"]["id"] for layer in mapbox_vector_tile.decode(g_tile.content).values()
                 for f in layer["features"]}
        t_ids = {str(f["properties"]["id"]) for layer in mapbox_vector_tile.decode(t_tile.content).values()
                 for f in layer["features"]}
        # gisapp also takes the features of the tile's buffer (64/4096 on each side) into
        # the tile, tipg only those inside it: tipg's must be a subset of gisapp's
        out["tiles"] = {"tile": tile, "gisapp_features": len(g_ids), "tipg_features": len(t_ids),
                        "tipg_subset_of_gisapp": t_ids <= g_ids,
                        "gisapp_bytes": len(g_tile.content), "tipg_bytes": len(t_tile.content)}
        if not t_ids <= g_ids or len(g_ids) > 1.1 * len(t_ids):
            raise SystemExit(f"tile {tile}: {len(g_ids)} features from gisapp, {len(t_ids)} from "
                             f"tipg ({len(t_ids - g_ids)} only in tipg)")
    return out


# --- measuring --------------------------------------------------------------------------------

class CpuMeter:
    """CPU seconds used during a window by the server, PostgreSQL, the client and the rest
    of the machine ("other": other engineers' work, the cluster's background processes).

    PostgreSQL: the bench database's backends, plus what processes that ended during the
    window used in it: the parallel workers, which live for one query (the postmaster reaps
    them, so their time shows in its cutime/cstime). A backend that ended during the window
    brings its whole life's time into cutime; what it had used before the window is taken
    off again (known from the first sample)."""

    def __init__(self, postmaster: int, server: ogc_servers.Server | None):
        self.postmaster = postmaster
        self.server = server

    def _sample(self) -> dict:
        children = {p: ogc_servers.cpu_seconds([p])
                    for p in ogc_servers._children(self.postmaster)}
        bench = {p for p in children
                 if ogc_servers.cmdline(p).find(f" {ogc_data.BENCH_DB} ") > 0}
        own = os.times()
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"t": time.monotonic(), "machine": ogc_servers.machine_busy_seconds(),
                "server": self.server.cpu() if self.server else 0.0,
                "children": children, "bench": bench,
                "reaped": ogc_servers.reaped_cpu_seconds(self.postmaster),
                "client": own.user + own.system + child.ru_utime + child.ru_stime}

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict:
        after = self._sample()
        b = self.before
        pg = sum(after["children"][p] - b["children"].get(p, 0.0) for p in after["bench"])
        gone = sum(v for p, v in b["children"].items() if p not in after["children"])
        pg += max(0.0, after["reaped"] - b["reaped"] - gone)
        used = {"server": after["server"] - b["server"], "postgres": pg,
                "client": after["client"] - b["client"]}
        used["other"] = max(0.0, after["machine"] - b["machine"] - sum(used.values()))
        used["window"] = after["t"] - b["t"]
        return {k: round(v, 3) for k, v in used.items()}


def run_wrk(base: str, paths: list[str], connections: int, seconds: float,
            path_file: Path) -> dict:
    """wrk with one thread (little CPU taken from the servers) over ``paths``."""
    path_file.write_text("\n".join(paths) + "\n")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
           "--latency", "-s", str(BENCH / "wrk_rotate.lua"), base, "--", str(path_file), "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk said:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("WRK_JSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


async def measure_floor(url: str, mid: uuid.UUID, kind: str, boxes, tiles, concurrency: int,
                        seconds: float, warmup: float, meter: CpuMeter, as_owner: bool) -> dict:
    """gisapp's statements straight from asyncpg: as the public role under row-level
    security (``floor``: what gisapp's public request runs), or as the owner, who bypasses
    it (``floor-owner``: what PostGIS does with the same statement without RLS)."""
    from gisapp.database import app_url as make_app_url
    from gisapp.settings import DatabaseSettings, Settings

    setup = [("SET plan_cache_mode = force_custom_plan", [])]
    dsn = url
    if not as_owner:
        setup += [("SET ROLE gisapp_public", []),
                  ("SELECT set_config('gisapp.municipality_id', $1, false)", [str(mid)])]
        dsn = make_app_url(Settings(database=DatabaseSettings(url=url))).replace(
            "postgresql+asyncpg://", "postgresql://")
    return await ogc_floor.run_floor(
        dsn, setup, floor_query(kind, mid, boxes, tiles),
        column="body" if kind == "items" else "mvt", concurrency=concurrency,
        duration=seconds, warmup=warmup, on_start=meter.start, on_stop=meter.stop)


# --- report -----------------------------------------------------------------------------------

def _ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def _rate(rps: float) -> str:
    return f"{rps:.0f}" if rps >= 10 else f"{rps:.1f}"


def _num(value: float) -> str:
    """Two decimals for small figures, none for large ones (columns stay aligned)."""
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def cpu_per_request(r: dict) -> float:
    """Milliseconds of CPU the answer cost: server plus PostgreSQL (not the load generator).
    Steadier than req/s on a machine others share. 0 when nothing was answered."""
    if not r["requests"]:
        return 0.0
    return (r["cpu"]["server"] + r["cpu"]["postgres"]) * 1000 / r["requests"]


def table(results: dict) -> str:
    """The figures per case and system, then gisapp's ratios against tipg and the floor."""
    rows = [f"{'case':<11}{'system':<12}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'KB/resp':>8}"
            f"{'errors':>7} | CPU ms/req:{'server':>7}{'postgres':>9}{'=answer':>8}"
            f"{'client':>7}{'other':>7}"]
    for case, systems in results["cases"].items():
        for name in SYSTEMS:
            r = systems.get(name)
            if r is None:
                continue
            n = max(r["requests"], 1)
            cpu = r["cpu"]
            errors = sum(r["errors"].values())
            rows.append(
                f"{case:<11}{name:<12}{_rate(r['rps']):>7}{_ms(r['latency_us']['p50']):>8}"
                f"{_ms(r['latency_us']['p99']):>8}{r['bytes'] / n / 1024:>8.1f}{errors:>7} |"
                f"{'':>11}{_num(cpu['server'] * 1000 / n):>7}{_num(cpu['postgres'] * 1000 / n):>9}"
                f"{_num(cpu_per_request(r)):>8}{_num(cpu['client'] * 1000 / n):>7}"
                f"{_num(cpu['other'] * 1000 / n):>7}")
        rows.append("")
    head = [("case", "", "goal"), ("gisapp/tipg", "req/s", ">= 1"),
            ("p99 gisapp", "/tipg", "<= 1"), ("floor/gisapp", "req/s", "<= 1.3"),
            ("p50 gisapp", "/floor", ""), ("CPU/answer", "gisapp/floor", "<= 1.3"),
            ("CPU/answer", "gisapp/tipg", "<= 1"), ("floor-owner", "/gisapp req/s", "")]
    widths = [11] + [14] * (len(head) - 1)
    for line in range(3):
        rows.append("".join(f"{h[line]:<{w}}" if i == 0 else f"{h[line]:>{w}}"
                            for i, (h, w) in enumerate(zip(head, widths))))
    keys = ["throughput_vs_tipg", "p99_vs_tipg", "floor_vs_gisapp", "p50_vs_floor",
            "cpu_vs_floor", "cpu_vs_tipg", "floor_owner_vs_gisapp"]
    for case, ratio in results["ratios"].items():
        cells = ["—" if ratio.get(k) is None else _num(ratio[k]) for k in keys]
        rows.append(f"{case:<11}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(rows)


def ratios(systems: dict) -> dict:
    """gisapp against tipg and against the floor (None where a side has no figure)."""
    g, t, f = systems.get("gisapp"), systems.get("tipg"), systems.get("floor")
    o = systems.get("floor-owner")

    def div(a: float, b: float) -> float | None:
        return a / b if a and b else None

    out = {}
    if g and t:
        out["throughput_vs_tipg"] = div(g["rps"], t["rps"])
        out["p99_vs_tipg"] = div(g["latency_us"]["p99"], t["latency_us"]["p99"])
        out["cpu_vs_tipg"] = div(cpu_per_request(g), cpu_per_request(t))
    if g and f:
        out["floor_vs_gisapp"] = div(f["rps"], g["rps"])
        out["p50_vs_floor"] = div(g["latency_us"]["p50"], f["latency_us"]["p50"])
        out["cpu_vs_floor"] = div(cpu_per_request(g), cpu_per_request(f))
    if g and o:
        out["floor_owner_vs_gisapp"] = div(o["rps"], g["rps"])
    return out


# --- the run ----------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="5 s per case after 2 s warm-up")
    p.add_argument("--only", choices=SYSTEMS, action="append",
                   help="measure only this system (repeatable)")
    p.add_argument("--duration", type=float, help="seconds per case (default 15; quick 5)")
    p.add_argument("--warmup", type=float, help="warm-up seconds per case (default 3; quick 2)")
    p.add_argument("--clients", default="16,64", help="concurrent clients, comma-separated")
    p.add_argument("--cases", default="items,tiles", help="items and/or tiles")
    p.add_argument("--no-leakproof", action="store_true",
                   help="mark PostGIS's bounding-box operators NOT LEAKPROOF for this run "
                   "(restored afterwards), as they stay where the database owner is no "
                   "superuser (migration 0007 then only warns): under row-level security "
                   "the spatial index is not used")
    p.add_argument("--json", type=Path, help="where to write the figures "
                   "(default bench/results/ogc_vs_tipg-<time>.json)")
    return p.parse_args()


async def _postmaster(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{backend}/stat").read_text()  # while the backend lives
    finally:
        await conn.close()
    return int(stat.rsplit(")", 1)[1].split()[1])


# PostGIS's bounding-box operators that migration 0007 marks LEAKPROOF (when the owner is a
# superuser); the first is && on geometry, the one the bbox and tile statements use
BBOX_FUNCTIONS = ("geometry_overlaps(geometry, geometry)", "geometry_within(geometry, geometry)",
                  "geometry_contains(geometry, geometry)",
                  "geography_overlaps(geography, geography)", "overlaps_2d(geometry, box2df)",
                  "is_contained_2d(geometry, box2df)", "contains_2d(geometry, box2df)",
                  "overlaps_geog(geography, gidx)")


async def leakproof(url: str, wanted: bool | None) -> tuple[bool, bool]:
    """Whether ``&&`` is LEAKPROOF in the bench database (as migrated, now); with ``wanted``
    set, make the bounding-box operators so. Under row-level security PostgreSQL uses an
    index only for conditions whose functions are leakproof.

    A change is noted in ``bench_meta.state`` first, so that a run that was killed before it
    could restore the flags is undone by the next run."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE SCHEMA IF NOT EXISTS bench_meta;"
                           " CREATE TABLE IF NOT EXISTS bench_meta.state"
                           " (key text PRIMARY KEY, value text NOT NULL)")
        now = await conn.fetchval(
            f"SELECT proleakproof FROM pg_proc WHERE oid = '{BBOX_FUNCTIONS[0]}'::regprocedure")
        left = await conn.fetchval(
            "SELECT value FROM bench_meta.state WHERE key = 'overlaps_leakproof_before'")
        migrated = now if left is None else left == "true"
        target = migrated if wanted is None else wanted
        async with conn.transaction():
            if target != now:
                for function in BBOX_FUNCTIONS:
                    if await conn.fetchval("SELECT to_regprocedure($1)", function):
                        await conn.execute(f"ALTER FUNCTION {function} "
                                           f"{'' if target else 'NOT '}LEAKPROOF")
            if target == migrated:
                await conn.execute("DELETE FROM bench_meta.state"
                                   " WHERE key = 'overlaps_leakproof_before'")
            else:
                await conn.execute(
                    "INSERT INTO bench_meta.state VALUES ('overlaps_leakproof_before', $1)"
                    " ON CONFLICT (key) DO NOTHING", "true" if migrated else "false")
        return migrated, target
    finally:
        await conn.close()


async def drain(url: str, wait: float = 30.0, limit: float = 180.0) -> int:
    """Wait until the bench database has been idle for a second: a slow server's abandoned
    requests (running, or queued for a pooled connection) would otherwise eat into the next
    measurement. Statements still running after ``wait`` seconds are cancelled, again and
    again (queued requests start new ones), for at most ``limit`` seconds. Returns how
    many statements were cancelled."""
    conn = await asyncpg.connect(url)
    busy = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'")
    cancelled, start, idle_since = 0, time.monotonic(), None
    try:
        while time.monotonic() - start < limit:
            pids = [r["pid"] for r in await conn.fetch(busy)]
            now = time.monotonic()
            if not pids:
                idle_since = idle_since or now
                if now - idle_since >= 1.0:
                    break
            else:
                idle_since = None
                if now - start >= wait:
                    for pid in pids:
                        cancelled += await conn.fetchval("SELECT pg_cancel_backend($1)", pid)
            await asyncio.sleep(0.2)
        return cancelled
    finally:
        await conn.close()


async def _municipality(url: str) -> uuid.UUID:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT id FROM municipality WHERE slug = $1", ogc_data.SLUG)
    finally:
        await conn.close()


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed to send the requests: apt-get install wrk (bench/README.md)")
    only = set(args.only or SYSTEMS)
    seconds = args.duration or (5.0 if args.quick else 15.0)
    warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 3.0)
    clients = [int(c) for c in args.clients.split(",")]
    kinds = [k.strip() for k in args.cases.split(",")]
    started = datetime.now(UTC)
    uptime_before = Path("/proc/loadavg").read_text().split()[:3]
    log(f"Load average before: {' '.join(uptime_before)} (2 cores; others may be working)")

    url = asyncio.run(ogc_data.ensure_bench_db(local_cluster.owner_url(), log=log))
    mid = asyncio.run(_municipality(url))
    postmaster = asyncio.run(_postmaster(url))
    boxes, tiles = random_boxes(2000), random_tiles(1000)
    attr_columns = asyncio.run(tipg_views(url, mid))
    # a kill (Ctrl-C, SIGTERM) still stops the servers and restores the flag
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    was_leakproof, now_leakproof = asyncio.run(leakproof(url, False if args.no_leakproof else None))
    log(f"&& (geometry_overlaps) LEAKPROOF: {now_leakproof}"
        + (" (for this run; restored afterwards)" if now_leakproof != was_leakproof else
           " (as migrated)"))
    tile_properties = ",".join(["id", "code", "name", "type", "status", *attr_columns[COLLECTION]])

    servers: dict[str, ogc_servers.Server] = {}
    path_file = Path(tempfile.gettempdir()) / f"bench-ogc-paths-{os.getpid()}.txt"
    try:
        if "gisapp" in only:
            servers["gisapp"] = ogc_servers.gisapp_server(url, GISAPP_PORT)
        if "tipg" in only:
            python = ogc_servers.ensure_tipg_venv(log)
            servers["tipg"] = ogc_servers.tipg_server(python, url, TIPG_SCHEMA, TIPG_PORT)
        for name, server in servers.items():
            log(f"Starting {name} on {server.base} (uvicorn, {ogc_servers.WORKERS} workers)")
            server.start()
        results: dict = {
            "started": started.isoformat(timespec="seconds"), "machine_cores": os.cpu_count(),
            "load_before": uptime_before, "assets": ogc_data.TOTAL, "collection": COLLECTION,
            "box_m": BOX_M, "limit": LIMIT, "zoom": ZOOM, "seconds": seconds, "warmup": warmup,
            "workers": ogc_servers.WORKERS, "tipg": ogc_servers.TIPG_VERSION,
            "overlaps_leakproof": now_leakproof,
            "leakproof_set_by_bench": now_leakproof != was_leakproof, "cases": {},
            "ratios": {},
        }
        if {"gisapp", "tipg"} <= set(servers):
            log("Checking that gisapp and tipg answer the same features …")
            results["check"] = check_same(servers["gisapp"].base, servers["tipg"].base,
                                          boxes[0], tiles[0], tile_properties)
            log(f"  items: {results['check']['items']}\n  tiles: {results['check']['tiles']}")

        for kind in kinds:
            for c in clients:
                case = f"{kind}/{c}"
                systems = results["cases"][case] = {}
                for name in SYSTEMS:
                    if name not in only:
                        continue
                    if cancelled := asyncio.run(drain(url)):
                        log(f"  ({cancelled} statements of the previous case still ran after "
                            "30 s: cancelled)")
                    log(f"{case}: {name} …")
                    if name.startswith("floor"):
                        meter = CpuMeter(postmaster, None)
                        r = asyncio.run(measure_floor(url, mid, kind, boxes, tiles, c, seconds,
                                                      warmup, meter, name == "floor-owner"))
                    else:
                        server = servers[name]
                        paths = (gisapp_paths(kind, boxes, tiles) if name == "gisapp"
                                 else tipg_paths(kind, boxes, tiles, tile_properties))
                        if warmup:
                            run_wrk(server.base, paths, c, warmup, path_file)
                        meter = CpuMeter(postmaster, server)
                        meter.start()
                        r = run_wrk(server.base, paths, c, seconds, path_file)
                        r["cpu"] = meter.stop()
                    r["load"] = Path("/proc/loadavg").read_text().split()[:3]
                    systems[name] = r
                    log(f"  {_rate(r['rps'])} req/s, p50 {_ms(r['latency_us']['p50'])} ms, "
                        f"p99 {_ms(r['latency_us']['p99'])} ms, errors {r['errors']}, "
                        f"CPU s {r['cpu']}")
                results["ratios"][case] = ratios(systems)
    finally:
        path_file.unlink(missing_ok=True)
        for server in servers.values():
            server.stop()
        if now_leakproof != was_leakproof:
            asyncio.run(leakproof(url, None))  # back to what the migrations made

    results["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    print()
    print(table(results))
    print(f"\nLoad average before {' '.join(results['load_before'])}, after "
          f"{' '.join(results['load_after'])}; 'other' = CPU used meanwhile by the rest of the "
          "machine. Figures are relative: read them side by side.")
    target = args.json or RESULTS / f"ogc_vs_tipg-{started:%Y%m%dT%H%M%SZ}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1) + "\n")
    print(f"Figures: {target}")


if __name__ == "__main__":
    main()
