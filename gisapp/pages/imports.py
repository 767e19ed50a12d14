"""The planner's import page: upload a file, read the dry-run report, commit.

The same service as ``POST …/imports`` and ``gisapp import``; the page only collects the
form and shows the report. Without JavaScript: a form post per step.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.asset_types.attribute_labels import attribute_labels, column_label
from gisapp.asset_types.service import get_type, list_types
from gisapp.dependencies import Access, ActorDep, SessionDep
from gisapp.errors import GisappError
from gisapp.imports import service
from gisapp.imports.router import form_upload, mapping_from
from gisapp.messages import translated
from gisapp.pages.admin import admin_page
from gisapp.pages.errors import page_router
from gisapp.pages.forms import domain_errors, status_of
from gisapp.pages.templating import N_, gettext, page_language, render

#: what a file was read as (``report.format``), as a planner names it
FORMAT_LABELS = {"geojson": N_("GeoJSON"), "gpkg": N_("GeoPackage"),
                 "shapefile": N_("Shapefile (zip)"), "csv": N_("CSV"),
                 "osm": N_("OpenStreetMap extract"),
                 "bnetza": N_("Charging register of the Bundesnetzagentur"),
                 "meshviewer": N_("Freifunk meshviewer")}

router = page_router()
Planner = admin_page("data.import")
PAGE = "/m/{municipality}/imports"
#: fields of an import's problems that are no column of the asset
FIELD_LABELS = {"geometry": N_("Geometry"), "geometry.coordinates": N_("Coordinates"),
                "location": N_("Location"), "row": N_("Row"), "file": N_("File")}
#: problems listed row by row on the report page; the rest behind "show all" and in the CSV
PAGE_PROBLEMS = 100


def _url(access: Access, rest: str = "") -> str:
    return f"/m/{access.municipality.slug}/imports{rest}"


def _type_labels(request: Request, asset_types: list) -> dict[str, str]:
    """The municipality's asset types by code, named in the page's language."""
    language = page_language(request)
    return {t.code: getattr(t, f"label_{language}", None) or t.label_de for t in asset_types}


async def _page(request: Request, session: AsyncSession, access: Access, *, status: int = 200,
                errors: dict | None = None, values: dict | None = None):
    types = list(_type_labels(request, await list_types(session, access.municipality.id))
                 .items())
    return render(request, "imports/index.html", {
        "types": types, "jobs": await service.list_jobs(session, access.municipality.id, 20),
        "errors": errors or {}, "values": values or {}, "section": "imports",
        "format_labels": FORMAT_LABELS,
    }, status_code=status, page_url=_url(access))


@router.get(PAGE)
async def imports_page(request: Request, session: SessionDep, access: Planner):
    """The upload form and the latest imports."""
    request.state.municipality = access.municipality
    return await _page(request, session, access)


@router.post(PAGE)
async def upload(request: Request, session: SessionDep, access: Planner, actor: ActorDep):
    """Check the file (dry run) and show its report; nothing is written yet."""
    settings = request.app.state.settings
    values: dict = {}
    try:
        data, filename, values = await form_upload(request, settings.imports)
        values = {k: v for k, v in values.items() if k != "csrf_token"}
        mapping = mapping_from({k: v for k, v in values.items() if v})
        async with session.begin_nested():
            job = await service.dry_run(session, access.municipality, data, filename, mapping,
                                        settings, actor)
    except GisappError as exc:
        return await _page(request, session, access, status=status_of(exc), values=values,
                           errors=domain_errors(exc, gettext(request)))
    return RedirectResponse(_url(access, f"/{job.id}"), status_code=303)


def _field_labels(request: Request, asset_types: list, fields: set[str]) -> dict[str, str]:
    """A problem's field as the pages name it: "Leistung (W)" for ``attributes.power_w``
    (the crews' catalogue, else the schema's title), "Externe ID" for ``external_id``.
    Fields without a name of their own are left out and shown by their key."""
    _ = gettext(request)
    labels = attribute_labels(request.app.state.settings, page_language(request))
    specs: dict[str, dict] = {}
    for t in asset_types:
        for key, spec in (t.attribute_schema.get("properties") or {}).items():
            specs.setdefault(key, spec)
    named = {}
    for name in fields:
        kind, _dot, key = str(name).partition(".")
        label = (labels.attribute(key, specs.get(key)) if kind == "attributes" and key
                 else _(FIELD_LABELS[name]) if name in FIELD_LABELS else column_label(name, _))
        if label and label != key:
            named[name] = label
    return named


def _problems_by_row(report: dict) -> list[dict]:
    """The listed problems by row (file order), as a person reads the file; the checks
    find them kind by kind."""
    return sorted(report.get("problems", []), key=lambda p: _row_key(p["row"]))


def _row_key(row: str) -> tuple:
    """Natural order of row labels: 2 before 10, ``node/9`` before ``node/10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", str(row)) if part)


