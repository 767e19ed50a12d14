"""The card a scan opens: what a crew member needs at the pole, or what a resident may see.

Staff (a role in the tag's municipality) get the asset with its due date, its parent and
children (the pole with its sensor and hotspot), the last maintenance and what they may do.
Everyone else gets the public facts of a public asset and the way to report a problem,
read through the public database role: internal fields cannot leak from here.

Why this module talks to asyncpg directly: the scan is the request a crew makes most, on a
phone at the pole, and 32 crews at once must get an answer within 50 ms. The generic
request path (FastAPI dependencies, the ORM, JSON encoding in Python) costs ~6 ms of CPU per
scan, so the scan takes a lean path with the same rules:

1. one statement finds the tag (``gisapp_tag_lookup``) and the caller (the same
   ``gisapp_token_lookup`` / ``gisapp_session_lookup`` functions as every request) and, for
   the public and API tokens, already narrows the transaction to the tag's municipality
   and database role;
2. for a logged-in person, one statement reads their role in that municipality (row-level
   security: only their own memberships) and narrows the transaction the same way;
3. one statement builds the whole card as JSON in PostgreSQL (the asset through the same
   selects as the asset API, so the fields and the due date are the same), which is sent
   on as it is.

The public path runs as ``gisapp_public``: row-level security and column grants decide what
it can read, exactly as for every other public request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets import queries
from gisapp.auth.credentials import hash_secret
from gisapp.auth.principal import PERMISSIONS, Unauthenticated, bearer_credentials
from gisapp.database import APP_ROLE, PUBLIC_ROLE
from gisapp.errors import NotFound
from gisapp.geo import STORAGE_SRID

A = queries.A
MAX_TOKEN_LENGTH = 64


def _sql(select) -> str:
    """An asset select as SQL text for asyncpg: $1 is the municipality, $2 the asset.

    Only constants of our own code are rendered inline (the CRS name, result codes)."""
    stmt = select.where(A.c.municipality_id == literal_column("$1::uuid"),
                        A.c.id == literal_column("$2::uuid"))
    return str(stmt.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True}))


_BRIEF = "jsonb_build_object('id', {0}.id, 'code', {0}.code, 'type', {0}.type_code, " \
         "'name', {0}.name, 'status', {0}.status)"

_CARD = """
WITH a AS ({asset})
SELECT json_build_object(
  'asset', (SELECT to_jsonb(a) - 'geometry' || jsonb_build_object('geometry', a.geometry::jsonb)
              FROM a),
  'parent', (SELECT {parent} FROM asset p JOIN a ON p.id = a.parent_id
              WHERE p.municipality_id = $1::uuid),
  'children', CASE WHEN EXISTS (SELECT FROM a) THEN coalesce(
      (SELECT jsonb_agg({child} ORDER BY c.code) FROM asset c
        WHERE c.municipality_id = $1::uuid AND c.parent_id = $2::uuid
          AND c.status <> 'decommissioned'), '[]') ELSE '[]' END,
  'maintenance', {maintenance}
)::text
"""

_MAINTENANCE = """coalesce((SELECT jsonb_agg(jsonb_build_object(
      'kind', m.kind, 'result', m.result, 'performed_at', m.performed_at,
      'performed_by', m.performed_by, 'notes', m.notes, 'reading_value', m.reading_value)
      ORDER BY m.performed_at DESC)
    FROM (SELECT * FROM maintenance_record r
           WHERE r.municipality_id = $1::uuid AND r.asset_id = $2::uuid
             AND EXISTS (SELECT FROM a)
           ORDER BY r.performed_at DESC LIMIT 5) m), '[]')"""

#: The card's asset part for staff and for the public, built once.
STAFF_CARD = _CARD.format(asset=_sql(queries.asset_select(STORAGE_SRID)),
                          parent=_BRIEF.format("p"), child=_BRIEF.format("c"),
                          maintenance=_MAINTENANCE)
PUBLIC_CARD = _CARD.format(asset=_sql(queries.public_asset_select(STORAGE_SRID)),
                           parent=_BRIEF.format("p"), child=_BRIEF.format("c"),
                           maintenance="'[]'::jsonb")

#: Point types a new asset may have, with what the capture form needs to ask.
CAPTURE_TYPES = """
SELECT coalesce(json_agg(json_build_object(
         'code', code, 'label_de', label_de, 'label_en', label_en, 'label_fr', label_fr,
         'required', coalesce(attribute_schema -> 'required', '[]'),
         'properties', coalesce(attribute_schema -> 'properties', '{}'))
         ORDER BY builtin DESC, code), '[]')::text
  FROM asset_type WHERE municipality_id = $1::uuid AND geometry_kind = 'point'
"""

_TAG = "t.municipality_id, t.slug, t.name, t.tag_id, t.short_code, t.kind, t.state, t.asset_id"

# Statement 1, by kind of caller. The public and tokens know their role in the tag's
# municipality from this row alone, so the transaction is narrowed right here.
LOOKUP_PUBLIC = f"""
SELECT {_TAG}, set_config('role', $2, true),
       set_config('gisapp.municipality_id', coalesce(t.municipality_id::text, ''), true),
       set_config('gisapp.actor', 'public', true)
  FROM (SELECT) one LEFT JOIN gisapp_tag_lookup($1) t ON true
