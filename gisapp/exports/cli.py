"""``gisapp export``: the export of the API on the command line (same service, same
filters), for the IT service and scheduled open-data dumps."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from gisapp.cli_language import LangOption, MunicipalityOption, cli_text, fail
from gisapp.errors import GisappError, InvalidInput
from gisapp.messages import N_, Message


EXPORT_HELP = N_("Export assets as GeoPackage, zipped Shapefile, GeoJSON or CSV. Messages are "
                 "in German, English or French (--lang, else the shell's locale).")


def export_command(
    output: Annotated[Path, typer.Option("--output", "-o", help=N_("File to write"))],
    municipality: Annotated[str, MunicipalityOption] = "demo",
    format: Annotated[str, typer.Option(
        "--format", "-f", help=N_("gpkg, shp (zip), geojson, csv or xlsx (Excel)"))] = "gpkg",
    crs: Annotated[Optional[str], typer.Option(help=N_(
        "EPSG code of the output, e.g. 25832 or 2169; default the working CRS"))] = None,
    type_: Annotated[Optional[list[str]], typer.Option("--type", help=N_("Asset type(s)"))] = None,
    status: Annotated[Optional[list[str]], typer.Option(help=N_("Status(es)"))] = None,
    district: Annotated[Optional[str], typer.Option(help=N_("Only this district"))] = None,
    area: Annotated[Optional[Path], typer.Option(help=N_(
        "GeoJSON file with a Polygon/MultiPolygon (geometry, Feature or a collection of one "
        "feature)"))] = None,
    area_crs: Annotated[Optional[str], typer.Option(help=N_("EPSG code of --area"))] = None,
    public: Annotated[bool, typer.Option(
        "--public", help=N_("Only what the public sees (public assets and fields)"))] = False,
    overdue: Annotated[bool, typer.Option(
        "--overdue", help=N_("Only assets overdue for maintenance"))] = False,
    untagged: Annotated[bool, typer.Option(
        "--untagged", help=N_("Only assets without an active label"))] = False,
    flagged: Annotated[bool, typer.Option("--flagged", help=N_(
        "Only assets whose latest record was made far from them, not reviewed yet"))] = False,
    lang: LangOption = None,
) -> None:
    """Export assets (the command's help is ``EXPORT_HELP``)."""
    from pydantic import ValidationError

    from gisapp.exports.schemas import ExportRequest

    _ = cli_text(lang)
    try:
        req = ExportRequest(format=format, output_crs=crs, types=type_ or [],
                            statuses=status or [], district=district, crs=area_crs,
                            area=_area(area) if area else None,
                            fields="public" if public else "internal",
                            overdue=overdue or None, untagged=untagged or None,
                            flagged=flagged or None)
    except GisappError as exc:
        fail(exc, _)
    except (ValidationError, ValueError, OSError) as exc:
        fail(str(exc), _)
    try:
        count = asyncio.run(_run(municipality, req, output))
    except GisappError as exc:
        fail(exc, _)
    typer.echo(_.ngettext("Wrote %(count)s asset to %(path)s.",
                          "Wrote %(count)s assets to %(path)s.", count, path=output))


def _area(path: Path) -> dict:
    """The one polygon of a GeoJSON file (a Feature or a one-feature collection too)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        if len(data.get("features", [])) != 1:
            raise InvalidInput(Message(N_("a collection of exactly one feature is needed, "
                                          "not %(n)s"), n=len(data.get("features", []))),
                               field="--area")
        data = data["features"][0]
    if data.get("type") == "Feature":
        data = data.get("geometry")
    return data


async def _run(municipality: str, req, output: Path) -> int:
    from gisapp.database import make_engine, make_sessionmaker, session_scope, set_municipality
    from gisapp.exports import service
    from gisapp.municipalities.service import get_ref
    from gisapp.settings import load_settings

    engine = make_engine(load_settings())
    try:
        async with session_scope(make_sessionmaker(engine), actor="cli") as session:
            ref = await get_ref(session, municipality)
            await set_municipality(session, ref.id)
            out = await service.export(session, ref, req, may_see_internal=True)
    finally:
        await engine.dispose()
    try:
        shutil.copyfile(out.path, output)
    finally:
        out.cleanup()
    return out.count


