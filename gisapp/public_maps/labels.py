"""What a public map says about a point, in the visitor's language.

Each layer becomes a table whose columns are the facts people look for (hotspot: network and
provider; charger: operator, connectors and power, points, access, payment; sensor: what it
measures); popups show the same cells. Values are formatted here, as plain text: escaping is
the template's job. Types a municipality adds itself show their public fields, titled as the
type's schema titles them.

Sensor readings are not part of the data model yet: a sensor's popup says what it measures,
its model and data source, not a latest value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from gisapp.assets.labels import STATUS_LABELS
from gisapp.messages import N_

Gettext = Callable[[str], str]


# of the states a visitor sees, only those that are news to them
STATUS = {k: STATUS_LABELS[k] for k in ("defective", "out_of_service")}
PROVIDERS = {"municipal": N_("the municipality"), "commercial": N_("commercial provider"),
             "other": N_("other provider")}
ACCESS = {"public": N_("open to everyone"), "customers": N_("customers only"),
          "residents": N_("residents only"), "private": N_("private")}
PAYMENT = {"ad_hoc_card": N_("card on site"), "app": N_("app"),
           "rfid": N_("charging card (RFID)"), "free": N_("free of charge"),
           "ec_card": N_("debit card")}
CONNECTORS = {"Type2": N_("Type 2"), "Type1": N_("Type 1"), "Schuko": N_("household socket")}
QUANTITIES = {"pm10": N_("particulate matter PM10"), "pm2_5": N_("particulate matter PM2.5"),
              "temperature": N_("temperature"), "humidity": N_("humidity"),
              "soil_moisture": N_("soil moisture"), "water_level": N_("water level"),
              "noise": N_("noise"), "solar_radiation": N_("solar radiation"),
              "air_pressure": N_("air pressure")}
LAMPS = {"HPS": N_("sodium vapour"), "MH": N_("metal halide"),
         "fluorescent": N_("fluorescent"), "mercury": N_("mercury vapour"), "other": N_("other")}


@dataclass(frozen=True)
class Column:
    """One column of a layer's table: its heading and how a feature's cell is written."""

    key: str
    heading: str
    value: Callable[[dict[str, Any]], str]  # the feature's properties -> text


class Formatter:
    """Value formatting in one language."""

    def __init__(self, language: str, gettext: Gettext) -> None:
        self.language = language
        self._ = gettext

    def number(self, value: Any) -> str:
        _ = self._
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, int | float):
            return format_decimal(value, locale=self.language)
        return str(value)

    def choice(self, table: dict[str, str], value: Any) -> str:
        """An enum value by its label, if there is one; anything else as text."""
        if isinstance(value, list):
            return ", ".join(self.choice(table, v) for v in value)
        if value is None:
            return ""
        return self._(table[value]) if value in table else self.any(value)

    def any(self, value: Any) -> str:
        """A public attribute of any shape as short text."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return self.number(value)
        if isinstance(value, list):
            return ", ".join(self.any(v) for v in value)
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    def connectors(self, value: Any) -> str:
        """``2 × Type 2 (22 kW), 1 × CCS (50 kW)``."""
        if not isinstance(value, list):
            return self.any(value)
        counted: dict[tuple[str, Any], int] = {}
        for c in value:
            if isinstance(c, dict):
                key = (str(c.get("type", "")), c.get("power_kw"))
                counted[key] = counted.get(key, 0) + 1
        parts = []
        for (kind, power), n in counted.items():
            label = self._(CONNECTORS[kind]) if kind in CONNECTORS else kind
            kw = f" ({self.number(power)} kW)" if power is not None else ""
            parts.append(f"{n} × {label}{kw}")
        return ", ".join(parts)


def _attr(key: str, fmt: Callable[[Any], str]) -> Callable[[dict], str]:
    return lambda props: fmt((props.get("attributes") or {}).get(key))


def builtin_columns(type_code: str, f: Formatter) -> list[Column] | None:
    """The columns of a built-in type, or None for a municipality's own type."""
    _ = f._
    columns = {
        "wlan_hotspot": [
            Column("ssid", _("Network name (SSID)"), _attr("ssid", f.any)),
            Column("provider", _("Provider"), _attr("provider", lambda v: f.choice(PROVIDERS, v))),
        ],
        "charging_station": [
            Column("operator", _("Operator"), _attr("operator", f.any)),
            Column("connectors", _("Connectors and power"), _attr("connectors", f.connectors)),
            Column("charging_points", _("Charging points"), _attr("charging_points", f.any)),
            Column("access", _("Access"), _attr("access", lambda v: f.choice(ACCESS, v))),
            Column("payment", _("Payment"), _attr("payment", lambda v: f.choice(PAYMENT, v))),
            Column("opening_hours", _("Opening hours"), _attr("opening_hours", f.any)),
        ],
        "sensor": [
            Column("quantities", _("Measures"),
                   _attr("quantities", lambda v: f.choice(QUANTITIES, v))),
            Column("sensor_model", _("Sensor"), _attr("sensor_model", f.any)),
            Column("external_source", _("Data source"), _attr("external_source", f.any)),
        ],
        "street_light": [
            Column("lamp_technology", _("Lamp"),
                   _attr("lamp_technology", lambda v: f.choice(LAMPS, v))),
            Column("power_w", _("Power (W)"), _attr("power_w", f.any)),
        ],
    }
    return columns.get(type_code)


def custom_columns(keys: list[str], titles: dict[str, str], f: Formatter) -> list[Column]:
    """Columns of a municipality's own type: its public fields, by their titles."""
    return [Column(key, titles.get(key) or key.replace("_", " ").capitalize(), _attr(key, f.any))
            for key in keys]


def common_columns(f: Formatter) -> tuple[list[Column], list[Column]]:
    """Columns every layer has, before and after the type's own."""
    _ = f._
    before = [Column("street", _("Near"), lambda p: p.get("street") or "")]
    after = [Column("status", _("Note"), lambda p: f.choice(STATUS, p.get("status"))
                    if p.get("status") in STATUS else "")]
    return before, after
