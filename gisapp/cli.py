"""The ``gisapp`` command: serve, manage the database, load the demo, manage asset types.

It calls the same services as the API; it only parses arguments and prints.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gisapp.admin_cli import municipality_app, tags_app, user_app
from gisapp.errors import GisappError
from gisapp.imports.cli import import_command
from gisapp.exports.cli import export_command
from gisapp.localdb import LocalCluster, LocalDbError
from gisapp.public_maps.cli import maps_app
from gisapp.settings import Settings, load_settings

app = typer.Typer(help="gisapp: municipal infrastructure inventory on PostGIS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database: local cluster and schema.", no_args_is_help=True)
types_app = typer.Typer(help="Asset types of a municipality.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(types_app, name="types")
app.add_typer(municipality_app, name="municipality")
app.add_typer(tags_app, name="tags")
app.add_typer(user_app, name="user")
app.command("import")(import_command)
app.add_typer(maps_app, name="maps")
app.command("export")(export_command)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(settings.database.local_dir)


def prepare_database(settings: Settings, *, start_local: bool = True) -> str:
    """Start the local cluster when that is the setup, create the database, migrate.

    Returns the database URL. Used by ``serve``, ``db upgrade`` and ``demo``.
    """
    from gisapp import migrate
    from gisapp.database import admin_url, ensure_app_login, ensure_database

    if settings.uses_local_cluster and start_local:
        cluster = _cluster(settings)
        created = cluster.init()
        cluster.start()
        if created:
            typer.echo(f"Created the local PostgreSQL cluster in {cluster.folder}")
        asyncio.run(ensure_database(cluster.url()))
    url = admin_url(settings)
    migrate.upgrade(url)
    asyncio.run(ensure_app_login(settings))
    return url


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to bind")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port")] = None,
    demo: Annotated[bool, typer.Option(help="Load the demo municipality if the database is empty")] = False,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the API (and start the local database first when that is the setup)."""
    import uvicorn

    settings = load_settings()
    host = host or settings.server.host
    port = port or settings.server.port
    try:
        if migrate_first:
            prepare_database(settings)
        if demo:
            _load_demo_if_empty(settings)
    except (LocalDbError, GisappError) as exc:
        _fail(str(exc))
    typer.echo(
        f"\ngisapp serves on http://{host}:{port}\n"
        f"  API docs:   http://{host}:{port}/docs\n"
        f"  Health:     http://{host}:{port}/healthz\n"
        f"  Log in:     http://{host}:{port}/login\n"
        f"  Demo data:  http://{host}:{port}/api/v1/municipalities/demo/assets\n"
        "Stop with Ctrl-C.\n"
    )
    stop_local = settings.uses_local_cluster and migrate_first
    try:
        uvicorn.run("gisapp.app:create_app", factory=True, host=host, port=port,
                    workers=workers, proxy_headers=True, log_level="info")
    finally:
        if stop_local and settings.database.stop_local_on_exit:
            _cluster(settings).stop()
            typer.echo("Stopped the local PostgreSQL cluster.")


def _load_demo_if_empty(settings: Settings) -> None:
    from gisapp.demo.loader import load_demo

    result = asyncio.run(load_demo(settings, only_if_empty=True))
    if result:
        typer.echo("Loaded the demo municipality: " + ", ".join(
            f"{v} {k}" for k, v in result.items()))
    _print_demo_logins(settings)


def _print_demo_logins(settings: Settings) -> None:
    from gisapp.demo.loader import DEMO_USERS, demo_password

    names = ", ".join(u[0] for u in DEMO_USERS)
    typer.echo(f"Demo logins ({names}), password: {demo_password(settings)}")


