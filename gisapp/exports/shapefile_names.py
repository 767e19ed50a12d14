"""Column names for the dBASE table of a shapefile: at most 10 characters, ASCII letters,
digits and ``_``, unique regardless of case.

Names that fit stay as they are; longer ones are cut to 10 characters, and where that
collides, cut shorter with a number (``luminous_f``, ``luminous_1`` …). The mapping goes
into the zip as ``fields.txt``, so nobody has to guess what ``color_temp`` was.
"""

from __future__ import annotations

import re

MAX_LEN = 10
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_]")


def short_names(columns: list[str]) -> dict[str, str]:
    """Full column name → its shapefile name, for every column, in order."""
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for name in columns:
        base = _NOT_ALLOWED.sub("_", name) or "field"
        candidate = base[:MAX_LEN]
        number = 0
        while candidate.lower() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = base[:MAX_LEN - len(suffix)] + suffix
        taken.add(candidate.lower())
        mapping[name] = candidate
    return mapping


def field_map_text(layers: dict[str, dict[str, str]]) -> str:
    """The ``fields.txt`` of a zipped export: per shapefile, short name and full name."""
    lines = ["Shapefile column names are limited to 10 characters.",
             "Column names in this export and the full field names they stand for:", ""]
    for layer, mapping in layers.items():
        lines.append(f"{layer}.shp")
        lines.extend(f"  {short:<10}  {full}" for full, short in mapping.items())
        lines.append("")
    return "\n".join(lines)
