"""Operator commands against a database: add a municipality, people with roles (also a
person shared by two municipalities), passwords, installation administrators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import text

from .cli_env import cli_env

ROOT = Path(__file__).resolve().parent.parent


def cli(db_url: str, *args: str, stdin: str | None = None,
        locale: str = "en_US.UTF-8") -> subprocess.CompletedProcess:
    # wide enough that --help's boxes do not wrap the sentences the tests look for
    env = cli_env(locale, GISAPP_DATABASE__URL=db_url, COLUMNS="250")
    return subprocess.run([sys.executable, "-m", "gisapp.cli", *args], env=env, cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120)


async def test_add_a_municipality_and_its_people(db_url, engine, tmp_path):
    boundary = tmp_path / "b.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [77000, 74000], [79000, 74000], [79000, 76000], [77000, 76000], [77000, 74000]]]}}]}))
    try:
        r = cli(db_url, "municipality", "add", "cli-town", "--name", "Cli-Town", "--crs", "2169",
                "--language", "fr", "--boundary", str(boundary), "--boundary-crs", "EPSG:2169")
        assert r.returncode == 0, r.stderr
        assert "cli-town" in cli(db_url, "municipality", "list").stdout
        again = cli(db_url, "municipality", "add", "cli-town", "--name", "x")
        assert again.returncode == 2 and "exists already" in again.stderr
        # in the shell's language: German, also without a locale that names one
        for locale in ("de_DE.UTF-8", "C.UTF-8"):
            german = cli(db_url, "municipality", "add", "cli-town", "--name", "x", locale=locale)
            assert german.returncode == 2
            assert german.stderr.strip() == "slug: die Gemeinde 'cli-town' gibt es schon"
        listed = cli(db_url, "municipality", "list", locale="fr_LU.UTF-8").stdout
        assert "Objets : 0" in next(ln for ln in listed.splitlines() if "cli-town" in ln)

        r = cli(db_url, "user", "add", "cli.admin", "-m", "cli-town", "--role", "admin",
                "--name", "Cli Admin", "--password-stdin", stdin="cli-admin-password\n")
        assert r.returncode == 0, r.stderr
        # a person of the demo also works here (shared building yard)
        r = cli(db_url, "user", "add", "crew", "-m", "cli-town", "--role", "crew")
        assert r.returncode == 0 and "now has the role crew" in r.stdout
        r = cli(db_url, "user", "add", "crew", "-m", "cli-town", "--role", "crew",
                locale="de_DE.UTF-8")
        assert r.stdout.strip() == "crew hat jetzt die Rolle crew in cli-town"
        nowhere = cli(db_url, "user", "add", "crew", "-m", "atlantis", "--role", "crew",
                      locale="fr_FR.UTF-8")
        assert nowhere.returncode == 2
        assert nowhere.stderr.strip() == "--municipality: pas de commune 'atlantis'"
        weak = cli(db_url, "user", "add", "cli.weak", "-m", "cli-town", "--role", "crew",
                   "--password", "short")
        assert weak.returncode == 2 and "10 characters" in weak.stderr

        transport = httpx.ASGITransport(app=_live_app(db_url))
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as c:
            r = await c.post("/api/v1/auth/login", json={"username": "cli.admin",
                                                         "password": "cli-admin-password"})
            assert r.status_code == 200, r.text
            assert r.json()["memberships"] == [
                {"slug": "cli-town", "name": "Cli-Town", "role": "admin"}]
            members = {m["username"]: m["role"] for m in
                       (await c.get("/api/v1/municipalities/cli-town/users")).json()}
            assert members == {"cli.admin": "admin", "crew": "crew"}

        r = cli(db_url, "user", "passwd", "cli.admin", "--password-stdin",
                stdin="another-password-1\n")
        assert r.returncode == 0, r.stderr
        r = cli(db_url, "user", "superuser", "cli.root", "--password-stdin",
                stdin="root-password-123\n")
        assert r.returncode == 0, r.stderr
        async with engine.connect() as conn:
            assert await conn.scalar(text(
                "SELECT is_superuser FROM app_user WHERE username = 'cli.root'"))
            assert await conn.scalar(text(
                "SELECT working_crs FROM municipality WHERE slug = 'cli-town'")) == 2169
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(
                "DELETE FROM membership WHERE municipality_id IN"
                " (SELECT id FROM municipality WHERE slug = 'cli-town')"))
            await conn.execute(text("DELETE FROM app_user WHERE username IN"
                                    " ('cli.admin', 'cli.root', 'cli.weak')"))
            await conn.execute(text("DELETE FROM asset_type WHERE municipality_id IN"
                                    " (SELECT id FROM municipality WHERE slug = 'cli-town')"))
            await conn.execute(text("DELETE FROM municipality WHERE slug = 'cli-town'"))


def _live_app(db_url: str):
    """An app on the committed data (the CLI committed), connected as gisapp_app."""
    from gisapp.app import create_app
    from gisapp.database import make_engine, make_sessionmaker
    from gisapp.settings import Settings

    settings = Settings(database={"url": db_url})
    application = create_app(settings)
    application.state.engine = make_engine(settings)
    application.state.sessionmaker = make_sessionmaker(application.state.engine)
    return application


def test_help_texts_follow_the_shell_language(db_url):
    """``--help`` is translated too: the commands, their groups and their options."""
    french = cli(db_url, "user", "add", "--help", locale="fr_FR.UTF-8").stdout
    assert "Donner un rôle à une personne dans une commune" in french
    assert "Identifiant de la commune" in french and "Lire le mot de passe sur stdin" in french
    german = cli(db_url, "--help", locale="de_DE.UTF-8").stdout
    assert "kommunales Infrastrukturverzeichnis auf PostGIS" in german
    assert "Personen und ihre Rollen." in german
    english = cli(db_url, "db", "--help").stdout
    assert "Start the local cluster (creating it on first use)" in english