"""
LOOKUP_TOKEN = f"""
SELECT {_TAG}, k.token_id, k.name AS token_name,
       CASE WHEN k.municipality_id = t.municipality_id THEN k.role END AS role,
       set_config('role', CASE WHEN k.municipality_id = t.municipality_id
                               THEN $3 ELSE $4 END, true),
       set_config('gisapp.municipality_id', coalesce(t.municipality_id::text, ''), true),
       set_config('gisapp.actor', 'token:' || k.name, true)
  FROM (SELECT) one LEFT JOIN gisapp_token_lookup($2) k ON true
       LEFT JOIN gisapp_tag_lookup($1) t ON true
"""
LOOKUP_SESSION = f"""
SELECT {_TAG}, s.user_id, s.username, s.is_superuser, set_config('role', $3, true),
       set_config('gisapp.user_id', coalesce(s.user_id::text, ''), true)
  FROM (SELECT) one LEFT JOIN gisapp_session_lookup($2) s ON true
       LEFT JOIN gisapp_tag_lookup($1) t ON true
"""
# Statement 2 for a logged-in person: their role there (only their own memberships are
# visible), and the transaction narrowed to the municipality as staff or as the public.
NARROW_SESSION = """
SELECT m.role,
       set_config('gisapp.municipality_id', $1::text, true),
       set_config('gisapp.actor', $3, true),
       set_config('gisapp.superuser', $4, true),
       set_config('role', CASE WHEN m.role IS NULL THEN $6 ELSE $5 END, true)
  FROM (SELECT) one
       LEFT JOIN membership m ON m.municipality_id = $1::uuid AND m.user_id = $2::uuid
"""


@dataclass(frozen=True)
class Caller:
    """Who scans, as far as the card cares: their role in the tag's municipality."""

    role: str | None


async def _lookup(conn, token: str, authorization: str | None, cookie: str | None):
    """The tag row and the caller's role in its municipality; the transaction is narrowed
    to that municipality and to the matching database role when this returns."""
    if authorization:
        secret = bearer_credentials(authorization)
        row = await conn.fetchrow(LOOKUP_TOKEN, token, hash_secret(secret), APP_ROLE,
                                  PUBLIC_ROLE)
        if row["token_id"] is None:
            raise Unauthenticated("the API token is unknown, expired or revoked",
                                  field="Authorization")
        return row, row["role"]
    if cookie:
        row = await conn.fetchrow(LOOKUP_SESSION, token, hash_secret(cookie), APP_ROLE)
        if row["user_id"] is not None:
            if row["municipality_id"] is None:
                return row, None
            narrowed = await conn.fetchrow(
                NARROW_SESSION, row["municipality_id"], row["user_id"],
                f"user:{row['username']}", "on" if row["is_superuser"] else "off",
                APP_ROLE, PUBLIC_ROLE)
            return row, narrowed["role"]
        # a stale cookie: the public, like every other request
    return await conn.fetchrow(LOOKUP_PUBLIC, token, PUBLIC_ROLE), None


async def scan(session: AsyncSession, token: str, authorization: str | None,
               cookie: str | None, limits) -> bytes:
    """The card for ``/api/v1/scan/{token}`` as JSON bytes; NotFound for unknown labels."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("no such label")
    connection = await session.connection()
    conn = (await connection.get_raw_connection()).driver_connection
    async with conn.transaction():
        row, role = await _lookup(conn, token, authorization, cookie)
        if row["municipality_id"] is None:
            raise NotFound("no such label")
        internal = role is not None
        card: dict[str, Any] = {
            "municipality": {"slug": row["slug"], "name": row["name"]},
            "tag": {"short_code": row["short_code"], "kind": row["kind"],
                    "state": row["state"], **({"id": str(row["tag_id"])} if internal else {})},
            "limits": {"max_fix_accuracy_m": limits.max_fix_accuracy_m,
                       "plausibility_margin_m": limits.plausibility_margin_m},
            "role": role,
            "can": sorted(PERMISSIONS[role]) if internal else [],
        }
        empty = {"asset": None, "parent": None, "children": [], "maintenance": []}
        if row["state"] == "revoked":  # the label is no longer valid: say so, show nothing
            return json.dumps(card | empty).encode()
        if row["state"] == "unassigned":
            card["capture"] = internal and "asset.write" in card["can"]
            head = json.dumps(card | empty)
            if not card["capture"]:
                return head.encode()
            types = await conn.fetchval(CAPTURE_TYPES, row["municipality_id"])
            return f'{head[:-1]}, "types": {types}}}'.encode()
        body = await conn.fetchval(STAFF_CARD if internal else PUBLIC_CARD,
                                   row["municipality_id"], row["asset_id"])
    return f"{json.dumps(card)[:-1]}, {body[1:]}".encode()
