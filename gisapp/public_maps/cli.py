"""``gisapp maps build``: build the public maps now (the server also does it by itself)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

from gisapp.cli_language import cli_text, fail
from gisapp.errors import GisappError
from gisapp.messages import N_

maps_app = typer.Typer(help=N_("Public maps: static, embeddable, no third-party requests."),
                       no_args_is_help=True)


@maps_app.command("build", help=N_("Build the public maps, downloads and index into "
                                    "GISAPP_MAPS__DIR/{slug}/."))
def build(
    municipality: Annotated[Optional[str], typer.Option(
        "--municipality", "-m", help=N_("Slug of one municipality; default: all"))] = None,
) -> None:
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

    _ = cli_text()
    try:
        results = asyncio.run(run())
    except GisappError as exc:
        fail(exc, _, 1)
    except OSError as exc:
        fail(str(exc), _, 1)
    for r in results:
        layers = (", ".join(f"{n} {code}" for code, n in r.layers.items())
                  or _("no public points"))
        typer.echo(_("%(slug)s: %(layers)s; %(files)s files, %(size)s MB in %(folder)s (served "
                     "at /maps/%(slug)s/)", slug=r.slug, layers=layers, files=r.files,
                     size=f"{r.bytes / 1e6:.1f}", folder=r.folder))
