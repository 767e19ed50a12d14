"""The project's local PostgreSQL cluster for the benchmarks (``gisapp db``): started when
it is not running, so a bench works right after ``make test`` (which starts only its own
throw-away cluster) or on a machine where ``make run`` was never called."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def owner_url() -> str:
    """The schema owner's URL of the local cluster, after starting it when needed."""
    gisapp = Path(sys.executable).parent / "gisapp"
    if subprocess.run([str(gisapp), "db", "status"], cwd=ROOT, capture_output=True).returncode:
        subprocess.run([str(gisapp), "db", "start"], cwd=ROOT, check=True)
    return subprocess.run([str(gisapp), "db", "url"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
