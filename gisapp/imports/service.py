"""Imports for the API, the planner page and the CLI: dry run, commit, one file at a time.

``check_file`` reads and checks a file that is already in a workspace; ``dry_run`` keeps
an upload with its report (``import_job``), and ``commit`` reads that same upload again,
checks it again against the inventory as it is now, and writes it – all rows or none, in
the caller's transaction. Reading (GDAL, CSV, JSON) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.asset_types.attribute_labels import attribute_labels
from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.i18n import LANGUAGES
from gisapp.imports import checks, readers, tables, writer
from gisapp.imports.mapping import FieldMapping, generic
from gisapp.imports.presets import PRESETS
from gisapp.imports.source import READERS, SourceTable
from gisapp.imports.uploads import (
    UploadRejected,
    UploadTooLarge,
    copy_file,
    place,
    save_bytes,
    sniff,
    workspace,
)
from gisapp.messages import N_, Message, problem_fields
from gisapp.models import AssetType, ImportJob
from gisapp.municipalities.schemas import MunicipalityRef
from gisapp.settings import Settings


@dataclass
class Checked:
    """A read and checked file: its format, the source table and the plan."""

    format: str
    table: SourceTable
    plan: checks.Plan
    types: dict[str, AssetType]
    srid: int

    def report(self) -> dict[str, Any]:
        return self.plan.report(format=self.format, rows=self.table.count,
                                crs=f"EPSG:{self.srid}")


def load(path: Path, mapping: FieldMapping, settings: Settings) -> tuple[str, SourceTable]:
    """Sniff the workspace file, give it the extension of what it is, and read it."""
    fmt = sniff(path)
    limits = settings.imports
    options = {"limits": limits, "mapping": mapping.model_dump(), "layer": mapping.layer,
               "max_rows": limits.max_rows + 1}
    if fmt == "zip":
        table = READERS["shapefile"](place(path, "zip"), options)
    elif fmt == "json":
        document = readers.load_json(path)
        if tables.is_meshviewer(document):
            table = tables.read_meshviewer(document)
        else:
            readers.check_geojson(document)
            del document
            table = READERS["geojson"](place(path, "geojson"), options)
    else:
        table = READERS[fmt](place(path, fmt), options)
    if table.count == 0:  # e.g. a GeoJSON without features: nothing to check or write
        raise UploadRejected(Message(N_("the file holds no rows")))
    if table.count > limits.max_rows:
        raise UploadTooLarge(Message(N_("more than %(num)s rows; import the file in parts"),
                                     num=limits.max_rows))
    return table.kind, table


async def _types(session: AsyncSession, mid: uuid.UUID) -> dict[str, AssetType]:
    rows = await session.scalars(select(AssetType).where(AssetType.municipality_id == mid))
    return {t.code: t for t in rows}


def _srid(table: SourceTable, mapping: FieldMapping) -> int:
    if mapping.crs:
        return geo.parse_srid(mapping.crs, field="mapping.crs")
    if table.srid is None:
        raise UploadRejected(Message(N_("the file does not say its coordinate reference system; "
                                        "give its EPSG code (crs)")), field="mapping.crs")
    return table.srid


async def check_file(session: AsyncSession, muni: MunicipalityRef, path: Path,
                     mapping: FieldMapping, settings: Settings) -> Checked:
    """Read a workspace file and check every row; writes nothing."""
    fmt, table = await asyncio.to_thread(load, path, mapping, settings)
    types = await _types(session, muni.id)
    srid = _srid(table, mapping)
    await geo.ensure_in_postgis(session, srid, field="mapping.crs")
    preset = PRESETS.get(table.kind)
    candidates = (preset(table, mapping, types) if preset else
                  generic(table, mapping, types,
                          [attribute_labels(settings, language).names for language in LANGUAGES]))
    plan = await checks.check(session, candidates, srid, types, table.broken, muni,
                              settings.geo.boundary_tolerance_m)
    return Checked(format=fmt, table=table, plan=plan, types=types, srid=srid)


class RowsHaveErrors(InvalidInput):
    """A commit of a file with errors that was not told to leave those rows out. The first
    problem is this sentence (about the file), the rows' problems follow."""

    def __init__(self, errors: int, good: int, listed: list[dict[str, Any]]):
        self.errors, self.good = errors, good
        message = Message(
            N_("%(errors)s rows have errors; fix the file, or import the %(good)s good rows "
               "and leave these out (skip_invalid)"), errors=errors, good=good)
        super().__init__(message, field="file", details=[
            {"field": "file", **problem_fields(message)},
            *({**problem_fields(p), "field": f"row {p['row']}: {p['field']}"} for p in listed)])


