"""The two servers of bench/ogc_vs_tipg.py, started the same way: uvicorn, 2 workers,
uvloop + httptools, no access log, on 127.0.0.1; stopped by their own process group.

tipg runs from its own virtual environment ``bench/.venv-tipg``, installed from the
hash-locked ``bench/tipg-requirements.lock`` with the same Python as the project's venv
(tipg's pins conflict with gisapp's, so it never goes into ``.venv``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TIPG_VENV = BENCH / ".venv-tipg"
TIPG_LOCK = BENCH / "tipg-requirements.lock"
TIPG_VERSION = "1.6.1"
WORKERS = 2
UVICORN_FLAGS = ["--workers", str(WORKERS), "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def ensure_tipg_venv(log=print) -> Path:
    """bench/.venv-tipg with exactly the locked packages; rebuilt when the lock changes."""
    python = TIPG_VENV / "bin" / "python"
    stamp = TIPG_VENV / "lock.sha256"
    digest = hashlib.sha256(TIPG_LOCK.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    log(f"Installing tipg {TIPG_VERSION} into {TIPG_VENV.relative_to(ROOT)} (hash-locked)")
    base = Path(sys.base_prefix) / "bin" / "python3"  # the project venv's interpreter
    subprocess.run([str(base), "-m", "venv", "--clear", str(TIPG_VENV)], check=True)
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        cmd = [str(uv), "pip", "install", "--python", str(python), "--require-hashes",
               "-r", str(TIPG_LOCK)]
    else:
        cmd = [str(python), "-m", "pip", "install", "--require-hashes", "-r", str(TIPG_LOCK)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    version = subprocess.run([str(python), "-c", "import tipg; print(tipg.__version__)"],
                             check=True, capture_output=True, text=True).stdout.strip()
    if version != TIPG_VERSION:
        raise SystemExit(f"bench/.venv-tipg has tipg {version}, expected {TIPG_VERSION}")
    stamp.write_text(digest + "\n")
    return python


def _children(pid: int) -> list[int]:
    """All descendants of a process (uvicorn's workers and their helpers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cmdline(pid: int) -> str:
    """A process's command line ("postgres: user database host state" for a backend)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def reaped_cpu_seconds(pid: int) -> float:
    """CPU time of a process's children that have ended (PostgreSQL's parallel workers
    live for one query: their time shows up here, in the postmaster's cutime/cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time spent busy by the whole machine (all cores) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


@dataclass
class Server:
    """One uvicorn server of ours; ``base`` is its URL once it answers ``health``."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    port: int
    health: str
    cwd: Path
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    pids: list[int] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        """Start it in its own process group and wait until it answers."""
        _port_free(self.port)
        self.log_path = Path(tempfile.mkstemp(prefix=f"bench-{self.name}-", suffix=".log")[1])
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base + self.health, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log_path.read_text()[-3000:]
                self.stop()  # removes the log: its tail goes into the message
                raise SystemExit(f"{self.name} did not come up on {self.base}:\n{tail}")
            time.sleep(0.3)
        self.pids = [self.proc.pid, *_children(self.proc.pid)]

    def cpu(self) -> float:
        return cpu_seconds(self.pids)

    def stop(self) -> None:
        """End our own process group (uvicorn and its workers), politely first; its log
        is removed unless the server failed (then the error shows its tail)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
        if self.cwd.name.startswith("bench-tipg-"):
            shutil.rmtree(self.cwd, ignore_errors=True)


def _port_free(port: int) -> None:
    import socket

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use; is an earlier benchmark still running?")


def gisapp_server(owner_url: str, port: int) -> Server:
    """gisapp's app factory under uvicorn; it connects as gisapp_app (derived from the
    owner's URL, see gisapp/database.py)."""
    env = {**os.environ, "GISAPP_DATABASE__URL": owner_url,
           "GISAPP_SERVER__PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           # the public maps' builder would read all 1M assets in each worker at start (and
           # write maps into the working tree): not what is measured here
           "GISAPP_MAPS__AUTO_BUILD": "false"}
    cmd = [sys.executable, "-m", "uvicorn", "gisapp.app:create_app", "--factory",
           "--port", str(port), *UVICORN_FLAGS]
    return Server("gisapp", cmd, env, port, "/healthz", ROOT)


def tipg_server(python: Path, owner_url: str, schema: str, port: int) -> Server:
    """tipg's own app (tipg.main:app) on the views of ``schema``; it connects as the owner
    (a superuser on the local cluster: tipg has no role switching of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "DATABASE_"))}
    env.update({
        "DATABASE_URL": owner_url,
        "TIPG_DB_SCHEMAS": f'["{schema}"]',
        # the catalog is static here; tipg's periodic refresh (every 300 s, a scan of each
        # view for its extents) would otherwise land in the middle of a measurement
        "TIPG_CATALOG_TTL": "0",
        # the same tile buffer as gisapp's (gisapp/ogc/tiles_sql.py: BUFFER)
        "TIPG_TILE_BUFFER": "64",
    })
    cmd = [str(python), "-m", "uvicorn", "tipg.main:app", "--port", str(port), *UVICORN_FLAGS]
    # its own folder: pydantic-settings reads a .env of the working directory
    return Server("tipg", cmd, env, port, "/healthz", Path(tempfile.mkdtemp(prefix="bench-tipg-")))
