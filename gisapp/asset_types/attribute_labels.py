"""Names of an asset's fields and of their choices in the reader's language.

The built-in types' attributes and choices are translated once, in the crews' app
catalogue (``field/i18n/{de,en,fr}.json``: ``attr.<name>`` and ``value.<name>.<choice>``),
so that "Mastaufsatz" on the planner's card is the word the crew saw on the phone. The
attributes of a municipality's own types have no entry there: their schema title (written
in the municipality's language) is shown, else their name. The asset's own columns (code,
status, installed_on …) are the server's gettext texts, like the rest of its pages.

Without the field app's folder (it is part of every installation, see
:mod:`gisapp.field_app`) the schema titles and names are shown; a page never fails over it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gisapp.field_app import field_dir
from gisapp.i18n import LANGUAGES
from gisapp.messages import N_
from gisapp.settings import Settings

#: the asset's own columns, as OGC features and exports carry them
COLUMN_LABELS = {
    "code": N_("Code"), "name": N_("Name"), "type": N_("Type"), "status": N_("Status"),
    "installed_on": N_("Installed on"), "manufacturer": N_("Manufacturer"),
    "model": N_("Model"), "parent_id": N_("Mounted on"), "public": N_("Public"),
    "external_id": N_("External ID"),
    "maintenance_interval_days": N_("Maintenance interval (days)"),
    "version": N_("Version"), "created_at": N_("Created"), "created_by": N_("Created by"),
    "updated_at": N_("Changed"), "updated_by": N_("Changed by"),
}


@dataclass(frozen=True)
class AttributeLabels:
    """The field app's names of attributes and choices in one language."""

    names: dict[str, str]  # attribute -> name
    choices: dict[str, dict[str, str]]  # attribute -> choice -> name

    def attribute(self, key: str, spec: dict[str, Any] | None = None) -> str:
        """An attribute's name: the catalogue's, else its schema title, else the key."""
        title = spec.get("title") if isinstance(spec, dict) else None
        return self.names.get(key) or (str(title) if title else key)

    def value(self, key: str, value: Any) -> Any:
        """A choice's name; any other value as it is."""
        if isinstance(value, str):
            return self.choices.get(key, {}).get(value, value)
        return value

    def for_schemas(self, schemas: list[dict[str, Any]]) -> tuple[dict, dict]:
        """Names of the attributes of these type schemas and of their choices (a page's
        script gets only those), e.g. ``{"mounting": "Ausleger"}``-style dictionaries."""
        names: dict[str, str] = {}
        choices: dict[str, dict[str, str]] = {}
        for schema in schemas:
            for key, spec in ((schema or {}).get("properties") or {}).items():
                if not isinstance(spec, dict):
                    continue
                names.setdefault(key, self.attribute(key, spec))
                items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
                for option in spec.get("enum") or items.get("enum") or []:
                    if isinstance(option, str) and option in self.choices.get(key, {}):
                        choices.setdefault(key, {})[option] = self.choices[key][option]
        return names, choices


def column_label(key: str, gettext: Callable[[str], str]) -> str | None:
    """The name of one of the asset's own columns in the page's language (None: not one)."""
    label = COLUMN_LABELS.get(key)
    return gettext(label) if label else None


def attribute_labels(settings: Settings, language: str) -> AttributeLabels:
    """The catalogue of ``language`` (German for any other) from the field app's folder."""
    path = field_dir(settings) / "i18n" / f"{language if language in LANGUAGES else 'de'}.json"
    try:
        status = path.stat()
    except OSError:
        return AttributeLabels({}, {})
    return _read(path, (status.st_mtime_ns, status.st_size))


@lru_cache(maxsize=8)
def _read(path: Path, stamp: tuple[int, int]) -> AttributeLabels:
    """One catalogue file (``stamp`` makes an edited file be read again)."""
    try:
        texts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AttributeLabels({}, {})
    names: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    for id_, text in texts.items():
        kind, _, rest = id_.partition(".")
        if kind == "attr" and rest:
            names[rest] = text
        elif kind == "value" and "." in rest:
            key, _, option = rest.partition(".")
            choices.setdefault(key, {})[option] = text
    return AttributeLabels(names, choices)
