"""Shared by the import tests: a municipality of one's own (CRS, boundary) with an admin
token, and an upload helper."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from gisapp.auth.credentials import hash_secret


async def add_municipality(connection, make_client, slug: str, crs: int,
                           boundary_wkt: str | None = None) -> httpx.AsyncClient:
    """A municipality with the demo's asset types and an admin token, in the test's
    transaction; returns a client acting as its admin."""
    mid = await connection.scalar(text(
        "INSERT INTO municipality (slug, name, working_crs, boundary) VALUES (:s, :n, :c,"
        " ST_Multi(ST_GeomFromText(CAST(:b AS text), 4326))) RETURNING id"),
        {"s": slug, "n": slug.title(), "c": crs, "b": boundary_wkt})
    await connection.execute(text(
        "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de, geometry_kind,"
        " attribute_schema, public_by_default, public_allowed, builtin)"
        " SELECT :mid, code, code_prefix, label_de, geometry_kind, attribute_schema,"
        " public_by_default, public_allowed, builtin FROM asset_type"
        " WHERE municipality_id = (SELECT id FROM municipality WHERE slug = 'demo')"), {"mid": mid})
    token = f"gat_{slug}-admin-token-0123456789abcdef"
    await connection.execute(text(
        "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
        " VALUES (:mid, 'imports', :h, 'gat_imp', 'admin')"), {"mid": mid, "h": hash_secret(token)})
    return make_client(None, headers={"Authorization": f"Bearer {token}"})


async def upload(client: httpx.AsyncClient, slug: str, filename: str, data: bytes,
                 **form) -> httpx.Response:
    fields = {k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in form.items()}
    return await client.post(f"/api/v1/municipalities/{slug}/imports",
                             files={"file": (filename, data, "application/octet-stream")},
                             data=fields)


async def commit(client: httpx.AsyncClient, slug: str, job_id: str, **body) -> httpx.Response:
    return await client.post(f"/api/v1/municipalities/{slug}/imports/{job_id}/commit",
                             json=body or None)
