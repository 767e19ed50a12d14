"""Installed lighting power and an estimate of the energy it uses per year.

    power_w    = attributes.power_w × attributes.luminaire_count (1 when not given)
    annual_kwh = power_w × burning hours per year × dimming factor / 1000

The burning hours (``GISAPP_ENERGY__BURNING_HOURS_PER_YEAR``, default 4,000 h: dusk to dawn
in Germany) and the dimming factor (``GISAPP_ENERGY__DIMMING_FACTOR``, default 0.7, for
lights with ``dimmable: true``; e.g. "22–5 Uhr 50 %" saves 7 h × 365 × 50 % ≈ 1,280 of
4,000 full-power hours, leaving ≈ 0.68) are settings, as they depend on the switching and
dimming a municipality uses. Assets without a numeric ``power_w`` count, but add no power.
"""

from __future__ import annotations

from sqlalchemy import Float, case, cast, func, literal
from sqlalchemy.sql import ColumnElement

from gisapp.settings import EnergySettings

FORMULA = ("annual_kwh = power_w × luminaire_count × burning_hours_per_year × "
           "(dimming_factor if dimmable else 1) / 1000")


def _number(attrs, key: str) -> ColumnElement:
    """A numeric attribute, or NULL when missing or not a number."""
    return case((func.jsonb_typeof(attrs[key]) == "number", cast(attrs[key].astext, Float)),
                else_=None)


def power_w(attrs) -> ColumnElement:
    """Installed power of one asset in W (NULL when it has none)."""
    return _number(attrs, "power_w") * func.coalesce(_number(attrs, "luminaire_count"), 1.0)


def annual_kwh(attrs, settings: EnergySettings) -> ColumnElement:
    """Estimated kWh per year of one asset (NULL when it has no power)."""
    dimmed = case((attrs["dimmable"].astext == "true", literal(settings.dimming_factor)),
                  else_=literal(1.0))
    return power_w(attrs) * literal(settings.burning_hours_per_year) * dimmed / 1000.0


def model(settings: EnergySettings) -> dict:
    """The parameters, returned with every answer so a figure can be checked by hand."""
    return {"burning_hours_per_year": settings.burning_hours_per_year,
            "dimming_factor": settings.dimming_factor, "formula": FORMULA}
