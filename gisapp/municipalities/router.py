"""HTTP routes for municipalities."""

from __future__ import annotations

from fastapi import APIRouter, status

from gisapp.dependencies import ActorDep, SessionDep
from gisapp.municipalities import service
from gisapp.municipalities.schemas import MunicipalityCreate, MunicipalityOut

router = APIRouter(prefix="/api/v1/municipalities", tags=["municipalities"])


@router.get("", response_model=list[MunicipalityOut])
async def list_municipalities(session: SessionDep):
    return await service.list_all(session)


@router.get("/{municipality}", response_model=MunicipalityOut)
async def get_municipality(municipality: str, session: SessionDep):
    return await service.get(session, municipality)


@router.post("", response_model=MunicipalityOut, status_code=status.HTTP_201_CREATED)
async def create_municipality(data: MunicipalityCreate, session: SessionDep, actor: ActorDep):
    """Add a municipality to this installation; it gets the built-in asset types."""
    await service.create(session, data, actor)
    return await service.get(session, data.slug)
