"""CQL2 filters of the items resource (OGC API Features Part 3: ``filter``,
``filter-lang``, ``filter-crs``).

The text (``cql2-text``, the default) or JSON (``cql2-json``) is parsed by ``cql2``
(developmentseed's cql2-rs) into its JSON tree. This module walks that tree and writes a
WHERE fragment; nothing from the filter reaches the SQL text but operators and columns
from the tables below:

- **limits**: at most ``MAX_CHARS`` characters, ``MAX_NODES`` nodes and ``MAX_DEPTH``
  levels. The parser recurses per level, and a few thousand nested parentheses or signs
  overflow a normal thread's stack (a crash of the worker, not an exception), so it runs
  in a thread of its own with a large stack; the length limit bounds the depth it meets;
- **properties**: only the collection's queryables for the caller's role (internal
  attributes are not queryable for the public) and ``geometry``. A column is compared as
  its SQL type; an attribute is read from the role's attribute JSON (the public reads
  ``public_attributes``) with its queryable's type, and a stored value of another JSON
  type counts as missing rather than failing the query;
- **values**: always bound parameters (``$n``), typed by the property they are compared
  with; a literal of the wrong type is a 400 naming the property.

Supported: ``and``, ``or``, ``not``, ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``,
``isNull`` (Basic CQL2), ``like``, ``between``, ``in`` (advanced comparison operators) and
``s_intersects`` of the geometry with a geometry literal or a BBOX (basic spatial
functions; any GeoJSON geometry type). Literals are in ``filter-crs`` (CRS84 by default).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import cql2
import shapely
import shapely.geometry
import shapely.ops

from gisapp.messages import N_, Message
from gisapp.ogc import crs as ogc_crs
from gisapp.ogc.errors import InvalidParameter

MAX_CHARS = 4000
MAX_NODES = 400
MAX_DEPTH = 20
# cql2-rs needs ~5 KB of stack per nesting level; 4,000 characters nest at most ~2,000
# levels (measured: 5,300 characters of "(1+" nesting parse in 64 MB). Only the pages the
# parser touches are used.
PARSER_STACK = 128 * 1024 * 1024
LANGUAGES = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"
FIELD = "filter"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
]

_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ORDERED = ("number", "date", "text")  # kinds that <, <=, >, >= and BETWEEN apply to
_GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection")
# kind -> how a bound literal is written
_LITERAL_SQL = {"text": "{}::text", "number": "{}::numeric", "boolean": "{}::boolean",
                "date": "{}::date"}


@dataclass(frozen=True)
class Property:
    """A queryable as SQL: its expression (``$k`` for a bound attribute key) and kind."""

    kind: str  # text | number | boolean | date
    column: str | None = None  # a column of ``a``
    attribute: str | None = None  # a key of the attribute JSON
    date_as_text: bool = False  # an attribute holding an ISO date string

    def sql(self, bind: Callable[[Any], str], attributes_column: str) -> str:
        if self.column:
            return self.column
        key = bind(self.attribute)
        if self.kind == "number":
            return (f"(CASE WHEN jsonb_typeof({attributes_column} -> {key}) = 'number'"
                    f" THEN ({attributes_column} ->> {key})::numeric END)")
        if self.kind == "boolean":
            return (f"(CASE WHEN jsonb_typeof({attributes_column} -> {key}) = 'boolean'"
                    f" THEN ({attributes_column} ->> {key})::boolean END)")
        return f"({attributes_column} ->> {key})"


def properties(queryables: dict[str, dict[str, Any]],
               columns: dict[str, str]) -> dict[str, Property]:
    """The filterable properties of a collection for one role: its queryables, each a
    column (``columns``: queryable → SQL column) or an attribute."""
    found = {}
    for name, spec in queryables.items():
        kind = {"number": "number", "integer": "number", "boolean": "boolean"}.get(
            spec.get("type"), "text")
        is_date = spec.get("type") == "string" and spec.get("format") == "date"
        if is_date:
            kind = "date"
        if name in columns:
            found[name] = Property(kind, column=columns[name])
        else:
            found[name] = Property(kind, attribute=name, date_as_text=is_date)
    return found


def _run_with_large_stack(parse: Callable[[str], Any], text: str) -> Any:
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["tree"] = parse(text).to_json()
        except Exception as exc:  # the parser's errors, reported below
            outcome["error"] = exc

    previous = threading.stack_size(PARSER_STACK)
    try:
        worker = threading.Thread(target=work, name="cql2-parse", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        message = str(outcome["error"]).strip().splitlines()
        raise InvalidParameter(Message(N_("not a valid CQL2 expression: %(detail)s"),
                                       detail=" ".join(m.strip() for m in message[:6])[:400]),
                               field=FIELD)
    return outcome["tree"]


def parse(text: str, language: str | None) -> Any:
    """The filter's JSON tree (400 for an unknown language, a text too long or not CQL2)."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise InvalidParameter(Message(N_("filter-lang must be one of %(allowed)s"),
                                       allowed=", ".join(LANGUAGES)), field="filter-lang")
    if len(text) > MAX_CHARS:
        raise InvalidParameter(Message(N_("the filter is longer than %(num)s characters"),
                                       num=MAX_CHARS), field=FIELD)
    if not text.strip():
        raise InvalidParameter(Message(N_("the filter is empty")), field=FIELD)
    if language == "cql2-json":
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            raise InvalidParameter(Message(N_("filter is not JSON (filter-lang=cql2-json)")),
                                   field=FIELD)
        return _run_with_large_stack(cql2.parse_json, text)
    return _run_with_large_stack(cql2.parse_text, text)


