"""The dry run: every mapped row checked before anything is written.

Geometry (decodable, finite, valid, of the type's kind, transformable, where its CRS is
used, inside the municipality's boundary give or take the tolerance), attributes against
the type's JSON Schema, external ids (twice in the file; belonging to an existing asset
of another type). Columnar where it matters (shapely/pyproj on whole arrays), so a million
points take seconds. Errors keep a row out; warnings only inform.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.validation import explain_validity
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.asset_types.service import validate_attributes
from gisapp.errors import GisappError
from gisapp.imports.mapping import Candidates
from gisapp.messages import N_, Message, problem_fields
from gisapp.models import AssetType
from gisapp.municipalities.schemas import MunicipalityRef

KINDS = {0: "point", 4: "point", 1: "line", 5: "line", 3: "polygon", 6: "polygon"}
# the same by shapely's type id (0 … 7), for whole arrays at once
_KIND_OF_TYPE_ID = np.array([KINDS.get(k, "other") for k in range(8)], dtype=object)
MAX_LISTED = 1000


@dataclass
class Plan:
    """What a commit would write: the good rows, and every problem found."""

    candidates: Candidates
    geometry: np.ndarray  # EPSG:4326, None for rows with errors
    attributes_json: list[str | None]
    ok: np.ndarray  # bool per candidate
    problems: list[dict[str, Any]] = field(default_factory=list)
    existing: dict[str, str] = field(default_factory=dict)  # external id → asset code
    error_count: int = 0  # rows with at least one error (those a commit leaves out)
    error_problems: int = 0  # errors, several per row possibly
    warning_count: int = 0
    # (severity, field, text) → how many rows and the first row's problem: every problem
    # counts here, also those past the MAX_LISTED that are listed one by one
    kinds: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    # about the file as a whole: what the rows' problems together point to
    advice: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, i: int, field_name: str, reason: str | Message | dict[str, Any],
                severity: str = "error") -> None:
        if severity == "error":
            if self.ok[i]:
                self.error_count += 1
            self.ok[i] = False
            self.error_problems += 1
        else:
            self.warning_count += 1
        listed = {"row": self.candidates.labels[i], "field": field_name,
                  **problem_fields(reason), "severity": severity}
        _count_kind(self.kinds, listed)
        if len(self.problems) < MAX_LISTED:
            self.problems.append(listed)

    def report(self, **extra: Any) -> dict[str, Any]:
        """Counts and the listed problems, as the API and the page show them."""
        c = self.candidates
        good = np.flatnonzero(self.ok).tolist()
        types = dict(Counter(c.type_code[i] for i in good))
        update = sum(1 for i in good if c.external_id[i] in self.existing) if self.existing else 0
        create = len(good) - update
        notes = c.notes[: max(0, MAX_LISTED - len(self.problems))]
        kinds = {key: dict(kind) for key, kind in self.kinds.items()}  # counted on below
        for note in c.notes:
            _count_kind(kinds, note)
        return {**extra, "candidates": len(c.index), "not_mapped": c.not_mapped,
                "valid": int(self.ok.sum()), "create": create, "update": update,
                "types": types, "errors": self.error_count,
                "warnings": self.warning_count + len(c.notes),
                "problems": self.problems + notes,
                "problem_kinds": sorted(kinds.values(), key=lambda k: (
                    k["severity"] != "error", -k["count"], k["field"])),
                "problems_truncated": self.error_problems + self.warning_count + len(c.notes)
                > len(self.problems) + len(notes),
                "advice": self.advice,
                **({"columns": c.columns, "mapping_used": c.mapping_used}
                   if c.columns is not None else {})}


def _count_kind(kinds: dict[tuple[str, str, str], dict[str, Any]],
                problem: dict[str, Any]) -> None:
    """One more row with this kind of problem: the same field and the same sentence before
    its values ("lies %(metres)s m outside …"), so 492 rows outside the boundary are one
    line of the summary, with the first of them as the example."""
    key = (problem["severity"], problem["field"], problem.get("message") or problem["reason"])
    if key in kinds:
        kinds[key]["count"] += 1
    else:
        kinds[key] = {**{k: v for k, v in problem.items() if k != "row"},
                      "count": 1, "example_row": problem["row"]}


def _metric_crs(muni: MunicipalityRef, lon: float, lat: float) -> int:
    crs = CRS.from_epsg(muni.working_crs)
    if crs.is_projected:
        return muni.working_crs
    return 32600 + int((lon + 180) // 6) + 1 + (100 if lat < 0 else 0)


def _transform(geoms: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return geoms
    trans = geo.transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(trans.transform(xy[:, 0], xy[:, 1])))


def check_geometry(plan: Plan, srid: int, types: dict[str, AssetType], broken: dict[int, str | Message]):
    """Decodable, finite, valid, of the type's kind, and in EPSG:4326 where it belongs."""
    c = plan.candidates
    geoms = c.geometry
    missing = shapely.is_missing(geoms)
    for i in np.flatnonzero(missing).tolist():
        plan.problem(i, "geometry", broken.get(c.index[i], Message(N_("no geometry"))))
    idx = np.flatnonzero(~missing)
    if len(idx):
        sub = geoms[idx]
        finite = np.isfinite(shapely.bounds(sub)).all(axis=1)
        empty = shapely.is_empty(sub)
        valid = shapely.is_valid(sub)
        # only the rows with a problem are visited one by one
        for j in np.flatnonzero(empty | ~finite | ~valid):
            if empty[j]:
                plan.problem(idx[j], "geometry", Message(N_("geometry is empty")))
            elif not finite[j]:
                plan.problem(idx[j], "geometry.coordinates",
                             Message(N_("a coordinate is not a finite number")))
            else:
                plan.problem(idx[j], "geometry", Message(
                    N_("invalid geometry: %(detail)s"), detail=explain_validity(sub[j])))
        got = _KIND_OF_TYPE_ID[shapely.get_type_id(sub)]
        expected = np.full(len(idx), "?", dtype=object)
        codes = np.asarray(c.type_code, dtype=object)[idx]
        for code in set(codes.tolist()):
            if code in types:
                expected[codes == code] = types[code].geometry_kind
        for j in np.flatnonzero((expected != got) & (expected != "?") & valid & finite & ~empty):
            plan.problem(idx[j], "geometry", Message(
                N_("type %(type)s takes %(kind)s geometries, not %(geometry)s"),
                type=repr(c.type_code[idx[j]]), kind=expected[j], geometry=sub[j].geom_type))
    good = np.flatnonzero(plan.ok)
    out = np.empty(len(geoms), dtype=object)
    if len(good):
        moved = _transform(geoms[good], srid, geo.STORAGE_SRID)
        minx, miny, maxx, maxy = shapely.bounds(moved).T
        nonfinite = ~np.isfinite(shapely.bounds(moved)).all(axis=1)
        off_earth = (miny < -90) | (maxy > 90) | (minx < -180) | (maxx > 180)
        area = geo.area_of_use(srid) if srid != geo.STORAGE_SRID else None
        off_area = np.zeros(len(good), dtype=bool)
        if area:
            off_area = ((minx < area[0] - 2) | (maxx > area[2] + 2) | (miny < area[1] - 2)
                        | (maxy > area[3] + 2))
        for j in np.flatnonzero(nonfinite | off_earth | off_area):
            i = good[j]
            if nonfinite[j]:
                plan.problem(i, "geometry.coordinates", Message(
                    N_("coordinates cannot be transformed from EPSG:%(srid)s"), srid=srid))
            elif off_earth[j]:
                plan.problem(i, "geometry.coordinates", Message(
                    N_("coordinates land at lon %(lon)s, lat %(lat)s, outside the earth"),
                    lon=f"{minx[j]:g}", lat=f"{miny[j]:g}"))
            else:
                plan.problem(i, "geometry.coordinates", Message(
                    N_("coordinates land at lon %(lon)s, lat %(lat)s, outside the area where "
                       "EPSG:%(srid)s is used; are x and y swapped?"),
                    lon=f"{minx[j]:.4f}", lat=f"{miny[j]:.4f}", srid=srid))
        keep = ~(nonfinite | off_earth | off_area)
        out[good[keep]] = moved[keep]
    plan.geometry = out


