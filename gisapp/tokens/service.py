"""Create, list and revoke API tokens of a municipality. The secret is returned once and
stored as a SHA-256 hash; revocation takes effect with the next request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth.credentials import hash_secret, new_api_token
from gisapp.errors import InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import ApiToken
from gisapp.tokens.schemas import TokenCreate


async def create(session: AsyncSession, municipality_id: uuid.UUID, data: TokenCreate,
                 actor: str) -> tuple[ApiToken, str]:
    if data.expires_at is not None:
        if data.expires_at.tzinfo is None:
            raise InvalidInput(Message(N_("needs a time zone")), field="expires_at")
        if data.expires_at <= datetime.now(UTC):
            raise InvalidInput(Message(N_("lies in the past")), field="expires_at")
    secret = new_api_token()
    token = ApiToken(municipality_id=municipality_id, id=uuid.uuid4(), name=data.name,
                     role=data.role, token_hash=hash_secret(secret), prefix=secret[:10],
                     expires_at=data.expires_at, created_by=actor)
    session.add(token)
    await session.flush()
    await session.refresh(token)
    return token, secret


async def list_tokens(session: AsyncSession, municipality_id: uuid.UUID) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.municipality_id == municipality_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc()))
    return list(rows)


async def revoke(session: AsyncSession, municipality_id: uuid.UUID,
                 token_id: uuid.UUID) -> ApiToken:
    token = await session.get(ApiToken, (municipality_id, token_id))
    if token is None:
        raise NotFound(Message(N_("no such token")))
    if token.revoked_at is None:
        await session.execute(update(ApiToken).where(
            ApiToken.municipality_id == municipality_id, ApiToken.id == token_id)
            .values(revoked_at=datetime.now(UTC)))
        await session.refresh(token)
    return token
