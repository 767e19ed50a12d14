"""Changes from the field that met a newer office state. They are not applied (the office
wins until someone decides), but kept, with what was sent and on which version, so that
nothing a crew did is silently lost."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.models import FieldConflict


async def record(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
                 client_id: uuid.UUID, base_version: int | None, current_version: int,
                 submitted: dict, actor: str | None) -> None:
    """Once per client id: the outbox may send the same change again."""
    known = await session.scalar(select(FieldConflict.id).where(
        FieldConflict.municipality_id == municipality_id, FieldConflict.client_id == client_id))
    if known:
        return
    session.add(FieldConflict(municipality_id=municipality_id, id=uuid.uuid4(),
                              asset_id=asset_id, client_id=client_id,
                              base_version=base_version or 0, current_version=current_version,
                              submitted=submitted, created_by=actor))
    await session.flush()


async def open_conflicts(session: AsyncSession, municipality_id: uuid.UUID,
                         asset_id: uuid.UUID | None = None) -> list[FieldConflict]:
    stmt = select(FieldConflict).where(FieldConflict.municipality_id == municipality_id,
                                       FieldConflict.resolved_at.is_(None))
    if asset_id:
        stmt = stmt.where(FieldConflict.asset_id == asset_id)
    return list(await session.scalars(stmt.order_by(FieldConflict.created_at)))
