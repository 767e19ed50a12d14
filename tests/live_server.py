"""gisapp served by uvicorn in a subprocess on a free loopback port, for the tests that need a
real server (browsers, GDAL, OWSLib, QGIS): it sees only committed data."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def live_server(database_url: str, *, ready_path: str = "/healthz", wait_s: float = 60,
                      **env: str) -> AsyncIterator[str]:
    """Yields the base URL once ``ready_path`` answers 200; stopped with Ctrl-C at the end.

    The server gets no GISAPP_ setting of the test run but the database, its own base URL
    and ``env``; it builds no public maps unless ``GISAPP_MAPS__AUTO_BUILD`` says so."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GISAPP_")}
    environ.update(GISAPP_DATABASE__URL=database_url, GISAPP_SERVER__PUBLIC_BASE_URL=base,
                   GISAPP_MAPS__AUTO_BUILD="false")
    environ.update(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gisapp.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + wait_s
        async with httpx.AsyncClient(base_url=base, timeout=2) as http:
            while True:
                try:
                    if (await http.get(ready_path)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, f"{ready_path} did not answer in time"
                await asyncio.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
