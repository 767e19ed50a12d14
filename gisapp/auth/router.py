"""JSON endpoints for logging in and out (the login page posts to gisapp/pages)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from gisapp.auth import service
from gisapp.auth.cookies import clear_session_cookie, set_session_cookie
from gisapp.auth.principal import Unauthenticated, from_session_cookie
from gisapp.auth.schemas import LoginIn, MeOut
from gisapp.dependencies import PrincipalDep, SessionDep, SettingsDep
from gisapp.models import Municipality

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def me_data(session, principal) -> dict:
    """The caller with the municipalities they have a role in."""
    rows = await session.execute(
        select(Municipality.id, Municipality.slug, Municipality.name)
        .where(Municipality.id.in_(list(principal.memberships))).order_by(Municipality.name)
    )
    return {"kind": principal.kind, "username": principal.username,
            "display_name": principal.display_name, "is_superuser": principal.is_superuser,
            "csrf_token": principal.csrf_token,
            "memberships": [{"slug": slug, "name": name, "role": principal.memberships[mid]}
                            for mid, slug, name in rows.all()]}


@router.post("/login", response_model=MeOut,
             responses={401: {"description": "Wrong username or password"},
                        429: {"description": "Too many failed logins; see Retry-After"}})
async def login(data: LoginIn, request: Request, session: SessionDep, settings: SettingsDep):
    """Log in; sets the session cookie and returns the CSRF token for later writes."""
    result = await service.login(
        session, data.username, data.password, address=client_address(request),
        user_agent=request.headers.get("user-agent", ""), rules=settings.security,
    )
    if result is None:
        # returned, not raised: the failed attempt must be committed to count
        return JSONResponse({"error": "unauthenticated",
                             "detail": [{"reason": service.WRONG_CREDENTIALS}]}, status_code=401)
    principal = await from_session_cookie(session, result.cookie)
    response = JSONResponse(await me_data(session, principal))
    set_session_cookie(response, settings, result.cookie, result.expires_at)
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: SessionDep, principal: PrincipalDep, settings: SettingsDep):
    """End this login (the cookie's session)."""
    if principal.session_id:
        await service.logout(session, principal.session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response


@router.get("/me", response_model=MeOut)
async def me(session: SessionDep, principal: PrincipalDep):
    """Who you are and your role in each municipality."""
    if principal.kind == "anonymous":
        raise Unauthenticated("not logged in")
    return await me_data(session, principal)
