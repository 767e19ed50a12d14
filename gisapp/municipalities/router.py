"""HTTP routes for municipalities."""

from __future__ import annotations

from fastapi import APIRouter, status

from gisapp.auth.principal import Forbidden, Unauthenticated
from gisapp.dependencies import ActorDep, Permission, PrincipalDep, SessionDep
from gisapp.messages import N_, Message
from gisapp.municipalities import service
from gisapp.municipalities.schemas import (
    MunicipalityCreate, MunicipalityOut, MunicipalityUpdate,
)

router = APIRouter(prefix="/api/v1/municipalities", tags=["municipalities"])


@router.get("", response_model=list[MunicipalityOut])
async def list_municipalities(session: SessionDep):
    return await service.list_all(session)


@router.get("/{municipality}", response_model=MunicipalityOut)
async def get_municipality(municipality: str, session: SessionDep):
    return await service.get(session, municipality)


@router.patch("/{municipality}", response_model=MunicipalityOut)
async def update_municipality(data: MunicipalityUpdate, session: SessionDep,
                              access: Permission("settings.manage")):
    """Change the working CRS, default language or boundary (admins of the municipality)."""
    await service.update_settings(session, access.municipality, data)
    return await service.get(session, access.municipality.slug)


@router.post("", response_model=MunicipalityOut, status_code=status.HTTP_201_CREATED)
async def create_municipality(data: MunicipalityCreate, session: SessionDep, actor: ActorDep,
                              principal: PrincipalDep):
    """Add a municipality to this installation (installation administrators only); it gets
    the built-in asset types, and its creator becomes its admin."""
    if principal.kind == "anonymous":
        raise Unauthenticated("log in first")
    if not principal.is_superuser:
        raise Forbidden(Message(N_("only an installation administrator adds municipalities")))
    await service.create(session, data, actor, admin_user_id=principal.user_id)
    return await service.get(session, data.slug)
