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
from gisapp.cli_language import MunicipalityOption, cli_text, fail, translate_help
from gisapp.errors import GisappError
from gisapp.exports.cli import EXPORT_HELP, export_command
from gisapp.imports.cli import IMPORT_HELP, import_command
from gisapp.localdb import LocalCluster, LocalDbError
from gisapp.messages import N_
from gisapp.public_maps.cli import maps_app
from gisapp.settings import Settings, load_settings

app = typer.Typer(help=N_("gisapp: municipal infrastructure inventory on PostGIS."),
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help=N_("The database: local cluster and schema."), no_args_is_help=True)
types_app = typer.Typer(help=N_("Asset types of a municipality."), no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(types_app, name="types")
app.add_typer(municipality_app, name="municipality")
app.add_typer(tags_app, name="tags")
app.add_typer(user_app, name="user")
app.command("import", help=IMPORT_HELP)(import_command)
app.add_typer(maps_app, name="maps")
app.command("export", help=EXPORT_HELP)(export_command)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


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
            _ = cli_text()
            typer.echo(_("Created the local PostgreSQL cluster in %(folder)s",
                         folder=cluster.folder))
        asyncio.run(ensure_database(cluster.url()))
    url = admin_url(settings)
    migrate.upgrade(url)
    asyncio.run(ensure_app_login(settings))
    return url


@app.command(help=N_("Serve the API and the pages (and start the local database first when "
                     "that is the setup)."))
def serve(
    host: Annotated[Optional[str], typer.Option(help=N_("Address to bind"))] = None,
    port: Annotated[Optional[int], typer.Option(help=N_("Port"))] = None,
    demo: Annotated[bool, typer.Option(
        help=N_("Load the demo municipality if the database is empty"))] = False,
    migrate_first: Annotated[bool, typer.Option(
        "--migrate/--no-migrate", help=N_("Migrate the schema first"))] = True,
    workers: Annotated[int, typer.Option(help=N_("Worker processes"))] = 1,
) -> None:
    import uvicorn

    _ = cli_text()
    settings = load_settings()
    host = host or settings.server.host
    port = port or settings.server.port
    try:
        if migrate_first:
            prepare_database(settings)
        if demo:
            _load_demo_if_empty(settings)
    except (LocalDbError, GisappError) as exc:
        fail(exc, _, 1)
    base = f"http://{host}:{port}"
    addresses = [(_("API docs"), "/docs"), (_("Health"), "/healthz"),
                 (_("Log in"), "/login"),
                 (_("Demo data"), "/api/v1/municipalities/demo/assets")]
    width = max(len(label) for label, _path in addresses) + 1
    typer.echo("\n" + _("gisapp serves on %(url)s", url=base))
    for label, path in addresses:
        typer.echo(f"  {label + ':':<{width}}  {base}{path}")
    typer.echo(_("Stop with Ctrl-C.") + "\n")
    stop_local = settings.uses_local_cluster and migrate_first
    try:
        uvicorn.run("gisapp.app:create_app", factory=True, host=host, port=port,
                    workers=workers, proxy_headers=True, log_level="info")
    finally:
        if stop_local and settings.database.stop_local_on_exit:
            _cluster(settings).stop()
            typer.echo(_("Stopped the local PostgreSQL cluster."))


def _load_demo_if_empty(settings: Settings) -> None:
    from gisapp.demo.loader import load_demo

    result = asyncio.run(load_demo(settings, only_if_empty=True))
    if result:
        _print_loaded(result)
    _print_demo_logins(settings)


def _print_loaded(result: dict[str, int]) -> None:
    _ = cli_text()
    counts = ", ".join(f"{v} {k}" for k, v in result.items())
    typer.echo(_("Loaded the demo municipality: %(counts)s", counts=counts))


def _print_demo_logins(settings: Settings) -> None:
    from gisapp.demo.loader import DEMO_USERS, demo_password

    _ = cli_text()
    names = ", ".join(u[0] for u in DEMO_USERS)
    typer.echo(_("Demo logins (%(names)s), password: %(password)s", names=names,
                 password=demo_password(settings)))


@db_app.command("start", help=N_("Start the local cluster (creating it on first use) and "
                                  "migrate the schema."))
def db_start() -> None:
    _ = cli_text()
    settings = load_settings()
    if not settings.uses_local_cluster:
        fail(_("GISAPP_DATABASE__URL is set: gisapp does not run that server itself."), _)
    try:
        prepare_database(settings)
    except (LocalDbError, GisappError) as exc:
        fail(exc, _, 1)
    cluster = _cluster(settings)
    typer.echo(_("running on 127.0.0.1:%(port)s, data in %(folder)s", port=cluster.port,
                   folder=cluster.data_dir))


@db_app.command("stop", help=N_("Stop the local cluster cleanly."))
def db_stop() -> None:
    _ = cli_text()
    settings = load_settings()
    try:
        stopped = _cluster(settings).stop()
    except LocalDbError as exc:
        fail(exc, _, 1)
    typer.echo(_("stopped") if stopped else _("was not running"))


#: what ``db status`` says; scripts read its exit code (0, 3, 4), people the sentence
_STATES = {"running": N_("running on 127.0.0.1:%(port)s, data in %(folder)s"),
           "stopped": N_("stopped (port %(port)s), data in %(folder)s"),
           "absent": N_("not created yet (gisapp db start creates it)")}


@db_app.command("status", help=N_("Say whether the local cluster runs (exit 0), is stopped "
                                   "(3) or absent (4)."))
def db_status() -> None:
    _ = cli_text()
    settings = load_settings()
    if not settings.uses_local_cluster:
        typer.echo(_("external database (GISAPP_DATABASE__URL)"))
        return
    try:
        state = _cluster(settings).status()
    except LocalDbError as exc:
        fail(exc, _, 1)
    cluster = _cluster(settings)
    typer.echo(_(_STATES[state], port=cluster.port, folder=cluster.data_dir)
               if state != "absent" else _(_STATES[state]))
    raise typer.Exit({"running": 0, "stopped": 3, "absent": 4}[state])


@db_app.command("upgrade", help=N_("Migrate the schema to the latest (or given) revision."))
def db_upgrade(revision: str = "head") -> None:
    from gisapp import migrate
    from gisapp.database import admin_url

    _ = cli_text()
    settings = load_settings()
    try:
        if revision == "head":
            prepare_database(settings)
        else:
            migrate.upgrade(admin_url(settings), revision)
    except (LocalDbError, GisappError) as exc:
        fail(exc, _, 1)
    typer.echo(_("schema at %(revision)s", revision=revision))


@db_app.command("downgrade", help=N_("Take the schema back to a revision (\"base\" removes "
                                      "gisapp's tables)."))
def db_downgrade(revision: str) -> None:
    from gisapp import migrate
    from gisapp.database import admin_url

    _ = cli_text()
    migrate.downgrade(admin_url(load_settings()), revision)
    typer.echo(_("schema at %(revision)s", revision=revision))


@db_app.command("url", help=N_("Print a database URL (for psql, backups). Contains the "
                                "password."))
def db_url(
    app_role: Annotated[bool, typer.Option("--app", help=N_(
        "The app's role (row-level security applies) instead of the owner"))] = False,
) -> None:
    from gisapp.database import admin_url, app_url

    settings = load_settings()
    typer.echo((app_url(settings) if app_role else admin_url(settings)).replace("+asyncpg", ""))


@app.command(help=N_("Load the demo municipality (slug 'demo'): a generated village with "
                     "~1,100 assets."))
def demo(
    force: Annotated[bool, typer.Option(help=N_("Replace an existing demo municipality"))] = False,
    export: Annotated[Optional[Path], typer.Option(help=N_(
        "Only write the village's layers to this GeoPackage (EPSG:25832), e.g. "
        "data/geo/generated/musterdorf.gpkg; no database needed"))] = None,
) -> None:
    from gisapp.demo.loader import load_demo

    _ = cli_text()
    if export:
        from gisapp.demo.village import export_gpkg

        export.parent.mkdir(parents=True, exist_ok=True)
        export.unlink(missing_ok=True)
        layers = ", ".join(export_gpkg(export))
        typer.echo(_("wrote %(layers)s to %(path)s", layers=layers, path=export))
        return
    settings = load_settings()
    try:
        prepare_database(settings)
        result = asyncio.run(load_demo(settings, only_if_empty=False, replace=force))
    except (LocalDbError, GisappError) as exc:
        fail(exc, _, 1)
    if not result:
        typer.echo(_("The demo municipality exists already (use --force to rebuild it)."))
        return
    _print_loaded(result)
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


#: how ``types list`` says who sees a type's assets
_VISIBILITY = {"public": N_("public"), "internal": N_("internal"),
               "never": N_("never public")}


@types_app.command("list", help=N_("List a municipality's asset types: code, prefix, "
                                    "geometry, maintenance interval, who sees them, name."))
def types_list(municipality: Annotated[str, MunicipalityOption] = "demo") -> None:
    from gisapp.asset_types.service import list_types
    from gisapp.cli_language import cli_language

    language = cli_language(None)
    _ = cli_text(language)

    async def fn(session, ref):
        return await list_types(session, ref.id)

    try:
        rows = _run_in_session(municipality, fn)
    except GisappError as exc:
        fail(exc, _, 1)
    for t in rows:
        seen = ("public" if t.public_by_default else
                "never" if not t.public_allowed else "internal")
        interval = f"{t.maintenance_interval_days} d" if t.maintenance_interval_days else "-"
        label = getattr(t, f"label_{language}", None) or t.label_de
        typer.echo(f"{t.code:<22} {t.code_prefix:<6} {t.geometry_kind:<8} {interval:>7}  "
                   f"{_(_VISIBILITY[seen]):<16} {label}")


@types_app.command("add", help=N_("Add a municipality's own asset type (hydrant, bench, "
                                   "playground equipment …)."))
def types_add(
    code: str,
    label_de: Annotated[str, typer.Option("--label-de", help=N_("German label"))],
    prefix: Annotated[str, typer.Option(help=N_("Prefix of human codes, e.g. HY"))],
    municipality: Annotated[str, MunicipalityOption] = "demo",
    label_en: Annotated[Optional[str], typer.Option("--label-en", help=N_("English label"))] = None,
    label_fr: Annotated[Optional[str], typer.Option("--label-fr", help=N_("French label"))] = None,
    geometry: Annotated[str, typer.Option(help=N_("point, line or polygon"))] = "point",
    schema: Annotated[Optional[Path], typer.Option(
        help=N_("JSON Schema file of the attributes"))] = None,
    interval_days: Annotated[Optional[int], typer.Option(
        help=N_("Maintenance interval in days"))] = None,
    public: Annotated[bool, typer.Option(help=N_("Public by default"))] = False,
    color: Annotated[str, typer.Option(help=N_("Colour on the maps, e.g. #3388ff"))] = "#3388ff",
) -> None:
    from pydantic import ValidationError

    from gisapp.asset_types.schemas import AssetTypeCreate
    from gisapp.asset_types.service import add_type

    _ = cli_text()
    try:
        attribute_schema = json.loads(schema.read_text()) if schema else {"type": "object"}
        data = AssetTypeCreate(
            code=code, code_prefix=prefix, label_de=label_de, label_en=label_en,
            label_fr=label_fr, geometry_kind=geometry, attribute_schema=attribute_schema,
            maintenance_interval_days=interval_days, public_by_default=public, color=color,
        )
    except (ValidationError, json.JSONDecodeError, OSError) as exc:
        fail(str(exc), _)

    async def fn(session, ref):
        return await add_type(session, ref.id, data, _actor())

    try:
        row = _run_in_session(municipality, fn)
    except GisappError as exc:
        fail(exc, _)
    typer.echo(_("added asset type %(code)s to %(municipality)s", code=row.code,
                   municipality=municipality))


def main() -> None:
    """``gisapp``: the command tree with its help texts in the shell's language."""
    translate_help(typer.main.get_command(app), cli_text())()


if __name__ == "__main__":
    sys.exit(main())
