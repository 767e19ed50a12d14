"""Collections of the service: one per asset type of the municipality, and their
queryables (the properties items may be filtered by, as a JSON Schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from gisapp.models.asset import STATUSES
from gisapp.ogc.context import OgcContext
from gisapp.ogc.errors import InvalidParameter, OgcNotFound

PUBLIC_STATUSES = ("active", "defective", "out_of_service")
_TYPES = text(
    "SELECT code, label_de, label_en, label_fr, geometry_kind, attribute_schema,"
    " gisapp_internal_keys(attribute_schema) AS internal_keys"
    " FROM asset_type WHERE municipality_id = :mid AND (:staff OR public_allowed)"
    " ORDER BY builtin DESC, code"
)
_SCALARS = {"string", "number", "integer", "boolean"}
_GEOMETRY_FORMATS = {"point": "geometry-point", "line": "geometry-linestring",
                     "polygon": "geometry-polygon"}


@dataclass(frozen=True)
class Collection:
    """An asset type as the caller may see it."""

    code: str
    labels: dict[str, str | None]
    geometry_kind: str
    queryables: dict[str, dict[str, Any]]

    def title(self, language: str) -> str:
        return self.labels.get(language) or self.labels["de"] or self.code


def _base_queryables(internal: bool) -> dict[str, dict[str, Any]]:
    text_prop = {"type": "string"}
    found: dict[str, dict[str, Any]] = {
        "code": {**text_prop, "title": "Code"},
        "name": {**text_prop, "title": "Name"},
        "status": {"type": "string", "enum": list(STATUSES if internal else PUBLIC_STATUSES)},
        "installed_on": {"type": "string", "format": "date"},
        "manufacturer": text_prop, "model": text_prop,
    }
    if internal:
        found["external_id"] = text_prop
        found["public"] = {"type": "boolean"}
    return found


def _attribute_queryables(schema: dict[str, Any], hidden: set[str]) -> dict[str, dict]:
    """Scalar attributes of the type's schema (lists and objects cannot be compared by a
    simple ``name=value``); internal ones only for staff (``hidden`` otherwise)."""
    found = {}
    for name, spec in (schema.get("properties") or {}).items():
        if name in hidden or not isinstance(spec, dict) or spec.get("type") not in _SCALARS:
            continue
        found[name] = {k: spec[k] for k in ("type", "title", "enum", "format") if k in spec}
    return found


async def list_collections(ctx: OgcContext) -> list[Collection]:
    """The types the caller may see. Needs the app role (``defer_public``) to read the
    schemas; for the public only types that may be public and their public attributes."""
    rows = await ctx.session.execute(_TYPES, {"mid": ctx.place.id, "staff": ctx.internal})
    result = []
    for row in rows:
        hidden = set() if ctx.internal else set(row.internal_keys)
        queryables = _base_queryables(ctx.internal)
        for name, spec in _attribute_queryables(row.attribute_schema, hidden).items():
            queryables.setdefault(name, spec)
        result.append(Collection(
            row.code, {"de": row.label_de, "en": row.label_en, "fr": row.label_fr},
            row.geometry_kind, queryables))
    return result


async def get_collection(ctx: OgcContext, code: str) -> Collection:
    for found in await list_collections(ctx):
        if found.code == code:
            return found
    raise OgcNotFound(f"no collection {code!r}", field="collectionId")


def typed_value(name: str, spec: dict[str, Any], raw: str) -> Any:
    """A filter value as the queryable's JSON type (400 naming it when it is not one)."""
    kind = spec.get("type")
    try:
        if kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError
            value: Any = raw == "true"
        elif kind == "integer":
            value = int(raw)
        elif kind == "number":
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
            value = int(value) if value.is_integer() else value
        else:
            value = raw
    except ValueError:
        raise InvalidParameter(f"{raw!r} is not a {kind}", field=name)
    if "enum" in spec and value not in spec["enum"]:
        raise InvalidParameter(f"{raw!r} is not one of {', '.join(map(str, spec['enum']))}",
                               field=name)
    if spec.get("format") == "date":
        from datetime import date

        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise InvalidParameter(f"{raw!r} is not a date (YYYY-MM-DD)", field=name)
    return value


def geometry_format(kind: str) -> str:
    return _GEOMETRY_FORMATS.get(kind, "geometry-any")
