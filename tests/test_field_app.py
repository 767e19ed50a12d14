"""The field app as gisapp serves it: the same shell for every label URL, under the strict
CSP (no inline script or style), the service worker allowed to control the site, versioned
files cached for good, catalogs complete in de/en/fr for every key the code uses, and a
first load small enough for slow 3G."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from gisapp.field_app import FieldFiles, field_dir
from gisapp.maintenance.schemas import MaintenanceKind, MaintenanceResult
from gisapp.assets.schemas import Status
from gisapp.settings import Settings

FIELD = Path(__file__).resolve().parent.parent / "field"
LANGUAGES = ("de", "en", "fr")
# what the shell loads before the person sees the card (the rest is loaded on first use)
FIRST_LOAD_BUDGET = 100 * 1024
FIRST_LOAD_GZIP_BUDGET = 40 * 1024


def catalog(language: str) -> dict[str, str]:
    return json.loads((FIELD / "i18n" / f"{language}.json").read_text("utf-8"))


def scripts() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in FIELD.glob("*.js") if p.name != "sw.js"}


async def test_any_label_url_answers_the_same_shell(anon):
    first = await anon.get("/t/AbCdEfGhIjKlMnOpQrStUv")
    second = await anon.get("/t/some-other-token")
    home = await anon.get("/field/")
    assert first.status_code == second.status_code == home.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert first.text == second.text == home.text
    assert first.headers["cache-control"] == "no-cache"
    csp = first.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert first.headers["x-frame-options"] == "DENY"
    assert (await anon.get("/field", follow_redirects=False)).headers["location"] == "/field/"


async def test_the_shell_has_no_inline_script_or_style(anon):
    html = (await anon.get("/t/AbCdEfGhIjKlMnOpQrStUv")).text
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S | re.I):
        assert script.strip() == "", "inline script"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html, re.I)
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle\s*=", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert "{{ASSETS}}" not in html
    for url in re.findall(r'(?:href|src)="([^"]+)"', html):
        assert url.startswith("/"), f"{url} is not on this site"


async def test_every_file_the_shell_names_is_served_versioned(anon):
    html = (await anon.get("/field/")).text
    urls = re.findall(r'(?:href|src)="(/field/static/[^"]+)"', html)
    assert len(urls) >= 5
    for url in urls:
        r = await anon.get(url)
        assert r.status_code == 200, url
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "unsafe-inline" not in r.headers["content-security-policy"]
    js = next(u for u in urls if u.endswith("/app.js"))
    assert (await anon.get(js)).headers["content-type"].startswith("text/javascript")
    # an older version's URL still answers (a page open during an upgrade), not cached long
    old = re.sub(r"/field/static/[^/]+/", "/field/static/000000000000/", js)
    assert (await anon.get(old)).headers["cache-control"] == "no-cache"


async def test_files_are_gzipped_and_revalidated(anon):
    html = (await anon.get("/field/")).text
    url = re.search(r'src="(/field/static/[^"]+/app\.js)"', html).group(1)
    raw = await anon.get(url, headers={"Accept-Encoding": "identity"})
    packed = await anon.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in raw.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == raw.content  # httpx decodes
    assert packed.headers["vary"] == "Accept-Encoding"
    again = await anon.get(url, headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_only_the_apps_own_files_are_served(anon):
    version = re.search(r"/field/static/([^/]+)/", (await anon.get("/field/")).text).group(1)
    for name in ("README.md", "index.html", "sw.js", "../pyproject.toml", "..%2Fpyproject.toml",
                 "i18n/../../README.md", "nothing.js"):
        r = await anon.get(f"/field/static/{version}/{name}", follow_redirects=True)
        assert r.status_code == 404, name


async def test_the_service_worker_may_control_the_site(anon):
    r = await anon.get("/field-sw.js")
    assert r.status_code == 200
    assert r.headers["service-worker-allowed"] == "/"
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"


def test_the_worker_precaches_every_file_of_the_app():
    """A file missing from the list would break the app offline, one too many its install."""
    listed = set(json.loads("[" + re.search(r"const FILES = \[(.*?)\];", (FIELD / "sw.js")
                                            .read_text("utf-8"), re.S).group(1)
                            .replace("'", '"').strip().rstrip(",") + "]"))
    assert listed == set(FieldFiles(FIELD).servable())


def test_catalogs_have_the_same_keys_and_no_empty_text():
    catalogs = {language: catalog(language) for language in LANGUAGES}
    keys = set(catalogs["de"])
    for language, texts in catalogs.items():
        assert set(texts) == keys, f"{language}: {set(texts) ^ keys}"
        empty = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
        assert empty == [], f"{language}: empty {empty}"
        for key, text in texts.items():  # the same placeholders in every language
            assert set(re.findall(r"\{\w+\}", text)) == \
                set(re.findall(r"\{\w+\}", catalogs["de"][key])), f"{language} {key}"


NAMESPACES = {key.split(".")[0] for key in catalog("de")}
# every 'namespace.key' string literal in the code is a catalog key (t('...'), say('...') …)
KEY_LITERAL = re.compile(r"""['"`]((?:%s)\.[a-z0-9_]+)['"`]""" % "|".join(NAMESPACES))


