"""Administration pages of one municipality (admins only): the overview, and the access
rule every admin page shares. The pages themselves are in ``admin_*.py``."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from gisapp.dependencies import Access, AccessDep
from gisapp.pages.errors import page_router
from gisapp.pages.templating import render

router = page_router()


def admin_page(permission: str):
    """The caller's access to the municipality in the path, for a page needing
    ``permission`` (all of them are the admin role's). The anonymous are sent to log in,
    outsiders get 404 and other roles 403 (see :mod:`gisapp.pages.errors`)."""

    async def check(request: Request, access: AccessDep) -> Access:
        request.state.municipality = access.municipality  # its default language, its name
        access.require(permission)
        return access

    return Annotated[Access, Depends(check)]


def admin_url(access: Access, page: str = "", **params: str) -> str:
    """Path of an admin page of this municipality, e.g. ``admin_url(a, "users", done="x")``."""
    url = f"/admin/{access.municipality.slug}/{page}"
    return f"{url}?{urlencode(params)}" if params else url


def done(access: Access, page: str, **params: str) -> RedirectResponse:
    """After a successful form post: back to the page, which says what was done (so a
    reload does not post the form again)."""
    return RedirectResponse(admin_url(access, page, **params), status_code=303)


@router.get("/admin/{municipality}/")
async def overview(request: Request, access: admin_page("settings.manage")):
    """Links to the administration pages."""
    return render(request, "admin/overview.html")
