"""Label batches: which labels to print, tags issued for assets that have none yet, and the
print-ready PDF (layouts in gisapp/tags/labels.py).

A batch is chosen like planners think of it: all street lights of a street, everything not
yet labelled, everything in a drawn area, some assets by id, or N blank pre-numbered labels
for capturing on site. Asset labels carry the type's name in the municipality's language
and the line inviting residents to report damage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp import geo
from gisapp.errors import InvalidInput
from gisapp.i18n import load_translations
from gisapp.messages import N_, Message
from gisapp.models import Asset, AssetType, Municipality, Street, Tag
from gisapp.tags import service
from gisapp.tags.labels import LAYOUTS, LabelSpec, get_layout, render_labels

STREET_DISTANCE_M = 30  # a light belongs to a street when it stands within this of its line
MAX_LABELS = 2000


def _(message: str) -> str:
    """Marks a message for the catalogs; translated per municipality when printing."""
    return message


FOOTER = _("Report damage? Scan the code")


#: assets named by id in one request (the planner map's selection and "print all shown")
MAX_ASSETS = 2000


@dataclass
class Batch:
    """What to print. Empty filters with no ids and no blanks select nothing."""

    layout: str = "a4-3x8"
    types: list[str] = field(default_factory=list)
    street: str | None = None
    untagged: bool = False
    area: dict[str, Any] | None = None
    asset_ids: list[uuid.UUID] = field(default_factory=list)
    blank: int = 0
    skip: int = 0


async def _assets(session: AsyncSession, municipality_id: uuid.UUID, batch: Batch) -> list[Asset]:
    if not (batch.types or batch.street or batch.untagged or batch.area or batch.asset_ids):
        return []
    stmt = select(Asset).where(Asset.municipality_id == municipality_id,
                               Asset.status != "decommissioned")
    if batch.types:
        stmt = stmt.where(Asset.type_code.in_(batch.types))
    if batch.asset_ids:
        stmt = stmt.where(Asset.id.in_(batch.asset_ids))
    if batch.street:
        street_id = await session.scalar(select(Street.id).where(
            Street.municipality_id == municipality_id, Street.name == batch.street))
        if street_id is None:
            raise InvalidInput(Message(N_("no street %(name)s"), name=repr(batch.street)),
                               field="street")
        line = select(Street.geom).where(Street.municipality_id == municipality_id,
                                         Street.id == street_id).scalar_subquery()
        stmt = stmt.where(func.ST_DWithin(cast(Asset.geom, Geography), cast(line, Geography),
                                          STREET_DISTANCE_M))
    if batch.area:
        shape = geo.parse_geometry(batch.area, geo.STORAGE_SRID, field="area")
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(Message(N_("a Polygon or MultiPolygon")), field="area")
        stmt = stmt.where(func.ST_Intersects(Asset.geom, func.ST_GeomFromText(shape.wkt, 4326)))
    if batch.untagged:
        has_tag = select(Tag.id).where(and_(Tag.municipality_id == Asset.municipality_id,
                                            Tag.asset_id == Asset.id, Tag.state == "active"))
        stmt = stmt.where(~has_tag.exists())
    return list(await session.scalars(stmt.order_by(Asset.code).limit(MAX_LABELS + 1)))


async def build(session: AsyncSession, municipality_id: uuid.UUID, batch: Batch,
                base_url: str, actor: str | None) -> tuple[bytes, int]:
    """The PDF and the number of labels. Assets without an active QR tag get one now."""
    if batch.layout not in LAYOUTS:
        raise InvalidInput(Message(N_("unknown layout; one of %(layouts)s"),
                                   layouts=", ".join(LAYOUTS)), field="layout")
    per_page = get_layout(batch.layout).per_page
    if not 0 <= batch.skip < per_page:
        raise InvalidInput(Message(N_("between 0 and %(num)s on this layout"), num=per_page - 1),
                           field="skip")
    muni = await session.get(Municipality, municipality_id)
    gettext = load_translations(muni.default_language).gettext
    assets = await _assets(session, municipality_id, batch)
    if len(assets) + batch.blank > MAX_LABELS:
        raise InvalidInput(Message(N_("more than %(num)s labels in one batch; narrow it down"),
                                   num=MAX_LABELS), field="batch")
    labels = {t.code: getattr(t, f"label_{muni.default_language}", None) or t.label_de
              for t in await session.scalars(select(AssetType).where(
                  AssetType.municipality_id == municipality_id))}
    specs = []
    for asset in assets:
        tag = await session.scalar(select(Tag).where(
            Tag.municipality_id == municipality_id, Tag.asset_id == asset.id,
            Tag.state == "active", Tag.kind == "qr").order_by(Tag.created_at).limit(1))
        if tag is None:
            tag = await service.issue_for_asset(session, municipality_id, asset.id, "qr", actor)
        specs.append(LabelSpec(url=service.tag_url(base_url, tag.token),
                               short_code=tag.short_code, municipality=muni.name,
                               type_label=labels.get(asset.type_code, asset.type_code),
                               footer=gettext(FOOTER)))
    for tag in (await service.create_blank(session, municipality_id, batch.blank, "qr", actor)
                if batch.blank else []):
        specs.append(LabelSpec(url=service.tag_url(base_url, tag.token),
                               short_code=tag.short_code, municipality=muni.name,
                               type_label="", footer=gettext(FOOTER)))
    if not specs:
        raise InvalidInput(Message(N_("the batch selects no labels")), field="batch")
    return render_labels(specs, layout=batch.layout, skip=batch.skip), len(specs)
