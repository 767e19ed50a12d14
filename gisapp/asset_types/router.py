"""HTTP routes for asset types of one municipality."""

from __future__ import annotations

from fastapi import APIRouter, status

from gisapp.asset_types import service
from gisapp.asset_types.schemas import AssetTypeCreate, AssetTypeOut, AssetTypePublicOut
from gisapp.dependencies import AccessDep, ActorDep, Permission, SessionDep
from gisapp.errors import NotFound
from gisapp.messages import N_, Message

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/types", tags=["asset types"])


@router.get("", response_model=list[AssetTypeOut] | list[AssetTypePublicOut])
async def list_types(session: SessionDep, access: AccessDep):
    """All asset types of the municipality, built-in first; the public sees the types that
    may be public, without their schemas."""
    if not access.internal:
        return await service.list_public_types(session, access.municipality.id)
    return await service.list_types(session, access.municipality.id)


@router.get("/{code}", response_model=AssetTypeOut | AssetTypePublicOut)
async def get_type(code: str, session: SessionDep, access: AccessDep):
    if not access.internal:
        found = [t for t in await service.list_public_types(session, access.municipality.id)
                 if t["code"] == code]
        if not found:
            raise NotFound(Message(N_("no asset type %(type)s"), type=repr(code)))
        return found[0]
    return await service.get_type(session, access.municipality.id, code)


@router.post("", response_model=AssetTypeOut, status_code=status.HTTP_201_CREATED)
async def add_type(
    data: AssetTypeCreate, session: SessionDep, access: Permission("type.manage"),
    actor: ActorDep,
):
    """Add a municipality's own type, with its attribute schema, without code changes."""
    return await service.add_type(session, access.municipality.id, data, actor)