def _unused_columns(report: dict) -> list[str]:
    """The file's columns that fill no field: often a column the guess did not recognise."""
    used = report.get("mapping_used") or {}
    taken = {used.get("external_id"), used.get("name"), used.get("installed_on"),
             *(used.get("attributes") or {}).values()}
    return [c for c in report.get("columns") or [] if c not in taken]


async def _mapping_fields(request: Request, session: AsyncSession, access: Access,
                         job) -> list[dict]:
    """The fields of the "field mapping" form of a file mapped by column: external id,
    name and each attribute of the type, with the column in force (guessed or given); for
    a CSV also the columns of x and y, which alone may name the coordinates' columns."""
    used = job.report.get("mapping_used")
    code = (job.options.get("mapping") or {}).get("type")
    if job.status != "checked" or job.superseded_by or not used or not code:
        return []
    asset_type = await get_type(session, access.municipality.id, code)
    props = asset_type.attribute_schema.get("properties", {})
    labels = attribute_labels(request.app.state.settings, page_language(request))
    attributes = used.get("attributes") or {}
    _ = gettext(request)
    every_column = [(c, c) for c in [used.get("x"), used.get("y"), *job.report["columns"]] if c]
    coordinates = [{"name": axis, "label": label, "column": used[axis],
                    "options": every_column, "required": True}
                   for axis, label in (("x", _("x (longitude or easting)")),
                                       ("y", _("y (latitude or northing)"))) if used.get(axis)]
    return [*coordinates,
            {"name": "external_id", "label": None, "column": used.get("external_id") or ""},
            {"name": "name", "label": None, "column": used.get("name") or ""},
            {"name": "installed_on", "label": None, "column": used.get("installed_on") or ""},
            *({"name": f"attributes.{key}", "label": labels.attribute(key, prop), "key": key,
               "column": attributes.get(key, "")} for key, prop in props.items())]


async def _report(request: Request, session: AsyncSession, access: Access, job_id: uuid.UUID,
                  *, status: int = 200, errors: dict | None = None):
    job = await service.get_job(session, access.municipality.id, job_id)
    asset_types = await list_types(session, access.municipality.id)
    problems = _problems_by_row(job.report)
    kinds = job.report.get("problem_kinds", [])
    show_all = request.query_params.get("problems") == "all"
    return render(request, "imports/report.html", {
        "job": job, "report": job.report, "type_labels": _type_labels(request, asset_types),
        "problems": problems if show_all else problems[:PAGE_PROBLEMS],
        "problems_listed": len(problems), "problem_kinds": kinds,
        "field_labels": _field_labels(request, asset_types,
                                      {p["field"] for p in [*problems, *kinds]}),
        "mapping_fields": await _mapping_fields(request, session, access, job),
        "column_options": [(c, c) for c in job.report.get("columns") or []],
        "unused_columns": _unused_columns(job.report), "format_labels": FORMAT_LABELS,
        "errors": errors or {}, "values": {},
        "done": request.query_params.get("done"), "section": "imports",
    }, status_code=status, page_url=_url(access, f"/{job_id}"))


