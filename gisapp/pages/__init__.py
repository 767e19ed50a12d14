"""Server-rendered pages for people: logging in, the start page, administration.

Thin routers over the same services the JSON API calls; templates in ``gisapp/templates``,
in German, English and French (``gisapp/locale``); own CSS/JS in ``gisapp/web``.
"""

from __future__ import annotations

from fastapi import FastAPI

from gisapp.pages import (
    admin,
    admin_settings,
    admin_tokens,
    admin_types,
    admin_users,
    home,
    imports,
    login,
    planner_map,
)
from gisapp.pages.errors import install_page_errors
from gisapp.pages.templating import Pages


def install_pages(app: FastAPI) -> None:
    """Add the pages to an app, with the catalogs :func:`gisapp.app.create_app` compiled."""
    app.state.pages = Pages(app.state.translations)
    install_page_errors(app)
    for module in (home, login, admin, admin_users, admin_tokens, admin_types, admin_settings,
                   planner_map, imports):
        app.include_router(module.router)
