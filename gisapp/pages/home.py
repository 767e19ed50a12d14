"""The start page: your municipalities and roles, or, for the public, the list of all."""

from __future__ import annotations

from fastapi import Request

from gisapp.auth.router import me_data
from gisapp.dependencies import PrincipalDep, SessionDep
from gisapp.municipalities import service as municipalities
from gisapp.pages.errors import page_router
from gisapp.pages.member_nav import member_links
from gisapp.pages.templating import render

router = page_router()


@router.get("/")
async def home(request: Request, session: SessionDep, principal: PrincipalDep):
    """Logged in: where you have a role, with the pages your role there may open."""
    if principal.kind == "user":
        memberships = [{**m, "links": member_links(m["role"], m["slug"])}
                       for m in (await me_data(session, principal))["memberships"]]
        return render(request, "home.html", {"memberships": memberships})
    public = [{"slug": m["slug"], "name": m["name"]}
              for m in await municipalities.list_all(session)]
    return render(request, "home.html", {"public": public})
