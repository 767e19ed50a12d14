"""HTTP routes for the API tokens of one municipality (admins only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from gisapp.dependencies import ActorDep, Permission, SessionDep
from gisapp.tokens import service
from gisapp.tokens.schemas import TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/tokens", tags=["API tokens"])
Admin = Permission("token.manage")


@router.get("", response_model=list[TokenOut])
async def list_tokens(session: SessionDep, access: Admin):
    return await service.list_tokens(session, access.municipality.id)


@router.post("", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
async def create_token(data: TokenCreate, session: SessionDep, access: Admin, actor: ActorDep):
    """A new token for one role here. Its secret is in this answer only: keep it."""
    token, secret = await service.create(session, access.municipality.id, data, actor)
    return {**TokenOut.model_validate(token, from_attributes=True).model_dump(), "token": secret}


@router.delete("/{token_id}", response_model=TokenOut)
async def revoke_token(token_id: uuid.UUID, session: SessionDep, access: Admin):
    """Revoke: the next request with this token is refused."""
    return await service.revoke(session, access.municipality.id, token_id)
