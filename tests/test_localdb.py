"""The embedded local cluster through the CLI: create on first start, migrate, stop, start
again with the data kept; and a clear message when PostgreSQL/PostGIS is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gisapp import migrate

from gisapp import localdb
from gisapp.localdb import LocalCluster, LocalDbError
from .cli_env import cli_env

ROOT = Path(__file__).resolve().parent.parent
GISAPP = [sys.executable, "-m", "gisapp.cli"]


def run_cli(*args: str, folder: Path, locale: str = "en_US.UTF-8") -> subprocess.CompletedProcess:
    env = cli_env(locale, GISAPP_DATABASE__LOCAL_DIR=str(folder))
    return subprocess.run([*GISAPP, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def psql(cluster: LocalCluster, sql: str) -> str:
    env = {**os.environ, "PGPASSWORD": cluster.password}
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", localdb.ADMIN_USER, "-d",
         localdb.DATABASE, "-Atc", sql],
        env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def folder():
    path = ROOT / ".gisapp" / "test-lifecycle"
    LocalCluster(path).destroy()
    yield path
    LocalCluster(path).destroy()


def test_start_stop_restart_keeps_data(folder):
    assert run_cli("db", "status", folder=folder).returncode == 4  # absent

    started = run_cli("db", "start", folder=folder)
    assert started.returncode == 0, started.stderr
    assert "Created the local PostgreSQL cluster" in started.stdout
    cluster = LocalCluster(folder)
    assert run_cli("db", "status", folder=folder).returncode == 0
    assert psql(cluster, "SELECT version_num FROM alembic_version") == migrate.head()
    psql(cluster, "INSERT INTO municipality (slug, name) VALUES ('keep-me', 'Bleibt')")

    assert run_cli("db", "stop", folder=folder).returncode == 0
    status = run_cli("db", "status", folder=folder)
    assert status.returncode == 3 and status.stdout.startswith("stopped")

    again = run_cli("db", "start", folder=folder)
    assert again.returncode == 0, again.stderr
    assert "Created" not in again.stdout  # reused, not made anew
    assert psql(cluster, "SELECT name FROM municipality WHERE slug = 'keep-me'") == "Bleibt"
    # listening on loopback only, with a password
    assert psql(cluster, "SHOW listen_addresses") == "127.0.0.1"
    assert psql(cluster, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'") >= "3.3"

    # a second start while running is a no-op
    assert run_cli("db", "start", folder=folder).returncode == 0
    assert run_cli("db", "stop", folder=folder).returncode == 0
    assert run_cli("db", "stop", folder=folder).stdout.strip() == "was not running"
    assert run_cli("db", "stop", folder=folder, locale="de_DE.UTF-8").stdout.strip() == "lief nicht"


def test_missing_postgis_says_what_to_install(monkeypatch):
    monkeypatch.setattr(localdb, "_candidate_bindirs", lambda: [])
    with pytest.raises(LocalDbError) as err:
        localdb.find_install()
    message = str(err.value)
    assert "postgresql-15-postgis-3" in message
    assert "brew install" in message
    assert "GISAPP_DATABASE__URL" in message


@pytest.mark.parametrize(("locale", "says"), [
    ("en_US.UTF-8", "No usable PostgreSQL with PostGIS on this machine:"),
    ("de_DE.UTF-8", "Kein nutzbares PostgreSQL mit PostGIS auf diesem Rechner:"),
    ("fr_FR.UTF-8", "Aucun PostgreSQL utilisable avec PostGIS sur cette machine :"),
])
def test_missing_postgis_exits_non_zero_with_the_hint(tmp_path, locale, says):
    """In the shell's language, with the commands (which stay as they are) to install it."""
    env = cli_env(locale, GISAPP_DATABASE__LOCAL_DIR=str(tmp_path / "pg"),
                  GISAPP_PG_BINDIR=str(tmp_path), PATH="/nonexistent")
    script = ("import gisapp.localdb as l; l._candidate_bindirs = lambda: []; "
              "import gisapp.cli as c; c.main()")
    done = subprocess.run([sys.executable, "-c", script, "db", "start"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert lines[0] == says, done.stderr
    assert "  Debian 12:        sudo apt-get install postgresql-15-postgis-3" in lines
    assert any("GISAPP_DATABASE__URL=postgresql://" in line for line in lines)
