"""The card a scan opens: what a crew member needs at the pole, or what a resident may see.

Staff (a role in the tag's municipality) get the asset with its due date, its parent and
children (the pole with its sensor and hotspot), the last maintenance and what they may do.
Everyone else gets the public facts of a public asset and the way to report a problem,
read through the public database role: internal fields cannot leak from here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.asset_types.service import list_types
from gisapp.assets import queries
from gisapp.assets import service as assets
from gisapp.auth.principal import PERMISSIONS
from gisapp.errors import NotFound
from gisapp.models import MaintenanceRecord

A = queries.A


_BRIEF = (A.c.id, A.c.code, A.c.type_code.label("type"), A.c.name, A.c.status)


async def _related(session: AsyncSession, municipality_id, asset_id,
                   parent_id) -> dict[str, Any]:
    """The parent (the pole a sensor hangs on) and the children (what hangs on this pole),
    briefly and in one query; row-level security leaves the public only public ones."""
    children = and_(A.c.parent_id == asset_id, A.c.status != "decommissioned")
    which = or_(children, A.c.id == parent_id) if parent_id else children
    rows = await session.execute(
        select(*_BRIEF).where(A.c.municipality_id == municipality_id, which).order_by(A.c.code))
    related: dict[str, Any] = {"parent": None, "children": []}
    for r in rows:
        brief = dict(r._mapping)
        if brief["id"] == parent_id:
            related["parent"] = brief
        else:
            related["children"].append(brief)
    return related


async def _capture_types(session: AsyncSession, municipality_id) -> list[dict[str, Any]]:
    """Point types a new asset may have, with what the capture form needs to ask."""
    result = []
    for t in await list_types(session, municipality_id):
        if t.geometry_kind != "point":
            continue
        schema = t.attribute_schema
        result.append({"code": t.code, "label_de": t.label_de, "label_en": t.label_en,
                       "label_fr": t.label_fr, "required": schema.get("required", []),
                       "properties": schema.get("properties", {})})
    return result


async def scan_card(session: AsyncSession, row, role: str | None, limits) -> dict[str, Any]:
    internal = role is not None
    card: dict[str, Any] = {
        "municipality": {"slug": row.slug, "name": row.name},
        "tag": {"short_code": row.short_code, "kind": row.kind, "state": row.state,
                **({"id": row.tag_id} if internal else {})},
        "limits": {"max_fix_accuracy_m": limits.max_fix_accuracy_m,
                   "plausibility_margin_m": limits.plausibility_margin_m},
        "role": role, "asset": None, "parent": None, "children": [], "maintenance": [],
        "can": sorted(PERMISSIONS[role]) if role else [],
    }
    if row.state == "revoked":
        return card  # the label is no longer valid: say so, show nothing
    if row.state == "unassigned":
        card["capture"] = internal and "asset.write" in card["can"]
        if card["capture"]:
            card["types"] = await _capture_types(session, row.municipality_id)
        return card
    try:
        asset = await assets.get(session, row.municipality_id, row.asset_id, internal=internal)
    except NotFound:
        return card  # not public (a meter): the public sees only whose label it is
    card["asset"] = asset
    card.update(await _related(session, row.municipality_id, row.asset_id, asset.get("parent_id")))
    if internal:
        records = await session.scalars(
            select(MaintenanceRecord)
            .where(MaintenanceRecord.municipality_id == row.municipality_id,
                   MaintenanceRecord.asset_id == row.asset_id)
            .order_by(MaintenanceRecord.performed_at.desc()).limit(5))
        card["maintenance"] = [
            {"kind": m.kind, "result": m.result, "performed_at": m.performed_at,
             "performed_by": m.performed_by, "notes": m.notes,
             "reading_value": m.reading_value} for m in records]
    return card