async def check_boundary(session: AsyncSession, plan: Plan, muni: MunicipalityRef,
                         tolerance_m: float, srid: int) -> None:
    """Every vertex within the boundary plus the tolerance (as for single assets). When no
    row is inside, the report also says so about the file (another municipality's file, a
    wrong reference system, or longitude and latitude swapped), rather than leaving a
    planner to read the same error in every row."""
    if not muni.has_boundary:
        return
    good = np.flatnonzero(plan.ok)
    if not len(good):
        return
    wkb = await session.scalar(text("SELECT ST_AsBinary(boundary) FROM municipality WHERE id = :m"),
                               {"m": muni.id})
    boundary = shapely.from_wkb(wkb)
    centre = boundary.centroid
    metric = _metric_crs(muni, centre.x, centre.y)
    boundary_m = _transform(np.array([boundary], dtype=object), geo.STORAGE_SRID, metric)[0]
    allowed = boundary_m.buffer(tolerance_m)
    shapely.prepare(allowed)
    geoms = plan.geometry[good]
    inside = _inside(allowed, geoms, metric)
    nearest = float("inf")
    for j in np.flatnonzero(~inside):
        outside = _transform(geoms[j:j + 1], geo.STORAGE_SRID, metric)[0]
        points = shapely.points(shapely.get_coordinates(outside))
        distance = float(shapely.distance(boundary_m, points).max())
        nearest = min(nearest, distance)
        plan.problem(good[j], "geometry", geo.outside_boundary(distance, muni.name, tolerance_m))
    if len(good) and not inside.any():
        _advise_all_outside(plan, geoms, allowed, metric, muni, srid, nearest)


