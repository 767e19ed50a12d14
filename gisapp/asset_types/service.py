"""Asset type registry: built-in types copied per municipality, custom types, validation
of attributes against a type's JSON Schema."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.asset_types.schemas import AssetTypeCreate
from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import AssetType

BUILTIN_DIR = Path(__file__).parent / "builtin"


@lru_cache(maxsize=1)
def builtin_definitions() -> tuple[dict[str, Any], ...]:
    """The built-in types shipped with gisapp (street_light, meter, …), from JSON files."""
    return tuple(
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(BUILTIN_DIR.glob("*.json"))
    )


async def seed_builtin_types(session: AsyncSession, municipality_id: uuid.UUID) -> None:
    """Give a municipality its copy of the built-in types (existing ones stay as tuned)."""
    rows = [
        {**d, "municipality_id": municipality_id, "builtin": True} for d in builtin_definitions()
    ]
    await session.execute(insert(AssetType).values(rows).on_conflict_do_nothing())


async def list_types(session: AsyncSession, municipality_id: uuid.UUID) -> list[AssetType]:
    result = await session.scalars(
        select(AssetType)
        .where(AssetType.municipality_id == municipality_id)
        .order_by(AssetType.builtin.desc(), AssetType.code)
    )
    return list(result)


_PUBLIC_COLUMNS = (AssetType.code, AssetType.label_de, AssetType.label_en, AssetType.label_fr,
                   AssetType.geometry_kind, AssetType.icon, AssetType.color)


async def list_public_types(session: AsyncSession, municipality_id: uuid.UUID) -> list[dict]:
    """Types that may be public, with only the columns the public role may read."""
    rows = await session.execute(
        select(*_PUBLIC_COLUMNS).where(AssetType.municipality_id == municipality_id)
        .order_by(AssetType.code)
    )
    return [dict(r._mapping) for r in rows]


async def get_type(
    session: AsyncSession, municipality_id: uuid.UUID, code: str, field: str | None = None
) -> AssetType:
    """The type, or NotFound (InvalidInput naming ``field`` when the code came in a body)."""
    found = await session.get(AssetType, (municipality_id, code))
    if found is None:
        if field:
            raise InvalidInput(Message(N_("unknown asset type %(type)s"), type=repr(code)),
                               field=field)
        raise NotFound(Message(N_("no asset type %(type)s"), type=repr(code)))
    return found


def check_attribute_schema(schema: dict[str, Any], field: str = "attribute_schema") -> None:
    """A type's schema must be a valid JSON Schema describing an object."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = ".".join(str(p) for p in exc.path)
        raise InvalidInput(Message(N_("not a valid JSON Schema: %(detail)s"), detail=exc.message),
                           field=f"{field}.{path}" if path else field)
    if schema.get("type") != "object":
        raise InvalidInput(Message(N_('the schema must describe an object ("type": "object")')),
                           field=field)
    _check_refs(schema, schema, field)


def _check_refs(root: Any, node: Any, path: str) -> None:
    """Every ``$ref`` points inside the schema and resolves: nothing is ever fetched, and a
    dangling reference would fail every later asset of the type."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_refs(root, item, f"{path}.{i}")
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise InvalidInput(Message(N_("only references inside the schema are allowed, "
                                          "not %(ref)s"), ref=repr(ref)), field=f"{path}.$ref")
        target = root
        for part in ref[2:].split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                raise InvalidInput(Message(N_("reference %(ref)s points to nothing"),
                                           ref=repr(ref)), field=f"{path}.$ref")
    for key, value in node.items():
        if key != "$ref":
            _check_refs(root, value, f"{path}.{key}")


async def add_type(
    session: AsyncSession, municipality_id: uuid.UUID, data: AssetTypeCreate, actor: str | None
) -> AssetType:
    """Register a municipality's own type; codes are unique within the municipality."""
    check_attribute_schema(data.attribute_schema)
    if data.public_by_default and not data.public_allowed:
        raise InvalidInput(Message(N_("a type that may not be public cannot be public by "
                                      "default")), field="public_by_default")
    if data.code == "meter" or await session.get(AssetType, (municipality_id, data.code)):
        raise Conflict(Message(N_("asset type %(type)s exists already"), type=repr(data.code)),
                       field="code")
    row = AssetType(
        municipality_id=municipality_id, builtin=False, created_by=actor, **data.model_dump()
    )
    session.add(row)
    await session.flush()
    return row


def _error_field(error) -> str:
    parts = ["attributes", *(str(p) for p in error.absolute_path)]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        parts.append(missing)
    elif error.validator == "additionalProperties" and "'" in error.message:
        parts.append(error.message.split("'")[1])
    return ".".join(p for p in parts if p)


def _listing(values: Any) -> str:
    return ", ".join(repr(v) for v in values) if isinstance(values, list) else repr(values)


def _against(key: str, show: Callable[[Any], Any] = repr) -> Callable[[Any], dict[str, Any]]:
    """Parameters of a keyword's message: the value, and the schema's ``key`` for it."""
    return lambda e: {"value": repr(e.instance), key: show(e.validator_value)}


# What the page shows for a schema keyword, translatable; the API's reason stays
# jsonschema's own sentence. Keywords not listed here are shown as that sentence.
_SCHEMA_MESSAGES: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "type": (N_("%(value)s is not of type %(expected)s"), _against("expected", _listing)),
    "minimum": (N_("%(value)s is less than the minimum of %(limit)s"), _against("limit")),
    "maximum": (N_("%(value)s is greater than the maximum of %(limit)s"), _against("limit")),
    "exclusiveMinimum": (N_("%(value)s must be greater than %(limit)s"), _against("limit")),
    "exclusiveMaximum": (N_("%(value)s must be less than %(limit)s"), _against("limit")),
    "enum": (N_("%(value)s is not one of %(allowed)s"), _against("allowed", _listing)),
    "required": (N_("a value is required"), lambda e: {}),
    "maxLength": (N_("%(value)s is longer than %(limit)s characters"), _against("limit", int)),
    "minLength": (N_("%(value)s is shorter than %(limit)s characters"), _against("limit", int)),
    "pattern": (N_("%(value)s does not match the pattern %(pattern)s"), _against("pattern")),
    "format": (N_("%(value)s is not a valid %(format)s"), _against("format", str)),
}


def _error_detail(error) -> dict[str, Any]:
    detail: dict[str, Any] = {"field": _error_field(error), "reason": error.message}
    known = _SCHEMA_MESSAGES.get(error.validator)
    if known:
        detail.update(message=known[0], params=known[1](error))
    return detail


def validate_attributes(asset_type: AssetType, attributes: dict[str, Any]) -> None:
    """Check attributes against the type's schema; every problem named by its field path
    (with a translatable ``message`` for the common keywords, see ``gisapp.messages``)."""
    validator = _validator(json.dumps(asset_type.attribute_schema, sort_keys=True))
    errors = sorted(validator.iter_errors(attributes), key=lambda e: list(e.absolute_path))
    if errors:
        details = [_error_detail(e) for e in errors[:20]]
        raise InvalidInput(details[0]["reason"], field=details[0]["field"], details=details)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(
        json.loads(schema_json), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def internal_attributes(asset_type: AssetType) -> frozenset[str]:
    """Top-level attribute names marked ``"x-internal": true``: never in public outputs."""
    props = asset_type.attribute_schema.get("properties", {})
    return frozenset(k for k, v in props.items() if isinstance(v, dict) and v.get("x-internal"))
