"""The write: all good rows of a plan in the caller's one transaction.

COPY (asyncpg's binary ``copy_records_to_table``) fills a temporary staging table – COPY
into ``asset`` itself is refused under row-level security. Then the rows whose external id
the check found in the inventory update their assets (one UPDATE, only when there are any),
and the others are inserted by one plain INSERT … SELECT: the history trigger, the type
rules, the public attributes and row-level security apply exactly as for an asset made in
the API. New codes continue the type's numbering (``HY-0480``) under the same advisory lock
the API takes; they are numbered here, in file order, so the INSERT needs no window, join
or sort over the staged rows. Should another transaction add one of the external ids in
between, the unique index refuses it and the import is a conflict (409), all or nothing.

The new assets' ids are drawn here too (:func:`ascending_ids`): random version-4 UUIDs like
``gen_random_uuid()`` makes, handed out in ascending order along the file. The indexes on
the ids (the assets' key, the history's reference and its foreign key checks) are then
filled from left to right instead of at a random page per row, which saves about a tenth of
a large import's write; the ids themselves stay as random as any other.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets.service import translate_integrity_error
from gisapp.imports.checks import Plan
from gisapp.models import AssetType

STAGING = "gisapp_import_rows"
COLUMNS = ("id", "code", "type_code", "external_id", "name", "wkb", "attributes",
           "is_public", "installed_on", "existing")
BATCH = 50_000

_CREATE = f"""CREATE TEMP TABLE {STAGING} (
    id uuid, code text, type_code text NOT NULL, external_id text, name text NOT NULL,
    wkb bytea NOT NULL, attributes jsonb NOT NULL, is_public boolean NOT NULL,
    installed_on date, existing boolean NOT NULL) ON COMMIT DROP"""

# Attributes merge (the import's keys win, keys added in gisapp stay); a file without a
# name (no name column, or an empty cell) keeps the asset's name, as a missing date keeps
# its date; an unchanged row is not touched, so it gets no new version and no history entry.
_UPDATE = f"""UPDATE asset a
   SET name = coalesce(nullif(s.name, ''), a.name), geom = ST_GeomFromWKB(s.wkb, 4326), attributes = a.attributes || s.attributes,
       installed_on = coalesce(s.installed_on, a.installed_on), version = a.version + 1,
       updated_by = :actor, updated_at = now()
  FROM {STAGING} s
 WHERE s.existing AND a.municipality_id = :mid AND a.external_id = s.external_id
   AND a.type_code = s.type_code
   AND (a.name, a.attributes, a.installed_on, a.geom)
       IS DISTINCT FROM (coalesce(nullif(s.name, ''), a.name), a.attributes || s.attributes,
                         coalesce(s.installed_on, a.installed_on), ST_GeomFromWKB(s.wkb, 4326))"""

_INSERT = f"""INSERT INTO asset (id, municipality_id, code, type_code, name, geom, attributes,
                   is_public, installed_on, external_id, created_by, updated_by)
SELECT s.id, :mid, s.code, s.type_code, s.name, ST_GeomFromWKB(s.wkb, 4326), s.attributes,
       s.is_public, s.installed_on, s.external_id, :actor, :actor
  FROM {STAGING} s
 WHERE NOT s.existing"""


def _codes(plan: Plan, rows: np.ndarray, existing: np.ndarray, types: dict[str, AssetType],
           bases: dict[str, int]) -> list[str | None]:
    """The new rows' codes: per prefix, in file order, after the highest in use."""
    type_codes = np.asarray(plan.candidates.type_code, dtype=object)[rows]
    prefixes = np.empty(len(rows), dtype=object)
    for type_code in set(type_codes.tolist()):
        prefixes[type_codes == type_code] = types[type_code].code_prefix
    numbers = np.zeros(len(rows), dtype=np.int64)
    for prefix, base in bases.items():
        where = np.flatnonzero((prefixes == prefix) & ~existing)
        numbers[where] = base + np.arange(1, len(where) + 1)
    return [None if old else f"{prefix}-{number:04d}"
            for old, prefix, number in zip(existing.tolist(), prefixes.tolist(),
                                            numbers.tolist())]


def ascending_ids(count: int) -> list[str]:
    """``count`` random version-4 UUIDs (RFC 9562: 122 random bits from the system's
    CSPRNG, as ``gen_random_uuid()``), sorted in PostgreSQL's order of uuids (bytewise), as
    32 hex digits (what asyncpg and PostgreSQL read; a million ``uuid.UUID`` objects would
    take seconds)."""
    raw = np.frombuffer(secrets.token_bytes(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # variant RFC 9562
    halves = raw.view(">u8")  # big-endian: compares like the bytes
    digits = raw[np.lexsort((halves[:, 1], halves[:, 0]))].tobytes().hex()
    return [digits[i:i + 32] for i in range(0, 32 * count, 32)]


def _records(plan: Plan, types: dict[str, AssetType], rows: np.ndarray, existing: np.ndarray,
             codes: list[str | None]) -> Iterator[tuple[Any, ...]]:
    c = plan.candidates
    wkbs = shapely.to_wkb(plan.geometry[rows])
    public = {code: bool(t.public_by_default and t.public_allowed) for code, t in types.items()}
    ids = iter(ascending_ids(int((~existing).sum())))
    for i, wkb, old, code in zip(rows.tolist(), wkbs, existing.tolist(), codes):
        type_code = c.type_code[i]
        yield (None if old else next(ids), code, type_code, c.external_id[i], c.name[i], wkb, plan.attributes_json[i],
               public[type_code], c.installed_on[i], old)


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
    rows = np.flatnonzero(plan.ok)
    total = len(rows)
    if total == 0:
        return {"created": 0, "updated": 0, "unchanged": 0}
    # a million rows take longer than a request's statement timeout; the import's own
    # limits (rows, size) bound it instead, for this transaction only
    await session.execute(text("SELECT set_config('statement_timeout', '0', true)"))
    ext = plan.candidates.external_id
    existing = np.fromiter((ext[i] in plan.existing for i in rows.tolist()), dtype=bool,
                           count=total)
    new_types = set(np.asarray(plan.candidates.type_code, dtype=object)[rows[~existing]].tolist())
    used = {types[t].code_prefix for t in new_types}
    codes = _codes(plan, rows, existing, types, await _bases(session, mid, list(used)))
    await session.execute(text(f"DROP TABLE IF EXISTS pg_temp.{STAGING}"))
    await session.execute(text(_CREATE))
    conn = await (await session.connection()).get_raw_connection()
    raw = conn.driver_connection
    batch: list[tuple[Any, ...]] = []
    for record in _records(plan, types, rows, existing, codes):
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
    params = {"mid": mid, "actor": actor}
    try:
        updated = (await session.execute(text(_UPDATE), params)).rowcount if existing.any() else 0
        created = (await session.execute(text(_INSERT), params)).rowcount
    except IntegrityError as exc:  # e.g. an external id another import added meanwhile
        raise translate_integrity_error(exc) from exc
    await session.execute(text(f"DROP TABLE pg_temp.{STAGING}"))
    return {"created": created, "updated": updated, "unchanged": total - created - updated}
