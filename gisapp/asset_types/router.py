"""HTTP routes for asset types of one municipality."""

from __future__ import annotations

from fastapi import APIRouter, status

from gisapp.asset_types import service
from gisapp.asset_types.schemas import AssetTypeCreate, AssetTypeOut
from gisapp.dependencies import ActorDep, MunicipalityDep, SessionDep

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/types", tags=["asset types"])


@router.get("", response_model=list[AssetTypeOut])
async def list_types(session: SessionDep, municipality: MunicipalityDep):
    """All asset types of the municipality, built-in first."""
    return await service.list_types(session, municipality.id)


@router.get("/{code}", response_model=AssetTypeOut)
async def get_type(code: str, session: SessionDep, municipality: MunicipalityDep):
    return await service.get_type(session, municipality.id, code)


@router.post("", response_model=AssetTypeOut, status_code=status.HTTP_201_CREATED)
async def add_type(
    data: AssetTypeCreate, session: SessionDep, municipality: MunicipalityDep, actor: ActorDep
):
    """Add a municipality's own type, with its attribute schema, without code changes."""
    return await service.add_type(session, municipality.id, data, actor)