def _inside(allowed: Any, geoms: np.ndarray, metric: int) -> np.ndarray:
    """Which of the geometries (in storage coordinates) lie wholly in ``allowed`` (metric)."""
    if (shapely.get_type_id(geoms) == 0).all():
        # points: their coordinates are enough, no geometry objects are made
        lon, lat = shapely.get_coordinates(geoms).T
        x, y = geo.transformer(geo.STORAGE_SRID, metric).transform(lon, lat)
        return shapely.intersects_xy(allowed, x, y)
    geoms_m = _transform(geoms, geo.STORAGE_SRID, metric)
    return shapely.contains(allowed, geoms_m) | shapely.covers(allowed, geoms_m)


def _advise_all_outside(plan: Plan, geoms: np.ndarray, allowed: Any, metric: int,
                        muni: MunicipalityRef, srid: int, nearest_m: float) -> None:
    """Advice for a file none of whose rows lies in the municipality. Longitude and
    latitude swapped (a spreadsheet's "x" that holds the latitude) lands a German or
    Luxembourgish file in the sea off Somalia, still on the earth and in EPSG:4326's area:
    only the boundary notices, so the swap is tried here for geographic coordinates."""
    plan.advice.append(problem_fields(Message(
        N_("None of the %(rows)s rows lies in %(name)s: the nearest is %(km)s km outside its "
           "boundary. Is it the file of another municipality, or are its coordinates in "
           "another reference system than EPSG:%(srid)s?"),
        rows=len(geoms), name=muni.name, km=round(nearest_m / 1000, 1), srid=srid)))
    if not CRS.from_epsg(srid).is_geographic:
        return
    swapped = shapely.transform(geoms, lambda xy: xy[:, ::-1])
    inside = int(_inside(allowed, swapped, metric).sum())
    if inside * 2 >= len(geoms):
        plan.advice.append(problem_fields(Message(
            N_("With longitude and latitude swapped, %(rows_inside)s of the %(rows)s rows would lie "
               "in %(name)s: the file's x and y appear to be swapped. For a CSV, name the "
               "columns in the field mapping (x: the longitude, y: the latitude) and check "
               "again."),
            rows_inside=inside, rows=len(geoms), name=muni.name)))


def check_dates(plan: Plan) -> None:
    """Installation dates that the mapping could not read as dates (kept as their text)."""
    for i, value in enumerate(plan.candidates.installed_on):
        if isinstance(value, str):
            plan.problem(i, "installed_on", Message(
                N_("%(value)s is not a date (DD.MM.YYYY or YYYY-MM-DD)"), value=repr(value)))


def check_attributes(plan: Plan, types: dict[str, AssetType]) -> None:
    """Each distinct attribute object validated once against its type's schema."""
    c = plan.candidates
    seen: dict[tuple[str, str], list[dict[str, Any]] | None] = {}
    # rows of a column-mapped file share their attributes dict when the values are equal
    # (mapping.attribute_rows): one JSON text and one verdict per dict, not per row
    done: dict[tuple[int, str], tuple[str, list[dict[str, Any]] | None]] = {}
    jsons: list[str | None] = [None] * len(c.index)
    for i, attrs in enumerate(c.attributes):
        asset_type = types.get(c.type_code[i])
        if asset_type is None:
            plan.problem(i, "type", Message(N_("unknown asset type %(type)s (add it first)"),
                                            type=repr(c.type_code[i])))
            continue
        verdict = done.get((id(attrs), asset_type.code))
        if verdict is None:
            doc = json.dumps(attrs, sort_keys=True, ensure_ascii=False)
            key = (asset_type.code, doc)
            if key not in seen:
                try:
                    validate_attributes(asset_type, attrs)
                    seen[key] = None
                except GisappError as exc:
                    seen[key] = exc.details or [{"field": exc.field or "attributes",
                                                 "reason": exc.message}]
            verdict = (doc, seen[key])
            if len(done) < 50_000:
                done[(id(attrs), asset_type.code)] = verdict
        for detail in verdict[1] or ():  # with its message, when the check gave one
            plan.problem(i, detail["field"], detail)
        jsons[i] = verdict[0]
    plan.attributes_json = jsons


