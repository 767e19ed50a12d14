"""Exports: the filtered assets written into a temporary folder the server makes.

The caller streams :attr:`ExportFile.path` and calls :meth:`ExportFile.cleanup` afterwards
(the API does it in a background task once the response is sent; the CLI copies the file).
Writing runs in a worker thread, so a large export does not stall other requests.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.assets import queries
from gisapp.assets.queries import A
from gisapp.database import PUBLIC_ROLE, set_role
from gisapp.errors import InvalidInput
from gisapp.exports import table
from gisapp.exports.schemas import ExportRequest
from gisapp.exports.writers import WRITERS
from gisapp.messages import N_, Message
from gisapp.municipalities.schemas import MunicipalityRef
from gisapp.spatial import filters

MAX_ROWS = 500_000


@dataclass
class ExportFile:
    path: Path
    filename: str
    media_type: str
    count: int
    srid: int

    def cleanup(self) -> None:
        """Delete the folder the file was written in."""
        shutil.rmtree(self.path.parent, ignore_errors=True)


async def export(session: AsyncSession, municipality: MunicipalityRef, req: ExportRequest,
                 *, may_see_internal: bool) -> ExportFile:
    """Write the assets ``req`` selects; internal fields only when asked for and allowed."""
    srid = (geo.parse_srid(req.output_crs, field="output_crs") if req.output_crs
            else municipality.working_crs)
    await geo.ensure_in_postgis(session, srid, field="output_crs")
    internal = req.fields == "internal"
    if internal and not may_see_internal:
        raise InvalidInput(Message(N_("internal fields are for staff; ask for fields=public")),
                           field="fields")
    res = await filters.resolve(session, municipality.id, req, internal=internal)
    target, bounds = await filters.near_target(session, res)
    if not internal:
        await set_role(session, PUBLIC_ROLE)  # public rows and columns, enforced by PostgreSQL
    select = queries.asset_select(srid) if internal else queries.public_asset_select(srid)
    stmt = filters.apply(select, municipality.id, res, target, bounds)
    stmt = stmt.order_by(A.c.type_code, A.c.code).limit(MAX_ROWS + 1)
    items = [queries.row_to_dict(r) for r in await session.execute(stmt)]
    if len(items) > MAX_ROWS:
        raise InvalidInput(Message(N_("more than %(num)s assets; narrow the filter"), num=MAX_ROWS),
                           field="types")
    columns = table.INTERNAL_COLUMNS if internal else table.PUBLIC_COLUMNS
    writer = WRITERS[req.format]
    stem = f"{municipality.slug}-assets-{date.today().isoformat()}-epsg{srid}"
    folder = Path(tempfile.mkdtemp(prefix="gisapp-export-"))
    try:
        path = await asyncio.to_thread(_write, writer, items, columns, srid, folder, stem)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ExportFile(path=path, filename=path.name, media_type=writer.media_type,
                      count=len(items), srid=srid)


def _write(writer, items, columns, srid, folder: Path, stem: str) -> Path:
    tables = (table.frames_by_type(items, columns, srid)
              or {"assets": table.frame([], columns, srid)})  # an empty layer, still a file
    return writer.write(tables, folder, stem)