class _Writer:
    """One walk over a filter tree, writing SQL and binding its values."""

    def __init__(self, props: dict[str, Property], bind: Callable[[Any], str],
                 attributes_column: str, literal_crs: ogc_crs.OutputCrs):
        self.props = props
        self.bind = bind
        self.attributes_column = attributes_column
        self.literal_crs = literal_crs
        self.nodes = 0

    def fail(self, text: str, **params: Any) -> InvalidParameter:
        """The refusal of the filter: ``text`` is an ``N_`` message with ``%(name)s``
        parameters (the English sentence is the OGC description, the page translates it)."""
        return InvalidParameter(Message(text, **params), field=FIELD)

    # --- predicates ---------------------------------------------------------------
    def predicate(self, node: Any, depth: int = 0) -> str:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(N_("the filter has more than %(num)s parts"), num=MAX_NODES)
        if depth > MAX_DEPTH:
            raise self.fail(N_("the filter nests deeper than %(num)s levels"), num=MAX_DEPTH)
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if not isinstance(node, dict) or "op" not in node:
            raise self.fail(N_("%(value)s is not a condition"), value=_show(node))
        op, args = str(node["op"]).lower(), node.get("args") or []
        if op in ("and", "or"):
            if len(args) < 2:
                raise self.fail(N_("%(op)s needs two conditions"), op=op.upper())
            parts = [self.predicate(a, depth + 1) for a in args]
            return "(" + f" {op.upper()} ".join(parts) + ")"
        if op == "not":
            self._arity(op, args, 1)
            return f"(NOT {self.predicate(args[0], depth + 1)})"
        if op in _COMPARISONS:
            self._arity(op, args, 2)
            return self.comparison(op, args[0], args[1])
        if op == "isnull":
            self._arity("IS NULL", args, 1)
            prop = self.property(args[0])
            return f"({prop.sql(self.bind, self.attributes_column)} IS NULL)"
        if op == "like":
            self._arity("LIKE", args, 2)
            prop = self.property(args[0])
            if prop.kind != "text" or prop.date_as_text:
                raise self.fail(N_("LIKE applies to text; %(name)s is a %(kind)s"),
                                name=_name(args[0]), kind=prop.kind)
            if not isinstance(args[1], str):
                raise self.fail(N_("LIKE takes a text pattern ('Haupt%')"))
            return (f"({prop.sql(self.bind, self.attributes_column)}"
                    f" LIKE {self.bind(args[1])}::text)")
        if op == "between":
            self._arity("BETWEEN", args, 3)
            prop = self.property(args[0])
            if prop.kind not in _ORDERED:
                raise self.fail(N_("BETWEEN does not apply to %(name)s (%(kind)s)"),
                                name=_name(args[0]), kind=prop.kind)
            low, high = (self.literal(prop, a, _name(args[0])) for a in args[1:])
            return f"({prop.sql(self.bind, self.attributes_column)} BETWEEN {low} AND {high})"
        if op == "in":
            self._arity("IN", args, 2)
            prop = self.property(args[0])
            values = args[1]
            if not isinstance(values, list) or not values:
                raise self.fail(N_("IN takes a list of values: name IN ('a', 'b')"))
            self.nodes += len(values)
            if self.nodes > MAX_NODES:
                raise self.fail(N_("the filter has more than %(num)s parts"), num=MAX_NODES)
            typed = [self.value(prop, v, _name(args[0])) for v in values]
            kind = "text" if prop.date_as_text else prop.kind
            array = {"text": "text[]", "number": "numeric[]", "boolean": "boolean[]",
                     "date": "date[]"}[kind]
            return (f"({prop.sql(self.bind, self.attributes_column)}"
                    f" = ANY({self.bind(typed)}::{array}))")
        if op == "s_intersects":
            self._arity("S_INTERSECTS", args, 2)
            geom_args = [a for a in args if _is_property(a)]
            literals = [a for a in args if not _is_property(a)]
            if len(geom_args) != 1 or _name(geom_args[0]) != GEOMETRY or len(literals) != 1:
                raise self.fail(N_("S_INTERSECTS compares the property 'geometry' with a "
                                   "geometry or a BBOX"))
            shape = self.geometry(literals[0])
            return f"(a.geom && {shape} AND ST_Intersects(a.geom, {shape}))"
        raise self.fail(N_("the operator %(op)s is not supported; see /conformance"),
                        op=repr(node["op"]))

    def _arity(self, op: str, args: list, count: int) -> None:
        if len(args) != count:
            raise self.fail(N_("%(op)s takes %(count)s argument(s), not %(given)s"),
                            op=op.upper(), count=count, given=len(args))

    def comparison(self, op: str, left: Any, right: Any) -> str:
        if not _is_property(left) and _is_property(right):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        prop = self.property(left)
        if op not in ("=", "<>") and prop.kind not in _ORDERED:
            raise self.fail(N_("%(op)s does not apply to %(name)s (%(kind)s)"), op=op,
                            name=_name(left), kind=prop.kind)
        lhs = prop.sql(self.bind, self.attributes_column)
        if _is_property(right):
            other = self.property(right)
            if other.kind != prop.kind:
                raise self.fail(N_("%(name)s (%(kind)s) and %(other)s (%(other_kind)s) cannot be "
                                   "compared"), name=_name(left), kind=prop.kind,
                                other=_name(right), other_kind=other.kind)
            rhs = other.sql(self.bind, self.attributes_column)
        else:
            rhs = self.literal(prop, right, _name(left))
        return f"({lhs} {_COMPARISONS[op]} {rhs})"

    # --- operands -------------------------------------------------------------------
    def property(self, node: Any) -> Property:
        if not _is_property(node):
            raise self.fail(N_("%(value)s must be a property (see /queryables)"), value=_show(node))
        name = _name(node)
        if name == GEOMETRY:
            raise self.fail(N_("the geometry is filtered with S_INTERSECTS"))
        prop = self.props.get(name)
        if prop is None:
            raise self.fail(N_("%(name)s is not a queryable of this collection (see /queryables)"),
                            name=repr(name))
        return prop

    def value(self, prop: Property, node: Any, name: str) -> Any:
        """A literal as the Python value to bind for ``prop``."""
        if isinstance(node, dict) and "date" in node and len(node) == 1:
            node = node["date"]
            if prop.kind != "date":
                raise self.fail(N_("%(name)s is a %(kind)s, not a date"), name=name, kind=prop.kind)
        if prop.kind == "number":
            if isinstance(node, bool) or not isinstance(node, int | float) \
                    or not math.isfinite(node):
                raise self.fail(N_("%(name)s is a number; %(value)s is not"), name=name,
                                value=_show(node))
            return node
        if prop.kind == "boolean":
            if not isinstance(node, bool):
                raise self.fail(N_("%(name)s is true or false; %(value)s is not"), name=name,
                                value=_show(node))
            return node
        if prop.kind == "date":
            try:
                day = date.fromisoformat(node) if isinstance(node, str) else None
            except ValueError:
                day = None
            if day is None:
                raise self.fail(N_("%(name)s is a date; %(value)s is not (DATE('2024-05-01'))"),
                                name=name, value=_show(node))
            return day.isoformat() if prop.date_as_text else day
        if not isinstance(node, str):
            raise self.fail(N_("%(name)s is text; %(value)s is not (quote it: '…')"), name=name,
                            value=_show(node))
        return node

    def literal(self, prop: Property, node: Any, name: str) -> str:
        kind = "text" if prop.date_as_text else prop.kind
        return _LITERAL_SQL[kind].format(self.bind(self.value(prop, node, name)))

    def geometry(self, node: Any) -> str:
        """A geometry literal (GeoJSON or BBOX) in ``filter-crs`` as SQL in lon/lat."""
        out = self.literal_crs
        if isinstance(node, dict) and "bbox" in node:
            box = node["bbox"]
            if not (isinstance(box, list) and len(box) in (4, 6)
                    and all(isinstance(v, int | float) and not isinstance(v, bool)
                            and math.isfinite(v) for v in box)):
                raise self.fail(N_("BBOX takes 4 finite numbers"))
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            if out.swap_axes:
                box = [box[1], box[0], box[3], box[2]]
            if box[0] > box[2] or box[1] > box[3]:
                raise self.fail(N_("the BBOX's lower corner lies above or right of its upper one"))
            shape: Any = shapely.box(*box)
        elif isinstance(node, dict) and node.get("type") in _GEOJSON_TYPES:
            try:
                shape = shapely.geometry.shape(node)
            except (ValueError, TypeError, AttributeError, KeyError,
                    shapely.errors.GEOSException) as exc:
                raise self.fail(N_("not a valid geometry: %(detail)s"), detail=str(exc))
            if out.swap_axes:
                shape = shapely.ops.transform(lambda x, y, z=None: (y, x), shape)
        else:
            raise self.fail(N_("%(value)s is not a geometry or a BBOX"), value=_show(node))
        coords = shapely.get_coordinates(shape)
        if shape.is_empty or not len(coords) or not math.isfinite(float(coords.sum())):
            raise self.fail(N_("the geometry is empty or has coordinates that are not numbers"))
        if not shape.is_valid:
            raise self.fail(N_("the geometry is not valid: %(detail)s"),
                            detail=shapely.is_valid_reason(shape))
        if out.srid == 4326 and not (-180 <= coords[:, 0].min() <= coords[:, 0].max() <= 180
                                     and -90 <= coords[:, 1].min() <= coords[:, 1].max() <= 90):
            raise self.fail(N_("the geometry's coordinates lie outside lon -180..180, lat -90..90"
                               " (filter-crs is CRS84, lon/lat, unless given)"))
        wkb = self.bind(shapely.to_wkb(shape))
        if out.srid == 4326:
            return f"ST_GeomFromWKB({wkb}, 4326)"
        return f"ST_Transform(ST_GeomFromWKB({wkb}, {int(out.srid)}), 4326)"


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"property"}


