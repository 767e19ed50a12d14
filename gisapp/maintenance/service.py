"""Record maintenance and list it. The next due date is derived when an asset is read
(gisapp/assets/queries.py), so it can never disagree with the records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets.service import ensure_exists
from gisapp.errors import InvalidInput
from gisapp.maintenance.schemas import MaintenanceCreate
from gisapp.models import MaintenanceRecord

# A record dated ahead of the server's clock by more than this is a typo, not clock skew.
FUTURE_SLACK = timedelta(hours=1)
# Nothing in a municipal inventory was maintained before electric street lighting.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


async def add(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
    data: MaintenanceCreate, actor: str | None,
) -> MaintenanceRecord:
    """Store one record for an asset of this municipality."""
    await ensure_exists(session, municipality_id, asset_id)
    now = datetime.now(UTC)
    performed_at = data.performed_at or now
    if performed_at.tzinfo is None:
        raise InvalidInput("needs a time zone, e.g. 2026-05-04T09:30:00+02:00",
                           field="performed_at")
    if performed_at > now + FUTURE_SLACK:
        raise InvalidInput("lies in the future", field="performed_at")
    if performed_at < EARLIEST:
        raise InvalidInput("lies before 1900", field="performed_at")
    if (data.kind == "meter_reading") != (data.reading_value is not None):
        raise InvalidInput(
            "a meter reading needs reading_value; other kinds take none", field="reading_value"
        )
    record = MaintenanceRecord(
        municipality_id=municipality_id, id=uuid.uuid4(), asset_id=asset_id, kind=data.kind,
        result=data.result, performed_at=performed_at,
        performed_by=data.performed_by or actor, notes=data.notes,
        reading_value=data.reading_value, created_by=actor,
    )
    session.add(record)
    await session.flush()
    await session.refresh(record)
    return record


async def list_for_asset(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID
) -> list[MaintenanceRecord]:
    """All records of an asset, newest first."""
    await ensure_exists(session, municipality_id, asset_id)
    result = await session.scalars(
        select(MaintenanceRecord)
        .where(
            MaintenanceRecord.municipality_id == municipality_id,
            MaintenanceRecord.asset_id == asset_id,
        )
        .order_by(MaintenanceRecord.performed_at.desc(), MaintenanceRecord.id)
    )
    return list(result)
