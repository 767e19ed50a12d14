"""Errors of HTML pages are answered with pages, not with the API's JSON.

Page routes are :class:`PageRoute`s. The app's error handlers (``gisapp.errors``) stay as
they are for the API; :func:`install_page_errors` puts a thin layer in front of them that
answers only for page routes: an anonymous visitor is sent to the login page (and back
afterwards), an outsider gets the 404 page (nothing is revealed), a member whose role is
not enough gets the 403 page. The error still travels through the request's transaction,
so whatever the page had written is rolled back.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from gisapp.auth.principal import Forbidden, Unauthenticated
from gisapp.dependencies import CSRF_HEADER
from gisapp.errors import GisappError, NotFound
from gisapp.messages import translated
from gisapp.pages.templating import gettext, render


class PageRoute(APIRoute):
    """A route that answers with HTML, errors included."""


def page_router() -> APIRouter:
    """A router for pages: HTML answers, HTML errors, not in the OpenAPI description."""
    return APIRouter(route_class=PageRoute, include_in_schema=False,
                     default_response_class=HTMLResponse)


def is_page(request: Request) -> bool:
    """A page route, or a route that answers HTML or JSON as asked (the OGC service's
    ``html_wanted``) when this request asked for HTML: a browser gets an error page, a GIS
    program its JSON."""
    route = request.scope.get("route")
    if isinstance(route, PageRoute):
        return True
    html_wanted = getattr(route, "html_wanted", None)
    return bool(html_wanted and html_wanted(request))


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site, never another site.

    ``//evil.example`` and ``/\\evil.example`` are other sites to a browser; anything that
    is not a plain absolute path becomes the home page.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch == "\\" or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def login_url(request: Request) -> str:
    """The login page, with this page (or, after a form post, the form's page) as next."""
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        here = referer.path + (f"?{referer.query}" if referer.query else "") or "/"
    return "/login?" + urlencode({"next": safe_next(here)})


def error_page(request: Request, exc: GisappError) -> Response:
    """The page for a domain error that a page route did not handle itself."""
    if isinstance(exc, Unauthenticated):
        return RedirectResponse(login_url(request), status_code=303)
    kind = "error"
    if isinstance(exc, NotFound):
        kind = "not_found"
    elif isinstance(exc, Forbidden):
        kind = "csrf" if exc.field in (CSRF_HEADER, "Origin") else "forbidden"
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "www-authenticate"}
    reason = translated(exc.problems()[0], gettext(request))
    return render(request, "error.html", {"kind": kind, "status": exc.status_code,
                                          "reason": reason,
                                          "reason_in_english": reason == exc.message},
                  status_code=exc.status_code, headers=headers)


def install_page_errors(app: FastAPI) -> None:
    """Answer errors of page routes with pages; leave the API's JSON errors alone."""
    for exc_class in (GisappError, RequestValidationError, StarletteHTTPException):
        api_handler = app.exception_handlers[exc_class]

        async def handler(request: Request, exc: Exception, api_handler=api_handler):
            if not is_page(request):
                return await api_handler(request, exc)
            if isinstance(exc, GisappError):
                return error_page(request, exc)
            if isinstance(exc, RequestValidationError):
                # only path parameters are typed on pages (form fields are checked by hand)
                return error_page(request, NotFound("not found"))
            status = exc.status_code
            kind = "not_found" if status == 404 else "error"
            return render(request, "error.html",
                          {"kind": kind, "status": status, "reason": str(exc.detail),
                           "reason_in_english": True},
                          status_code=status, headers=getattr(exc, "headers", None))

        app.add_exception_handler(exc_class, handler)
