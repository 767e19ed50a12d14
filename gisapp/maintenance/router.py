"""HTTP routes for the maintenance records of one asset."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from gisapp.dependencies import ActorDep, Permission, SessionDep, SettingsDep
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


@router.post("", response_model=MaintenanceOut, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "A replay: this client_id was stored before"},
                        422: {"description": "Invalid, or reading_needs_confirmation"}})
async def add_record(
    asset_id: uuid.UUID, data: MaintenanceCreate, session: SessionDep,
    access: Permission("maintenance.write"), actor: ActorDep, settings: SettingsDep,
):
    """Record maintenance; the asset's next due date follows from it."""
    record, created = await service.add(session, access.municipality.id, asset_id, data, actor,
                                        margin_m=settings.geo.plausibility_margin_m)
    body = MaintenanceOut.model_validate(record, from_attributes=True)
    return JSONResponse(jsonable_encoder(body), status_code=201 if created else 200)
