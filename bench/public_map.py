"""Benchmark of the public maps: size and time to a visible map for 10,000 WLAN hotspots.

1. gisapp's public map (gisapp.public_maps: the points as the page's list, clustered by
   Leaflet.markercluster, the map script as a file): bytes of the page plus everything it
   loads (HTML, map script, gisapp's CSS/JS, layer colours; Leaflet and plugins listed
   apart), and the time from navigation until the map and its markers are visible in
   headless Chromium. Goal: under 2 MB of HTML plus data, visible within 2 s.
2. The baseline: a plain folium map of the same 10,000 hotspots, one ``folium.Marker`` with
   a ``Popup`` (name, SSID, provider) each, as folium's documentation shows it; and the same
   in folium's ``MarkerCluster``. Folium links Leaflet, jQuery, Bootstrap and Font Awesome
   from CDNs; here the browser gets Leaflet and markercluster from node_modules (answered by
   Playwright from the same files gisapp serves) and the rest is refused, so the times do
   not depend on the internet. Its bytes are the HTML (the data is inside it).

No database and no gisapp server are needed: the pages are built from a GeoDataFrame and
served by a small static server with gisapp's URL layout (/static/vendor/…, /static/gisapp/…,
/maps/…) on a free loopback port.

    .venv/bin/python bench/public_map.py [--points 10000] [--runs 5]

Needs Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from folium.plugins import MarkerCluster  # noqa: E402

from gisapp.public_maps import publish  # noqa: E402
from gisapp.public_maps.data import Layer, MapData, features_frame  # noqa: E402
from gisapp.settings import Settings  # noqa: E402
from gisapp.static import OWN_DIR, VENDOR, node_modules  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
GOALS = {"bytes": 2_000_000, "visible_s": 2.0}
PROVIDERS = ["Freifunk", "WiFi4EU", "municipal", "commercial"]


def hotspots(n: int, seed: int = 7) -> list[dict]:
    """n hotspots spread over ~40 x 30 km (a district of villages), each with a label."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        provider = rng.choice(PROVIDERS)
        rows.append({
            "id": uuid.UUID(int=rng.getrandbits(128)), "code": f"WL-{i:05d}",
            "type": "wlan_hotspot", "name": f"WLAN {rng.choice(['Dorfplatz', 'Rathaus', 'Schule', 'Halle', 'Kirche'])} {i}",
            "status": "active", "street": rng.choice(["Hauptstraße", "Bahnhofstraße", "Am Markt",
                                                      "Kirchgasse", "Schulweg"]),
            "attributes": {"ssid": "Freifunk" if provider == "Freifunk" else f"{provider}-Free",
                           "provider": provider},
            "tag_token": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                                 for _ in range(22)),
            "geometry": {"type": "Point", "coordinates": [7.2 + rng.random() * 0.55,
                                                          49.8 + rng.random() * 0.27]},
        })
    return rows


def build_gisapp(rows: list[dict], out: Path) -> dict:
    layer = Layer(code="wlan_hotspot", labels={"de": "WLAN-Hotspot", "en": "WLAN hotspot",
                                               "fr": "Point d'accès Wi-Fi"},
                  color="#1d3557", features=features_frame(rows))
    data = MapData(slug="bench", name="Musterkreis", default_language="de", layers=[layer],
                   built_at=datetime.now(UTC))
    t = time.perf_counter()
    publish.write_maps(data, Settings(maps={"dir": out}), root=out)
    return {"build_s": time.perf_counter() - t}


def build_baseline(rows: list[dict], out: Path, cluster: bool) -> Path:
    m = folium.Map(location=[49.93, 7.47], zoom_start=11)
    target = MarkerCluster().add_to(m) if cluster else m
    for r in rows:
        lon, lat = r["geometry"]["coordinates"]
        a = r["attributes"]
        folium.Marker([lat, lon], tooltip=r["name"], popup=folium.Popup(
            f"<b>{r['name']}</b><br>SSID: {a['ssid']}<br>{a['provider']}")).add_to(target)
    path = out / ("folium-cluster.html" if cluster else "folium-plain.html")
    m.save(str(path))
    return path


class Handler(SimpleHTTPRequestHandler):
    """gisapp's URL layout over plain folders."""

    maps: Path
    vendor: Path

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/static/vendor/"):
            name, _, rest = path[len("/static/vendor/"):].partition("/")
            package, folder = VENDOR[name]
            return str(self.vendor / package / folder / rest)
        if path.startswith("/static/gisapp/"):
            return str(OWN_DIR / path[len("/static/gisapp/"):])
        if path.startswith("/maps/"):
            return str(self.maps / path[len("/maps/"):])
        return "/nonexistent"

    def log_message(self, *args) -> None:
        pass


