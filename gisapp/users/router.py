"""HTTP routes for the members of one municipality (admins only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from gisapp.dependencies import ActorDep, Permission, PrincipalDep, SessionDep
from gisapp.users import service
from gisapp.users.schemas import MemberCreate, MemberOut, MemberUpdate, PasswordReset

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/users", tags=["users"])
Admin = Permission("user.manage")


@router.get("", response_model=list[MemberOut])
async def list_members(session: SessionDep, access: Admin):
    """Everyone with a role here, with how many active logins they have."""
    return await service.list_members(session, access.municipality.id)


@router.post("", response_model=MemberOut, status_code=status.HTTP_201_CREATED)
async def add_member(data: MemberCreate, session: SessionDep, access: Admin, actor: ActorDep):
    user_id = await service.add_member(session, access.municipality.id, data, actor)
    return await service.get_member(session, access.municipality.id, user_id)


@router.patch("/{user_id}", response_model=MemberOut)
async def update_member(user_id: uuid.UUID, data: MemberUpdate, session: SessionDep,
                        access: Admin, principal: PrincipalDep):
    await service.update_member(session, access.municipality.id, user_id, data,
                                principal.user_id)
    return await service.get_member(session, access.municipality.id, user_id)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(user_id: uuid.UUID, session: SessionDep, access: Admin,
                        principal: PrincipalDep):
    await service.remove_member(session, access.municipality.id, user_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(user_id: uuid.UUID, data: PasswordReset, session: SessionDep,
                         access: Admin):
    """Set a new password; the person's logins end."""
    await service.reset_password(session, access.municipality.id, user_id, data.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{user_id}/sessions/revoke")
async def end_sessions(user_id: uuid.UUID, session: SessionDep, access: Admin) -> dict:
    """End every login of the person (a lost phone)."""
    return {"ended": await service.end_sessions(session, access.municipality.id, user_id)}
