"""The office's review of a flagged record: a crew recorded far from the asset (a label on
the wrong pole, a record made elsewhere), someone in the office looked into it and says so,
or takes that back when it was a mistake.

A reviewed record leaves the planner map's list of flagged records (``flagged`` in
:mod:`gisapp.spatial.filters`), a withdrawn review brings it back; the record itself stays
as the crew made it. Reviews are only ever added: the latest one of a record counts, the
earlier ones say who changed their mind when.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import MaintenanceRecord, MaintenanceReview


async def review(session: AsyncSession, municipality_id: uuid.UUID, record_id: uuid.UUID,
                 note: str, actor: str) -> MaintenanceReview:
    """Mark a flagged record as looked into (only flagged records; not twice in a row)."""
    latest = await _latest_of(session, municipality_id, record_id)
    if latest is not None and latest.kind == "reviewed":
        raise Conflict(Message(N_("this record was reviewed already")), field="record_id")
    return await _add(session, municipality_id, record_id, "reviewed", note, actor)


async def withdraw(session: AsyncSession, municipality_id: uuid.UUID, record_id: uuid.UUID,
                   note: str, actor: str) -> MaintenanceReview:
    """Take a review back: the record is on the list of flagged records again."""
    latest = await _latest_of(session, municipality_id, record_id)
    if latest is None or latest.kind != "reviewed":
        raise Conflict(Message(N_("this record has no review to take back")),
                       field="record_id")
    return await _add(session, municipality_id, record_id, "withdrawn", note, actor)


async def _latest_of(session: AsyncSession, municipality_id: uuid.UUID,
                     record_id: uuid.UUID) -> MaintenanceReview | None:
    """The record's latest review, after checking the record may be reviewed; holds the
    record's review lock until the end of the transaction, so two planners clicking at once
    add one review, not two."""
    record = await session.get(MaintenanceRecord, (municipality_id, record_id))
    if record is None:
        raise NotFound(Message(N_("no such maintenance record")))
    if not record.flagged:
        raise InvalidInput(Message(N_("only a record made far from its asset is reviewed")),
                           field="record_id")
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"review:{record_id}"})
    return await session.scalar(
        select(MaintenanceReview)
        .where(MaintenanceReview.municipality_id == municipality_id,
               MaintenanceReview.record_id == record_id)
        .order_by(MaintenanceReview.created_at.desc()).limit(1))


async def _add(session: AsyncSession, municipality_id: uuid.UUID, record_id: uuid.UUID,
               kind: str, note: str, actor: str) -> MaintenanceReview:
    # the clock, not the transaction's start: the latest review must be the last one added
    found = MaintenanceReview(municipality_id=municipality_id, record_id=record_id, kind=kind,
                              note=note, created_by=actor, created_at=func.clock_timestamp())
    session.add(found)
    await session.flush()
    await session.refresh(found)
    return found


async def for_records(session: AsyncSession, municipality_id: uuid.UUID,
                      record_ids: list[uuid.UUID]) -> dict[uuid.UUID, MaintenanceReview]:
    """The latest review of each of these records (a review or its withdrawal), by record."""
    if not record_ids:
        return {}
    found = await session.scalars(
        select(MaintenanceReview)
        .where(MaintenanceReview.municipality_id == municipality_id,
               MaintenanceReview.record_id.in_(record_ids))
        .order_by(MaintenanceReview.created_at))
    return {r.record_id: r for r in found}  # a later one replaces an earlier one
