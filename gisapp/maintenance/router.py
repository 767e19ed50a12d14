"""HTTP routes for the maintenance records of one asset."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from gisapp.dependencies import ActorDep, Permission, SessionDep
from gisapp.maintenance import service
from gisapp.maintenance.schemas import MaintenanceCreate, MaintenanceOut

router = APIRouter(
    prefix="/api/v1/municipalities/{municipality}/assets/{asset_id}/maintenance",
    tags=["maintenance"],
)


@router.get("", response_model=list[MaintenanceOut])
async def list_records(asset_id: uuid.UUID, session: SessionDep,
                       access: Permission("asset.read")):
    """What was done to the asset, newest first."""
    return await service.list_for_asset(session, access.municipality.id, asset_id)


@router.post("", response_model=MaintenanceOut, status_code=status.HTTP_201_CREATED)
async def add_record(
    asset_id: uuid.UUID, data: MaintenanceCreate, session: SessionDep,
    access: Permission("maintenance.write"), actor: ActorDep,
):
    """Record maintenance; the asset's next due date follows from it."""
    return await service.add(session, access.municipality.id, asset_id, data, actor)
