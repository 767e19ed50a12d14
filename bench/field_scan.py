"""Benchmark of what a crew member waits for at the pole: the scan page and the scan API.

1. First load of the scan page (/t/{token}) in Chromium under slow-3G emulation (CDP
   Network.emulateNetworkConditions: 400 ms latency, 400 kbit/s down and up), empty cache,
   logged in as crew: bytes transferred until the card is usable, and the time to usable
   (the app marks ``usable`` when the card with its buttons is on the screen).
   Goal: at most 100 KB, usable within 3 s.
2. GET /api/v1/scan/{token} with 32 concurrent clients over the demo's labels, as crew and
   as the public: latency p50/p95/p99 and throughput. Goal: p99 at most 50 ms. The load
   comes from ``wrk`` (a C load generator: ``apt-get install wrk``) for a fixed time, so
   the generator does not take the server's CPU; without wrk, from httpx (a bounded number
   of requests), which on a 2-core machine takes about a quarter of the CPU itself.

It starts its own server (``gisapp serve --demo``: migrates, loads the demo into an empty
database) on a free port of 127.0.0.1, against ``--database-url`` or GISAPP_DATABASE__URL,
or measures a running one given with ``--base-url`` (loopback addresses only).

    .venv/bin/python bench/field_scan.py --database-url postgresql://…
    .venv/bin/python bench/field_scan.py --base-url http://127.0.0.1:8000 --password …

Needs Debian's chromium (/usr/bin/chromium) for part 1; ``--skip-browser`` leaves it out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}
GOALS = {"first_load_bytes": 100 * 1024, "usable_s": 3.0, "p99_ms": 50.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def own_server(database_url: str, workers: int):
    """``gisapp serve`` on a free loopback port; stopped (Ctrl-C) at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GISAPP_DATABASE__URL": database_url,
           "GISAPP_SERVER__PUBLIC_BASE_URL": base,
           "GISAPP_MAPS__AUTO_BUILD": "false"}  # building public maps is not what is measured
    gisapp = Path(sys.executable).parent / "gisapp"
    proc = subprocess.Popen([str(gisapp), "serve", "--demo", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180  # an empty database gets the demo first
        async with httpx.AsyncClient(base_url=base, timeout=2) as http:
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(f"the server ended: {proc.stderr.read()[-2000:]}")
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not come up within 3 minutes")
                await asyncio.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


async def log_in(base: str, username: str, password: str) -> dict[str, str]:
    """Headers of a logged-in person (the Secure cookie set by hand: plain http here)."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        r = await http.post("/api/v1/auth/login",
                            json={"username": username, "password": password})
        if r.status_code != 200:
            raise SystemExit(f"login as {username} failed ({r.status_code}): pass --password")
        return {"Cookie": f"gisapp_session={r.cookies['gisapp_session']}",
                "X-CSRF-Token": r.json()["csrf_token"]}


async def label_tokens(base: str, headers: dict[str, str], slug: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        r = await http.get(f"/api/v1/municipalities/{slug}/tags",
                           params={"state": "active", "limit": 1000})
        r.raise_for_status()
        tokens = [t["token"] for t in r.json()]
    if not tokens:
        raise SystemExit(f"{slug} has no active labels to scan (load the demo)")
    return tokens


# --- 1. the page under slow 3G -------------------------------------------------------------


async def first_load(base: str, token: str, cookie: str | None) -> dict[str, float]:
    """Bytes and seconds until the card is usable, on an empty cache under slow 3G."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=["--no-sandbox", "--disable-gpu"])
        # no service worker: its precaching after the first paint is not the first load
        context = await browser.new_context(viewport={"width": 390, "height": 844},
                                            locale="de-DE", service_workers="block")
        if cookie:
            host = urlsplit(base).hostname
            await context.add_cookies([{"name": "gisapp_session", "value": cookie,
                                        "domain": host, "path": "/", "secure": True,
                                        "httpOnly": True, "sameSite": "Lax"}])
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        received: list[tuple[float, int]] = []
        cdp.on("Network.loadingFinished",
               lambda e: received.append((time.monotonic(), e["encodedDataLength"])))
        await page.goto(f"{base}/t/{token}", wait_until="commit")
        await page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        usable_at = time.monotonic()
        usable_ms = await page.evaluate(
            "() => performance.getEntriesByName('usable')[0].startTime")
        await browser.close()
    return {"bytes": sum(n for at, n in received if at <= usable_at),
            "requests": sum(1 for at, _ in received if at <= usable_at),
            "usable_s": usable_ms / 1000}


# --- 2. the scan API under load -------------------------------------------------------------


async def load(base: str, tokens: list[str], headers: dict[str, str], total: int,
               concurrency: int) -> dict[str, float]:
    """``total`` scans over random labels by ``concurrency`` clients at once."""
    latencies: list[float] = []
    errors = 0
    queue = iter(random.Random(42).choices(tokens, k=total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as http:
        for token in tokens[:concurrency]:  # warm the pool and the server
            await http.get(f"/api/v1/scan/{token}")

        async def client() -> None:
            nonlocal errors
            for token in queue:
                started = time.perf_counter()
                r = await http.get(f"/api/v1/scan/{token}")
                latencies.append((time.perf_counter() - started) * 1000)
                errors += r.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "p50": cuts[49], "p95": cuts[94],
            "p99": cuts[98], "max": max(latencies), "rps": len(latencies) / elapsed}


WRK_SCRIPT = """
local tokens = {}
for line in io.lines(os.getenv("SCAN_TOKENS")) do tokens[#tokens + 1] = line end
local cookie = os.getenv("SCAN_COOKIE") or ""
local n = 0
request = function()
  n = n + 1
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", "/api/v1/scan/" .. tokens[(n * 7919) % #tokens + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.status + e.connect + e.read + e.write, e.timeout))
end
"""


def load_wrk(base: str, tokens: list[str], headers: dict[str, str], seconds: int,
             concurrency: int) -> dict[str, float]:
    """``concurrency`` connections scanning for ``seconds`` with wrk (2 threads)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tokens").write_text("\n".join(tokens))
        (Path(tmp) / "scan.lua").write_text(WRK_SCRIPT)
        env = {**os.environ, "SCAN_TOKENS": str(Path(tmp) / "tokens"),
               "SCAN_COOKIE": headers.get("Cookie", "")}
        subprocess.run(["wrk", "-t2", f"-c{concurrency}", "-d2s", "-s", "scan.lua", base],
                       cwd=tmp, env=env, check=True, capture_output=True)  # warm-up
        out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "-s",
                              "scan.lua", base], cwd=tmp, env=env, check=True,
                             capture_output=True, text=True).stdout
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, duration_us, p50, p95, p99, top, errors, timeouts = map(int, fields)
    return {"requests": requests, "errors": errors + timeouts, "p50": p50 / 1000,
            "p95": p95 / 1000, "p99": p99 / 1000, "max": top / 1000,
            "rps": requests / (duration_us / 1e6)}


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


async def run(args: argparse.Namespace, base: str) -> int:
    password = args.password
    if password is None:
        from gisapp.demo.loader import demo_password
        from gisapp.settings import load_settings
        password = demo_password(load_settings())
    crew = await log_in(base, args.user, password)
    tokens = await label_tokens(base, crew, args.municipality)
    print(f"server {base}, {len(tokens)} active labels of {args.municipality}")
    missed = 0

    if not args.skip_browser:
        if not CHROMIUM.exists():
            raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium), or --skip-browser")
        print("\n1. scan page, first load under slow 3G (400 ms, 400/400 kbit/s), empty cache")
        for who, cookie in (("crew", crew["Cookie"].split("=", 1)[1]), ("public", None)):
            page = await first_load(base, tokens[0], cookie)
            size_ok = page["bytes"] <= GOALS["first_load_bytes"]
            time_ok = page["usable_s"] <= GOALS["usable_s"]
            missed += (not size_ok) + (not time_ok)
            print(f"   {who:6}  transfer {page['bytes'] / 1024:6.1f} KB in {page['requests']:2d}"
                  f" requests ({verdict(size_ok)}, goal ≤ 100 KB);  usable after"
                  f" {page['usable_s']:.2f} s ({verdict(time_ok)}, goal ≤ 3 s)")

    use_wrk = shutil.which("wrk") is not None and not args.httpx
    amount = f"{args.seconds} s with wrk" if use_wrk else f"{args.requests} requests (httpx)"
    print(f"\n2. GET /api/v1/scan/{{token}}: {amount}, {args.concurrency} concurrent clients,"
          f" server with {args.workers} worker(s); load average {os.getloadavg()[0]:.2f}")
    for who, headers in (("crew", crew), ("public", {})):
        if use_wrk:
            stats = load_wrk(base, tokens, headers, args.seconds, args.concurrency)
        else:
            stats = await load(base, tokens, headers, args.requests, args.concurrency)
        ok = stats["p99"] <= GOALS["p99_ms"] and stats["errors"] == 0
        missed += not ok
        print(f"   {who:6}  p50 {stats['p50']:6.1f} ms  p95 {stats['p95']:6.1f} ms  p99"
              f" {stats['p99']:6.1f} ms  max {stats['max']:6.1f} ms  {stats['rps']:7.1f} req/s"
              f"  errors {stats['errors']}  ({verdict(ok)}, goal p99 ≤ 50 ms)")
    return 1 if missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", default=os.environ.get("GISAPP_DATABASE__URL"),
                       help="start a server on this database (default GISAPP_DATABASE__URL)")
    where.add_argument("--base-url", help="measure a running server (loopback only)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--requests", type=int, default=3000, help="with httpx")
    parser.add_argument("--seconds", type=int, default=15, help="with wrk")
    parser.add_argument("--httpx", action="store_true", help="load from httpx even with wrk")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--municipality", default="demo")
    parser.add_argument("--user", default="crew")
    parser.add_argument("--password", help="default: the demo password (GISAPP_DEMO_PASSWORD "
                                           "or .gisapp/demo-password)")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    if (not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 256
            or not 1 <= args.seconds <= 300):
        parser.error("--requests 1..100000, --seconds 1..300, --concurrency 1..256")

    async def go() -> int:
        if args.base_url:
            if urlsplit(args.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
                parser.error("--base-url must be a loopback address: this is a load test")
            return await run(args, args.base_url.rstrip("/"))
        if not args.database_url:
            parser.error("give --database-url (or GISAPP_DATABASE__URL) or --base-url")
        async with own_server(args.database_url, args.workers) as base:
            return await run(args, base)

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
