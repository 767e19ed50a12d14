"""Collections of the service: one per asset type of the municipality, their queryables
(the properties items may be filtered by) and their schema (every property a feature
carries, Features Part 5), both as JSON Schemas that follow the caller's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from gisapp.messages import N_, Message
from gisapp.models.asset import STATUSES
from gisapp.ogc.context import OgcContext
from gisapp.ogc.errors import InvalidParameter, OgcNotFound

PUBLIC_STATUSES = ("active", "defective", "out_of_service")
_TYPES = text(
    "SELECT code, label_de, label_en, label_fr, geometry_kind, color, attribute_schema,"
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
    properties: dict[str, dict[str, Any]]  # of a feature, as the caller gets them
    color: str | None = None  # the type's colour on maps (#rrggbb)

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


def _base_properties(internal: bool) -> dict[str, dict[str, Any]]:
    """The columns an item carries besides its attributes (``features_sql``'s properties:
    the columns win over an attribute of the same name)."""
    text_prop = {"type": "string"}
    moment = {"type": "string", "format": "date-time", "readOnly": True}
    found: dict[str, dict[str, Any]] = {
        "code": {**text_prop, "title": "Code"}, "name": {**text_prop, "title": "Name"},
        "type": {**text_prop, "title": "Asset type"},
        "status": {"type": "string", "enum": list(STATUSES if internal else PUBLIC_STATUSES)},
        "installed_on": {"type": "string", "format": "date"},
        "manufacturer": text_prop, "model": text_prop,
        "parent_id": {"type": "string", "format": "uuid",
                      "description": "the asset this one is mounted on (e.g. its pole)"},
    }
    if internal:
        found.update({
            "public": {"type": "boolean"}, "external_id": text_prop,
            "maintenance_interval_days": {"type": "integer", "minimum": 1},
            "version": {"type": "integer", "readOnly": True},
            "created_at": moment, "created_by": {**text_prop, "readOnly": True},
        })
    found["updated_at"] = moment
    if internal:
        found["updated_by"] = {**text_prop, "readOnly": True}
    return found


_ATTRIBUTE_KEYWORDS = ("type", "title", "description", "enum", "format", "items", "minimum",
                       "maximum", "properties")


def _attribute_properties(schema: dict[str, Any], hidden: set[str]) -> dict[str, dict]:
    """Every attribute of the type's schema the caller may see, with its JSON Schema
    keywords that describe a value (not x-internal or defaults)."""
    return {name: {k: spec[k] for k in _ATTRIBUTE_KEYWORDS if k in spec}
            for name, spec in (schema.get("properties") or {}).items()
            if name not in hidden and isinstance(spec, dict)}


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
        properties = {**_attribute_properties(row.attribute_schema, hidden),
                      **_base_properties(ctx.internal)}
        result.append(Collection(
            row.code, {"de": row.label_de, "en": row.label_en, "fr": row.label_fr},
            row.geometry_kind, queryables, properties, row.color))
    return result


async def get_collection(ctx: OgcContext, code: str) -> Collection:
    for found in await list_collections(ctx):
        if found.code == code:
            return found
    raise OgcNotFound(Message(N_("no collection %(code)s"), code=repr(code)),
                      field="collectionId")


#: the refusal of a value that is not of its queryable's type (only these types are parsed)
_NOT_A = {"boolean": N_("%(value)s is not a boolean"),
          "integer": N_("%(value)s is not an integer"),
          "number": N_("%(value)s is not a number")}


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
        raise InvalidParameter(Message(_NOT_A[kind], value=repr(raw)), field=name)
    if "enum" in spec and value not in spec["enum"]:
        raise InvalidParameter(Message(N_("%(value)s is not one of %(allowed)s"), value=repr(raw),
                                       allowed=", ".join(map(str, spec["enum"]))), field=name)
    if spec.get("format") == "date":
        from datetime import date

        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise InvalidParameter(Message(N_("%(value)s is not a date (YYYY-MM-DD)"),
                                           value=repr(raw)), field=name)
    return value


def geometry_format(kind: str) -> str:
    return _GEOMETRY_FORMATS.get(kind, "geometry-any")
