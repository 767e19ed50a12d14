"""Benchmark: import 1,000,000 points from a GeoPackage, gisapp against ``ogr2ogr``.

1. Generates a GeoPackage of N points (default 1,000,000) in EPSG:25832 in a temp folder:
   street lights with an id, a name, a lamp technology and a power.
2. Creates a database of its own on the local cluster (``gisapp_bench_import``; or the
   server of ``--database-url``), migrates it, adds a municipality ``bench`` whose
   boundary covers the points.
3. Anchor: ``ogr2ogr -f PostgreSQL`` of the same file into the same PostGIS, reprojected
   to EPSG:4326 like gisapp stores it, with its GiST index (COPY, its defaults).
4. gisapp: the import service as ``gisapp import`` runs it (as gisapp_app, one
   transaction): read (pyogrio), check every row (geometry, boundary, attribute schema,
   duplicates, existing external ids), COPY into a staging table, INSERT into ``asset``
   (history per statement, type rules, public attributes, row-level security, foreign
   keys, five indexes).
5. Prints both times and the ratio (goal: within 1.5x), and drops the database (unless
   ``--keep``).

    .venv/bin/python bench/import_gpkg.py [--rows 1000000] [--keep]

The two do different work: ogr2ogr fills a bare table; gisapp checks each row and writes
into the inventory with its history. The split printed (read+check vs. write) shows where
gisapp's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import local_cluster  # noqa: E402

DB = "gisapp_bench_import"
BOX = (380000.0, 5520000.0, 400000.0, 5540000.0)  # 20 x 20 km in EPSG:25832


def make_gpkg(path: Path, rows: int) -> None:
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(1)
    x = rng.uniform(BOX[0], BOX[2], rows)
    y = rng.uniform(BOX[1], BOX[3], rows)
    gpd.GeoDataFrame({
        "ext_id": [f"L{i:07d}" for i in range(rows)],
        "name": [f"Leuchte {i}" for i in range(rows)],
        "lamp_technology": rng.choice(["LED", "HPS", "MH"], rows),
        "power_w": rng.choice([18.0, 24.0, 36.0, 50.0, 70.0], rows),
    }, geometry=shapely.points(x, y), crs=25832).to_file(path, layer="lights", engine="pyogrio")


async def prepare(admin: str) -> str:
    """A fresh, migrated database with the municipality 'bench'; returns its owner URL."""
    from gisapp import migrate
    from gisapp.database import ensure_app_login, ensure_database
    from gisapp.settings import Settings

    await drop(admin)
    await ensure_database(admin, DB)
    url = admin.rsplit("/", 1)[0] + "/" + DB
    settings = Settings(database={"url": url})
    await asyncio.to_thread(migrate.upgrade, settings.database.url)
    await ensure_app_login(settings)
    await add_municipality(settings)
    return url


async def add_municipality(settings) -> None:
    from sqlalchemy import text

    from gisapp.asset_types.service import seed_builtin_types
    from gisapp.database import admin_url, make_engine, make_sessionmaker, session_scope
    from gisapp.database import set_municipality

    engine = make_engine(settings, admin_url(settings))
    try:
        async with session_scope(make_sessionmaker(engine), actor="bench", db_role=None,
                                 superuser=True) as session:
            mid = await session.scalar(text(
                "INSERT INTO municipality (slug, name, working_crs, boundary) VALUES"
                " ('bench', 'Bench', 25832, ST_Multi(ST_Transform(ST_MakeEnvelope("
                ":x0, :y0, :x1, :y1, 25832), 4326))) RETURNING id"),
                dict(zip(("x0", "y0", "x1", "y1"), BOX)))
            await set_municipality(session, mid)
            await seed_builtin_types(session, mid)
    finally:
        await engine.dispose()


async def drop(admin: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    finally:
        await conn.close()


def ogr2ogr(url: str, gpkg: Path) -> float:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    pg = (f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username} "
          f"password={u.password}")
    start = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg, str(gpkg), "lights", "-nln", "ogr_lights",
                    "-t_srs", "EPSG:4326", "-lco", "SPATIAL_INDEX=GIST", "--config",
                    "PG_USE_COPY", "YES"], check=True, capture_output=True)
    return time.perf_counter() - start


async def gisapp_import(url: str, gpkg: Path) -> tuple[float, float]:
    from gisapp.imports.cli import run_import
    from gisapp.imports.mapping import FieldMapping
    from gisapp.settings import Settings

    # the file is larger than the default upload limit (100 MB); an operator would set
    # GISAPP_IMPORTS__MAX_UPLOAD_MB the same way
    settings = Settings(database={"url": url}, imports={"max_upload_mb": 1024})
    marks: list[float] = []

    def progress(phase: str, done: int, total: int) -> None:
        if not marks:
            marks.append(time.perf_counter())

    start = time.perf_counter()
    report = await run_import(settings, "bench", gpkg,
                              FieldMapping(type="street_light", external_id="ext_id"),
                              dry_run=False, skip_invalid=False, progress=progress)
    total = time.perf_counter() - start
    assert report["result"]["created"] == report["rows"], report["result"]
    return total, (marks[0] - start) if marks else total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="owner URL of a server (default: the local cluster)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if not shutil.which("ogr2ogr"):
        sys.exit("ogr2ogr (gdal-bin) is needed for the anchor")
    admin = args.database_url or local_cluster.owner_url()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; others may be working)")
    folder = Path(tempfile.mkdtemp(prefix="gisapp-bench-import-"))
    try:
        gpkg = folder / "lights.gpkg"
        t = time.perf_counter()
        make_gpkg(gpkg, args.rows)
        print(f"GeoPackage of {args.rows:,} points: {gpkg.stat().st_size / 1e6:.0f} MB "
              f"({time.perf_counter() - t:.1f} s to make)")
        url = asyncio.run(prepare(admin))
        anchor = ogr2ogr(url, gpkg)
        print(f"ogr2ogr -f PostgreSQL:  {anchor:7.1f} s  ({args.rows / anchor:,.0f} rows/s)")
        total, checked = asyncio.run(gisapp_import(url, gpkg))
        print(f"gisapp import:          {total:7.1f} s  ({args.rows / total:,.0f} rows/s)"
              f"  = read+check {checked:.1f} s + COPY/insert {total - checked:.1f} s")
        print(f"ratio gisapp/ogr2ogr:   {total / anchor:7.2f}x  (goal: <= 1.5x)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            asyncio.run(drop(admin))


if __name__ == "__main__":
    main()
