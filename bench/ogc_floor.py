"""The raw-PostGIS floor of bench/ogc_vs_tipg.py: gisapp's own statements, straight from
asyncpg, with no HTTP and no web framework in between.

Each of ``concurrency`` connections is set up once as the public request would be
(``SET ROLE gisapp_public``, the municipality, ``plan_cache_mode = force_custom_plan``,
so row-level security and the plans are those of a request) and then runs one statement
per "request" in autocommit: the least any server could do for the same answer. gisapp's
public pool is set up the same way (``gisapp.database.make_public_pool``), so what gisapp
does on top is HTTP, building the page around PostgreSQL's bytes, and narrowing a connection
again when it serves another municipality: what the 1.3x goal allows.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import numpy as np

Query = Callable[[int], tuple[str, list[Any]]]


def latency_stats(latencies_ns: list[int], requests: int, seconds: float, size: int,
                  errors: int) -> dict:
    """The same figures as the wrk runs report (microseconds)."""
    lat = np.array(latencies_ns, dtype=np.float64) / 1000.0 if latencies_ns else np.zeros(1)
    return {
        "requests": requests, "duration_us": int(seconds * 1e6), "bytes": size,
        "rps": requests / seconds if seconds else 0.0,
        "errors": {"status": errors},
        "latency_us": {"mean": float(lat.mean()), "p50": float(np.percentile(lat, 50)),
                       "p90": float(np.percentile(lat, 90)),
                       "p99": float(np.percentile(lat, 99)),
                       "p999": float(np.percentile(lat, 99.9)), "max": float(lat.max())},
    }


async def run_floor(dsn: str, setup: list[tuple[str, list[Any]]], query: Query, *,
                    column: str, concurrency: int, duration: float, warmup: float,
                    on_start: Callable[[], None], on_stop: Callable[[], dict]) -> dict:
    """Run ``query(i)`` for i = 0, 1, 2 … on ``concurrency`` connections for ``duration``
    seconds (after ``warmup`` seconds whose results are dropped); ``column`` is the answer
    (its size is counted). ``on_start``/``on_stop`` bracket the measured window; what
    ``on_stop`` returns is the result's ``cpu``."""

    async def init(conn: asyncpg.Connection) -> None:
        for sql, args in setup:
            await conn.execute(sql, *args)

    conns = await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(concurrency)))
    try:
        await asyncio.gather(*(init(c) for c in conns))
        counter = itertools.count()
        phase = {"measuring": False, "stop": False}
        latencies: list[int] = []
        totals = {"requests": 0, "bytes": 0, "errors": 0}

        async def worker(conn: asyncpg.Connection) -> None:
            while not phase["stop"]:
                sql, args = query(next(counter))
                t0 = time.perf_counter_ns()
                try:
                    row = await conn.fetchrow(sql, *args)
                    ok = row is not None
                except asyncpg.PostgresError:
                    ok = False
                t1 = time.perf_counter_ns()
                if phase["measuring"] and not phase["stop"]:
                    totals["requests"] += 1
                    if ok:
                        latencies.append(t1 - t0)
                        value = row[column]
                        totals["bytes"] += len(value) if value is not None else 0
                    else:
                        totals["errors"] += 1

        tasks = [asyncio.create_task(worker(c)) for c in conns]
        await asyncio.sleep(warmup)
        on_start()
        phase["measuring"] = True
        start = time.perf_counter()
        await asyncio.sleep(duration)
        phase["stop"] = True
        seconds = time.perf_counter() - start
        cpu = on_stop()
        await asyncio.gather(*tasks)
        result = latency_stats(latencies, totals["requests"], seconds, totals["bytes"],
                               totals["errors"])
        result["cpu"] = cpu
        return result
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
