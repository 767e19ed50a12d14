"""From source rows to asset fields: the field mapping, its defaults, and value coercion.

Known formats (OSM, the charging register, meshviewer) come with presets
(:mod:`gisapp.imports.presets`); other files map columns by name: an explicit mapping, or
the columns named like the type's attributes (their key, or their name in any of the
app's languages: "Leistung W" fills ``power_w``), ``external_id``/``id`` and ``name``.
Values are coerced to what the type's schema asks (``"36"`` → 36 for a number, ``"ja"`` →
true); what still does not fit is reported by the schema check, per row.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gisapp.imports.source import SourceTable, number
from gisapp.imports.uploads import UploadRejected
from gisapp.messages import N_, Message, problem_fields
from gisapp.models import AssetType

EXTERNAL_ID_NAMES = ("external_id", "ext_id", "externe_id", "id", "osm_id", "objectid", "uuid")
NAME_NAMES = ("name", "bezeichnung", "title", "titel")
# compared as comparable() spells them ("Datum der Inbetriebnahme" is not guessed)
INSTALLED_NAMES = ("installedon", "installed", "installationdate", "inbetriebnahme",
                   "inbetriebnahmedatum", "datuminbetriebnahme", "installiertam",
                   "miseenservice", "dateinstallation", "datedemiseenservice")
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")  # 01.02.2020, 22.07.21, 2020-02-01
TRUE = {"true", "yes", "ja", "oui", "1", "y", "j", "wahr"}
FALSE = {"false", "no", "nein", "non", "0", "n", "falsch"}


class FieldMapping(BaseModel):
    """How source columns become asset fields (all optional; defaults are guessed)."""

    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, description="Asset type of every row (files that "
                             "do not say it themselves, i.e. all but OSM/register/meshviewer)")
    external_id: str | None = Field(default=None, description="Column with the source's id: "
                                    "a re-import updates the asset with that id (default: a "
                                    "column named id, external_id, …; \"\" for none)")
    name: str | None = Field(default=None, description="Column with the asset's name "
                             "(default: a column named name, bezeichnung, …; \"\" for none)")
    installed_on: str | None = Field(
        default=None, description="Column with the date of installation, DD.MM.YYYY or "
        "YYYY-MM-DD (default: a column named installed_on, Inbetriebnahme, …; \"\" for none)")
    attributes: dict[str, str] | None = Field(
        default=None, description="Attribute → column; default: columns named like attributes")
    x: str | None = Field(default=None, description="CSV: column of x/longitude")
    y: str | None = Field(default=None, description="CSV: column of y/latitude")
    crs: str | None = Field(default=None, description="EPSG code of the coordinates when the "
                            "file does not say it (CSV x/y) or says it wrong")
    layer: str | None = Field(default=None, description="GeoPackage layer")
    osm: dict[str, str] | None = Field(
        default=None, description="OSM: more tag rules, 'key=value' or 'key=*' → type code")


@dataclass
class Candidates:
    """Mapped rows, one list entry per row that is meant to become an asset."""

    index: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    type_code: list[str | None] = field(default_factory=list)
    external_id: list[str | None] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    installed_on: list[date | None] = field(default_factory=list)
    geometry: np.ndarray | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)  # warnings made while mapping
    not_mapped: int = 0
    #: files mapped by column (no preset): the file's columns and the mapping in force,
    #: guessed or given, so that a person can see and change it
    columns: list[str] | None = None
    mapping_used: dict[str, Any] | None = None

    def add(self, index: int, label: str, type_code: str | None, external_id: str | None,
            name: str | None, attributes: dict[str, Any], installed_on: date | None = None):
        self.index.append(index)
        self.labels.append(label)
        self.type_code.append(type_code)
        self.external_id.append(external_id)
        self.name.append((name or "").strip()[:200])
        self.attributes.append(attributes)
        self.installed_on.append(installed_on)

    def note(self, label: str, field_name: str, reason: str | Message) -> None:
        self.notes.append({"row": label, "field": field_name, **problem_fields(reason),
                           "severity": "warning"})


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def coerce(value: Any, prop: dict[str, Any]) -> Any:
    """A cell as the JSON type the schema property asks for, when it can be."""
    kind = prop.get("type")
    if isinstance(value, np.generic):
        value = value.item()
    if kind in ("number", "integer"):
        num = number(value)
        if num is None or not math.isfinite(num):
            return value
        return int(num) if kind == "integer" and num.is_integer() else num
    if kind == "boolean" and not isinstance(value, bool):
        text = str(value).strip().lower()
        return True if text in TRUE else False if text in FALSE else value
    if kind == "string" and not isinstance(value, str):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if kind == "array" and isinstance(value, str):
        items = [v.strip() for v in value.split(";") if v.strip()]
        return [coerce(v, prop.get("items") or {}) for v in items]
    if isinstance(value, str):
        return value.strip()
    return value


def as_date(value: Any) -> date | None:
    """A cell as a date: a date (GeoPackage, XLSX), or text as DD.MM.YYYY, DD.MM.YY or
    YYYY-MM-DD (ISO text with a time too); None when it is none of these."""
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[D]").item()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def installation_dates(values: list) -> list[date | str | None]:
    """A column of installation dates; a cell that is not a date stays as its text, for
    the check to name it. Each distinct cell is read once (as in :func:`coerce_column`): a
    large file holds few distinct dates, and each reading tries several formats."""
    seen: dict[Any, date | str | None] = {}
    out = []
    for value in values:
        try:
            result = seen[value]
        except KeyError:
            result = None if empty(value) else as_date(value) or str(value).strip()
            if len(seen) < _CACHED:
                seen[value] = result
        except TypeError:  # unhashable
            result = None if empty(value) else as_date(value) or str(value).strip()
        out.append(result)
    return out


def _guess(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def comparable(name: str) -> str:
    """A column's or field's name for comparing: case, accents, spaces, brackets and
    underscores do not count, umlauts as spelt without them ("Masthöhe (m)", "MASTHOEHE_M"
    and "masthoehe m" are the same)."""
    text = unicodedata.normalize("NFC", name).casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^0-9a-z]", "", "".join(c for c in text if not unicodedata.combining(c)))


def guess_attributes(columns: list[str], props: Mapping[str, Any],
                     names: Iterable[Mapping[str, str]] = ()) -> dict[str, str]:
    """Attribute → column for the columns named like an attribute: its key first, else its
    schema title or its name in one of ``names`` (the field app's catalogues, one per
    language). A name that two attributes share guesses neither; each column fills one."""
    exact: dict[str, str] = {}
    spelled: dict[str, set[str]] = {}  # comparable spelling -> the attributes it names
    for key, spec in props.items():
        exact.setdefault(key.lower(), key)
        title = spec.get("title") if isinstance(spec, dict) else None
        for alias in (key, title, *(catalogue.get(key) for catalogue in names)):
            if alias:
                spelled.setdefault(comparable(str(alias)), set()).add(key)
    out: dict[str, str] = {}
    for column in columns:  # exact keys first (as before), then the names
        if (key := exact.get(column.lower())):
            out.setdefault(key, column)
    taken = set(out.values())
    for column in columns:
        found = spelled.get(comparable(column), set())
        if column not in taken and len(found) == 1 and (key := next(iter(found))) not in out:
            out[key] = column
            taken.add(column)
    return out


def generic(table: SourceTable, mapping: FieldMapping, types: dict[str, AssetType],
            labels: Iterable[Mapping[str, str]] = ()) -> Candidates:
    """Columns → fields for files without a preset; one asset type for all rows. ``labels``:
    the attributes' names in the app's languages, for guessing the columns."""
    if not mapping.type:
        raise UploadRejected(Message(N_("choose the asset type of the rows (type)")), field="type")
    asset_type = types.get(mapping.type)
    if asset_type is None:
        raise UploadRejected(Message(N_("unknown asset type %(type)s"), type=repr(mapping.type)),
                             field="type")
    names = list(table.columns)
    for what in ("external_id", "name", "installed_on"):
        wanted = getattr(mapping, what)
        if wanted and wanted not in table.columns:
            raise UploadRejected(Message(N_("no column %(name)s in the file"), name=repr(wanted)),
                                 field=f"mapping.{what}")
    # not given: guessed from the column names; "" says the file has no such column
    ext_col = (mapping.external_id if mapping.external_id is not None
               else _guess(names, EXTERNAL_ID_NAMES)) or None
    name_col = (mapping.name if mapping.name is not None else _guess(names, NAME_NAMES)) or None
    date_col = (mapping.installed_on if mapping.installed_on is not None else next(
        (c for c in names if comparable(c) in INSTALLED_NAMES), None)) or None
    props = asset_type.attribute_schema.get("properties", {})
    attr_map = (mapping.attributes if mapping.attributes is not None
                else guess_attributes([c for c in names if c not in table.coordinates], props,
                                      labels))
    for attr, col in attr_map.items():
        if col not in table.columns:
            raise UploadRejected(Message(N_("no column %(name)s in the file"), name=repr(col)),
                                 field=f"mapping.attributes.{attr}")
    n = table.count
    ext = _texts(_cells(table, ext_col)) if ext_col else [None] * n
    name = _cells(table, name_col) if name_col else [None] * n
    columns = {attr: coerce_column(_cells(table, col), props.get(attr, {}))
               for attr, col in attr_map.items()}
    coordinates = dict(zip(("x", "y"), table.coordinates))  # CSV: the points' columns
    out = Candidates(geometry=table.geometry, mapping_used={
        "external_id": ext_col, "name": name_col, "installed_on": date_col,
        "attributes": attr_map, **coordinates},
        columns=[c for c in names if c not in table.coordinates])  # those that can fill fields
    out.index = list(range(n))
    out.labels = list(table.labels) if table.labels else [str(i + 1) for i in range(n)]
    out.type_code = [asset_type.code] * n
    out.external_id = ext
    out.name = [("" if empty(v) else str(v)).strip()[:200] for v in name]
    out.attributes = attribute_rows(columns, n)
    out.installed_on = installation_dates(_cells(table, date_col)) if date_col else [None] * n
    return out


MISSING = object()  # an empty cell: the attribute is left out
_CACHED = 10_000  # distinct values (and rows) remembered per column; beyond, each is built


def coerce_column(values: list, prop: dict[str, Any]) -> list:
    """``coerce`` over a column, empty cells as MISSING; a value seen before is not coerced
    again (a column of a million cells mostly holds a few distinct values)."""
    seen: dict[tuple[type, Any], Any] = {}
    out = []
    for value in values:
        if value is None or (isinstance(value, float) and value != value):  # NaN
            out.append(MISSING)
            continue
        try:
            key = (value.__class__, value)
            result = seen.get(key, MISSING)
        except TypeError:  # unhashable
            key, result = None, MISSING
        if result is MISSING:
            result = MISSING if empty(value) else coerce(value, prop)
            if key is not None and len(seen) < _CACHED:
                seen[key] = result
        out.append(result)
    return out


def attribute_rows(columns: dict[str, list], n: int) -> list[dict[str, Any]]:
    """One attributes dict per row from coerced columns. Rows with the same values share
    one dict (read-only from here on), so the schema check and the JSON for COPY are done
    once per distinct object rather than once per row."""
    keys = list(columns)
    if not keys:
        none: dict[str, Any] = {}
        return [none] * n
    shared: dict[tuple, dict[str, Any]] = {}
    out = []
    for values in zip(*columns.values()):
        try:
            key = (values, tuple(map(type, values)))  # 1 and 1.0 and True stay apart
            row = shared.get(key)
        except TypeError:
            key, row = None, None
        if row is None:
            row = {k: v for k, v in zip(keys, values) if v is not MISSING}
            if key is not None and len(shared) < _CACHED:
                shared[key] = row
        out.append(row)
    return out


def _cells(table: SourceTable, name: str) -> list:
    """A column's cells; numbers and booleans as Python values (what ``coerce`` makes of
    numpy's anyway), read from numpy in one go."""
    values = table.columns.get(name)
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.tolist()
    return table.column(name)


def _texts(values: list) -> list[str | None]:
    """A column of ids as text (None where empty), without a cache: ids are distinct."""
    text_prop = {"type": "string"}
    return [v.strip() or None if isinstance(v, str)
            else None if empty(v) else coerce(v, text_prop) for v in values]
