"""Readers of the formats GDAL reads for us: GeoPackage, GeoJSON, zipped Shapefile, OSM.

Each checks what it can in Python first (a GeoJSON's ``crs`` member, which GDAL would
otherwise resolve, possibly over the network) and then reads through :mod:`gdal`.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from gisapp.imports import gdal
from gisapp.imports.source import SourceTable, reader, srid_of
from gisapp.imports.uploads import UnsupportedFormat, UploadRejected, unpack_shapefile
from gisapp.messages import N_, Message

# GDAL's configuration is global to the process; one read at a time keeps each read's
# settings (temp folder, no network) its own
_LOCK = threading.Lock()
_CRS_NAME = re.compile(r"^(urn:ogc:def:crs:(EPSG::\d+|OGC:1\.3:CRS84)|EPSG:\d+)$", re.I)


def _table(kind: str, data: dict[str, Any], srid: int | None, layer: str | None) -> SourceTable:
    return SourceTable(kind=kind, columns=data["columns"], geometry=data["geometry"], srid=srid,
                       broken=data["broken"], layer=layer)


def _layer(path: Path, fmt: str, wanted: str | None) -> str:
    names = gdal.layers(path)
    if wanted:
        if wanted not in names:
            raise UploadRejected(Message(N_("no layer %(name)s; the file has %(names)s"),
                                         name=repr(wanted), names=", ".join(names)),
                                 field="layer")
        return wanted
    if len(names) != 1:
        raise UploadRejected(Message(N_("the file has %(count)s layers (%(names)s); choose one "
                                        "(layer)"), count=len(names), names=", ".join(names[:10])),
                             field="layer")
    return names[0]


@reader("gpkg")
def read_gpkg(path: Path, options: dict[str, Any]) -> SourceTable:
    with _LOCK:
        gdal.check_driver(path, "gpkg")  # before GDAL lists the layers
        layer = _layer(path, "gpkg", options.get("layer"))
        data = gdal.read(path, "gpkg", layer, max_features=options.get("max_rows"))
    return _table("gpkg", data, srid_of(data["crs"]), layer)


@reader("shapefile")
def read_shapefile(path: Path, options: dict[str, Any]) -> SourceTable:
    shp = unpack_shapefile(path, options["limits"])
    with _LOCK:
        data = gdal.read(shp, "shapefile", None, max_features=options.get("max_rows"))
    return _table("shapefile", data, srid_of(data["crs"]), None)


def check_geojson(document: Any) -> None:
    """A GeoJSON object we are willing to hand to GDAL: features only, and a ``crs`` member
    (old GeoJSON 2008) only as a name, never a link GDAL would fetch."""
    if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection",
                                                                      "Feature"):
        raise UnsupportedFormat(Message(N_("JSON that is neither GeoJSON (a FeatureCollection or "
                                           "Feature) nor a Freifunk meshviewer file")))
    crs = document.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if not (isinstance(crs, dict) and crs.get("type") == "name" and isinstance(name, str)
                and _CRS_NAME.match(name)):
            raise UploadRejected(Message(N_("the GeoJSON 'crs' member must name an EPSG code "
                                            "(links and other forms are refused)")),
                                 field="file.crs")


@reader("geojson")
def read_geojson(path: Path, options: dict[str, Any]) -> SourceTable:
    with _LOCK:
        data = gdal.read(path, "geojson", None, max_features=options.get("max_rows"))
    return _table("geojson", data, srid_of(data["crs"]) or 4326, None)


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UploadRejected(Message(N_("the JSON cannot be read: %(detail)s"), detail=str(exc)))


_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
OSM_LAYERS = ("points", "multipolygons")


def parse_tags(other_tags: str | None) -> dict[str, str]:
    """GDAL's ``other_tags`` (``"k"=>"v","k2"=>"v2"``) as a dict."""
    if not other_tags:
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _HSTORE.findall(other_tags)}


@reader("osm_pbf", "osm_xml")
def read_osm(path: Path, options: dict[str, Any]) -> SourceTable:
    """Nodes (``points``) and areas (``multipolygons``) with all their tags; an area whose
    rings GEOS refuses (cut at the extract's edge) stays a row with a broken geometry."""
    fmt = "osm_pbf" if path.name.endswith(".pbf") else "osm_xml"
    tags, labels, geoms, broken = [], [], [], {}
    with _LOCK:
        for layer in OSM_LAYERS:
            data = gdal.read(path, fmt, layer)
            cols = data["columns"]
            offset = len(geoms)
            for i in range(data["count"]):
                row = {k: str(v) for k, v in ((k, cols[k][i]) for k in cols)
                       if k not in ("other_tags", "osm_id", "osm_way_id", "z_order")
                       and v is not None and v == v and v != ""}
                row.update(parse_tags(cols.get("other_tags", [None] * data["count"])[i]))
                tags.append(row)
                labels.append(_osm_label(layer, cols, i))
            geoms.extend(data["geometry"])
            broken.update({offset + i: reason for i, reason in data["broken"].items()})
    return SourceTable(kind="osm", columns={"tags": tags}, geometry=np.array(geoms, dtype=object),
                       srid=4326, broken=broken, labels=labels)


def _osm_label(layer: str, cols: dict[str, Any], i: int) -> str:
    if layer == "points":
        return f"node/{cols['osm_id'][i]}"
    way = cols.get("osm_way_id")
    if way is not None and way[i] not in (None, ""):
        return f"way/{way[i]}"
    return f"relation/{cols['osm_id'][i]}"
