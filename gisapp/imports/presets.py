"""Presets for sources whose layout is known: OpenStreetMap tags, the Bundesnetzagentur
charging register, Freifunk meshviewer nodes. Each says which asset type a row becomes,
its external id (stable across downloads, so a re-import updates), and its attributes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import shapely

from gisapp.imports.mapping import Candidates, FieldMapping, as_date, coerce
from gisapp.imports.source import NO_LOCATION, SourceTable, number
from gisapp.imports.uploads import UploadRejected
from gisapp.messages import N_, Message
from gisapp.models import AssetType

# (key, value or "*", type): the first rule a feature matches decides its type
OSM_RULES = (
    ("highway", "street_lamp", "street_light"),
    ("amenity", "charging_station", "charging_station"),
    ("emergency", "fire_hydrant", "fire_hydrant"),
    ("internet_access", "wlan", "wlan_hotspot"),
)
LAMP = {"LED": "LED", "led": "LED", "high_pressure_sodium": "HPS", "sodium": "HPS",
        "metal-halide": "MH", "metal_halide": "MH", "fluorescent": "fluorescent",
        "mercury": "mercury"}
MOUNT = {"straight_mast": "pole_top", "bent_mast": "bracket", "cast_steel_mast": "pole_top",
         "wall_mounted": "wall", "wall": "wall", "suspended": "catenary", "ceiling": "wall"}
SOCKETS = {"type2": "Type2", "type2_combo": "CCS", "chademo": "CHAdeMO", "schuko": "Schuko",
           "type1": "Type1", "tesla_supercharger": "Tesla"}
ACCESS = {"yes": "public", "public": "public", "customers": "customers", "private": "private",
          "residents": "residents", "permissive": "public"}


def _rules(mapping: FieldMapping) -> list[tuple[str, str, str, bool]]:
    """The caller's rules first (nodes and areas), then the built-in ones, which take
    nodes only: a lamp, a hydrant, a charger is a node in OSM, while a building tagged
    internet_access=wlan says what the café offers, not where an access point hangs."""
    extra = []
    for rule, type_code in (mapping.osm or {}).items():
        key, _, value = rule.partition("=")
        if not key or not value:
            raise UploadRejected(Message(N_("OSM rule %(rule)s must read key=value or key=*"),
                                         rule=repr(rule)),
                                 field="mapping.osm")
        extra.append((key.strip(), value.strip(), type_code, True))
    return extra + [(*rule, False) for rule in OSM_RULES]


def _osm_type(tags: dict[str, str], rules, is_node: bool) -> str | None:
    for key, value, type_code, areas_too in rules:
        if (is_node or areas_too) and key in tags and (value == "*" or tags[key] == value):
            return type_code
    return None


def osm(table: SourceTable, mapping: FieldMapping, types: dict[str, AssetType]) -> Candidates:
    """OSM features matching a rule; areas become their inner point for point types."""
    rules = _rules(mapping)
    out = Candidates()
    geoms = []
    for i, tags in enumerate(table.columns["tags"]):
        type_code = _osm_type(tags, rules, table.labels[i].startswith("node/"))
        if type_code is None:
            out.not_mapped += 1
            continue
        label = table.labels[i]
        asset_type = types.get(type_code)
        geom = table.geometry[i]
        if asset_type is not None and asset_type.geometry_kind == "point" and geom is not None \
                and geom.geom_type != "Point" and geom.is_valid:
            geom = shapely.point_on_surface(geom)
        attributes = _osm_attributes(type_code, tags, out, label)
        out.add(i, label, type_code, f"osm:{label}", tags.get("name"), attributes)
        geoms.append(geom)
    out.geometry = _array(geoms)
    return out


def _array(items: list) -> Any:
    import numpy as np

    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


def _osm_attributes(type_code: str, tags: dict[str, str], out: Candidates, label: str) -> dict:
    attrs: dict[str, Any] = {}

    def put(attr: str, value: Any, tag: str) -> None:
        if value is None:
            out.note(label, f"attributes.{attr}", Message(
                N_("tag %(tag)s=%(value)s not understood; left out"),
                tag=tag, value=repr(tags[tag])))
        else:
            attrs[attr] = value

    if type_code == "street_light":
        if "light:method" in tags:
            put("lamp_technology", LAMP.get(tags["light:method"], "other"), "light:method")
        if "light:mount" in tags and tags["light:mount"] in MOUNT:
            attrs["mounting"] = MOUNT[tags["light:mount"]]
        if "height" in tags:
            put("pole_height_m", number(tags["height"].removesuffix("m").strip()), "height")
        if "light:count" in tags:
            put("luminaire_count", _int(tags["light:count"]), "light:count")
    elif type_code == "charging_station":
        if "operator" in tags:
            attrs["operator"] = tags["operator"][:200]
        if "capacity" in tags:
            put("charging_points", _int(tags["capacity"]), "capacity")
        connectors = _osm_connectors(tags)
        if connectors:
            attrs["connectors"] = connectors
        if tags.get("access") in ACCESS:
            attrs["access"] = ACCESS[tags["access"]]
        if "opening_hours" in tags:
            attrs["opening_hours"] = tags["opening_hours"][:200]
    elif type_code == "fire_hydrant":
        kind = tags.get("fire_hydrant:type")
        if kind in ("underground", "pillar", "wall", "pipe"):
            attrs["hydrant_type"] = kind
        elif kind:
            out.note(label, "attributes.hydrant_type", Message(
                N_("tag %(tag)s=%(value)s not understood; left out"),
                tag="fire_hydrant:type", value=repr(kind)))
        if "fire_hydrant:diameter" in tags:
            put("diameter_mm", _int(re.sub(r"^DN\s*", "", tags["fire_hydrant:diameter"])),
                "fire_hydrant:diameter")
        if "fire_hydrant:pressure" in tags and tags["fire_hydrant:pressure"] != "suction":
            put("pressure_bar", number(tags["fire_hydrant:pressure"].removesuffix("bar")),
                "fire_hydrant:pressure")
        if tags.get("water_source") in ("main", "pond", "stream", "cistern"):
            attrs["water_source"] = tags["water_source"]
        ref = tags.get("ref") or tags.get("fire_hydrant:ref")
        if ref:
            attrs["reference"] = ref[:50]
        if "operator" in tags:
            attrs["operator"] = tags["operator"][:200]
    elif type_code == "wlan_hotspot":
        if "internet_access:ssid" in tags:
            attrs["ssid"] = tags["internet_access:ssid"][:32]
        operator = (tags.get("internet_access:operator") or tags.get("operator") or "").lower()
        if "freifunk" in operator or "freifunk" in attrs.get("ssid", "").lower():
            attrs["provider"] = "Freifunk"
        elif "wifi4eu" in operator:
            attrs["provider"] = "WiFi4EU"
        if tags.get("indoor") in ("yes", "no"):
            attrs["indoor"] = tags["indoor"] == "yes"
    return attrs


def _int(text: str) -> int | None:
    value = number(text)
    return int(value) if value is not None and value.is_integer() else None


def _osm_connectors(tags: dict[str, str]) -> list[dict[str, Any]]:
    """socket:type2=2 + socket:type2:output=22 kW → two Type2 connectors of 22 kW (only
    sockets with a known output: the type requires the power)."""
    connectors = []
    for key, kind in SOCKETS.items():
        count = _int(tags.get(f"socket:{key}", ""))
        output = number(re.sub(r"\s*kW$", "", tags.get(f"socket:{key}:output", ""), flags=re.I))
        if count and output and output > 0:
            connectors += [{"type": kind, "power_kw": output}] * min(count, 16)
    return connectors[:64]


PLUGS = (("combo", "CCS"), ("ccs", "CCS"), ("chademo", "CHAdeMO"), ("schuko", "Schuko"),
         ("typ 2", "Type2"), ("type 2", "Type2"), ("typ 1", "Type1"), ("type 1", "Type1"),
         ("tesla", "Tesla"))


def bnetza(table: SourceTable, mapping: FieldMapping, types: dict[str, AssetType]) -> Candidates:
    """Ladesäulenregister rows → charging stations. The register has no id column: the
    external id is a hash of the row, so identical rows are one device listed twice (the
    duplicate check reports them) and an unchanged row updates nothing on re-import."""
    out = Candidates(geometry=table.geometry)
    cols = table.columns
    for i in range(table.count):
        row = {name: values[i] for name, values in cols.items()}
        digest = hashlib.sha256("\x1f".join(row.values()).encode()).hexdigest()[:20]
        connectors = []
        for n in range(1, 5):
            power = number(row.get(f"P{n} [kW]"))
            for part in (row.get(f"Steckertypen{n}") or "").split(","):
                kind = next((k for word, k in PLUGS if word in part.lower()), None)
                if kind and power and power > 0:
                    connectors.append({"type": kind, "power_kw": power})
        attrs = {"operator": row["Betreiber"][:200], "access": "public"}
        points = number(row.get("Anzahl Ladepunkte"))
        if points:
            attrs["charging_points"] = coerce(points, {"type": "integer"})
        if connectors:
            attrs["connectors"] = connectors
        street = " ".join(p for p in (row.get("Straße"), row.get("Hausnummer")) if p)
        name = ", ".join(p for p in (street, row.get("Ort")) if p)
        out.add(i, str(i + 1), mapping.type or "charging_station", f"bnetza:{digest}", name,
                attrs, as_date(row.get("Inbetriebnahmedatum") or ""))
    return out


def meshviewer(table: SourceTable, mapping: FieldMapping, types: dict[str, AssetType]) -> Candidates:
    """Freifunk nodes with a location → WLAN hotspots (external id: the node id); nodes
    without one are left out and listed."""
    out = Candidates()
    geoms = []
    for i, node in enumerate(table.columns["node"]):
        label = table.labels[i]
        if table.broken.get(i) == NO_LOCATION:
            out.note(label, "location", Message(N_("the node has no location; left out")))
            out.not_mapped += 1
            continue
        node_id = str(node.get("node_id") or "")[:64]
        attrs = {"provider": "Freifunk"}
        if node_id:
            attrs["node_id"] = node_id
        out.add(i, label, mapping.type or "wlan_hotspot",
                f"freifunk:{node_id}" if node_id else None, node.get("hostname"), attrs)
        geoms.append(table.geometry[i])
    out.geometry = _array(geoms)
    return out


PRESETS = {"osm": osm, "bnetza": bnetza, "meshviewer": meshviewer}