def _name(node: Any) -> str:
    return str(node.get("property")) if isinstance(node, dict) else _show(node)


def _show(node: Any) -> str:
    """A part of the filter, short, for a message (never recursing into a deep tree)."""
    if isinstance(node, dict) and "op" in node:
        return f"the expression {str(node['op'])[:20]!r}"
    try:
        text = json.dumps(node, ensure_ascii=False) if not isinstance(node, str) else repr(node)
    except (RecursionError, TypeError, ValueError):
        return "a nested value"
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class Filter:
    """A parsed filter with what it may name; :meth:`sql` writes it for one statement."""

    tree: Any
    props: dict[str, Property]
    attributes_column: str
    literal_crs: ogc_crs.OutputCrs

    def sql(self, bind: Callable[[Any], str]) -> str:
        return _Writer(self.props, bind, self.attributes_column, self.literal_crs) \
            .predicate(self.tree)

    def names(self) -> set[str]:
        """The properties the filter names."""
        found: set[str] = set()

        def walk(node: Any) -> None:
            if _is_property(node):
                found.add(_name(node))
            elif isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.tree)
        return found

    def check(self) -> None:
        """Walk once without a statement: a bad filter is a 400 before any query runs."""
        self.sql(lambda value: "$0")


def build(text: str, language: str | None, crs_value: str | None, working_crs: int,
          queryables: dict[str, dict[str, Any]], columns: dict[str, str],
          internal: bool) -> Filter:
    """The filter of one request, checked (400 naming ``filter``, ``filter-lang`` or
    ``filter-crs`` for anything wrong)."""
    tree = parse(text, language)
    found = Filter(tree, properties(queryables, columns),
                   "a.attributes" if internal else "a.public_attributes",
                   ogc_crs.parse(crs_value, working_crs, "filter-crs"))
    found.check()
    return found