def serve(maps: Path, vendor: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = type("H", (Handler,), {"maps": maps, "vendor": vendor})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


CDN_FILES = {  # what folium links from CDNs -> the same library from node_modules
    "leaflet.js": ("leaflet", "leaflet.js"), "leaflet.css": ("leaflet", "leaflet.css"),
    "leaflet.markercluster.js": ("leaflet.markercluster", "leaflet.markercluster.js"),
    "MarkerCluster.css": ("leaflet.markercluster", "MarkerCluster.css"),
    "MarkerCluster.Default.css": ("leaflet.markercluster", "MarkerCluster.Default.css"),
}

# Folium builds each popup with jQuery: ``$(`<div …>`)[0]``. jQuery is not among the npm
# packages; this stand-in does just that (it parses less than jQuery would: in the baseline's
# favour).
JQUERY_STANDIN = """window.$ = window.jQuery = function (html) {
  var t = document.createElement('template'); t.innerHTML = String(html).trim();
  return [t.content.firstChild];
};"""


async def measure(browser, url: str, base: str, vendor: Path, visible_js: str) -> dict:
    """One cold load: bytes by kind, ms until the map and markers are visible."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    sizes = {"page": 0, "libraries": 0}
    foreign: list[str] = []
    errors: list[str] = []

    async def route(r):
        u = r.request.url
        if u.startswith(base):
            await r.continue_()
            return
        name = u.split("?")[0].rsplit("/", 1)[-1]
        if name in CDN_FILES:  # baseline: folium's CDN links, answered locally
            package, file = CDN_FILES[name]
            folder = VENDOR[package][1]
            await r.fulfill(path=str(vendor / VENDOR[package][0] / folder / file))
            return
        if name.startswith("jquery"):  # folium's popups need only $(html)[0] of it
            await r.fulfill(content_type="text/javascript", body=JQUERY_STANDIN)
            return
        foreign.append(u)
        await r.abort()

    async def on_response(resp):
        try:
            body = await resp.body()
        except Exception:
            return
        kind = "libraries" if "/static/vendor/" in resp.url or not resp.url.startswith(base) \
            else "page"
        sizes[kind] += len(body)

    await page.route("**/*", route)
    page.on("response", lambda resp: asyncio.ensure_future(on_response(resp)))
    page.on("pageerror", lambda e: errors.append(str(e)))
    t = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(visible_js, timeout=60_000, polling="raf")
    wall = time.perf_counter() - t
    nav = await page.evaluate("performance.now()")
    await page.wait_for_load_state("load")
    await asyncio.sleep(0.3)
    await ctx.close()
    return {"visible_s": wall, "since_navigation_s": nav / 1000, **sizes,
            "refused": len(foreign), "errors": errors[:3]}


# Visible: the map has its size and at least one marker or cluster icon inside the viewport.
VISIBLE_GISAPP = """() => {
  const m = document.querySelector('.folium-map[data-ready=true]');
  if (!m) return false;
  const icons = m.querySelectorAll('.marker-cluster, .leaflet-marker-icon');
  return icons.length > 0 && m.getBoundingClientRect().height > 100;
}"""
VISIBLE_FOLIUM = """() => {
  const m = document.querySelector('.folium-map');
  return !!m && m.querySelectorAll('.leaflet-marker-icon').length > 0
         && m.getBoundingClientRect().height > 100;
}"""


async def run(args) -> None:
    from playwright.async_api import async_playwright

    rows = hotspots(args.points)
    vendor = node_modules(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        built = build_gisapp(rows, out / "maps")
        page_dir = out / "maps" / "bench" / "de"
        t = time.perf_counter()
        plain = build_baseline(rows, out / "maps", cluster=False)
        plain_s = time.perf_counter() - t
        t = time.perf_counter()
        clustered = build_baseline(rows, out / "maps", cluster=True)
        cluster_s = time.perf_counter() - t
        own_css = (OWN_DIR / "public-map.css").stat().st_size + (OWN_DIR / "public-map.js").stat().st_size
        sizes = {
            "gisapp": (page_dir / "wlan_hotspot.html").stat().st_size
            + (page_dir / "wlan_hotspot.js").stat().st_size
            + (out / "maps" / "bench" / "layers.css").stat().st_size + own_css,
            "folium plain": plain.stat().st_size,
            "folium cluster": clustered.stat().st_size,
        }
        server, base = serve(out / "maps", vendor)
        results: dict[str, list[dict]] = {}
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                               args=LAUNCH_ARGS)
            cases = [("gisapp", f"{base}/maps/bench/de/wlan_hotspot.html", VISIBLE_GISAPP),
                     ("folium plain", f"{base}/maps/{plain.name}", VISIBLE_FOLIUM),
                     ("folium cluster", f"{base}/maps/{clustered.name}", VISIBLE_FOLIUM)]
            for _ in range(args.runs):
                for name, url, js in cases:
                    print(f"loading {name} …", file=sys.stderr)
                    results.setdefault(name, []).append(
                        await measure(browser, url, base, vendor, js))
            await browser.close()
        server.shutdown()

    print(f"\n{args.points:,} WLAN hotspots, {args.runs} cold loads each, headless Chromium")
    print(f"build: gisapp {built['build_s']:.2f} s (3 languages, downloads, index); "
          f"folium plain {plain_s:.2f} s, folium cluster {cluster_s:.2f} s\n")
    print(f"{'map':<16}{'HTML+data':>12}{'transferred':>13}{'libraries':>11}"
          f"{'visible p50':>13}{'max':>8}{'refused':>9}")
    for name, runs in results.items():
        vis = [r["visible_s"] for r in runs]
        print(f"{name:<16}{sizes[name] / 1e6:>10.2f}MB{runs[0]['page'] / 1e6:>11.2f}MB"
              f"{runs[0]['libraries'] / 1e3:>9.0f}kB{statistics.median(vis):>11.2f} s"
              f"{max(vis):>6.2f} s{runs[0]['refused']:>9}")
        if runs[0]["errors"]:
            print(f"   errors: {runs[0]['errors']}")
    g = results["gisapp"]
    ok_size = sizes["gisapp"] < GOALS["bytes"]
    ok_time = statistics.median(r["visible_s"] for r in g) < GOALS["visible_s"]
    print(f"\ngoal: gisapp HTML+data < 2 MB: {'met' if ok_size else 'MISSED'}; "
          f"visible < 2 s: {'met' if ok_time else 'MISSED'}")
    print("(refused: requests of the page to other servers, answered with an error here; "
          "folium's jQuery, Bootstrap, Font Awesome, awesome-markers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
