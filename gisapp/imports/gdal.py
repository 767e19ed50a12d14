"""GDAL, restricted to what an import needs: our own files, the expected driver, no network.

pyogrio (fast, columnar) reads; it cannot restrict the drivers GDAL tries, so fiona opens
the file first with ``allowed_drivers`` set to the one driver its sniffed content calls for
(a VRT or anything else under a GeoPackage's name fails there). The GDAL configuration
keeps temporary files in the import's folder, writes no side-car files, and gives GDAL no
way to the network (``/vsicurl`` allowed for no file name, HTTP through a closed proxy,
PROJ's network off) – in both libraries' GDAL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fiona
import numpy as np
import pyogrio
import shapely
from fiona.drvsupport import supported_drivers
from pyogrio import raw

from gisapp.imports.uploads import UploadRejected
from gisapp.messages import N_, Message

DRIVERS = {"gpkg": "GPKG", "geojson": "GeoJSON", "shapefile": "ESRI Shapefile",
           "osm_pbf": "OSM", "osm_xml": "OSM"}


def gdal_options(folder: Path) -> dict[str, str]:
    """The configuration every read runs with."""
    return {
        "CPL_TMPDIR": str(folder),
        "GDAL_PAM_ENABLED": "NO",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "CPL_VSIL_CURL_ALLOWED_FILENAME": "/gisapp/no-network",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gisapp-no-network",
        "GDAL_HTTP_PROXY": "127.0.0.1:9",
        "GDAL_HTTP_TIMEOUT": "1",
        "GDAL_HTTP_MAX_RETRY": "0",
        "PROJ_NETWORK": "OFF",
        "OSM_MAX_TMPFILE_SIZE": "500",
        # JOSM's files give new nodes negative ids, so their node ids do not increase
        "OSM_USE_CUSTOM_INDEXING": "NO",
        "OGR_GEOJSON_MAX_OBJ_SIZE": "500",
    }


def check_driver(path: Path, fmt: str, layer: str | None = None) -> None:
    """Open with the one allowed driver, or refuse: GDAL must see what we think it is."""
    driver = DRIVERS[fmt]
    supported_drivers.setdefault("OSM", "r")
    try:
        with fiona.Env(**gdal_options(path.parent)), \
                fiona.open(path, driver=driver, layer=layer) as collection:
            if collection.driver != driver:
                raise UploadRejected(Message(N_("the file opens as %(found)s, not %(driver)s"),
                                             found=collection.driver, driver=driver))
    except (fiona.errors.FionaError, fiona.errors.DriverError, ValueError) as exc:
        raise UploadRejected(Message(N_("not a readable %(driver)s file: %(detail)s"),
                                     driver=driver,
                                     detail=_first_line(exc)))


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def layers(path: Path) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(path)]


def read(path: Path, fmt: str, layer: str | None = None, **kw: Any) -> dict[str, Any]:
    """One layer: attribute columns, geometries (None where missing), the reasons of
    geometries that cannot be decoded (e.g. a ring of 2 points), and the CRS as given."""
    check_driver(path, fmt, layer)
    pyogrio.set_gdal_config_options(gdal_options(path.parent))
    try:
        meta, _, wkb, fields = raw.read(path, layer=layer, force_2d=True, **kw)
    except pyogrio.errors.DataSourceError as exc:
        raise UploadRejected(Message(N_("cannot read the file: %(detail)s"),
                                     detail=_first_line(exc)))
    except pyogrio.errors.DataLayerError as exc:
        raise UploadRejected(Message(N_("cannot read layer %(name)s: %(detail)s"), name=repr(layer),
                                     detail=_first_line(exc)))
    finally:
        pyogrio.set_gdal_config_options({k: None for k in gdal_options(path.parent)})
    columns = {str(name): values for name, values in zip(meta["fields"], fields)}
    geoms, broken = decode(wkb)
    return {"columns": columns, "geometry": geoms, "broken": broken, "crs": meta.get("crs"),
            "count": len(geoms)}


def decode(wkb: np.ndarray | None) -> tuple[np.ndarray, dict[int, Message]]:
    """WKB to shapely, keeping the rows whose geometry GEOS refuses as ``broken``."""
    if wkb is None:
        return np.array([], dtype=object), {}
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    broken = {}
    for i in np.flatnonzero(shapely.is_missing(geoms) & np.array([w is not None for w in wkb], dtype=bool)):
        try:
            shapely.from_wkb(wkb[i])
        except shapely.errors.GEOSException as exc:
            broken[int(i)] = Message(N_("broken geometry: %(detail)s"),
                                     detail=str(exc).split(':', 1)[-1].strip())
        else:
            broken[int(i)] = Message(N_("broken geometry"))
    return geoms, broken
