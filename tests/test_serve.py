"""`gisapp serve --demo` as `make run` starts it: migrates an empty database, loads the demo,
serves the asset endpoints over real HTTP, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gisapp.database import ensure_database

from .cli_env import cli_env
from .live_server import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_db_url(cluster):
    if cluster is None:
        pytest.skip("needs the suite's own cluster to create an empty database")
    name = f"gisapp_serve_{os.getpid()}"
    return cluster, name


async def test_serve_loads_the_demo_into_an_empty_database(empty_db_url, tmp_path):
    cluster, name = empty_db_url
    await ensure_database(cluster.url(), name)
    port = free_port()
    # a shell without a locale: the start-up lines come in German, as on the pages
    env = cli_env("C.UTF-8", GISAPP_DATABASE__URL=cluster.url(name),
                  GISAPP_MAPS__DIR=str(tmp_path / "maps"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gisapp.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not come up"
                await asyncio.sleep(0.3)
            r = await http.get("/api/v1/municipalities/demo/assets", params={"type": "sensor"})
            assert r.status_code == 200 and len(r.json()["items"]) == 25
            muni = (await http.get("/api/v1/municipalities/demo")).json()
            assert muni["name"] == "Musterdorf" and muni["working_crs"] == 25832
            # and the public maps of the demo are built and served shortly after the start
            while (await http.get("/maps/demo/")).status_code != 200:
                assert time.monotonic() < deadline + 60, "the public maps were not built"
                await asyncio.sleep(1)
            assert "Musterdorf" in (await http.get("/maps/demo/")).text
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Demogemeinde geladen: " in out and " street_light, " in out
    assert "Demo-Zugänge (admin, planner, crew), Passwort: " in out
    assert f"gisapp läuft auf http://127.0.0.1:{port}" in out
    assert f"  Anmelden:   http://127.0.0.1:{port}/login" in out
