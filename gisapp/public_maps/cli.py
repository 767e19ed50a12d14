"""``gisapp maps build``: build the public maps now (the server also does it by itself)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

from gisapp.errors import GisappError

maps_app = typer.Typer(help="Public maps: static, embeddable, no third-party requests.",
                       no_args_is_help=True)


@maps_app.command("build")
def build(
    municipality: Annotated[Optional[str], typer.Option(
        "--municipality", "-m", help="Slug of one municipality; default: all")] = None,
) -> None:
    """Build the public maps, downloads and index into GISAPP_MAPS__DIR/{slug}/."""
    from gisapp.database import make_engine, make_sessionmaker
    from gisapp.public_maps import data, publish
    from gisapp.settings import load_settings

    settings = load_settings()

    async def run():
        engine = make_engine(settings)
        try:
            maker = make_sessionmaker(engine)
            slugs = [municipality] if municipality else await data.municipality_ids(maker)
            return [await publish.build(maker, settings, slug) for slug in slugs]
        finally:
            await engine.dispose()

    try:
        results = asyncio.run(run())
    except (GisappError, OSError) as exc:
        typer.secho(getattr(exc, "message", str(exc)), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    for r in results:
        layers = ", ".join(f"{n} {code}" for code, n in r.layers.items()) or "no public points"
        typer.echo(f"{r.slug}: {layers}; {r.files} files, {r.bytes / 1e6:.1f} MB in {r.folder}"
                   f"  (served at /maps/{r.slug}/)")
