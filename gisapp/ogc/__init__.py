"""OGC API Features (Part 1 Core/GeoJSON/HTML/OpenAPI 3.0, Part 2 CRS by reference, Part 3
queryables as query parameters) and OGC API Tiles (vector tiles, TileJSON) for each
municipality, under ``/ogc/{municipality}``; readable by QGIS, GDAL (OAPIF) and OWSLib."""

from __future__ import annotations

from fastapi import FastAPI


def install_ogc(app: FastAPI) -> None:
    """Add the service's routes to an app."""
    from gisapp.ogc.router import router

    app.include_router(router)
