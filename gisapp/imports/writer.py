"""The write: all good rows of a plan in the caller's one transaction.

COPY (asyncpg's binary ``copy_records_to_table``) fills a temporary staging table – COPY
into ``asset`` itself is refused under row-level security, and the staging table lets one
set-based statement do the rest. Then existing assets (same external id) are updated and
the others inserted, by ordinary INSERT/UPDATE statements: the history trigger, the type
rules, the public attributes and row-level security apply exactly as for an asset made in
the API. New codes continue the type's numbering (``HY-0480``) under the same advisory
lock the API takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.imports.checks import Plan
from gisapp.models import AssetType

STAGING = "gisapp_import_rows"
COLUMNS = ("row_no", "type_code", "external_id", "name", "wkb", "attributes", "is_public",
           "installed_on")
BATCH = 50_000

_CREATE = f"""CREATE TEMP TABLE {STAGING} (
    row_no integer NOT NULL, type_code text NOT NULL, external_id text, name text NOT NULL,
    wkb bytea NOT NULL, attributes jsonb NOT NULL, is_public boolean NOT NULL,
    installed_on date) ON COMMIT DROP"""

# Attributes merge (the import's keys win, keys added in gisapp stay); an unchanged row
# is not touched, so it gets no new version and no history entry.
_UPDATE = f"""UPDATE asset a
   SET name = s.name, geom = ST_GeomFromWKB(s.wkb, 4326), attributes = a.attributes || s.attributes,
       installed_on = coalesce(s.installed_on, a.installed_on), version = a.version + 1,
       updated_by = :actor, updated_at = now()
  FROM {STAGING} s
 WHERE a.municipality_id = :mid AND a.external_id = s.external_id AND a.type_code = s.type_code
   AND (a.name, a.attributes, a.installed_on, a.geom)
       IS DISTINCT FROM (s.name, a.attributes || s.attributes,
                         coalesce(s.installed_on, a.installed_on), ST_GeomFromWKB(s.wkb, 4326))"""

_INSERT = f"""INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes,
                   is_public, installed_on, external_id, created_by, updated_by)
SELECT :mid, n.prefix || '-' || CASE WHEN n.num < 10000 THEN lpad(n.num::text, 4, '0')
                                     ELSE n.num::text END,
       n.type_code, n.name, ST_GeomFromWKB(n.wkb, 4326), n.attributes, n.is_public,
       n.installed_on, n.external_id, :actor, :actor
  FROM (SELECT s.*, t.code_prefix AS prefix,
               (CAST(:bases AS jsonb) ->> t.code_prefix)::int
               + row_number() OVER (PARTITION BY t.code_prefix ORDER BY s.row_no) AS num
          FROM {STAGING} s
          JOIN asset_type t ON t.municipality_id = :mid AND t.code = s.type_code
         WHERE s.external_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM asset a WHERE a.municipality_id = :mid
                  AND a.external_id = s.external_id)) n
 ORDER BY n.row_no"""


def _records(plan: Plan, types: dict[str, AssetType]) -> Iterator[tuple[Any, ...]]:
    c = plan.candidates
    rows = np.flatnonzero(plan.ok)
    wkbs = shapely.to_wkb(plan.geometry[rows])
    public = {code: bool(t.public_by_default and t.public_allowed) for code, t in types.items()}
    for i, wkb in zip(rows.tolist(), wkbs):
        code = c.type_code[i]
        yield (i, code, c.external_id[i], c.name[i], wkb, plan.attributes_json[i], public[code],
               c.installed_on[i])


async def _bases(session: AsyncSession, mid, prefixes: list[str]) -> dict[str, int]:
    """Highest number per code prefix, each under the API's lock for that prefix."""
    bases = {}
    for prefix in sorted(prefixes):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                              {"key": f"asset-code:{mid}:{prefix}"})
        highest = await session.scalar(text(
            "SELECT max(substring(code FROM '-([0-9]+)$')::int) FROM asset"
            " WHERE municipality_id = :mid AND code ~ ('^' || :prefix || '-[0-9]+$')"),
            {"mid": mid, "prefix": prefix})
        bases[prefix] = highest or 0
    return bases


async def write(session: AsyncSession, mid, plan: Plan, types: dict[str, AssetType],
                actor: str | None, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the plan's good rows; returns how many assets were created, updated, unchanged."""
    total = int(plan.ok.sum())
    if total == 0:
        return {"created": 0, "updated": 0, "unchanged": 0}
    # a million rows take longer than a request's statement timeout; the import's own
    # limits (rows, size) bound it instead, for this transaction only
    await session.execute(text("SELECT set_config('statement_timeout', '0', true)"))
    await session.execute(text(f"DROP TABLE IF EXISTS pg_temp.{STAGING}"))
    await session.execute(text(_CREATE))
    conn = await (await session.connection()).get_raw_connection()
    raw = conn.driver_connection
    batch: list[tuple[Any, ...]] = []
    for record in _records(plan, types):
        batch.append(record)
        if len(batch) == BATCH:
            await raw.copy_records_to_table(STAGING, records=batch, columns=COLUMNS)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        await raw.copy_records_to_table(STAGING, records=batch, columns=COLUMNS)
        if progress:
            progress(len(batch))
    used = {types[t].code_prefix for t in set(plan.candidates.type_code) if t in types}
    bases = await _bases(session, mid, list(used))
    updated = (await session.execute(text(_UPDATE), {"mid": mid, "actor": actor})).rowcount
    created = (await session.execute(text(_INSERT), {"mid": mid, "actor": actor,
                                                     "bases": json.dumps(bases)})).rowcount
    await session.execute(text(f"DROP TABLE pg_temp.{STAGING}"))
    return {"created": created, "updated": updated, "unchanged": total - created - updated}