@db_app.command("start")
def db_start() -> None:
    """Start the local cluster (creating it on first use) and migrate the schema."""
    settings = load_settings()
    if not settings.uses_local_cluster:
        _fail("GISAPP_DATABASE__URL is set: gisapp does not run that server itself.", 2)
    try:
        prepare_database(settings)
    except (LocalDbError, GisappError) as exc:
        _fail(str(exc))
    cluster = _cluster(settings)
    typer.echo(f"running on 127.0.0.1:{cluster.port}, data in {cluster.data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local cluster cleanly."""
    settings = load_settings()
    try:
        stopped = _cluster(settings).stop()
    except LocalDbError as exc:
        _fail(str(exc))
    typer.echo("stopped" if stopped else "was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local cluster runs (exit 0), is stopped (3) or absent (4)."""
    settings = load_settings()
    if not settings.uses_local_cluster:
        typer.echo("external database (GISAPP_DATABASE__URL)")
        return
    try:
        state = _cluster(settings).status()
    except LocalDbError as exc:
        _fail(str(exc))
    cluster = _cluster(settings)
    detail = f" on 127.0.0.1:{cluster.port}, data in {cluster.data_dir}" if state != "absent" else ""
    typer.echo(state + detail)
    raise typer.Exit({"running": 0, "stopped": 3, "absent": 4}[state])


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the schema to the latest (or given) revision."""
    from gisapp import migrate
    from gisapp.database import admin_url

    settings = load_settings()
    try:
        if revision == "head":
            prepare_database(settings)
        else:
            migrate.upgrade(admin_url(settings), revision)
    except (LocalDbError, GisappError) as exc:
        _fail(str(exc))
    typer.echo(f"schema at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Take the schema back to a revision ("base" removes gisapp's tables)."""
    from gisapp import migrate
    from gisapp.database import admin_url

    migrate.downgrade(admin_url(load_settings()), revision)
    typer.echo(f"schema at {revision}")


@db_app.command("url")
def db_url(
    app_role: Annotated[bool, typer.Option("--app", help="The app's role (row-level security "
                                                         "applies) instead of the owner")] = False,
) -> None:
    """Print a database URL (for psql, backups). Contains the password."""
    from gisapp.database import admin_url, app_url

    settings = load_settings()
    typer.echo((app_url(settings) if app_role else admin_url(settings)).replace("+asyncpg", ""))


@app.command()
def demo(
    force: Annotated[bool, typer.Option(help="Replace an existing demo municipality")] = False,
    export: Annotated[Optional[Path], typer.Option(
        help="Only write the village's layers to this GeoPackage (EPSG:25832), e.g. "
             "data/geo/generated/musterdorf.gpkg; no database needed")] = None,
) -> None:
    """Load the demo municipality (slug 'demo'): a generated village with ~1,100 assets."""
    from gisapp.demo.loader import load_demo

    if export:
        from gisapp.demo.village import export_gpkg

        export.parent.mkdir(parents=True, exist_ok=True)
        export.unlink(missing_ok=True)
        typer.echo(f"wrote {', '.join(export_gpkg(export))} to {export}")
        return
    settings = load_settings()
    try:
        prepare_database(settings)
        result = asyncio.run(load_demo(settings, only_if_empty=False, replace=force))
    except (LocalDbError, GisappError) as exc:
        _fail(str(exc))
    if not result:
        typer.echo("The demo municipality exists already (use --force to rebuild it).")
        return
    typer.echo("Loaded the demo municipality: " + ", ".join(f"{v} {k}" for k, v in result.items()))
    _print_demo_logins(settings)


def _run_in_session(municipality: str, fn):
    """Run ``fn(session, municipality_ref)`` in one transaction on the configured database."""
    from gisapp.database import make_engine, make_sessionmaker, session_scope, set_context
    from gisapp.municipalities.service import get_ref

    async def run():
        settings = load_settings()
        engine = make_engine(settings)
        try:
            async with session_scope(make_sessionmaker(engine), actor=_actor()) as session:
                ref = await get_ref(session, municipality)
                await set_context(session, actor=_actor(), municipality_id=ref.id)
                return await fn(session, ref)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@types_app.command("list")
def types_list(
    municipality: Annotated[str, typer.Option("--municipality", "-m")] = "demo",
) -> None:
    """List a municipality's asset types."""
    from gisapp.asset_types.service import list_types

    async def fn(session, ref):
        return await list_types(session, ref.id)

    try:
        rows = _run_in_session(municipality, fn)
    except GisappError as exc:
        _fail(exc.message)
    for t in rows:
        public = "public" if t.public_by_default else ("never public" if not t.public_allowed else "internal")
        interval = f"{t.maintenance_interval_days} d" if t.maintenance_interval_days else "-"
        typer.echo(f"{t.code:<22} {t.code_prefix:<6} {t.geometry_kind:<8} {interval:>7}  "
                   f"{public:<12} {t.label_de}")


@types_app.command("add")
def types_add(
    code: str,
    label_de: Annotated[str, typer.Option("--label-de", help="German label")],
    prefix: Annotated[str, typer.Option(help="Prefix of human codes, e.g. HY")],
    municipality: Annotated[str, typer.Option("--municipality", "-m")] = "demo",
    label_en: Annotated[Optional[str], typer.Option("--label-en")] = None,
    label_fr: Annotated[Optional[str], typer.Option("--label-fr")] = None,
    geometry: Annotated[str, typer.Option(help="point, line or polygon")] = "point",
    schema: Annotated[Optional[Path], typer.Option(help="JSON Schema file of the attributes")] = None,
    interval_days: Annotated[Optional[int], typer.Option(help="Maintenance interval")] = None,
    public: Annotated[bool, typer.Option(help="Public by default")] = False,
    color: str = "#3388ff",
) -> None:
    """Add a municipality's own asset type (hydrant, bench, playground equipment …)."""
    from pydantic import ValidationError

    from gisapp.asset_types.schemas import AssetTypeCreate
    from gisapp.asset_types.service import add_type

    try:
        attribute_schema = json.loads(schema.read_text()) if schema else {"type": "object"}
        data = AssetTypeCreate(
            code=code, code_prefix=prefix, label_de=label_de, label_en=label_en,
            label_fr=label_fr, geometry_kind=geometry, attribute_schema=attribute_schema,
            maintenance_interval_days=interval_days, public_by_default=public, color=color,
        )
    except (ValidationError, json.JSONDecodeError, OSError) as exc:
        _fail(str(exc), 2)

    async def fn(session, ref):
        return await add_type(session, ref.id, data, _actor())

    try:
        row = _run_in_session(municipality, fn)
    except GisappError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message, 2)
    typer.echo(f"added asset type {row.code} to {municipality}")


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
