"""Settings of a municipality: working CRS, default language, and the boundary from a
GeoJSON file (as QGIS or the land survey office exports it)."""

from __future__ import annotations

import json

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from gisapp.dependencies import Access, SessionDep
from gisapp.errors import GisappError
from gisapp.municipalities import service
from gisapp.municipalities.schemas import MunicipalityUpdate
from gisapp.pages.admin import admin_page, admin_url, done
from gisapp.pages.errors import page_router
from gisapp.pages.forms import Gettext, domain_errors, status_of, validation_errors, values_of
from gisapp.pages.templating import gettext, render

router = page_router()
Admin = admin_page("settings.manage")
PAGE = "/admin/{municipality}/settings"
MAX_BOUNDARY_BYTES = 20 * 1024 * 1024  # a detailed boundary is a few MB at most


async def _page(request: Request, session: AsyncSession, access: Access, *, status: int = 200,
                errors: dict | None = None, values: dict | None = None):
    current = await service.get(session, access.municipality.slug)
    if values is None:
        values = {"working_crs": f"EPSG:{current['working_crs']}",
                  "default_language": current["default_language"], "boundary_crs": "EPSG:4326"}
    return render(request, "admin/settings.html", {
        "current": current, "errors": errors or {}, "values": values,
        "done": request.query_params.get("done"),
    }, status_code=status, page_url=admin_url(access, "settings"))


@router.get(PAGE)
async def settings_page(request: Request, session: SessionDep, access: Admin):
    """The current settings, filled into the form."""
    return await _page(request, session, access)


async def _read_boundary(upload: UploadFile, _: Gettext) -> dict:
    """The uploaded file as JSON, or ValueError with a sentence for the person."""
    content = await upload.read(MAX_BOUNDARY_BYTES + 1)
    if len(content) > MAX_BOUNDARY_BYTES:
        raise ValueError(_("The file is larger than 20 MB."))
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(_("The file is not GeoJSON (it cannot be read as JSON)."))
    if not isinstance(data, dict):
        raise ValueError(_("The file is not GeoJSON (it cannot be read as JSON)."))
    return data


@router.post(PAGE)
async def save_settings(request: Request, session: SessionDep, access: Admin):
    """Save what the form changes; a boundary only when a file was chosen."""
    form = await request.form()
    values = values_of(form)
    _ = gettext(request)
    upload = form.get("boundary")
    boundary = None
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            boundary = await _read_boundary(upload, _)
        except ValueError as exc:
            return await _page(request, session, access, status=422, values=values,
                               errors={"boundary": str(exc)})
    try:
        data = MunicipalityUpdate(
            working_crs=values.get("working_crs", ""),
            default_language=values.get("default_language") or None,
            boundary=boundary,
            boundary_crs=(values.get("boundary_crs", "").strip() or "EPSG:4326")
            if boundary is not None else None)
    except ValidationError as exc:
        return await _page(request, session, access, status=422, values=values,
                           errors=validation_errors(exc, _))
    try:
        async with session.begin_nested():
            await service.update_settings(session, access.municipality, data)
    except GisappError as exc:
        errors = domain_errors(exc, _)
        if boundary is not None and errors:
            errors.setdefault("boundary", _("Please choose the file again."))
        return await _page(request, session, access, status=status_of(exc), values=values,
                           errors=errors)
    return done(access, "settings", done="saved")
