"""Every message of the pages is translated into German and French (and the English catalog
has them all), placeholders agree, and the page language follows the person: ?lang, the
cookie, the account, the browser, the municipality, German."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import text

from gisapp import i18n

from .conftest import DEMO_PASSWORD

PACKAGE = Path(i18n.__file__).resolve().parent


def extracted_messages() -> set[str | tuple[str, ...]]:
    """What Babel extracts from the templates and page modules, as babel.cfg says."""
    with (PACKAGE / "locale" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map, options_map):
        found.add(message)
    return found


def catalog(language: str):
    with i18n.catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def test_extraction_finds_the_pages_messages():
    messages = extracted_messages()
    assert "Log in" in messages and "Wrong username or password." in messages
    assert "Please fill in this field." in messages  # from Python code of the pages
    assert ("Please wait %(count)s minute before you try again.",
            "Please wait %(count)s minutes before you try again.") in messages
    assert len(messages) > 150


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_every_message_is_in_the_catalog(language):
    messages = extracted_messages()
    cat = catalog(language)
    missing, empty = [], []
    for msgid in messages:
        entry = cat.get(msgid)
        if entry is None:
            missing.append(msgid)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if language != "en" and (not all(strings) or entry.fuzzy):
            empty.append(msgid)
    assert missing == [], f"not in {language}: run pybabel update (see gisapp/locale/babel.cfg)"
    assert empty == [], f"untranslated in {language}"
    stale = sorted(str(m.id) for m in cat if m.id and m.id not in messages)
    assert stale == [], f"{language} has messages no page uses any more"


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_placeholders_agree(language):
    cat = catalog(language)
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in cat.check()]
    assert problems == []


def test_catalogs_compile_and_translate():
    translations = i18n.load_all()
    assert translations["de"].gettext("Log in") == "Anmelden"
    assert translations["fr"].gettext("Log in") == "Se connecter"
    assert translations["en"].gettext("Log in") == "Log in"
    plural = translations["de"].ngettext("%(count)s field", "%(count)s fields", 2)
    assert plural == "%(count)s Felder"


@pytest.mark.parametrize("wishes, expected", [
    ({}, "de"),
    ({"municipality": "fr"}, "fr"),
    ({"accept_language": "fr-LU,fr;q=0.9,de;q=0.5", "municipality": "de"}, "fr"),
    ({"accept_language": "es, en;q=0.3"}, "en"),
    ({"accept_language": "es, it"}, "de"),
    ({"accept_language": "de;q=0.4, en;q=0.8"}, "en"),
    ({"accept_language": "en;q=0, fr"}, "fr"),
    ({"user": "en", "accept_language": "fr"}, "en"),
    ({"cookie": "fr", "user": "en", "accept_language": "de"}, "fr"),
    ({"query": "en", "cookie": "fr", "user": "de"}, "en"),
    ({"query": "xx", "cookie": "fr"}, "fr"),
    ({"query": "DE-at"}, "de"),
])
def test_negotiation_order(wishes, expected):
    assert i18n.negotiate(**wishes) == expected


async def test_login_page_is_german_by_default_and_french_on_request(anon):
    r = await anon.get("/login")
    assert '<html lang="de">' in r.text and ">Anmelden<" in r.text
    assert r.headers["content-language"] == "de"
    r = await anon.get("/login", params={"lang": "fr"})
    assert '<html lang="fr">' in r.text and "Se connecter" in r.text
    assert "Nom d'utilisateur" in r.text and "Anmelden" not in r.text
    assert "gisapp_lang=fr" in r.headers["set-cookie"]
    # remembered: the next page is French without ?lang
    r = await anon.get("/login")
    assert '<html lang="fr">' in r.text and "Mot de passe" in r.text


async def test_the_browser_language_and_the_switcher(anon):
    r = await anon.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in r.text and ">Log in<" in r.text
    r = await anon.get("/login", params={"next": "/admin/demo/types"})
    assert 'href="/login?next=%2Fadmin%2Fdemo%2Ftypes&amp;lang=fr"' in r.text
    assert 'hreflang="en"' in r.text and 'aria-current="true">Deutsch' in r.text


async def test_wrong_password_message_in_french(anon):
    r = await anon.post("/login?lang=fr", data={"username": "admin", "password": "nope-nope"})
    assert r.status_code == 401
    assert "Nom d'utilisateur ou mot de passe incorrect." in r.text


async def test_the_municipality_default_and_the_account_language(anon, connection):
    await connection.execute(text(
        "UPDATE municipality SET default_language = 'fr' WHERE slug = 'demo'"))
    await anon.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    r = await anon.get("/admin/demo/types")
    assert '<html lang="fr">' in r.text and "Ajouter un type personnalisé" in r.text
    assert "Lampadaire" in r.text  # the types' own labels follow the page language
    await connection.execute(text(
        "UPDATE app_user SET preferred_language = 'en' WHERE username = 'admin'"))
    r = await anon.get("/admin/demo/types")
    assert '<html lang="en">' in r.text and "Add a custom type" in r.text


def test_schema_problems_read_in_german_for_every_keyword_with_a_message():
    """Each JSON Schema keyword with a translatable message yields parameters its German
    text can be filled with (``translated`` falls back to the English reason otherwise)."""
    from gisapp.asset_types.service import _SCHEMA_MESSAGES, validate_attributes
    from gisapp.errors import InvalidInput
    from gisapp.i18n import load_translations
    from gisapp.messages import translated
    from gisapp.models import AssetType

    schema = {"type": "object", "required": ["must"], "properties": {
        "t": {"type": "number"}, "lo": {"type": "number", "minimum": 5},
        "hi": {"type": "number", "maximum": 5}, "xlo": {"type": "number", "exclusiveMinimum": 0},
        "xhi": {"type": "number", "exclusiveMaximum": 0}, "e": {"enum": ["a", "b"]},
        "long": {"type": "string", "maxLength": 2}, "short": {"type": "string", "minLength": 3},
        "p": {"type": "string", "pattern": "^[0-9]+$"}, "d": {"type": "string", "format": "date"},
        "must": {"type": "string"}}}
    bad = {"t": "x", "lo": 1, "hi": 9, "xlo": 0, "xhi": 0, "e": "c", "long": "abc",
           "short": "a", "p": "x1", "d": "2024-13-40"}
    with pytest.raises(InvalidInput) as caught:
        validate_attributes(AssetType(code="probe", attribute_schema=schema), bad)
    details = caught.value.details
    german = load_translations("de").gettext
    seen = set()
    for detail in details:
        assert "message" in detail, detail
        assert translated(detail, german) != detail["reason"], detail
        seen.add(next(k for k, (text, _) in _SCHEMA_MESSAGES.items() if text == detail["message"]))
    assert seen == set(_SCHEMA_MESSAGES)


async def test_api_problems_carry_their_message_and_a_text_in_the_callers_language(anon):
    """``reason`` stays English for scripts; ``text`` is the same problem in the language the
    request asks for (German by default), which the field app and the planner map show."""
    url = "/api/v1/municipalities/demo/assets"
    r = await anon.get(url, params={"bbox": "1,2,x"})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == "bbox"
    assert item["reason"] == "four numbers expected: minx,miny,maxx,maxy"
    assert item["message"] == item["reason"] and item["params"] == {}
    assert item["text"] == "vier Zahlen erwartet: minx,miny,maxx,maxy"
    r = await anon.get(url, params={"bbox": "1,2,x"}, headers={"Accept-Language": "fr-LU, de"})
    assert r.json()["detail"][0]["text"] == "quatre nombres attendus : minx,miny,maxx,maxy"
    r = await anon.get(url, params={"bbox": "1,2,x"}, headers={"Accept-Language": "en"})
    assert r.json()["detail"][0]["text"] == item["reason"]
    # with parameters: filled into the translation, never translated themselves
    r = await anon.get(url, params={"crs": "EPSG:99999"})
    (item,) = r.json()["detail"]
    assert item["field"] == "crs" and item["params"] == {"srid": 99999}
    assert item["text"] == "EPSG:99999 ist kein bekanntes Koordinatenreferenzsystem"
    # a problem without a message (here the router's own 404): its English reason
    r = await anon.get("/api/v1/no-such-route")
    (item,) = r.json()["detail"]
    assert "message" not in item and item["text"] == item["reason"]


async def test_the_field_apps_choice_of_language_is_the_servers_too(anon):
    """The field app sends its language, and its switcher sets the cookie the pages use;
    the cookie beats the browser's languages, as on the pages."""
    url = "/api/v1/municipalities/demo/assets"
    anon.cookies.set("gisapp_lang", "fr")
    r = await anon.get(url, params={"bbox": "1,2,x"}, headers={"Accept-Language": "de"})
    assert r.json()["detail"][0]["text"].startswith("quatre nombres")


