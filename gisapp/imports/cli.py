"""``gisapp import FILE -m SLUG [--type T] [--dry-run] [--mapping JSON]``: the same service as
the API, with a progress bar; one transaction, so an interrupted import writes nothing."""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.progress import TimeElapsedColumn
from rich.table import Table

from gisapp.cli_language import CliText, LangOption, MunicipalityOption, cli_text
from gisapp.errors import GisappError
from gisapp.imports.mapping import FieldMapping
from gisapp.messages import N_
from gisapp.settings import Settings, load_settings


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _mapping(raw: str | None, type_code: str | None, crs: str | None,
             layer: str | None) -> FieldMapping:
    """--mapping as JSON text or @file.json, plus the shortcuts --type, --crs, --layer."""
    data: dict[str, Any] = {}
    if raw:
        text = Path(raw[1:]).read_text("utf-8") if raw.startswith("@") else raw
        data = json.loads(text)
    data.update({k: v for k, v in (("type", type_code), ("crs", crs), ("layer", layer)) if v})
    return FieldMapping(**data)


async def run_import(settings: Settings, municipality: str, path: Path, mapping: FieldMapping,
                     *, dry_run: bool, skip_invalid: bool, progress=None) -> dict[str, Any]:
    """One import in one transaction as gisapp_app in the municipality (also for bench/)."""
    from gisapp.database import make_engine, make_sessionmaker, session_scope, set_context
    from gisapp.imports.service import import_file
    from gisapp.municipalities.service import get_ref

    engine = make_engine(settings)
    try:
        async with session_scope(make_sessionmaker(engine), actor=_actor()) as session:
            ref = await get_ref(session, municipality)
            await set_context(session, actor=_actor(), municipality_id=ref.id)
            return await import_file(session, ref, path, mapping, settings, _actor(),
                                     dry_run=dry_run, skip_invalid=skip_invalid,
                                     progress=progress)
    finally:
        await engine.dispose()


def _print_report(console: Console, report: dict[str, Any], _: CliText, limit: int = 30) -> None:
    """The dry run's report, with the labels of the planner page's report."""
    summary = Table(show_header=False, box=None)
    labels = {"format": _("Format"), "crs": _("Coordinate reference system"),
              "rows": _("Rows in the file"), "not_mapped": _("Not for the inventory"),
              "candidates": _("Rows for the inventory"), "valid": _("Rows without errors"),
              "create": _("New assets"), "update": _("Updates of existing assets"),
              "errors": _("Rows with errors"), "warnings": _("Warnings")}
    for key, label in labels.items():
        summary.add_row(label, str(report[key]))
    for code, n in report["types"].items():
        summary.add_row(_("Type %(code)s", code=code), str(n))
    if used := report.get("mapping_used"):
        # the guess made from the column names, to correct with --mapping
        pairs = [(field, used.get(field))
                 for field in ("x", "y", "external_id", "name", "installed_on")]
        pairs += sorted((used.get("attributes") or {}).items())
        summary.add_row(_("Field mapping"), escape(", ".join(
            f"{field} ← {column}" for field, column in pairs if column) or "-"))
        summary.add_row(_("Columns"), escape(", ".join(report.get("columns") or [])))
    console.print(summary)
    for advice in report.get("advice") or []:
        console.print(escape(_.problem(advice)), style="bold")
    if report["problems"]:
        problems = Table(_("Row"), _("Field"), _("Problem"), title=_("Problems"))
        for p in report["problems"][:limit]:
            style = "red" if p["severity"] == "error" else "yellow"
            problems.add_row(escape(str(p["row"])), escape(str(p["field"] or "")),
                             escape(_.problem(p)), style=style)
        console.print(problems)
        more = report["errors"] + report["warnings"] - min(limit, len(report["problems"]))
        if more > 0:
            console.print(_("… and %(n)s more", n=more))
            # too many to read one by one: how many of each kind, as the report page sums up
            kinds = Table(_("Field"), _("Problem (the first such row)"), _("Rows"),
                          title=_("Problems by kind"))
            for k in report.get("problem_kinds", []):
                kinds.add_row(escape(k["field"]), escape(_("Row %(row)s: %(problem)s",
                                                           row=k["example_row"],
                                                           problem=_.problem(k))),
                              str(k["count"]), style="red" if k["severity"] == "error"
                              else "yellow")
            console.print(kinds)


IMPORT_HELP = N_("Import a GeoJSON, GeoPackage, zipped Shapefile, CSV, OSM extract, charging "
                 "register or meshviewer file into a municipality. The report is in German, "
                 "English or French (--lang, else the shell's locale).")


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help=N_("The file to import"))],
    municipality: Annotated[str, MunicipalityOption] = "demo",
    type_code: Annotated[Optional[str], typer.Option("--type", "-t", help=N_(
        "Asset type of the rows (not needed for OSM, the charging register, "
        "meshviewer)"))] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=N_("Check only; write nothing"))] = False,
    mapping: Annotated[Optional[str], typer.Option(help=N_(
        "Field mapping as JSON or @file.json, e.g. "
        '{"external_id": "ID", "attributes": {"power_w": "Leistung"}}'))] = None,
    crs: Annotated[Optional[str], typer.Option(help=N_("EPSG code when the file has none"))] = None,
    layer: Annotated[Optional[str], typer.Option(help=N_("GeoPackage layer"))] = None,
    skip_invalid: Annotated[bool, typer.Option(help=N_(
        "Write the good rows, leave rows with errors out (default: a file with errors writes "
        "nothing)"))] = False,
    lang: LangOption = None,
) -> None:
    """Import a file into a municipality (the command's help is ``IMPORT_HELP``)."""
    console = Console(stderr=True)
    _ = cli_text(lang)
    try:
        field_mapping = _mapping(mapping, type_code, crs, layer)
    except (ValueError, OSError, ValidationError) as exc:
        label = _("Field mapping")
        console.print(f"[red]{escape(label)}: {escape(str(exc))}[/red]")
        raise typer.Exit(2)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        reading = bar.add_task(_("Reading and checking"), total=None)
        tasks: dict[str, Any] = {}
        phases = {"write": _("Writing")}

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(reading, total=1, completed=1)
            if phase not in tasks:
                tasks[phase] = bar.add_task(phases.get(phase, phase), total=total)
            bar.advance(tasks[phase], done)

        try:
            report = asyncio.run(run_import(load_settings(), municipality, file, field_mapping,
                                            dry_run=dry_run, skip_invalid=skip_invalid,
                                            progress=progress))
        except GisappError as exc:
            bar.stop()
            if exc.details:
                console.print(f"[red]{escape(_.problem(exc.reason))}[/red]")
            for item in exc.problems()[:30]:
                where = f"{item['field']}: " if item.get("field") else ""
                console.print(f"[red]{escape(where + _.problem(item))}[/red]")
            raise typer.Exit(1)
        bar.update(reading, total=1, completed=1)
    _print_report(console, report, _)
    if dry_run:
        console.print("[bold]" + escape(_("Dry run: nothing was written.")) + "[/bold]")
    else:
        r = report["result"]
        console.print("[green]" + _("Written: %(created)s new, %(updated)s updated, "
                                    "%(unchanged)s unchanged.", **r) + "[/green]")
