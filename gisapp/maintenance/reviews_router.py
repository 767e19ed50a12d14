"""HTTP routes for the office's review of a flagged maintenance record, and its withdrawal."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from gisapp.dependencies import ActorDep, Permission, SessionDep
from gisapp.maintenance import reviews
from gisapp.maintenance.schemas import ReviewCreate, ReviewOut

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["maintenance"])


@router.post("/maintenance/{record_id}/review", response_model=ReviewOut, status_code=201,
             responses={409: {"description": "The record was reviewed already"},
                        422: {"description": "The record is not flagged"}})
async def review_record(record_id: uuid.UUID, session: SessionDep,
                        access: Permission("maintenance.review"), actor: ActorDep,
                        data: ReviewCreate | None = None):
    """The office looked into a record made far from its asset: it leaves the list of
    flagged records (``flagged`` in spatial questions); the record stays as it is."""
    return await reviews.review(session, access.municipality.id, record_id,
                                (data or ReviewCreate()).note, actor)


@router.post("/maintenance/{record_id}/review/withdrawal", response_model=ReviewOut,
             status_code=201,
             responses={409: {"description": "The record has no review to take back"},
                        422: {"description": "The record is not flagged"}})
async def withdraw_review(record_id: uuid.UUID, session: SessionDep,
                          access: Permission("maintenance.review"), actor: ActorDep,
                          data: ReviewCreate | None = None):
    """Take a review back (it was a mistake): the record is on the list of flagged records
    again. The review stays on file, with this withdrawal after it."""
    return await reviews.withdraw(session, access.municipality.id, record_id,
                                  (data or ReviewCreate()).note, actor)
