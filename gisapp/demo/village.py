"""Musterdorf: a fictional village of three parts in the Hunsrück (Rhineland-Palatinate).

Generated, not surveyed: streets grow from each part's centre, street lights stand along
them, the boundary wraps the built-up area. Everything is computed in the working CRS
EPSG:25832 (metres) and handed out as GeoDataFrames in EPSG:4326, so the loader exercises
the same reprojection as real imports. The same seed gives the same village.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.ops import unary_union

WORKING_CRS = 25832
SEED = 20260501
# Centre of the main part, in EPSG:25832 (about 7.23 E, 49.93 N, Hunsrück)
ORIGIN = (376_700.0, 5_532_300.0)

STREET_NAMES = [
    "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Lindenweg", "Bergstraße", "Mühlenweg",
    "Am Sportplatz", "Ringstraße", "Wiesenweg", "Eichenweg", "Birkenweg", "Raiffeisenstraße",
    "Talstraße", "Brunnenstraße", "Feldstraße", "Am Weiher", "Hohlweg", "Friedhofstraße",
    "Rosenweg", "Ahornweg", "Kastanienallee", "Waldstraße", "Auf der Höhe", "Im Winkel",
    "Am Backes", "Pfarrgasse", "Sonnenhang", "Zum Steinbruch", "Hunsrückstraße", "Buchenweg",
    "Kapellenweg", "Am Bach", "Flurstraße", "Hofgasse", "Kirschgarten", "Weiherstraße",
    "Tannenweg", "Am Hang", "Grabenstraße", "Neugasse", "Obergasse", "Untergasse",
    "Am Dorfplatz", "Römerstraße", "Schmiedegasse", "Hirtenweg", "Lerchenweg", "Finkenweg",
    "Amselweg", "Drosselweg", "Meisenweg", "Am Anger", "Im Brühl", "Auf dem Graben",
    "Steinstraße", "Holunderweg", "Haselnussweg", "Am Rain", "Kelterweg", "Scheunengasse",
    "Zur Mühle", "Am Wasserturm", "Hinter den Gärten", "Ulmenweg", "Erlenweg", "Weidenweg",
    "Am Kreuz", "Pastor-Klein-Straße", "Heideweg", "Vogelsang", "Am Rech", "Kirchweg",
]


@dataclass
class Part:
    """One part of the municipality (Ortsteil) and how big it grows."""

    name: str
    offset: tuple[float, float]
    main_length: float
    main_angle: float
    side_streets: int


PARTS = [
    Part("Musterdorf", (0, 0), 2200, 12, 27),
    Part("Oberweiler", (-2300, 1500), 1200, 65, 10),
    Part("Niederbach", (2100, -1300), 1300, -30, 12),
]


@dataclass
class Village:
    """The generated village in EPSG:25832; ``frames`` hands it out in EPSG:4326."""

    boundary: MultiPolygon
    districts: dict[str, Polygon]
    streets: dict[str, LineString | MultiLineString]
    lights: list[dict] = field(default_factory=list)
    buildings: list[dict] = field(default_factory=list)
    places: dict[str, Point] = field(default_factory=dict)


def _wiggly_line(rng: random.Random, start, angle_deg: float, length: float) -> LineString:
    """A street that bends a little every ~80 m, as village streets do."""
    pts = [start]
    angle = math.radians(angle_deg)
    steps = max(2, int(length // 80))
    step = length / steps
    x, y = start
    for _ in range(steps):
        angle += math.radians(rng.uniform(-9, 9))
        x += step * math.cos(angle)
        y += step * math.sin(angle)
        pts.append((x, y))
    return LineString(pts)


def _grow_part(rng: random.Random, part: Part, names: list[str]) -> dict[str, LineString]:
    cx, cy = ORIGIN[0] + part.offset[0], ORIGIN[1] + part.offset[1]
    half = part.main_length / 2
    a = math.radians(part.main_angle)
    start = (cx - half * math.cos(a), cy - half * math.sin(a))
    main = _wiggly_line(rng, start, part.main_angle, part.main_length)
    main_name = "Hauptstraße" if part.name == "Musterdorf" else f"{part.name}er Straße"
    streets = {main_name: main}
    for i in range(part.side_streets):
        at = main.interpolate(rng.uniform(0.06, 0.94), normalized=True)
        ahead = main.interpolate(min(main.length, main.project(at) + 5))
        heading = math.degrees(math.atan2(ahead.y - at.y, ahead.x - at.x))
        side = 1 if i % 2 == 0 else -1
        angle = heading + side * rng.uniform(70, 110)
        street = _wiggly_line(rng, (at.x, at.y), angle, rng.uniform(220, 650))
        name = names.pop()
        streets[name] = street
        if rng.random() < 0.35:  # a short cul-de-sac off the side street
            at2 = street.interpolate(rng.uniform(0.4, 0.9), normalized=True)
            streets[names.pop()] = _wiggly_line(
                rng, (at2.x, at2.y), angle + rng.choice((-1, 1)) * rng.uniform(75, 105),
                rng.uniform(120, 260),
            )
    return streets


def _lights_along(rng: random.Random, name: str, line: LineString, district: str) -> list[dict]:
    """Poles every 26–33 m, alternating sides, 5 m off the centre line."""
    lights = []
    pos = rng.uniform(5, 20)
    side = 1
    while pos < line.length:
        p = line.interpolate(pos)
        q = line.interpolate(min(line.length, pos + 1))
        dx, dy = q.x - p.x, q.y - p.y
        norm = math.hypot(dx, dy) or 1
        off = 5.0 * side
        lights.append({"street": name, "district": district,
                       "point": Point(p.x - dy / norm * off, p.y + dx / norm * off)})
        side = -side
        pos += rng.uniform(26, 33)
    return lights


BUILDINGS = [
    ("Rathaus", "Musterdorf"), ("Grundschule", "Musterdorf"), ("Kita Regenbogen", "Musterdorf"),
    ("Feuerwehrhaus", "Musterdorf"), ("Bauhof", "Musterdorf"), ("Sporthalle", "Musterdorf"),
    ("Dorfgemeinschaftshaus", "Musterdorf"), ("Friedhofshalle", "Musterdorf"),
    ("Jugendraum", "Musterdorf"), ("Kläranlage", "Niederbach"), ("Pumpwerk Niederbach", "Niederbach"),
    ("Hochbehälter", "Oberweiler"), ("Bürgerhaus Oberweiler", "Oberweiler"),
    ("Feuerwehr Oberweiler", "Oberweiler"), ("Gemeindehaus Niederbach", "Niederbach"),
    ("Sportlerheim", "Musterdorf"), ("Backes", "Musterdorf"), ("Bücherei", "Musterdorf"),
    ("Wanderhütte", "Oberweiler"), ("Trafostation Dorfplatz", "Musterdorf"),
]


def generate(seed: int = SEED) -> Village:
    """The whole village; the same seed gives the same village."""
    rng = random.Random(seed)
    names = list(STREET_NAMES)
    rng.shuffle(names)
    streets: dict[str, LineString | MultiLineString] = {}
    street_part: dict[str, str] = {}
    for part in PARTS:
        grown = _grow_part(rng, part, names)
        streets.update(grown)
        street_part.update({n: part.name for n in grown})
    # the county road that links the three parts (lit only inside the villages)
    centres = [Point(ORIGIN[0] + p.offset[0], ORIGIN[1] + p.offset[1]) for p in PARTS]
    streets["Kreisstraße K 12"] = LineString([centres[1], centres[0], centres[2]])

    built = unary_union([s.buffer(90) for n, s in streets.items() if n != "Kreisstraße K 12"])
    outline = unary_union([built.buffer(450), streets["Kreisstraße K 12"].buffer(600)])
    outline = outline.simplify(60).buffer(0)
    boundary = outline if isinstance(outline, MultiPolygon) else MultiPolygon([outline])

    cells = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=boundary.envelope)
    districts = {}
    for part, centre in zip(PARTS, centres):
        cell = next(c for c in cells.geoms if c.contains(centre))
        piece = cell.intersection(boundary)
        districts[part.name] = piece

    village = Village(boundary=boundary, districts=districts, streets=streets)
    for name, line in streets.items():
        if name == "Kreisstraße K 12":
            continue
        village.lights.extend(_lights_along(rng, name, line, street_part[name]))

    by_part: dict[str, list[str]] = {}
    for name, part in street_part.items():
        by_part.setdefault(part, []).append(name)
    for title, part in BUILDINGS:
        street = rng.choice(by_part[part])
        line = streets[street]
        at = line.interpolate(rng.uniform(0.1, 0.9), normalized=True)
        spot = Point(at.x + rng.uniform(-25, 25), at.y + rng.uniform(-25, 25))
        village.buildings.append({"name": title, "district": part, "street": street,
                                  "point": spot})
        village.places[title] = spot
    return village


def frames(village: Village) -> dict[str, gpd.GeoDataFrame]:
    """The village as GeoDataFrames in EPSG:4326 (reprojected by pyproj via geopandas)."""
    def gdf(records, geometry="geometry"):
        return gpd.GeoDataFrame(records, geometry=geometry, crs=WORKING_CRS).to_crs(4326)

    return {
        "boundary": gdf([{"geometry": village.boundary}]),
        "districts": gdf([{"name": n, "geometry": MultiPolygon([g]) if g.geom_type == "Polygon" else g}
                          for n, g in village.districts.items()]),
        "streets": gdf([{"name": n, "geometry": MultiLineString([g]) if g.geom_type == "LineString" else g}
                        for n, g in village.streets.items()]),
        "lights": gdf([{**{k: v for k, v in lt.items() if k != "point"}, "geometry": lt["point"]}
                       for lt in village.lights]),
        "buildings": gdf([{**{k: v for k, v in b.items() if k != "point"}, "geometry": b["point"]}
                          for b in village.buildings]),
    }


def export_gpkg(path, seed: int = SEED) -> list[str]:
    """Write the village's reference layers (boundary, districts, streets, light positions,
    buildings) to a GeoPackage in the working CRS, for QGIS. Returns the layer names."""
    layers = frames(generate(seed))
    for name, gdf in layers.items():
        gdf.to_crs(WORKING_CRS).to_file(path, layer=name, driver="GPKG")
    return list(layers)
