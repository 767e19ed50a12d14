"""Asset types of a municipality: the list with each type's fields, and the form that adds
a custom type (hydrant, bench, playground equipment …) with the field builder."""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.asset_types import service
from gisapp.asset_types.schemas import AssetTypeCreate
from gisapp.dependencies import Access, ActorDep, SessionDep
from gisapp.errors import GisappError
from gisapp.pages import field_builder
from gisapp.pages.admin import admin_page, admin_url, done
from gisapp.pages.errors import page_router
from gisapp.pages.forms import domain_errors, status_of, validation_errors, values_of
from gisapp.pages.templating import gettext, page_language, render

router = page_router()
Admin = admin_page("type.manage")
PAGE = "/admin/{municipality}/types"


async def _page(request: Request, session: AsyncSession, access: Access, *, status: int = 200,
                errors: dict | None = None, values: dict | None = None,
                rows: list[field_builder.FieldRow] | None = None):
    language = page_language(request)
    types = [{"code": t.code, "label": getattr(t, f"label_{language}") or t.label_de,
              "prefix": t.code_prefix, "geometry_kind": t.geometry_kind,
              "interval": t.maintenance_interval_days, "public": t.public_by_default,
              "builtin": t.builtin, "color": t.color,
              "fields": field_builder.describe_fields(t.attribute_schema)}
             for t in await service.list_types(session, access.municipality.id)]
    return render(request, "admin/types.html", {
        "types": types, "errors": errors or {},
        "values": values if values is not None else {"color": "#3388ff"},
        "rows": field_builder.rows_for_display(rows or []),
        "kinds": field_builder.KIND_LABELS, "done": request.query_params.get("done"),
        "who": request.query_params.get("who", ""),
    }, status_code=status, page_url=admin_url(access, "types"))


@router.get(PAGE)
async def types_page(request: Request, session: SessionDep, access: Admin):
    """Built-in and own types with their fields, and the form for a new type."""
    return await _page(request, session, access)


def _type_data(values: dict[str, str], schema: dict) -> AssetTypeCreate:
    """The form's values as the service takes them (raises ValidationError)."""
    return AssetTypeCreate(
        code=values.get("code", "").strip(),
        code_prefix=values.get("code_prefix", "").strip().upper(),
        label_de=values.get("label_de", "").strip(),
        label_en=values.get("label_en", "").strip() or None,
        label_fr=values.get("label_fr", "").strip() or None,
        geometry_kind=values.get("geometry_kind", ""),
        attribute_schema=schema,
        maintenance_interval_days=values.get("maintenance_interval_days", "").strip() or None,
        public_by_default=values.get("public_by_default") == "on",
        color=values.get("color", "").strip() or "#3388ff",
    )


@router.post(PAGE)
async def add_type(request: Request, session: SessionDep, access: Admin, actor: ActorDep):
    """A custom type from the form; the schema comes from the builder's rows."""
    form = await request.form()
    values, rows = values_of(form), field_builder.rows_from_form(form)
    _ = gettext(request)
    schema, errors = field_builder.build_schema(rows, _)
    try:
        data = _type_data(values, schema)
    except ValidationError as exc:
        errors = {**validation_errors(exc, _), **errors}
    if errors:
        return await _page(request, session, access, status=422, errors=errors,
                           values=values, rows=rows)
    try:
        async with session.begin_nested():
            await service.add_type(session, access.municipality.id, data, actor)
    except GisappError as exc:
        return await _page(request, session, access, status=status_of(exc), values=values,
                           rows=rows, errors=domain_errors(exc, gettext(request)))
    return done(access, "types", done="added", who=data.code)
