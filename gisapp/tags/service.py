"""The life of a tag: issued for an asset or printed blank, assigned, replaced, revoked.

Tokens carry 128 random bits (URL-safe, 22 characters) and are never reused; short codes
are what people read off the label: ``DEMO-SL-0142`` for an asset's label, ``DEMO-L-000017``
for a blank one. Every step is a tag event, so the label's story can be told years later.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import Integer, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets.schemas import AssetCreate
from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import Asset, Municipality, Tag, TagEvent

TOKEN_BYTES = 16


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def tag_url(base_url: str, token: str) -> str:
    """The URL printed on the label; it must mean the same thing for as long as it hangs."""
    return f"{base_url.rstrip('/')}/t/{token}"


async def _prefix(session: AsyncSession, municipality_id: uuid.UUID) -> str:
    return await session.scalar(
        select(Municipality.label_prefix).where(Municipality.id == municipality_id))


async def _event(session: AsyncSession, tag: Tag, action: str, actor: str | None,
                 **details) -> None:
    session.add(TagEvent(municipality_id=tag.municipality_id, tag_id=tag.id, action=action,
                         asset_id=tag.asset_id, by=actor, details=details))


async def _asset(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
                 field: str | None = None) -> Asset:
    asset = await session.get(Asset, (municipality_id, asset_id))
    if asset is None:
        if field:
            raise InvalidInput(Message(N_("no such asset in this municipality")), field=field)
        raise NotFound(Message(N_("no such asset")))
    if asset.status == "decommissioned":
        raise Conflict(Message(N_("the asset is decommissioned")), field=field or "asset_id")
    return asset


async def get(session: AsyncSession, municipality_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    tag = await session.get(Tag, (municipality_id, tag_id))
    if tag is None:
        raise NotFound(Message(N_("no such tag")))
    return tag


async def _asset_short_code(session: AsyncSession, municipality_id: uuid.UUID,
                            asset: Asset) -> str:
    """DEMO-SL-0142; a second label of the same asset gets -2, -3 …"""
    base = f"{await _prefix(session, municipality_id)}-{asset.code}".upper()
    taken = set(await session.scalars(
        select(Tag.short_code).where(Tag.municipality_id == municipality_id,
                                     Tag.short_code.like(base + "%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def issue_for_asset(session: AsyncSession, municipality_id: uuid.UUID,
                          asset_id: uuid.UUID, kind: str, actor: str | None) -> Tag:
    """A new active tag on an asset (an asset may carry several: QR and NFC)."""
    asset = await _asset(session, municipality_id, asset_id)
    now = datetime.now(UTC)
    tag = Tag(municipality_id=municipality_id, id=uuid.uuid4(), token=new_token(),
              short_code=await _asset_short_code(session, municipality_id, asset), kind=kind,
              state="active", asset_id=asset.id, assigned_at=now, assigned_by=actor,
              created_by=actor)
    session.add(tag)
    await session.flush()
    await _event(session, tag, "created", actor)
    await _event(session, tag, "assigned", actor)
    await session.flush()
    return tag


async def create_blank(session: AsyncSession, municipality_id: uuid.UUID, count: int,
                       kind: str, actor: str | None) -> list[Tag]:
    """Pre-numbered labels not yet bound to an asset, numbered on from the highest."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                          {"k": f"blank-labels:{municipality_id}"})
    prefix = await _prefix(session, municipality_id)
    highest = await session.scalar(
        select(func.max(cast(func.substring(Tag.short_code, r"-L-([0-9]+)$"), Integer)))
        .where(Tag.municipality_id == municipality_id))
    tags = []
    for n in range((highest or 0) + 1, (highest or 0) + 1 + count):
        tag = Tag(municipality_id=municipality_id, id=uuid.uuid4(), token=new_token(),
                  short_code=f"{prefix}-L-{n:06d}", kind=kind, state="unassigned",
                  created_by=actor)
        session.add(tag)
        tags.append(tag)
    await session.flush()
    for tag in tags:
        await _event(session, tag, "created", actor)
    await session.flush()
    return tags


async def assign(session: AsyncSession, municipality_id: uuid.UUID, tag_id: uuid.UUID,
                 asset_id: uuid.UUID, actor: str | None) -> Tag:
    """Stick a blank label on an asset: the label now leads to it."""
    tag = await get(session, municipality_id, tag_id)
    if tag.state != "unassigned":
        raise Conflict(Message(N_("the tag is %(state)s, not blank"), state=tag.state),
                       field="state")
    asset = await _asset(session, municipality_id, asset_id, field="asset_id")
    tag.state, tag.asset_id = "active", asset.id
    tag.assigned_at, tag.assigned_by = datetime.now(UTC), actor
    await _event(session, tag, "assigned", actor)
    await session.flush()
    return tag


