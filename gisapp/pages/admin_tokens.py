"""API tokens of a municipality: list, create (the secret is shown once), revoke."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.dependencies import Access, ActorDep, SessionDep
from gisapp.errors import GisappError
from gisapp.i18n import DISPLAY_TIMEZONE
from gisapp.pages.admin import admin_page, admin_url, done
from gisapp.pages.errors import page_router
from gisapp.pages.forms import domain_errors, status_of, validation_errors, values_of
from gisapp.pages.templating import gettext, render
from gisapp.tokens import service
from gisapp.tokens.schemas import TokenCreate

router = page_router()
Admin = admin_page("token.manage")
PAGE = "/admin/{municipality}/tokens"


async def _page(request: Request, session: AsyncSession, access: Access, *, status: int = 200,
                errors: dict | None = None, values: dict | None = None,
                created: dict | None = None):
    tokens = await service.list_tokens(session, access.municipality.id)
    return render(request, "admin/tokens.html", {
        "tokens": tokens, "errors": errors or {}, "values": values or {}, "created": created,
        "done": request.query_params.get("done"), "who": request.query_params.get("who", ""),
        "now": datetime.now(DISPLAY_TIMEZONE),
    }, status_code=status, page_url=admin_url(access, "tokens"))


def _expiry(value: str) -> datetime | None:
    """A token "valid until" a day expires when that day ends, in local time."""
    if not value.strip():
        return None
    day = date.fromisoformat(value.strip())
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=DISPLAY_TIMEZONE)


@router.get(PAGE)
async def tokens_page(request: Request, session: SessionDep, access: Admin):
    """The tokens (never their secrets) and the form for a new one."""
    return await _page(request, session, access)


@router.post(PAGE)
async def create_token(request: Request, session: SessionDep, access: Admin, actor: ActorDep):
    """A new token; its secret is on this answer only, never stored or shown again."""
    values = values_of(await request.form())
    _ = gettext(request)
    try:
        expires_at = _expiry(values.get("expires_at", ""))
    except (ValueError, OverflowError):
        return await _page(request, session, access, status=422, values=values, errors={
            "expires_at": _("Please enter a date, e.g. 2030-12-31.")})
    try:
        data = TokenCreate(name=values.get("name", "").strip(), role=values.get("role", ""),
                           expires_at=expires_at)
    except ValidationError as exc:
        return await _page(request, session, access, status=422, values=values,
                           errors=validation_errors(exc, _))
    try:
        async with session.begin_nested():
            token, secret = await service.create(session, access.municipality.id, data, actor)
    except GisappError as exc:
        return await _page(request, session, access, status=status_of(exc), values=values,
                           errors=domain_errors(exc, gettext(request)))
    return await _page(request, session, access, status=201,
                       created={"name": token.name, "role": token.role, "secret": secret})


@router.post(PAGE + "/{token_id}/revoke")
async def revoke_token(request: Request, token_id: uuid.UUID, session: SessionDep,
                       access: Admin):
    """Revoke: the next request with this token is refused."""
    token = await service.revoke(session, access.municipality.id, token_id)
    return done(access, "tokens", done="revoked", who=token.name)
