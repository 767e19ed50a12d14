"""The login page and logging out, for people in a browser (scripts use the JSON login).

The login form is posted without a CSRF token (nobody is logged in yet; the session cookie
is SameSite=Lax); a post that a browser marks as coming from another site is refused, so no
other site can log a visitor into an account of its choosing. A failed login is answered,
not raised: the failure must be committed to count towards the throttle.
"""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from gisapp.auth import service
from gisapp.auth.cookies import clear_session_cookie, set_session_cookie
from gisapp.auth.router import client_address
from gisapp.auth.principal import Forbidden
from gisapp.auth.throttle import TooManyAttempts
from gisapp.dependencies import PrincipalDep, SessionDep, SettingsDep
from gisapp.settings import Settings
from gisapp.pages.errors import page_router, safe_next
from gisapp.pages.templating import render

router = page_router()


def _form(next_url: str, username: str = "", error: str | None = None, minutes: int = 0):
    page_url = "/login?" + urlencode({"next": next_url}) if next_url != "/" else "/login"
    return {"next": next_url, "username": username[:100], "page_url": page_url,
            "error": error, "minutes": minutes}


def _check_origin(request: Request, settings: Settings) -> None:
    """Refuse a login form posted from another site (browsers send Origin with posts)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return
    ours = {urlsplit(url)._replace(path="", query="", fragment="").geturl()
            for url in (settings.server.public_base_url, str(request.base_url))}
    if origin.rstrip("/") not in ours:
        raise Forbidden(f"login from {origin} refused", field="Origin")


@router.get("/login")
async def login_page(request: Request, principal: PrincipalDep, next: str = "/"):
    """The form; someone already logged in goes straight on."""
    target = safe_next(next)
    if principal.kind == "user":
        return RedirectResponse(target, status_code=303)
    context = _form(target)
    return render(request, "login.html", context, page_url=context["page_url"])


@router.post("/login")
async def login_submit(
    request: Request, session: SessionDep, settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
):
    """Log in and go on to ``next`` (a path on this site only)."""
    _check_origin(request, settings)
    target = safe_next(next)
    try:
        result = await service.login(
            # no valid password is longer than 1024 characters: a longer one stays wrong
            session, username, password[:1025], address=client_address(request),
            user_agent=request.headers.get("user-agent", ""), rules=settings.security)
    except TooManyAttempts as exc:
        minutes = max(1, math.ceil(exc.retry_after / 60))
        context = _form(target, username, error="throttled", minutes=minutes)
        return render(request, "login.html", context, status_code=429, headers=exc.headers,
                      page_url=context["page_url"])
    if result is None:
        # the same answer for an unknown name and a wrong password
        context = _form(target, username, error="credentials")
        return render(request, "login.html", context, status_code=401,
                      page_url=context["page_url"])
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, result.cookie, result.expires_at)
    return response


@router.post("/logout")
async def logout(session: SessionDep, principal: PrincipalDep, settings: SettingsDep):
    """End this login (the form carries the CSRF token) and show the login page."""
    if principal.session_id:
        await service.logout(session, principal.session_id)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, settings)
    return response
