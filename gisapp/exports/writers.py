"""The export formats, registered by name behind one small interface.

Each writer gets the tables (one per asset type) and a folder the server made, writes its
file(s) there with pyogrio, and returns the one file to send. Nothing here sees a path or
name a client chose.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gisapp.exports.shapefile_names import field_map_text, short_names

Tables = dict[str, gpd.GeoDataFrame]


@dataclass(frozen=True)
class Writer:
    name: str
    extension: str
    media_type: str
    write: Callable[[Tables, Path, str], Path]


def _gpkg(tables: Tables, folder: Path, stem: str) -> Path:
    """One layer per asset type, named by its code."""
    path = folder / f"{stem}.gpkg"
    for layer, table in tables.items():
        pyogrio.write_dataframe(table, path, layer=layer, driver="GPKG", append=path.exists(),
                                promote_to_multi=_mixed(table))
    return path


def _shp(tables: Tables, folder: Path, stem: str) -> Path:
    """A zip of one shapefile per asset type (UTF-8 .cpg, .prj) and fields.txt."""
    mappings = {}
    parts = folder / "shp"
    parts.mkdir()
    for layer, table in tables.items():
        mapping = short_names([c for c in table.columns if c != "geometry"])
        mappings[layer] = mapping
        pyogrio.write_dataframe(table.rename(columns=mapping), parts / f"{layer}.shp",
                                driver="ESRI Shapefile", encoding="UTF-8",
                                promote_to_multi=_mixed(table))
    (parts / "fields.txt").write_text(field_map_text(mappings), encoding="utf-8")
    path = folder / f"{stem}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(parts.iterdir()):
            zf.write(part, arcname=part.name)
    return path


def _one_table(tables: Tables) -> gpd.GeoDataFrame:
    frames = list(tables.values())
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _geojson(tables: Tables, folder: Path, stem: str) -> Path:
    """One FeatureCollection of all types; outside CRS84 it names its CRS (as GDAL does)."""
    path = folder / f"{stem}.geojson"
    table = _one_table(tables)
    options = {"RFC7946": "YES"} if table.crs.to_epsg() == 4326 else {}
    pyogrio.write_dataframe(table, path, driver="GeoJSON", layer_options=options)
    return path


def _csv(tables: Tables, folder: Path, stem: str) -> Path:
    """One table; the geometry as WKT in the first column (named WKT, which GDAL, QGIS and
    spreadsheets understand); UTF-8 with BOM so spreadsheet programs read umlauts."""
    path = folder / f"{stem}.csv"
    pyogrio.write_dataframe(_one_table(tables), path, driver="CSV",
                            layer_options={"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"})
    return path


def _xlsx(tables: Tables, folder: Path, stem: str) -> Path:
    """A workbook for spreadsheet programs, one sheet per asset type named by its code: the
    geometry as WKT in the first column and, for points, x and y in the export's CRS in the
    next two. Cells keep their types, so numbers stay numbers in any locale (no separator
    or decimal comma for Excel to guess, as with CSV), and a text from the inventory is a
    text cell, never a formula."""
    path = folder / f"{stem}.xlsx"
    for layer, table in tables.items():
        sheet = pd.DataFrame(table.drop(columns="geometry"))
        shapes = table.geometry.values
        sheet.insert(0, "WKT", shapely.to_wkt(shapes))
        if (table.geom_type == "Point").any():
            sheet.insert(1, "x", shapely.get_x(shapes))  # NaN (an empty cell) if not a point
            sheet.insert(2, "y", shapely.get_y(shapes))
        pyogrio.write_dataframe(sheet, path, layer=layer, driver="XLSX", append=path.exists())
    return path


def _mixed(table: gpd.GeoDataFrame) -> bool:
    """Polygons and MultiPolygons (lines …) in one layer: write all as Multi."""
    kinds = set(table.geom_type.dropna())
    return len(kinds) > 1


WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("gpkg", "gpkg", "application/geopackage+sqlite3", _gpkg),
    Writer("shp", "zip", "application/zip", _shp),
    Writer("geojson", "geojson", "application/geo+json", _geojson),
    Writer("csv", "csv", "text/csv; charset=utf-8", _csv),
    Writer("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           _xlsx),
)}
