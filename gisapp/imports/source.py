"""What a reader hands on: a table of source rows with their geometries, whatever the format.

Readers are registered by format name (``READERS``); each takes the workspace file the
server wrote and the caller's options and returns a :class:`SourceTable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError

from gisapp.imports.uploads import UploadRejected
from gisapp.messages import N_, Message

#: A row of a point list (meshviewer) without coordinates: not an asset, and said so.
NO_LOCATION = Message(N_("the node has no location"))


@dataclass
class SourceTable:
    """Rows as read: ``columns`` (name → values), ``geometry`` (shapely or None) in
    ``srid``, and the rows whose geometry could not even be decoded (``broken``)."""

    kind: str
    columns: dict[str, Any]
    geometry: np.ndarray
    srid: int | None
    broken: dict[int, str | Message] = field(default_factory=dict)
    layer: str | None = None
    labels: list[str] | None = None  # how to name a row in the report (e.g. "node/123")
    coordinates: tuple[str, ...] = ()  # CSV: the columns the points were made of

    @property
    def count(self) -> int:
        return len(self.geometry)

    def column(self, name: str) -> list:
        values = self.columns.get(name)
        return [None] * self.count if values is None else list(values)


Reader = Callable[[Path, dict[str, Any]], SourceTable]
READERS: dict[str, Reader] = {}


def reader(*formats: str):
    """Register a reader for the sniffed formats it handles."""

    def register(fn: Reader) -> Reader:
        for fmt in formats:
            READERS[fmt] = fn
        return fn

    return register


def srid_of(crs: Any, field_name: str = "crs") -> int | None:
    """An EPSG code for a CRS as GDAL reports it (``EPSG:25832`` or WKT), None if absent."""
    if not crs:
        return None
    try:
        code = CRS.from_user_input(crs).to_epsg(min_confidence=70)
    except CRSError:
        code = None
    if code is None:
        raise UploadRejected(Message(N_("the file's coordinate reference system has no EPSG code; "
                                        "give the code with the import (crs)")), field=field_name)
    return int(code)


def number(value: Any) -> float | None:
    """A number from a cell: 50.93, "50,937417" (German decimal comma), " 7 "; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".") if "." in text else text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
