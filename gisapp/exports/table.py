"""Asset rows (the API's shape) as flat tables, one per asset type.

GIS formats have columns, not nested objects: each attribute becomes a column (an attribute
named like a fixed column gets the prefix ``attr_``); lists and objects (connectors,
quantities) become JSON text. Dates and times are ISO 8601 text, the same in every format.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

ATTR_PREFIX = "attr_"
INTERNAL_COLUMNS = ["id", "code", "type", "name", "status", "installed_on", "manufacturer",
                    "model", "public", "parent_id", "maintenance_interval_days", "external_id",
                    "version", "last_maintenance_at", "next_due", "overdue", "created_at",
                    "created_by", "updated_at", "updated_by"]
PUBLIC_COLUMNS = ["id", "code", "type", "name", "status", "installed_on", "manufacturer",
                  "model", "parent_id", "updated_at"]


def _value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)  # uuids
    return value


def flat_record(item: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """One asset as one flat record: the fixed columns, then its attributes."""
    record = {name: _value(item.get(name)) for name in columns}
    for key, value in sorted(item.get("attributes", {}).items()):
        record[ATTR_PREFIX + key if key in record else key] = _value(value)
    return record


def frame(items: list[dict[str, Any]], columns: list[str], srid: int) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``items`` (geometry already in ``srid``), columns typed as far as
    the values allow (nullable integers, booleans, text)."""
    records = [flat_record(item, columns) for item in items]
    df = pd.DataFrame.from_records(records, columns=_union(columns, records))
    df = df.convert_dtypes()
    geometry = shapely.from_geojson([json.dumps(i["geometry"]) for i in items]) if items else []
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry, crs=srid), crs=srid)


def _union(columns: list[str], records: list[dict[str, Any]]) -> list[str]:
    names = list(columns)
    seen = set(names)
    for record in records:
        for key in record:
            if key not in seen:
                seen.add(key)
                names.append(key)
    return names


def frames_by_type(items: list[dict[str, Any]], columns: list[str],
                   srid: int) -> dict[str, gpd.GeoDataFrame]:
    """One table per asset type (its own attribute columns), in type order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["type"], []).append(item)
    return {code: frame(group, columns, srid) for code, group in sorted(groups.items())}
