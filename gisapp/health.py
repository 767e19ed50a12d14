"""Liveness and readiness: is the process up, is PostGIS reachable and migrated."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 with versions when the database answers, 503 otherwise (for health checks)."""
    try:
        async with request.app.state.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT postgis_lib_version(), current_setting('server_version'),"
                " (SELECT version_num FROM alembic_version)"
            ))).one()
    except Exception as exc:  # any failure means: not ready
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__},
                            status_code=503)
    return JSONResponse({"status": "ok", "postgis": row[0], "postgresql": row[1],
                         "schema": row[2]})
