"""Readers of plain tables, in Python: CSV (lon/lat or x/y; German decimal commas, ``;``,
BOMs, CRLF), the Bundesnetzagentur charging register (a CSV of a known layout), and the
Freifunk meshviewer JSON. No GDAL involved: the csv module and json are enough, and they
cannot be talked into opening another file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gisapp.imports.readers import load_json
from gisapp.imports.source import NO_LOCATION, SourceTable, number, reader
from gisapp.imports.uploads import UploadRejected
from gisapp.messages import N_, Message

X_NAMES = ("lon", "lng", "long", "longitude", "x", "laengengrad", "längengrad", "rechtswert",
           "easting", "east", "ostwert")
Y_NAMES = ("lat", "latitude", "y", "breitengrad", "hochwert", "northing", "north", "nordwert")
LONLAT = {"lon", "lng", "long", "longitude", "lat", "latitude", "laengengrad", "längengrad",
          "breitengrad"}
BNETZA_HEADER = ("Betreiber", "Breitengrad", "Längengrad", "Anzahl Ladepunkte")


def decode_text(path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's CSV in Germany)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def split_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows; the separator is the one the header line uses most (; , tab)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines[:20]) if line.strip()), 0)
    header_line = lines[start] if lines else ""
    sep = max((";", ",", "\t"), key=header_line.count)
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=sep))
    if not rows or len(rows[0]) < 2:
        raise UploadRejected(Message(N_("the CSV has no header line with at least two columns")))
    header = [h.strip() for h in rows[0]]
    return header, [r for r in rows[1:] if any(cell.strip() for cell in r)]


def _find(header: list[str], wanted: str | None, names: tuple[str, ...], what: str) -> str:
    if wanted:
        if wanted not in header:
            raise UploadRejected(Message(N_("no column %(name)s in the CSV"), name=repr(wanted)),
                                 field=f"mapping.{what}")
        return wanted
    for name in header:
        if name.strip().lower() in names:
            return name
    raise UploadRejected(Message(N_("no %(what)s column found (name it in the mapping: %(what)s)"),
                                 what=what),
                         field=f"mapping.{what}")


def points_from(xs: list[Any], ys: list[Any]) -> tuple[np.ndarray, dict[int, Message]]:
    """Points from coordinate cells; a cell that is not a number breaks its row."""
    geoms = np.empty(len(xs), dtype=object)
    broken = {}
    for i, (x, y) in enumerate(zip(xs, ys)):
        fx, fy = number(x), number(y)
        if fx is None or fy is None:
            bad = x if fx is None else y
            broken[i] = Message(N_("coordinate %(value)s is not a number"), value=repr(bad))
        else:
            geoms[i] = shapely.Point(fx, fy)
    return geoms, broken


@reader("csv")
def read_csv(path: Path, options: dict[str, Any]) -> SourceTable:
    header, rows = split_rows(decode_text(path))
    if all(name in header for name in BNETZA_HEADER):
        return _bnetza(header, rows)
    mapping = options.get("mapping") or {}
    xcol = _find(header, mapping.get("x"), X_NAMES, "x")
    ycol = _find(header, mapping.get("y"), Y_NAMES, "y")
    columns = {name: [r[i].strip() if i < len(r) else None for r in rows]
               for i, name in enumerate(header)}
    geoms, broken = points_from(columns[xcol], columns[ycol])
    srid = None if xcol.lower() not in LONLAT else 4326
    return SourceTable(kind="csv", columns=columns, geometry=geoms, srid=srid, broken=broken,
                       coordinates=(xcol, ycol))


def _bnetza(header: list[str], rows: list[list[str]]) -> SourceTable:
    """The Ladesäulenregister (2022 layout): one row per charging device."""
    columns = {name: [r[i].strip() if i < len(r) else "" for r in rows]
               for i, name in enumerate(header)}
    geoms, broken = points_from(columns["Längengrad"], columns["Breitengrad"])
    return SourceTable(kind="bnetza", columns=columns, geometry=geoms, srid=4326, broken=broken)


def read_meshviewer(document: dict[str, Any]) -> SourceTable:
    """Freifunk meshviewer.json: nodes, some with ``location.latitude/longitude``."""
    nodes = document.get("nodes")
    if not isinstance(nodes, list):
        raise UploadRejected(Message(N_("a meshviewer file needs a list of nodes")))
    nodes = [n for n in nodes if isinstance(n, dict)]
    lons = [(n.get("location") or {}).get("longitude") for n in nodes]
    lats = [(n.get("location") or {}).get("latitude") for n in nodes]
    geoms, broken = points_from(lons, lats)
    for i in list(broken):
        if lons[i] is None and lats[i] is None:
            broken[i] = NO_LOCATION
    return SourceTable(kind="meshviewer", columns={"node": nodes}, geometry=geoms, srid=4326,
                       broken=broken, labels=[f"node {n.get('node_id', '?')}" for n in nodes])


def is_meshviewer(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("nodes"), list) \
        and "type" not in document

