"""Rendering pages: Jinja2 templates in the request's language, with what every page needs.

There is one Jinja2 environment per language, each with its catalog installed ("newstyle"
gettext: ``{{ _("Hello %(name)s", name=x) }}`` escapes and formats safely). Environments
are built once, so rendering never switches a shared translation under a running request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gisapp import i18n
from gisapp.auth.principal import Principal
from gisapp.messages import N_, translated  # noqa: F401 - pages import N_ from here
from gisapp.pages.member_nav import current_key, links_for
from gisapp.static import OWN_DIR, OWN_PREFIX

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


ROLE_LABELS = {"admin": N_("Administrator"), "planner": N_("Planner"), "crew": N_("Crew")}
GEOMETRY_LABELS = {"point": N_("Point"), "line": N_("Line"), "polygon": N_("Area")}


def actor_label(actor: str | None, _: Callable[[str], str]) -> str:
    """Who did something, as a person reads it: the history's ``user:anna`` is "anna" (as
    the field app and the map's card show it), ``token:qgis`` an API token, ``cli:root``
    the command line."""
    if not actor:
        return ""
    kind, _sep, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "token" and name:
        return _("API token %(name)s") % {"name": name}
    if kind == "cli":
        return _("command line (%(name)s)") % {"name": name} if name else _("command line")
    return actor


#: The language of this request's page (see :mod:`gisapp.i18n` for the order).
page_language = i18n.request_language


def gettext(request: Request) -> Callable[[str], str]:
    """``_ = gettext(request)``: translate messages written in Python code of the pages."""
    pages: Pages = request.app.state.pages
    return pages.translations[page_language(request)].gettext


def _language_switch_url(page_url: str, language: str) -> str:
    """The same page in another language: its path and query, with ``lang`` replaced."""
    path, _, query = page_url.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return f"{path}?{urlencode([*params, ('lang', language)])}"


class Pages:
    """Templates and catalogs of the app; ``request.app.state.pages``."""

    def __init__(self, translations: Mapping[str, Translations]) -> None:
        self.translations = dict(translations)
        self.static_versions = {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in OWN_DIR.iterdir() if path.is_file()
        }
        loader = FileSystemLoader(TEMPLATE_DIR)
        self.environments = {language: self._environment(loader, language, catalog)
                             for language, catalog in self.translations.items()}

    def _environment(self, loader: FileSystemLoader, language: str,
                     catalog: Translations) -> Environment:
        env = Environment(loader=loader, autoescape=select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"], undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)
        env.policies["ext.i18n.trimmed"] = True  # extraction uses the same (babel.cfg)
        env.install_gettext_translations(catalog, newstyle=True)

        def local_time(value: datetime | None, format: str = "short") -> str:
            if value is None:
                return ""
            return format_datetime(value, format, tzinfo=i18n.DISPLAY_TIMEZONE, locale=language)

        def degrees(value: float) -> str:
            return format_decimal(value, format="0.0000", locale=language) + "°"

        env.filters["datetime"] = local_time
        env.filters["number"] = lambda value: format_decimal(value, locale=language)
        env.filters["actor"] = lambda actor: actor_label(actor, catalog.gettext)
        env.filters["degrees"] = degrees
        # a service's problem (import report, attribute check) in the page's language
        env.filters["problem"] = lambda item: translated(item, catalog.gettext, language)
        env.globals.update(static=self.static_url, language_names=i18n.LANGUAGE_NAMES,
                           role_labels=ROLE_LABELS, geometry_labels=GEOMETRY_LABELS)
        return env

    def static_url(self, name: str) -> str:
        """URL of one of gisapp's own files, with its content hash against stale caches."""
        return f"{OWN_PREFIX}/{name}?v={self.static_versions[name]}"

    def render(self, request: Request, template: str, context: Mapping[str, Any] | None = None,
               *, status_code: int = 200, headers: Mapping[str, str] | None = None,
               page_url: str | None = None) -> HTMLResponse:
        """The page in the request's language.

        ``page_url`` is where the language switcher leads (default: this URL for GET; a page
        re-rendered after a form post passes the URL of the page the form is on).
        """
        language = page_language(request)
        principal: Principal | None = getattr(request.state, "principal", None)
        if page_url is None:
            page_url = request.url.path
            if request.method == "GET" and request.url.query:
                page_url += "?" + request.url.query
        municipality = getattr(request.state, "municipality", None)
        member_nav = links_for(principal, municipality)
        values = {
            "request": request, "lang": language, "principal": principal,
            "logged_in": principal is not None and principal.kind == "user",
            "csrf_token": principal.csrf_token if principal else None,
            "municipality": municipality,
            "member_nav": member_nav, "member_current": current_key(member_nav, request.url.path),
            "language_urls": {code: _language_switch_url(page_url, code)
                              for code in i18n.LANGUAGES},
            "errors": {}, "values": {}, "done": None,
            **(context or {}),
        }
        html = self.environments[language].get_template(template).render(values)
        response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
        # pages show personal data and CSRF tokens: never kept by a browser or proxy cache
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Language"] = language
        chosen = i18n.supported(request.query_params.get("lang"))
        if chosen:
            response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=i18n.LANG_COOKIE_MAX_AGE,
                                path="/", samesite="lax", httponly=True,
                                secure=request.url.scheme == "https")
        return response


def render(request: Request, template: str, context: Mapping[str, Any] | None = None,
           **kwargs: Any) -> HTMLResponse:
    """Shortcut for ``request.app.state.pages.render``."""
    return request.app.state.pages.render(request, template, context, **kwargs)
