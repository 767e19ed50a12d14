"""Build a municipality's public maps into ``{maps dir}/{slug}/``: the one service the CLI,
the scheduler and the tests call.

Layout of a build (all static files, served under ``/maps/{slug}/``)::

    index.de.html index.en.html index.fr.html   the index in each language (served at /maps/{slug}/)
    layers.css                                   layer colours
    de/{type}.html de/{type}.js de/all.html …    one map per layer and the combined map, per language
    data/{type}.geojson data/{type}.csv data/all.*  the downloads
    build.json                                   when, from which data, what

A build is written into a new folder next to the old one and then put in its place, so a
visitor never gets half of one build and half of another.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gisapp import i18n
from gisapp.public_maps import downloads
from gisapp.public_maps.assets import Assets
from gisapp.public_maps.builder import (
    COMBINED, Basemap, PageContext, gettext, layer_css, render_index, render_page,
)
from gisapp.public_maps.data import Layer, MapData, read_map_data
from gisapp.settings import Settings
from gisapp.static import OWN_DIR, node_modules

MANIFEST = "build.json"


@dataclass(frozen=True)
class BuildResult:
    slug: str
    folder: Path
    built_at: datetime
    layers: dict[str, int]  # type -> points
    files: int
    bytes: int


def build_inputs(settings: Settings) -> str:
    """What a build depends on besides the data: the settings it uses and the code, catalogs
    and templates that write it. A build whose data and inputs are unchanged need not run
    again (e.g. after a restart)."""
    digest = hashlib.sha256(json.dumps([
        settings.geo.tile_url, settings.geo.tile_attribution, settings.geo.tile_attribution_url,
        settings.geo.tile_max_zoom, settings.maps.licence, settings.maps.licence_url,
        settings.server.public_base_url, str(node_modules(settings))]).encode())
    package = Path(__file__).resolve().parent
    for folder, pattern in [(package, "*.py"), (package.parent / "templates" / "public_maps", "*"),
                            (OWN_DIR, "public-map.*"), (i18n.LOCALE_DIR, "*/LC_MESSAGES/*.po")]:
        for path in sorted(folder.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def maps_dir(settings: Settings) -> Path:
    return Path(settings.maps.dir).resolve()


def basemap(settings: Settings) -> Basemap | None:
    geo = settings.geo
    if not geo.tile_url:
        return None
    return Basemap(url=geo.tile_url, attribution=geo.tile_attribution,
                   attribution_url=geo.tile_attribution_url, max_zoom=geo.tile_max_zoom)


async def build(maker: async_sessionmaker[AsyncSession], settings: Settings,
                slug: str) -> BuildResult:
    """Read the municipality's public data and write its maps (rendering off the event loop)."""
    import asyncio

    data = await read_map_data(maker, slug)
    return await asyncio.to_thread(write_maps, data, settings)


def write_maps(data: MapData, settings: Settings, root: Path | None = None) -> BuildResult:
    """Write every page, the downloads and the index of one municipality, then swap the
    folder in."""
    root = root or maps_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    target = root / data.slug
    work = Path(tempfile.mkdtemp(prefix=f".{data.slug}.", dir=root))
    try:
        files = _write_all(data, settings, work)
        work.chmod(0o755)
        _swap(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    return BuildResult(slug=data.slug, folder=target, built_at=data.built_at,
                       layers={layer.code: len(layer.features) for layer in data.layers},
                       files=files, bytes=size)


def _swap(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{id(new)}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _context(data: MapData, settings: Settings, language: str, to_site: str) -> PageContext:
    return PageContext(
        slug=data.slug, name=data.name, language=language, built_at=data.built_at,
        assets=Assets(node_modules(settings), to_site), licence=settings.maps.licence,
        licence_url=settings.maps.licence_url, basemap=basemap(settings),
        boundary=data.boundary, streets=data.streets,
    )


def _write(path: Path, content: str | bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    path.chmod(0o644)
    return 1


def _write_all(data: MapData, settings: Settings, folder: Path) -> int:
    files = _write(folder / "layers.css", layer_css(data.layers))
    files += _write_downloads(data, settings, folder / "data")
    for language in i18n.LANGUAGES:
        _ = gettext(language)
        ctx = _context(data, settings, language, "../../../")
        pages = [(layer.code, layer.label(language), [layer]) for layer in data.layers]
        pages.insert(0, (COMBINED, _("Public map"), data.layers))
        for name, title, layers in pages:
            page = render_page(name, title, layers, ctx)
            files += _write(folder / language / f"{name}.html", page.html)
            files += _write(folder / language / f"{name}.js", page.script)
        index_ctx = _context(data, settings, language, "../../")
        files += _write(folder / f"index.{language}.html", render_index(
            index_ctx, data.layers, _download_rows(data.layers, language),
            settings.server.public_base_url))
    files += _write(folder / MANIFEST, json.dumps({
        "slug": data.slug, "name": data.name, "default_language": data.default_language,
        "built_at": data.built_at.isoformat(timespec="seconds"),
        "fingerprint": data.fingerprint, "inputs": build_inputs(settings),
        "layers": {layer.code: len(layer.features) for layer in data.layers},
    }, ensure_ascii=False, indent=1))
    return files


def _download_rows(layers: list[Layer], language: str) -> list[dict]:
    _ = gettext(language)
    rows = [(COMBINED, _("All layers"), sum(len(layer.features) for layer in layers))]
    rows += [(layer.code, layer.label(language), len(layer.features)) for layer in layers]
    return [{"label": label, "count": count, "geojson": f"data/{code}.geojson",
             "csv": f"data/{code}.csv", "geojson_name": f"{code}.geojson",
             "csv_name": f"{code}.csv"} for code, label, count in rows]


def _write_downloads(data: MapData, settings: Settings, folder: Path) -> int:
    base = settings.server.public_base_url
    attribution = data.name
    files = 0
    for code, layers in [(COMBINED, data.layers), *((la.code, [la]) for la in data.layers)]:
        files += _write(folder / f"{code}.geojson", downloads.geojson(
            layers, name=f"{data.slug}-{code}", attribution=attribution,
            licence=settings.maps.licence, licence_url=settings.maps.licence_url,
            updated=data.built_at, base_url=base))
        files += _write(folder / f"{code}.csv", downloads.csv_bytes(
            layers, licence=settings.maps.licence, updated=data.built_at, base_url=base))
    return files


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