def _refuse_errors(checked: Checked, skip_invalid: bool) -> None:
    """All or nothing: a file with errors is written only when the caller says to leave
    those rows out."""
    plan = checked.plan
    if plan.error_count and not skip_invalid:
        listed = [p for p in plan.problems if p["severity"] == "error"][:50]
        raise RowsHaveErrors(plan.error_count, int(plan.ok.sum()), listed)


async def import_file(session: AsyncSession, muni: MunicipalityRef, source: Path,
                      mapping: FieldMapping, settings: Settings, actor: str | None, *,
                      dry_run: bool, skip_invalid: bool = False,
                      progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """The CLI's path: a local file, checked and (unless a dry run) written at once."""
    with workspace(settings.imports) as folder:
        path = copy_file(folder, source, settings.imports)
        checked = await check_file(session, muni, path, mapping, settings)
    report = checked.report()
    if dry_run:
        return report
    _refuse_errors(checked, skip_invalid)
    total = int(checked.plan.ok.sum())
    step = (lambda n: progress("write", n, total)) if progress else None
    report["result"] = await writer.write(session, muni.id, checked.plan, checked.types, actor,
                                          step)
    return report


async def dry_run(session: AsyncSession, muni: MunicipalityRef, data: bytes, filename: str,
                  mapping: FieldMapping, settings: Settings, actor: str | None) -> ImportJob:
    """Check an upload and keep it with its report; nothing is written to the inventory."""
    with workspace(settings.imports) as folder:
        path = save_bytes(folder, data, settings.imports)
        checked = await check_file(session, muni, path, mapping, settings)
    job = ImportJob(municipality_id=muni.id, id=uuid.uuid4(), status="checked",
                    format=checked.format, filename=_display_name(filename),
                    options={"mapping": mapping.model_dump(exclude_none=True)},
                    report=checked.report(), upload=data, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), created_by=actor)
    session.add(job)
    await session.flush()
    return job


async def recheck(session: AsyncSession, muni: MunicipalityRef, job_id: uuid.UUID,
                  columns: dict[str, Any], settings: Settings, actor: str | None) -> ImportJob:
    """A new dry run of a kept upload with another field mapping (``external_id``,
    ``name``, ``attributes``, a CSV's ``x`` and ``y``); type, CRS and layer stay as they
    were. The first check stays
    as it is, so the way from the guess to the mapping can be followed."""
    job = await get_job(session, muni.id, job_id, lock=True)
    _ensure_open(job)
    mapping = FieldMapping(**{**job.options.get("mapping", {}), **columns})
    newer = await dry_run(session, muni, job.upload, job.filename, mapping, settings, actor)
    # the older check can no longer be written: the same file twice would be two assets
    job.options = {**job.options, "superseded_by": str(newer.id)}
    await session.flush()
    return newer


def _ensure_open(job: ImportJob) -> None:
    """Only a check that is neither written nor replaced by a newer one can go on."""
    if job.status != "checked" or job.upload is None:
        raise Conflict(Message(N_("this import was committed already")), field="status")
    if newer := job.options.get("superseded_by"):
        raise Conflict(Message(N_("this check was replaced by a newer one (%(id)s)"), id=newer),
                       field="status", extra={"superseded_by": newer})


def _display_name(filename: str | None) -> str:
    """The client's file name, for people to recognise the import; never used as a path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200]


async def get_job(session: AsyncSession, mid: uuid.UUID, job_id: uuid.UUID,
                  lock: bool = False) -> ImportJob:
    job = await session.get(ImportJob, (mid, job_id), with_for_update=lock)
    if job is None:
        raise NotFound(Message(N_("no such import")))
    return job


async def list_jobs(session: AsyncSession, mid: uuid.UUID, limit: int = 50) -> list[ImportJob]:
    rows = await session.scalars(select(ImportJob).where(ImportJob.municipality_id == mid)
                                 .order_by(ImportJob.created_at.desc()).limit(limit))
    return list(rows)


async def commit(session: AsyncSession, muni: MunicipalityRef, job_id: uuid.UUID,
                 settings: Settings, actor: str | None, *, skip_invalid: bool = False) -> ImportJob:
    """Check the kept upload again (the inventory may have changed) and write it."""
    job = await get_job(session, muni.id, job_id, lock=True)
    _ensure_open(job)
    mapping = FieldMapping(**job.options.get("mapping", {}))
    with workspace(settings.imports) as folder:
        path = save_bytes(folder, job.upload, settings.imports)
        checked = await check_file(session, muni, path, mapping, settings)
    _refuse_errors(checked, skip_invalid)
    result = await writer.write(session, muni.id, checked.plan, checked.types, actor)
    job.report = checked.report()
    job.result = {**result, "skipped": checked.plan.error_count}
    job.status = "committed"
    job.upload = None
    job.committed_at = func.now()
    job.committed_by = actor
    await session.flush()
    await session.refresh(job)
    return job
