"""The field builder of the types page: rows of a form → a type's JSON Schema, and back.

Admins describe a custom type's fields in plain rows (name, label, kind, required,
internal, choices) instead of writing JSON Schema. The schema is built here, on the
server, so the form works without JavaScript; the optional script only adds rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from gisapp.pages.forms import Gettext
from gisapp.pages.templating import N_

DEFAULT_ROWS = 8
MAX_ROWS = 60
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ROW_KEY = re.compile(r"^field-(\d{1,3})-")

#: Kind of field → its JSON Schema, and the label the form shows for it.
KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "choice": {"type": "string"},
    "date": {"type": "string", "format": "date"},
}
KIND_LABELS = {"text": N_("Text"), "number": N_("Number"), "integer": N_("Whole number"),
               "boolean": N_("Yes/no"), "choice": N_("Choice"), "date": N_("Date")}


@dataclass
class FieldRow:
    """One row of the builder, as typed."""

    index: int
    name: str = ""
    label: str = ""
    kind: str = "text"
    required: bool = False
    internal: bool = False
    choices: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name or self.label or self.choices)

    def key(self, part: str) -> str:
        """The form field's name, e.g. ``field-3-name``."""
        return f"field-{self.index}-{part}"

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.split(",") if c.strip()]


def rows_from_form(form: FormData) -> list[FieldRow]:
    """The rows posted, in order (a script may have added rows beyond the default)."""
    indexes = sorted({int(m.group(1)) for key in form.keys() if (m := _ROW_KEY.match(key))})
    rows = []
    for i in indexes[:MAX_ROWS]:
        get = lambda part: str(form.get(f"field-{i}-{part}") or "").strip()  # noqa: E731
        rows.append(FieldRow(index=i, name=get("name"), label=get("label"),
                             kind=get("kind") or "text", required=get("required") == "on",
                             internal=get("internal") == "on", choices=get("choices")))
    return rows


def rows_for_display(rows: list[FieldRow]) -> list[FieldRow]:
    """The rows to show: those posted (with their numbers, which the problems refer to),
    then blank ones up to the default count, and always at least one blank row."""
    shown = list(rows)
    next_index = max((row.index for row in shown), default=-1) + 1
    while len(shown) < DEFAULT_ROWS or not shown[-1].blank:
        shown.append(FieldRow(index=next_index))
        next_index += 1
    return shown


def build_schema(rows: list[FieldRow], _: Gettext) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON Schema of the rows, and the problems by form field name.

    ``additionalProperties`` is false, as in the built-in types: an attribute the schema
    does not know could not be marked internal and would reach public outputs.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    errors: dict[str, str] = {}
    for row in (r for r in rows if not r.blank):
        if not row.name:
            errors[row.key("name")] = _("Please give the field a name.")
        elif not NAME.match(row.name):
            errors[row.key("name")] = _(
                "Use lowercase letters, digits and _ only, starting with a letter.")
        elif row.name in properties:
            errors[row.key("name")] = _("This name is used twice.")
        if row.kind not in KINDS:
            errors[row.key("kind")] = _("Please choose one of the options.")
            continue
        choices = row.choice_list()
        if row.kind == "choice" and not choices:
            errors[row.key("choices")] = _("List the choices, separated by commas.")
        elif row.kind != "choice" and choices:
            errors[row.key("choices")] = _("Choices belong to fields of the kind “Choice”.")
        elif len(set(choices)) != len(choices):
            errors[row.key("choices")] = _("A choice is listed twice.")
        if row.key("name") in errors:
            continue
        prop = dict(KINDS[row.kind])
        if row.label:
            prop["title"] = row.label
        if row.kind == "choice":
            prop["enum"] = choices
        if row.internal:
            prop["x-internal"] = True
        properties[row.name] = prop
        if row.required:
            required.append(row.name)
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                              "properties": properties}
    if required:
        schema["required"] = required
    return schema, errors


def kind_of(prop: dict[str, Any]) -> str | None:
    """The builder's kind of a schema property (None: something the builder cannot make)."""
    if not isinstance(prop, dict):
        return None
    if prop.get("type") == "string" and "enum" in prop:
        return "choice"
    if prop.get("type") == "string" and prop.get("format") == "date":
        return "date"
    return {"string": "text", "number": "number", "integer": "integer",
            "boolean": "boolean"}.get(prop.get("type"))


def describe_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A type's fields for the list on the page: name, label, kind, required, internal,
    choices."""
    required = set(schema.get("required") or [])
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        fields.append({"name": name, "label": prop.get("title", ""), "kind": kind_of(prop),
                       "json_type": prop.get("type", ""), "required": name in required,
                       "internal": bool(prop.get("x-internal")),
                       "choices": [str(c) for c in prop.get("enum") or []]})
    return fields
