"""`gisapp types list|add` against a database: the same service as the API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from .cli_env import cli_env

ROOT = Path(__file__).resolve().parent.parent


def cli(db_url: str, *args: str, locale: str = "en_US.UTF-8") -> subprocess.CompletedProcess:
    """``gisapp ARGS`` against the test database, in ``locale`` (the commands print in the
    shell's language)."""
    return subprocess.run([sys.executable, "-m", "gisapp.cli", *args],
                          env=cli_env(locale, GISAPP_DATABASE__URL=db_url), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


async def test_types_add_and_list(db_url, engine, tmp_path):
    schema = tmp_path / "bench.json"
    schema.write_text(json.dumps({"type": "object", "properties": {
        "material": {"type": "string", "enum": ["wood", "metal", "stone"]}}}))
    try:
        added = cli(db_url, "types", "add", "cli_bench", "--label-de", "Sitzbank", "--prefix",
                    "BK", "--schema", str(schema), "--interval-days", "365", "--public")
        assert added.returncode == 0, added.stderr
        listed = cli(db_url, "types", "list", "-m", "demo")
        assert listed.returncode == 0
        lines = listed.stdout.splitlines()
        line = next(ln for ln in lines if ln.startswith("cli_bench"))
        assert "BK" in line and "365 d" in line and "Sitzbank" in line
        assert "never public" in next(ln for ln in lines if ln.startswith("meter"))
        assert "Street light" in next(ln for ln in lines if ln.startswith("street_light"))
        german = cli(db_url, "types", "list", "-m", "demo", locale="de_DE.UTF-8").stdout
        meter = next(ln for ln in german.splitlines() if ln.startswith("meter"))
        assert "nie öffentlich" in meter and "Zähler" in meter
        again = cli(db_url, "types", "add", "cli_bench", "--label-de", "x", "--prefix", "BK")
        assert again.returncode == 2 and "exists already" in again.stderr
        bad = cli(db_url, "types", "add", "Bad Code", "--label-de", "x", "--prefix", "BK")
        assert bad.returncode == 2 and "code" in bad.stderr
    finally:
        async with engine.begin() as conn:  # the CLI committed; leave the shared data as found
            await conn.execute(text("DELETE FROM asset_type WHERE code = 'cli_bench'"))
