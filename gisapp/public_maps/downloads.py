"""The public data behind the maps as open-data files: GeoJSON (RFC 7946, WGS 84) and CSV.

Both carry the licence and the date the data was taken: the GeoJSON as members of the
FeatureCollection, the CSV as two columns (a CSV has no place for metadata that every
program would read). They hold exactly the columns the maps were built from: what the public
database role could read.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from gisapp.public_maps.data import Layer, records

FIXED = ("id", "code", "type", "name", "status", "lon", "lat", "street", "installed_on",
         "manufacturer", "model", "updated_at", "report_url")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _features(layers: list[Layer], base_url: str):
    for layer in layers:
        frame = layer.features
        points = frame.geometry.representative_point()
        for props, geom, point in zip(records(frame),
                                      frame.geometry, points, strict=True):
            token = props.get("tag_token")
            yield {
                "id": str(props["id"]), "code": props.get("code"), "type": layer.code,
                "name": props.get("name"), "status": props.get("status"),
                "street": props.get("street"),
                "installed_on": _plain(props.get("installed_on")),
                "manufacturer": props.get("manufacturer"), "model": props.get("model"),
                "updated_at": _plain(props.get("updated_at")),
                "report_url": f"{base_url}/t/{token}" if token else None,
                "attributes": props.get("attributes") or {},
            }, geom, point


def geojson(layers: list[Layer], *, name: str, attribution: str, licence: str,
            licence_url: str | None, updated: datetime, base_url: str) -> bytes:
    """A FeatureCollection of these layers, with licence and date as foreign members."""
    from shapely.geometry import mapping

    features = []
    for props, geom, _point in _features(layers, base_url):
        features.append({"type": "Feature", "id": props["id"],
                         "geometry": _rounded(mapping(geom)), "properties": props})
    doc = {"type": "FeatureCollection", "name": name, "attribution": attribution,
           "licence": licence, "licence_url": licence_url,
           "updated": updated.isoformat(timespec="seconds"), "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _rounded(geometry: dict) -> dict:
    """Coordinates to 7 decimals (about a centimetre): enough, and half the size."""
    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(v, 7) for v in c]
        return [walk(x) for x in c]
    return {**geometry, "coordinates": walk(geometry["coordinates"])}


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """Text of one CSV cell. Text that a spreadsheet would run as a formula (``=HYPERLINK(…``)
    gets a leading apostrophe, as OWASP advises for CSV files opened in spreadsheets."""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_bytes(layers: list[Layer], *, licence: str, updated: datetime, base_url: str) -> bytes:
    """One row per point: fixed columns, each public attribute as a column, licence, date.
    UTF-8 with a byte order mark, so spreadsheet programs read umlauts right."""
    rows = list(_features(layers, base_url))
    keys: list[str] = []
    for props, _geom, _point in rows:
        for key in props["attributes"]:
            if key not in keys and key not in FIXED:
                keys.append(key)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIXED, *keys, "licence", "updated"])
    stamp = updated.isoformat(timespec="seconds")
    for props, _geom, point in rows:
        fixed = {**props, "lon": round(point.x, 7), "lat": round(point.y, 7)}
        writer.writerow([_cell(fixed.get(k)) for k in FIXED]
                        + [_cell(props["attributes"].get(k)) for k in keys] + [licence, stamp])
    return ("\ufeff" + out.getvalue()).encode()
