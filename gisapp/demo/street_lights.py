"""What a generated street light is like: lamp, power, pole, dimming, maker, age and status.

One generator for the demo village and for the benchmark database of bench/ogc_data.py, so
that the benchmark's million lights carry what the demo's lights carry (and stay valid
against the built-in type). The draws happen in a fixed order: the same seeded generator
gives the same lights.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STATUSES = ["active", "defective", "out_of_service", "planned", "decommissioned"]
STATUS_WEIGHTS = [93, 3, 2, 1, 1]


@dataclass
class StreetLight:
    attributes: dict[str, Any]
    status: str
    installed_on: Any  # whatever ``days_ago`` returns (a date, or its text)
    manufacturer: str
    model: str | None
    led: bool


def street_light(rng: random.Random, days_ago: Callable[[int, int], Any],
                 circuit_prefix: str) -> StreetLight:
    """A street light: 62 % LED (younger, dimmable, warmer light), the rest older lamps;
    ``circuit_prefix`` names its switching circuit (``SK-OB`` → ``SK-OB-3``)."""
    led = rng.random() < 0.62
    tech = "LED" if led else rng.choice(["HPS", "HPS", "HPS", "MH", "fluorescent"])
    power = rng.choice([18, 24, 29, 36, 42, 56]) if led else rng.choice([50, 70, 70, 100])
    installed = days_ago(365, 365 * 8) if led else days_ago(365 * 12, 365 * 40)
    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
    attrs: dict[str, Any] = {
        "lamp_technology": tech, "power_w": power,
        "luminous_flux_lm": int(power * (rng.uniform(120, 150) if led else rng.uniform(70, 100))),
        "pole_height_m": rng.choice([4.5, 5.0, 6.0, 6.0, 8.0]),
        "pole_material": rng.choice(["steel", "steel", "aluminium", "concrete"]),
        "mounting": rng.choice(["pole_top", "pole_top", "bracket"]),
        "dimmable": led and rng.random() < 0.8,
        "circuit": f"{circuit_prefix}-{rng.randint(1, 6)}",
    }
    if led:
        attrs["color_temperature_k"] = rng.choice([2700, 3000, 3000, 4000])
        if attrs["dimmable"]:
            attrs["dimming_profile"] = "22–5 Uhr 50 %"
    maker = rng.choice(["Trilux", "Siteco", "Schréder"]) if led else rng.choice(
        ["Philips", "Osram", "AEG"])
    model = rng.choice(["Cityline 40", "Streetlight 10 mini", "Ampera Mini"]) if led else None
    return StreetLight(attrs, status, installed, maker, model, led)
