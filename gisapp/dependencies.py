"""Request dependencies, as ``Annotated`` aliases routers declare by type.

``SessionDep`` is the request's one transaction. Its scope is "function": the commit runs
when the route returns and before the response is sent, so a client never sees a success
for a write that did not commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.database import set_context
from gisapp.municipalities import service as municipalities
from gisapp.municipalities.schemas import MunicipalityRef
from gisapp.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_actor(request: Request) -> str:
    """Who acts, for the change history. Until accounts exist every API caller is 'api'."""
    return getattr(request.state, "actor", None) or "api"


async def get_session(
    request: Request, actor: Annotated[str, Depends(get_actor)]
) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        async with session.begin():
            await set_context(session, actor=actor)
            yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
ActorDep = Annotated[str, Depends(get_actor)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_municipality(
    session: SessionDep,
    actor: ActorDep,
    municipality: Annotated[str, Path(description="The municipality's slug, e.g. demo")],
) -> MunicipalityRef:
    """The municipality named in the path; it becomes the transaction's tenant."""
    found = await municipalities.get_ref(session, municipality)
    await set_context(session, actor=actor, municipality_id=found.id)
    return found


MunicipalityDep = Annotated[MunicipalityRef, Depends(get_municipality)]
