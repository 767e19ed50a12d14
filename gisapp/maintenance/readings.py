"""Plausibility of meter readings: a reading below the last one, or far above what the
meter usually counts in that time, is more often a typo than the truth, so the person is
asked to confirm it before it is stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.errors import GisappError
from gisapp.messages import N_, Message
from gisapp.models import MaintenanceRecord

# A reading more than this many times the usual consumption for the elapsed time asks.
JUMP_FACTOR = 10
HISTORY = 13  # about a year of monthly readings


class ReadingNeedsConfirmation(GisappError):
    status_code = 422
    code = "reading_needs_confirmation"


async def check(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
                value: Decimal, at: datetime) -> None:
    """Raise ReadingNeedsConfirmation (with the last reading) for an implausible value."""
    rows = (await session.execute(
        select(MaintenanceRecord.reading_value, MaintenanceRecord.performed_at)
        .where(MaintenanceRecord.municipality_id == municipality_id,
               MaintenanceRecord.asset_id == asset_id,
               MaintenanceRecord.kind == "meter_reading", MaintenanceRecord.performed_at <= at)
        .order_by(MaintenanceRecord.performed_at.desc()).limit(HISTORY))).all()
    if not rows:
        return
    last_value, last_at = rows[0]
    last = {"reading_value": str(last_value), "performed_at": last_at.isoformat()}
    if value < last_value:
        raise ReadingNeedsConfirmation(Message(
            N_("%(value)s is lower than the last reading %(last)s of %(date)s"),
            value=value, last=last_value, date=f"{last_at:%Y-%m-%d}"),
            field="reading_value", extra={"last_reading": last})
    if len(rows) < 3:
        return
    first_value, first_at = rows[-1]
    span_days = max((last_at - first_at).total_seconds() / 86400, 1)
    daily = (last_value - first_value) / Decimal(span_days)
    days = Decimal(max((at - last_at).total_seconds() / 86400, 1))
    if daily > 0 and value - last_value > JUMP_FACTOR * daily * days:
        raise ReadingNeedsConfirmation(Message(
            N_("%(more)s more in %(days)s days; usually about %(usual)s"),
            more=value - last_value, days=f"{days:.0f}", usual=f"{daily * days:.0f}"),
            field="reading_value", extra={"last_reading": last})