def check_duplicates(plan: Plan) -> None:
    """An external id twice: the same row again is imported once (warning); different
    rows with one id cannot both be that asset (error)."""
    c = plan.candidates
    ids = np.asarray(c.external_id, dtype=object)
    rows = np.flatnonzero(plan.ok & pd.notna(ids))
    # only rows whose id occurs again can be duplicates; the rest is not visited
    involved = rows[pd.Series(ids[rows]).duplicated(keep=False).to_numpy()]
    first: dict[str, int] = {}
    for i in involved.tolist():
        ext = c.external_id[i]
        if ext not in first:
            first[ext] = i
            continue
        j = first[ext]
        same = (c.name[i] == c.name[j] and plan.attributes_json[i] == plan.attributes_json[j]
                and _same_geometry(plan.geometry[i], plan.geometry[j]))
        if same:
            plan.problem(i, "external_id", Message(
                N_("the same as row %(row)s; imported once"), row=c.labels[j]), "warning")
            plan.ok[i] = False
        else:
            plan.problem(i, "external_id", Message(
                N_("external id %(id)s also in row %(row)s with other values"),
                id=repr(ext), row=c.labels[j]))


def _same_geometry(a, b) -> bool:
    return a is not None and b is not None and shapely.equals_exact(a, b, 1e-9)


async def check_existing(session: AsyncSession, plan: Plan, muni: MunicipalityRef) -> None:
    """External ids that exist already: updates, unless the asset has another type."""
    c = plan.candidates
    ids = list({e for e in c.external_id if e is not None})
    if not ids:
        return
    in_use = await session.scalar(text(
        "SELECT count(*) FROM asset WHERE municipality_id = :m AND external_id IS NOT NULL"),
        {"m": muni.id})
    # many rows: asyncpg's records straight, not through SQLAlchemy's result rows
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    if in_use <= len(ids):
        # fewer ids in the inventory than in the file (a first import): fetch those
        rows = await raw.fetch("SELECT external_id, type_code, code FROM asset"
                               " WHERE municipality_id = $1 AND external_id IS NOT NULL", muni.id)
    else:
        rows = await raw.fetch("SELECT external_id, type_code, code FROM asset"
                               " WHERE municipality_id = $1 AND external_id = ANY($2::text[])",
                               muni.id, ids)
    found = {ext: (type_code, code) for ext, type_code, code in rows}
    for i, ext in enumerate(c.external_id):
        if ext in found:
            type_code, code = found[ext]
            if type_code != c.type_code[i]:
                plan.problem(i, "external_id", Message(
                    N_("external id %(id)s belongs to %(code)s, an asset of type %(type)s"),
                    id=repr(ext), code=code, type=repr(type_code)))
            else:
                plan.existing[ext] = code


async def check(session: AsyncSession, candidates: Candidates, srid: int,
                types: dict[str, AssetType], broken: dict[int, str | Message], muni: MunicipalityRef,
                tolerance_m: float) -> Plan:
    """All checks, in the order that reports the most useful reason first."""
    n = len(candidates.index)
    plan = Plan(candidates=candidates, geometry=np.empty(n, dtype=object),
                attributes_json=[None] * n, ok=np.ones(n, dtype=bool))
    check_geometry(plan, srid, types, broken)
    await check_boundary(session, plan, muni, tolerance_m, srid)
    check_attributes(plan, types)
    check_dates(plan)
    check_duplicates(plan)
    await check_existing(session, plan, muni)
    _advise_without_ids(plan)
    return plan


def _advise_without_ids(plan: Plan) -> None:
    """Rows without an external id cannot be found again: importing the file a second time
    makes them a second time. Said before the write; a column such as "Nr" is not taken for
    the id unasked, as two files numbered 1, 2, 3 … would then overwrite each other's assets."""
    c = plan.candidates
    rows = sum(1 for i in np.flatnonzero(plan.ok).tolist() if c.external_id[i] is None)
    if rows:
        plan.advice.append(problem_fields(Message(
            N_("%(rows)s rows have no external id (the file's own id of each asset): importing "
               "the file again would create them again. If the file has a column with such "
               "ids, choose it in the field mapping."), rows=rows)))