def test_every_key_the_code_uses_is_in_the_catalogs():
    keys = set(catalog("de"))
    used = {}
    for name, source in scripts().items():
        for key in KEY_LITERAL.findall(source):
            if not re.search(r"\.(jpe?g|png|js|json|css|svg)$", key):  # file names
                used.setdefault(key, name)
    assert len(used) > 100
    missing = {k: where for k, where in used.items() if k not in keys}
    assert missing == {}
    html = (FIELD / "index.html").read_text("utf-8")
    for key in re.findall(r'data-i18n(?:-label)?="([^"]+)"', html):
        assert key in keys, key
    calls = sum(len(re.findall(r"\bt\(", s)) for s in scripts().values())
    assert calls > 100


def test_keys_built_at_run_time_exist_for_every_value():
    """t(`kind.${kind}`) and friends: every value the server may send has its text."""
    keys = set(catalog("de"))
    expected = (
        [f"kind.{k}" for k in MaintenanceKind.__args__]
        + [f"result.{r}" for r in MaintenanceResult.__args__]
        + [f"status.{s}" for s in Status.__args__]
        + [f"type.{t}" for t in ("street_light", "meter", "charging_station", "wlan_hotspot",
                                  "sensor")]
        + [f"{p}_{b}" for p in ("pending.blocked", "toast.queued")
           for b in ("offline", "login", "server")]
        + [f"pending.state_{s}" for s in ("conflict", "confirm", "failed")]
        + [f"pending.type_{s}" for s in ("photo", "capture", "nfc")]
        + [f"status_form.{s}_{p}" for s in ("defective", "back_in_service")
           for p in ("title", "text", "confirm")]
        + [f"done.{s}" for s in ("defective", "back_in_service")]
    )
    assert [k for k in expected if k not in keys] == []
    dynamic = {m for s in scripts().values() for m in re.findall(r"t\(`([a-z_]+\.)", s)}
    assert dynamic <= {"kind.", "result.", "status.", "pending.", "toast.", "status_form.",
                       "done.", "type.", "attr.", "value."}


def test_every_choice_of_the_built_in_types_has_its_text():
    """value.<attribute>.<choice> in every language, for every enum of the built-in types."""
    from gisapp.asset_types.service import builtin_definitions

    keys = set(catalog("de"))
    expected = set()
    for definition in builtin_definitions():
        for name, prop in definition["attribute_schema"]["properties"].items():
            choices = prop.get("enum") or prop.get("items", {}).get("enum") or []
            expected |= {f"value.{name}.{c}" for c in choices if isinstance(c, str)}
    assert len(expected) > 60 and expected - keys == set()


def test_no_inline_style_or_markup_injection_in_the_code():
    for name, source in scripts().items():
        assert ".innerHTML" not in source and "insertAdjacentHTML(" not in source, name
        assert ".style." not in source and "setAttribute('style'" not in source, name
        assert "eval(" not in source and "new Function" not in source, name
        assert not re.search(r"https?://", source), f"{name} names another site"


async def test_first_load_is_well_under_100_kb(anon):
    """Shell, stylesheet, the modules loaded before the card shows, and one catalog."""
    html = await anon.get("/t/AbCdEfGhIjKlMnOpQrStUv", headers={"Accept-Encoding": "identity"})
    urls = re.findall(r'<(?:link rel="(?:stylesheet|modulepreload)"|script)[^>]*'
                      r'(?:href|src)="([^"]+)"', html.text)
    base = urls[0].rsplit("/", 1)[0]
    urls.append(f"{base}/i18n/de.json")
    statically_imported = set()
    for name, source in scripts().items():
        if name in {u.rsplit("/", 1)[1] for u in urls}:
            statically_imported |= set(re.findall(r"^import .* from '\./([a-z]+\.js)';", source,
                                                  re.M))
    listed = {u.rsplit("/", 1)[1] for u in urls}
    assert statically_imported <= listed, "a module the card needs is not preloaded"
    raw = len(html.content)
    packed = len(gzip.compress(html.content))
    for url in urls:
        r = await anon.get(url, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200, url
        raw += len(r.content)
        packed += len(gzip.compress(r.content))
    assert raw < FIRST_LOAD_BUDGET, f"{raw} bytes"
    assert packed < FIRST_LOAD_GZIP_BUDGET, f"{packed} bytes gzipped"


def test_the_folder_is_found_by_setting_beside_the_package_or_in_the_working_dir(
        tmp_path, monkeypatch):
    assert field_dir(Settings(field_dir=tmp_path)) == tmp_path.resolve()
    monkeypatch.setenv("GISAPP_FIELD_DIR", str(tmp_path))
    assert field_dir(Settings()) == tmp_path.resolve()
    monkeypatch.delenv("GISAPP_FIELD_DIR")
    assert field_dir(Settings()) == FIELD


@pytest.fixture
def no_field_app(app, tmp_path):
    app.state.field_files.root = tmp_path
    return app


async def test_a_missing_folder_says_how_to_fix_it(no_field_app, anon):
    r = await anon.get("/t/AbCdEfGhIjKlMnOpQrStUv")
    assert r.status_code == 503
    assert "GISAPP_FIELD_DIR" in r.json()["detail"][0]["reason"]
