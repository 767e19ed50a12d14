"""Languages of the pages people use: German (the default), English and French.

The catalogs are the ``.po`` files in ``gisapp/locale``; they are compiled in memory when the
app is built (no ``.mo`` files in the repository that could drift from their sources). The
message ids are English. Which language a page is in follows the person, in this order:
``?lang=`` (the switcher on every page, remembered in a cookie), that cookie, the preferred
language of the account, the browser's Accept-Language, the municipality's default
language, German.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("de", "en", "fr")
DEFAULT_LANGUAGE = "de"
#: Each language named in itself, as a switcher must show it.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "fr": "Français"}
LANG_COOKIE = "gisapp_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
#: Times on the pages are local time of the municipalities served (Germany, Luxembourg).
DISPLAY_TIMEZONE = ZoneInfo("Europe/Berlin")


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(language: str) -> Translations:
    """One language's catalog, read from its .po file and compiled in memory."""
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def load_all() -> dict[str, Translations]:
    """Every language's catalog; called once when the app is built."""
    return {language: load_translations(language) for language in LANGUAGES}


def supported(value: str | None) -> str | None:
    """The language if gisapp has it (``de-AT`` counts as ``de``), else None."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The browser's most preferred language that gisapp has (RFC 9110 q-values)."""
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (language := supported(tag)):
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def negotiate(*, query: str | None = None, cookie: str | None = None,
              user: str | None = None, accept_language: str | None = None,
              municipality: str | None = None) -> str:
    """The page language, from the most to the least specific wish."""
    for wish in (supported(query), supported(cookie), supported(user),
                 from_accept_language(accept_language), supported(municipality)):
        if wish:
            return wish
    return DEFAULT_LANGUAGE


def request_language(request) -> str:
    """The language of a request's answer for people (a page, an error's ``text``): the
    order of :func:`negotiate`, with the account and the municipality when the request
    has looked them up (``request.state``)."""
    principal = getattr(request.state, "principal", None)
    municipality = getattr(request.state, "municipality", None)
    return negotiate(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        user=getattr(principal, "language", None),
        accept_language=request.headers.get("accept-language"),
        municipality=getattr(municipality, "default_language", None),
    )
