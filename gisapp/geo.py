"""Coordinate reference systems and incoming geometries.

Geometries are stored in EPSG:4326 (lon/lat). Callers may send coordinates in any EPSG code;
pyproj transforms them, always in x/y (east/north) order, as GeoJSON demands. Output in
another CRS is transformed by PostGIS (same PROJ pipelines; checked in the tests).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gisapp.errors import InvalidGeometry, UnknownCRS
from gisapp.messages import N_, Message

STORAGE_SRID = 4326
_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/(EPSG|OGC)/[^/]+/([A-Za-z0-9.]+)$")
_KIND_OF = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


def parse_srid(value: str | int | None, field: str = "crs") -> int:
    """EPSG code from ``25832``, ``EPSG:25832``, an OGC CRS URI, or ``CRS84`` (→ 4326).

    Raises :class:`UnknownCRS` naming ``field`` when the code is malformed or unknown.
    """
    if value is None or value == "":
        return STORAGE_SRID
    raw = str(value).strip()
    if raw.upper() in ("CRS84", "OGC:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84"):
        return STORAGE_SRID
    if match := _URI.match(raw):
        authority, code = match.groups()
        if authority == "OGC":
            if code.upper() == "CRS84":
                return STORAGE_SRID
            raise UnknownCRS(Message(N_("unsupported OGC CRS %(code)s"), code=repr(code)),
                             field=field)
        raw = code
    if raw.upper().startswith("EPSG:"):
        raw = raw[5:]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise UnknownCRS(Message(
            N_("%(value)s is not an EPSG code (expected e.g. 25832, EPSG:25832 or an "
               "http://www.opengis.net/def/crs/EPSG/0/… URI)"), value=repr(value)), field=field)
    srid = int(raw)
    _crs(srid, field)
    return srid


@lru_cache(maxsize=64)
def _known_crs(srid: int) -> CRS:
    return CRS.from_epsg(srid)


def _crs(srid: int, field: str = "crs") -> CRS:
    """The CRS, if it is a horizontal 2-D one (geographic or projected) that PostGIS has.

    Vertical, geocentric and compound systems cannot place an asset on a map.
    """
    try:
        crs = _known_crs(srid)
    except CRSError:
        raise UnknownCRS(Message(N_("EPSG:%(srid)s is not a known coordinate reference system"),
                                 srid=srid), field=field)
    if not (crs.is_projected or crs.is_geographic) or len(crs.axis_info) != 2:
        raise UnknownCRS(Message(
            N_("EPSG:%(srid)s (%(name)s) is not a horizontal 2-D coordinate reference system"),
            srid=srid, name=crs.name), field=field)
    return crs


_IN_POSTGIS: set[int] = {STORAGE_SRID}


async def ensure_in_postgis(session, srid: int, field: str = "crs") -> None:
    """PostGIS must know the code too (its spatial_ref_sys may lack codes pyproj has)."""
    if srid in _IN_POSTGIS:
        return
    from sqlalchemy import text

    found = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = :srid)"), {"srid": srid}
    )
    if not found:
        raise UnknownCRS(Message(N_("EPSG:%(srid)s is not available in this PostGIS"),
                                 srid=srid), field=field)
    _IN_POSTGIS.add(srid)


def area_of_use(srid: int) -> tuple[float, float, float, float] | None:
    """West, south, east, north in degrees where the CRS is meant to be used."""
    area = _known_crs(srid).area_of_use
    return (area.west, area.south, area.east, area.north) if area else None


def check_in_area(geom: BaseGeometry, srid: int, field: str) -> None:
    """Coordinates sent in a projected CRS must land where that CRS is used (±2°): a
    swapped axis or a typo in a UTM easting otherwise puts an asset on another continent."""
    area = area_of_use(srid)
    if area is None or srid == STORAGE_SRID:
        return
    west, south, east, north = area
    minx, miny, maxx, maxy = geom.bounds
    if minx < west - 2 or maxx > east + 2 or miny < south - 2 or maxy > north + 2:
        raise InvalidGeometry(Message(
            N_("coordinates land at lon %(lon)s, lat %(lat)s, outside the area where "
               "EPSG:%(srid)s is used (%(west)s..%(east)s E, %(south)s..%(north)s N); "
               "are x and y swapped?"),
            lon=f"{minx:.4f}", lat=f"{miny:.4f}", srid=srid, west=f"{west:g}",
            east=f"{east:g}", south=f"{south:g}", north=f"{north:g}"),
            field=f"{field}.coordinates")


def bbox_to_storage(
    bbox: tuple[float, float, float, float], srid: int, field: str = "bbox"
) -> tuple[float, float, float, float]:
    """A bbox in ``srid`` as lon/lat bounds, or InvalidInput when it cannot be transformed."""
    if srid == STORAGE_SRID:
        return bbox
    try:
        out = transformer(srid, STORAGE_SRID).transform_bounds(*bbox, errcheck=True)
    except Exception:  # pyproj raises ProjError; any failure means: not transformable
        out = (math.inf,) * 4
    if not all(math.isfinite(v) for v in out):
        raise InvalidGeometry(Message(N_("this bbox cannot be transformed from EPSG:%(srid)s"),
                                      srid=srid), field=field)
    return out


@lru_cache(maxsize=64)
def transformer(src: int, dst: int) -> Transformer:
    """A cached x/y-ordered transformer between two EPSG codes."""
    return Transformer.from_crs(_known_crs(src), _known_crs(dst), always_xy=True)


def crs_uri(srid: int) -> str:
    """The OGC URI for an EPSG code (CRS84 for 4326, as GeoJSON's axis order is lon/lat)."""
    if srid == STORAGE_SRID:
        return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    return f"http://www.opengis.net/def/crs/EPSG/0/{srid}"


def _check_numbers(coords: Any, field: str) -> None:
    """Reject NaN, infinities and non-numbers before shapely sees them."""
    stack = [coords]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            raise InvalidGeometry(Message(N_("coordinate %(value)s is not a number"),
                                          value=repr(item)), field=field)
        elif not math.isfinite(item):
            raise InvalidGeometry(Message(N_("coordinate %(value)s is not a finite number"),
                                          value=repr(item)), field=field)


def parse_geometry(
    geojson: dict[str, Any] | None, srid: int = STORAGE_SRID, field: str = "geometry"
) -> BaseGeometry:
    """A GeoJSON geometry in ``srid`` → a valid shapely geometry in EPSG:4326.

    Each problem raises :class:`InvalidGeometry` naming ``field`` and the reason: missing,
    not GeoJSON, NaN, self-intersection (with its location), or outside lon/lat range.
    A third coordinate (height) is dropped.
    """
    if not isinstance(geojson, dict):
        raise InvalidGeometry(Message(N_("a GeoJSON geometry object is required")), field=field)
    gtype = geojson.get("type")
    if gtype not in _KIND_OF:
        raise InvalidGeometry(Message(N_("geometry type %(type)s is not one of %(types)s"),
                                      type=repr(gtype), types=", ".join(_KIND_OF)), field=field)
    if "coordinates" not in geojson:
        raise InvalidGeometry(Message(N_("'coordinates' is missing")),
                              field=f"{field}.coordinates")
    _check_numbers(geojson["coordinates"], f"{field}.coordinates")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidGeometry(Message(N_("malformed %(type)s: %(detail)s"), type=gtype,
                                      detail=str(exc)), field=f"{field}.coordinates")
    if geom.is_empty:
        raise InvalidGeometry(Message(N_("geometry is empty")), field=field)
    if geom.has_z:
        # GPS fixes and surveys often carry a height; the inventory is 2-D
        geom = shapely.force_2d(geom)
    if srid == STORAGE_SRID:
        _check_lonlat(geom, field)
    if not geom.is_valid:
        raise InvalidGeometry(Message(N_("invalid geometry: %(detail)s"),
                                      detail=explain_validity(geom)), field=field)
    if srid != STORAGE_SRID:
        _crs(srid)
        trans = transformer(srid, STORAGE_SRID)
        geom = shapely.transform(geom, lambda xy: _apply(trans, xy))
        if not all(math.isfinite(c) for c in geom.bounds):
            raise InvalidGeometry(Message(
                N_("coordinates lie outside the area EPSG:%(srid)s can be transformed from"),
                srid=srid), field=f"{field}.coordinates")
        _check_lonlat(geom, field)
        check_in_area(geom, srid, field)
    return geom


def _apply(trans: Transformer, xy):
    import numpy as np

    x, y = trans.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _check_lonlat(geom: BaseGeometry, field: str) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if miny < -90 or maxy > 90:
        bad = maxy if maxy > 90 else miny
        raise InvalidGeometry(Message(
            N_("latitude %(value)s is outside [-90, 90] (coordinates are lon, lat)"),
            value=f"{bad:g}"), field=f"{field}.coordinates")
    if minx < -180 or maxx > 180:
        bad = maxx if maxx > 180 else minx
        raise InvalidGeometry(Message(N_("longitude %(value)s is outside [-180, 180]"),
                                      value=f"{bad:g}"), field=f"{field}.coordinates")


def geometry_kind(geom: BaseGeometry) -> str:
    """'point', 'line' or 'polygon': what an asset type declares it takes."""
    return _KIND_OF.get(geom.geom_type, "other")


def outside_boundary(distance_m: float, municipality: str, tolerance_m: float) -> Message:
    """The problem of an asset or an imported row too far outside the boundary. The
    distances are numbers (whole metres), so a page writes them in its reader's format."""
    tolerance = int(tolerance_m) if float(tolerance_m).is_integer() else tolerance_m
    return Message(
        N_("lies %(metres)s m outside the boundary of %(name)s (tolerance %(tolerance)s m)"),
        metres=round(distance_m), name=municipality, tolerance=tolerance)