async def replace(session: AsyncSession, municipality_id: uuid.UUID, tag_id: uuid.UUID,
                  actor: str | None) -> Tag:
    """A damaged label: a new tag for the same asset; the old URL points to its successor."""
    old = await get(session, municipality_id, tag_id)
    if old.state != "active":
        raise Conflict(Message(N_("only an active tag can be replaced; this one is %(state)s"),
                               state=old.state), field="state")
    new = await issue_for_asset(session, municipality_id, old.asset_id, old.kind, actor)
    old.state, old.replaced_by = "replaced", new.id
    await _event(session, old, "replaced", actor, replaced_by=str(new.id))
    await session.flush()
    return new


async def revoke(session: AsyncSession, municipality_id: uuid.UUID, tag_id: uuid.UUID,
                 actor: str | None) -> Tag:
    """A lost or misused label: its URL no longer opens anything."""
    tag = await get(session, municipality_id, tag_id)
    if tag.state in ("revoked", "replaced"):
        return tag
    tag.state = "revoked"
    await _event(session, tag, "revoked", actor)
    await session.flush()
    return tag


async def record_nfc(session: AsyncSession, municipality_id: uuid.UUID, tag_id: uuid.UUID,
                     serial: str, actor: str | None) -> Tag:
    """The chip was written (and read back): keep its serial number with the tag."""
    tag = await get(session, municipality_id, tag_id)
    if tag.kind != "nfc":
        raise InvalidInput(Message(N_("this is a QR tag")), field="kind")
    tag.nfc_serial = serial.replace(":", "").upper()
    await _event(session, tag, "nfc_written", actor, serial=tag.nfc_serial)
    await session.flush()
    return tag


async def list_tags(session: AsyncSession, municipality_id: uuid.UUID, *,
                    asset_id: uuid.UUID | None = None, state: str | None = None,
                    limit: int = 100, offset: int = 0) -> list[Tag]:
    stmt = select(Tag).where(Tag.municipality_id == municipality_id)
    if asset_id:
        stmt = stmt.where(Tag.asset_id == asset_id)
    if state:
        stmt = stmt.where(Tag.state == state)
    stmt = stmt.order_by(Tag.short_code).limit(limit).offset(offset)
    return list(await session.scalars(stmt))


async def events(session: AsyncSession, municipality_id: uuid.UUID,
                 tag_id: uuid.UUID) -> list[TagEvent]:
    await get(session, municipality_id, tag_id)
    return list(await session.scalars(
        select(TagEvent).where(TagEvent.municipality_id == municipality_id,
                               TagEvent.tag_id == tag_id).order_by(TagEvent.id)))


async def lookup(session: AsyncSession, token: str):
    """Whose tag this is (any municipality), before a tenant is set; None if unknown."""
    return (await session.execute(
        text("SELECT * FROM gisapp_tag_lookup(:t)"), {"t": token})).first()


async def capture(session: AsyncSession, muni, tag_id: uuid.UUID, data, actor: str | None, *,
                  tolerance_m: float, max_fix_accuracy_m: float) -> tuple[uuid.UUID, bool]:
    """Create the asset a blank label was stuck on and bind the label, in one transaction.
    Returns the asset id and whether it is new (False: this client id was captured before)."""
    from gisapp.assets import service as assets

    external_id = f"field:{data.client_id}"
    known = await session.scalar(select(Asset.id).where(Asset.municipality_id == muni.id,
                                                        Asset.external_id == external_id))
    if known:
        return known, False
    tag = await get(session, muni.id, tag_id)
    if tag.state != "unassigned":
        raise Conflict(Message(N_("the label is %(state)s, not blank"), state=tag.state),
                       field="state")
    assets.check_fix(data.accuracy_m, max_fix_accuracy_m)
    fields = data.model_dump(exclude={"client_id", "accuracy_m"})
    fields["external_id"] = external_id
    asset_id = await assets.create(session, muni, AssetCreate(**fields), srid=4326, actor=actor,
                                   tolerance_m=tolerance_m)
    await assign(session, muni.id, tag_id, asset_id, actor)
    return asset_id, True