#: modules whose refusals are for programs, not people (CSRF and origin checks, the field
#: app's own files); everything else words its problems as Messages, also the OGC service
#: (its HTML pages are read by people, and its JSON answers carry the problem's ``text``
#: next to OGC's English ``description``) and the administrators' commands
_PROGRAM_FACING = {"dependencies.py", "field_app.py", "login.py", "errors.py", "oidc.py"}
_ERRORS = {"InvalidInput", "InvalidGeometry", "Conflict", "NotFound", "UnknownCRS",
           "PreconditionRequired", "ReadingNeedsConfirmation", "Forbidden", "UploadRejected",
           "UploadTooLarge", "UnsupportedFormat", "InvalidParameter", "UnknownParameter",
           "OgcNotFound", "NotAcceptable", "OgcError"}


def test_services_word_their_problems_as_translatable_messages():
    """A problem raised with a plain or f-string sentence would reach a German page in
    English: every domain error a service raises for people is a Message (or passes one on)."""
    import ast

    plain = []
    for path in PACKAGE.rglob("*.py"):
        if _PROGRAM_FACING & set(path.relative_to(PACKAGE).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in _ERRORS and node.args
                    and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))):
                plain.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert plain == []


@pytest.mark.parametrize(("option", "environ", "expected"), [
    ("fr", {"LANG": "de_DE.UTF-8"}, "fr"),
    ("EN", {}, "en"),
    (None, {"LANGUAGE": "xx:fr:en", "LANG": "de_DE.UTF-8"}, "fr"),
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LC_MESSAGES": "fr_LU.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
    (None, {"LANG": "de_LU.UTF-8"}, "de"),
    (None, {"LANG": "C.UTF-8"}, "de"),
    (None, {"LC_ALL": "POSIX", "LANG": "en_US"}, "en"),
    (None, {}, "de"),
])
def test_command_line_language(option, environ, expected):
    from gisapp.cli_language import cli_language

    assert cli_language(option, environ) == expected


def test_command_line_refuses_a_language_gisapp_does_not_have():
    import typer

    from gisapp.cli_language import cli_language

    with pytest.raises(typer.BadParameter):
        cli_language("xx", {})
