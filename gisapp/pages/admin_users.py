"""The people of a municipality: add, change role, new password, end logins, remove.

Each action is a small form of its own; all of them call :mod:`gisapp.users.service`, as the
JSON API does. A service's refusal is shown next to the form it came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.dependencies import Access, ActorDep, PrincipalDep, SessionDep
from gisapp.errors import GisappError
from gisapp.pages.admin import admin_page, admin_url, done
from gisapp.pages.errors import page_router
from gisapp.pages.forms import domain_errors, status_of, validation_errors, values_of
from gisapp.pages.templating import gettext, render
from gisapp.users import service
from gisapp.users.schemas import MemberCreate, MemberUpdate

router = page_router()
Admin = admin_page("user.manage")
PAGE = "/admin/{municipality}/users"


async def _page(request: Request, session: AsyncSession, access: Access, *, status: int = 200,
                errors: dict | None = None, values: dict | None = None,
                row_error: dict | None = None):
    members = await service.list_members(session, access.municipality.id)
    query = request.query_params
    return render(request, "admin/users.html", {
        "members": members, "errors": errors or {}, "values": values or {},
        "row_error": row_error, "done": query.get("done"), "who": query.get("who", ""),
        "ended": query.get("n", ""),
    }, status_code=status, page_url=admin_url(access, "users"))


@router.get(PAGE)
async def users_page(request: Request, session: SessionDep, access: Admin):
    """Everyone with a role here, with their logins, and the forms to manage them."""
    return await _page(request, session, access)


@router.post(PAGE)
async def add_member(request: Request, session: SessionDep, access: Admin, actor: ActorDep):
    """A new account with a role here; the admin hands over the first password."""
    values = values_of(await request.form())
    try:
        data = MemberCreate(
            username=values.get("username", "").strip().lower(),
            display_name=values.get("display_name", "").strip(),
            email=values.get("email", "").strip() or None,
            role=values.get("role", ""), password=values.get("password", ""),
            preferred_language=values.get("preferred_language") or None)
    except ValidationError as exc:
        return await _page(request, session, access, status=422, values=values,
                           errors=validation_errors(exc, gettext(request)))
    try:
        async with session.begin_nested():
            await service.add_member(session, access.municipality.id, data, actor)
    except GisappError as exc:
        return await _page(request, session, access, status=status_of(exc), values=values,
                           errors=domain_errors(exc, gettext(request)))
    return done(access, "users", done="added", who=data.username)


async def _row_action(request: Request, session: AsyncSession, access: Access,
                      user_id: uuid.UUID, action: str,
                      run: Callable[[], Awaitable[dict[str, str] | None]]):
    """Run one member's action; on a refusal show the page with the reason at that form."""
    try:
        async with session.begin_nested():
            member = await service.get_member(session, access.municipality.id, user_id)
            extra = await run() or {}
    except (GisappError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            status = 422
            message = next(iter(validation_errors(exc, gettext(request)).values()))
        else:
            status = status_of(exc)
            message = next(iter(domain_errors(exc, gettext(request)).values()))
        return await _page(request, session, access, status=status, row_error={
            "user": str(user_id), "action": action, "message": message,
            "typed": values_of(await request.form())})
    return done(access, "users", done=action, who=member["username"], **extra)


@router.post(PAGE + "/{user_id}/role")
async def change_role(request: Request, user_id: uuid.UUID, session: SessionDep,
                      access: Admin, principal: PrincipalDep):
    """Another role here (nobody takes their own admin role)."""
    form = await request.form()

    async def run():
        data = MemberUpdate(role=form.get("role") or None)
        await service.update_member(session, access.municipality.id, user_id, data,
                                    principal.user_id)

    return await _row_action(request, session, access, user_id, "role", run)


@router.post(PAGE + "/{user_id}/password")
async def reset_password(request: Request, user_id: uuid.UUID, session: SessionDep,
                         access: Admin):
    """A new password; the person's logins end."""
    form = await request.form()

    async def run():
        await service.reset_password(session, access.municipality.id, user_id,
                                     str(form.get("password", "")))

    return await _row_action(request, session, access, user_id, "password", run)


@router.post(PAGE + "/{user_id}/sessions")
async def end_sessions(request: Request, user_id: uuid.UUID, session: SessionDep,
                       access: Admin):
    """Log the person out everywhere (a lost phone)."""

    async def run():
        ended = await service.end_sessions(session, access.municipality.id, user_id)
        return {"n": str(ended)}

    return await _row_action(request, session, access, user_id, "sessions", run)


@router.post(PAGE + "/{user_id}/remove")
async def remove_member(request: Request, user_id: uuid.UUID, session: SessionDep,
                        access: Admin, principal: PrincipalDep):
    """The person no longer works here (their account stays for other municipalities)."""

    async def run():
        await service.remove_member(session, access.municipality.id, user_id,
                                    principal.user_id)

    return await _row_action(request, session, access, user_id, "removed", run)
