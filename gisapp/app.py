"""The app factory: builds the FastAPI app for given settings; nothing happens at import."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from gisapp import __version__, i18n
from gisapp.asset_types.router import router as types_router
from gisapp.assets.router import router as assets_router
from gisapp.auth.oidc import install_oidc
from gisapp.auth.router import router as auth_router
from gisapp.database import (
    check_app_role,
    make_engine,
    make_public_pool,
    make_read_pool,
    make_sessionmaker,
    warn_without_spatial_index,
)
from gisapp.errors import install_handlers
from gisapp.exports.router import router as exports_router
from gisapp.field_app import install_field_app
from gisapp.health import router as health_router
from gisapp.imports.router import router as imports_router
from gisapp.maintenance.photos_router import router as photos_router
from gisapp.maintenance.reviews_router import router as reviews_router
from gisapp.maintenance.router import router as maintenance_router
from gisapp.municipalities.router import router as municipalities_router
from gisapp.ogc import install_ogc
from gisapp.pages import install_pages
from gisapp.public_maps.router import framing as maps_framing
from gisapp.public_maps.router import install_public_maps
from gisapp.public_maps.scheduler import map_scheduler
from gisapp.security_headers import SecurityHeaders
from gisapp.settings import Settings, load_settings
from gisapp.spatial.router import router as spatial_router
from gisapp.static import install_static
from gisapp.tags.labels_router import router as labels_router
from gisapp.tags.router import router as tags_router
from gisapp.tags.router import scan_router
from gisapp.tokens.router import router as tokens_router
from gisapp.users.router import router as users_router


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> FastAPI:
    """A ready app. Pass an engine to share one (tests); otherwise one is made on start-up."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own = engine is None
        app.state.engine = engine or make_engine(settings)
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        if own:
            await check_app_role(app.state.engine)
            await warn_without_spatial_index(app.state.engine)
            app.state.read_pool = await make_read_pool(settings)
            app.state.public_pool = await make_public_pool(settings)
            # What start-up made lives as long as the process: keep it out of the collector's
            # full passes, which would otherwise stop every request for ~100 ms now and then
            # (220,000 objects; the scan's p99 under load was mostly these pauses).
            gc.collect()
            gc.freeze()
        try:
            async with map_scheduler(app, settings):
                yield
        finally:
            if own:
                await app.state.read_pool.close()
                await app.state.public_pool.close()
                await app.state.engine.dispose()

    app = FastAPI(
        title="gisapp",
        version=__version__,
        summary="Infrastructure inventory and maintenance for municipalities, on PostGIS",
        lifespan=lifespan,
        docs_url=None,  # served by install_static, without CDNs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.translations = i18n.load_all()  # compiled once: pages, errors' texts
    install_handlers(app)
    install_static(app, settings)
    install_field_app(app, settings)
    install_oidc(app, settings)
    # Routes are matched in order, each router trying all of its routes (~5 µs each): the
    # hot paths of GIS programs and crews (OGC items and tiles, scans) come first.
    install_ogc(app)
    for router in (scan_router, health_router, auth_router, municipalities_router, types_router,
                   assets_router, maintenance_router, users_router, tokens_router, tags_router,
                   photos_router, reviews_router, labels_router, spatial_router, exports_router,
                   imports_router):
        app.include_router(router)
    install_pages(app)
    install_public_maps(app, settings)
    app.add_middleware(SecurityHeaders, frame_ancestors=maps_framing(settings))
    return app