@router.get(PAGE + "/{job_id}")
async def report_page(request: Request, job_id: uuid.UUID, session: SessionDep,
                      access: Planner):
    """The dry run's report: counts per type, and every problem per row."""
    return await _report(request, session, access, job_id)


def sheet_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: row ids and quoted values come from the uploaded
    file, and one starting with = + - @ would otherwise run as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _attachment(name: str) -> str:
    """A download's header for a name made from an uploaded file's: ASCII for every
    browser, the name itself (RFC 6266/5987) for those that read it."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(PAGE + "/{job_id}/problems.csv")
async def problems_csv(request: Request, job_id: uuid.UUID, session: SessionDep,
                       access: Planner) -> Response:
    """The listed problems as a spreadsheet, in the page's language: to fix the source
    file row by row (";"-separated with a BOM, as spreadsheet programs in Germany and
    France open it by a double click)."""
    job = await service.get_job(session, access.municipality.id, job_id)
    _ = gettext(request)
    language = page_language(request)
    out = io.StringIO()
    rows = csv.writer(out, delimiter=";", lineterminator="\r\n")
    rows.writerow([_("Row"), _("Field"), _("Problem"), _("Kind")])
    for p in _problems_by_row(job.report):
        rows.writerow([sheet_cell(p["row"]), sheet_cell(p["field"]),
                       sheet_cell(translated(p, _, language)),
                       _("error") if p["severity"] == "error" else _("warning")])
    stem = Path(job.filename or "import").stem.removesuffix(".osm") or "import"
    suffix = _("problems")  # of the file name, e.g. "leuchten-Probleme.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": _attachment(f"{stem}-{suffix}.csv"),
        "Cache-Control": "no-store"})


@router.post(PAGE + "/{job_id}/recheck")
async def recheck(request: Request, job_id: uuid.UUID, session: SessionDep, access: Planner,
                  actor: ActorDep):
    """Check the kept file again with the columns chosen in the field mapping form."""
    form = await request.form()
    columns = {"external_id": str(form.get("external_id") or ""),
               "name": str(form.get("name") or ""),
               "installed_on": str(form.get("installed_on") or ""),
               "attributes": {key.split(".", 1)[1]: str(value) for key, value in form.items()
                              if key.startswith("attributes.") and value}}
    columns.update({axis: str(form[axis]) for axis in ("x", "y") if form.get(axis)})
    try:
        async with session.begin_nested():
            job = await service.recheck(session, access.municipality, job_id, columns,
                                        request.app.state.settings, actor)
    except GisappError as exc:
        return await _report(request, session, access, job_id, status=status_of(exc),
                             errors=domain_errors(exc, gettext(request)))
    return RedirectResponse(_url(access, f"/{job.id}"), status_code=303)


@router.post(PAGE + "/{job_id}/commit")
async def commit(request: Request, job_id: uuid.UUID, session: SessionDep, access: Planner,
                 actor: ActorDep):
    """Write the file: all rows, or (when asked) all but the rows with errors."""
    form = await request.form()
    try:
        async with session.begin_nested():
            await service.commit(session, access.municipality, job_id,
                                 request.app.state.settings, actor,
                                 skip_invalid=form.get("skip_invalid") == "on")
    except service.RowsHaveErrors as exc:  # the rows' problems are in the report below
        language = page_language(request)
        text = request.app.state.pages.translations[language].ngettext(
            "%(errors)s row has errors: correct the file and upload it again, or tick the box "
            "to leave it out and import the other rows (%(good)s).",
            "%(errors)s rows have errors: correct the file and upload it again, or tick the "
            "box to leave them out and import the other rows (%(good)s).", exc.errors)
        return await _report(request, session, access, job_id, status=422, errors={
            "skip_invalid": text % {"errors": format_decimal(exc.errors, locale=language),
                                    "good": format_decimal(exc.good, locale=language)}})
    except GisappError as exc:
        return await _report(request, session, access, job_id, status=status_of(exc),
                             errors=domain_errors(exc, gettext(request)))
    return RedirectResponse(_url(access, f"/{job_id}?done=committed"), status_code=303)
