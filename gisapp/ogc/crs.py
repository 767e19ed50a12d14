"""Coordinate reference systems of the OGC service (Features Part 2, CRS by reference).

Each CRS is named by its OGC URI. Storage is lon/lat (CRS84). Output and ``bbox-crs``
follow the axis order the CRS's definition declares, as Part 2 demands: EPSG:4326 and
EPSG:2169 are latitude/northing first, so their coordinates are swapped relative to
GeoJSON's x/y. The order comes from the EPSG definition (pyproj), not from a list here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from gisapp import geo
from gisapp.messages import N_, Message
from gisapp.ogc.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
# offered for every collection; the municipality's working CRS is added when missing
OFFERED_EPSG = (4326, 3857, 25832, 25833, 2169)


@dataclass(frozen=True)
class OutputCrs:
    """One CRS as the service uses it: URI, EPSG code, axis order, digits to write."""

    uri: str
    srid: int
    swap_axes: bool  # first axis is north (lat/lon, northing/easting)
    digits: int

    @property
    def header(self) -> str:
        """The value of the ``Content-Crs`` header."""
        return f"<{self.uri}>"


CRS84_OUT = OutputCrs(CRS84, geo.STORAGE_SRID, False, 7)


@lru_cache(maxsize=64)
def by_srid(srid: int) -> OutputCrs:
    """The EPSG code as an OGC CRS (its URI names EPSG, so its own axis order applies)."""
    crs = geo._crs(srid)  # checked: a horizontal 2-D system pyproj knows
    first = crs.axis_info[0].direction.lower()
    return OutputCrs(EPSG_URI.format(srid), srid, first in ("north", "south"),
                     7 if crs.is_geographic else 3)


def offered(working_crs: int) -> list[str]:
    """The CRS URIs a collection offers: CRS84 first (the default), then EPSG codes."""
    codes = list(OFFERED_EPSG)
    if working_crs not in codes:
        codes.append(working_crs)
    return [CRS84, *(EPSG_URI.format(c) for c in codes)]


def parse(value: str | None, working_crs: int, field: str) -> OutputCrs:
    """A ``crs``/``bbox-crs`` value: one of the offered URIs (CRS84 when absent)."""
    if value is None:
        return CRS84_OUT
    uri = value.strip()
    if uri.startswith("[") and uri.endswith("]"):  # safe CURIE, e.g. [EPSG:25832]
        uri = uri[1:-1]
    if uri in (CRS84, "OGC:CRS84", "CRS84", "http://www.opengis.net/def/crs/OGC/0/CRS84"):
        return CRS84_OUT
    if uri.upper().startswith("EPSG:") and uri[5:].isdigit():
        uri = EPSG_URI.format(int(uri[5:]))
    uri = uri.replace("https://", "http://", 1)
    if uri not in offered(working_crs):
        raise InvalidParameter(Message(
            N_("%(value)s is not offered; use one of: %(offered)s"), value=repr(value),
            offered=", ".join(offered(working_crs))), field=field)
    return by_srid(int(uri.rsplit("/", 1)[1]))
