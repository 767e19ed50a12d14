"""The office's review of a flagged record: a crew recorded far from the asset (a label on
the wrong pole, a record made elsewhere), someone in the office looked into it and says so.

A reviewed record leaves the planner map's list of flagged records (``flagged`` in
:mod:`gisapp.spatial.filters`); the record itself stays as the crew made it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import MaintenanceRecord, MaintenanceReview


async def review(session: AsyncSession, municipality_id: uuid.UUID, record_id: uuid.UUID,
                 note: str, actor: str) -> MaintenanceReview:
    """Mark a flagged record as looked into (once; only flagged records)."""
    record = await session.get(MaintenanceRecord, (municipality_id, record_id))
    if record is None:
        raise NotFound(Message(N_("no such maintenance record")))
    if not record.flagged:
        raise InvalidInput(Message(N_("only a record made far from its asset is reviewed")),
                           field="record_id")
    found = MaintenanceReview(municipality_id=municipality_id, record_id=record_id, note=note,
                              created_by=actor)
    try:
        async with session.begin_nested():
            session.add(found)
            await session.flush()
    except IntegrityError:
        raise Conflict(Message(N_("this record was reviewed already")), field="record_id")
    await session.refresh(found)
    return found


async def for_records(session: AsyncSession, municipality_id: uuid.UUID,
                      record_ids: list[uuid.UUID]) -> dict[uuid.UUID, MaintenanceReview]:
    """The reviews of these records, by record."""
    if not record_ids:
        return {}
    found = await session.scalars(select(MaintenanceReview).where(
        MaintenanceReview.municipality_id == municipality_id,
        MaintenanceReview.record_id.in_(record_ids)))
    return {r.record_id: r for r in found}
