"""Members of a municipality: create accounts, change roles, reset passwords, end sessions.

Row-level security limits everything here to the members of the transaction's
municipality. One more rule protects the others: an admin may reset the password of, or
deactivate, only people who work for no other municipality, or they could take over a
role elsewhere.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth.passwords import hash_password
from gisapp.auth.principal import Forbidden
from gisapp.auth.service import revoke_user_sessions
from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import AppUser, Membership, UserSession
from gisapp.users.schemas import MemberCreate, MemberUpdate


def _members_query(municipality_id: uuid.UUID):
    sessions = (
        select(UserSession.user_id, func.count().label("n"),
               func.max(UserSession.last_seen_at).label("last_seen_at"))
        .where(UserSession.revoked_at.is_(None), UserSession.expires_at > func.now())
        .group_by(UserSession.user_id).subquery()
    )
    return (
        select(AppUser.id, AppUser.username, AppUser.display_name, AppUser.email,
               Membership.role, AppUser.is_active,
               func.coalesce(sessions.c.n, 0).label("active_sessions"),
               sessions.c.last_seen_at)
        .join(Membership, Membership.user_id == AppUser.id)
        .outerjoin(sessions, sessions.c.user_id == AppUser.id)
        .where(Membership.municipality_id == municipality_id)
    )


async def list_members(session: AsyncSession, municipality_id: uuid.UUID) -> list[dict]:
    rows = await session.execute(_members_query(municipality_id).order_by(AppUser.username))
    return [dict(r._mapping) for r in rows]


async def get_member(session: AsyncSession, municipality_id: uuid.UUID,
                     user_id: uuid.UUID) -> dict:
    row = (await session.execute(
        _members_query(municipality_id).where(AppUser.id == user_id))).first()
    if row is None:
        raise NotFound(Message(N_("no such member")))
    return dict(row._mapping)


async def add_member(session: AsyncSession, municipality_id: uuid.UUID, data: MemberCreate,
                     actor: str) -> uuid.UUID:
    """A new account with a role in this municipality. Usernames are the installation's."""
    hashed = hash_password(data.password)
    try:
        async with session.begin_nested():
            return await session.scalar(
                text("SELECT gisapp_create_member(:u, :d, :e, :h, :l, :r, :a)"),
                {"u": data.username, "d": data.display_name, "e": data.email, "h": hashed,
                 "l": data.preferred_language, "r": data.role, "a": actor},
            )
    except IntegrityError:
        raise Conflict(Message(N_("this username is taken")), field="username")


async def _membership(session: AsyncSession, municipality_id: uuid.UUID,
                      user_id: uuid.UUID) -> Membership:
    found = await session.get(Membership, (municipality_id, user_id))
    if found is None:
        raise NotFound(Message(N_("no such member")))
    return found


async def _only_here(session: AsyncSession, user_id: uuid.UUID) -> None:
    others = await session.scalar(
        text("SELECT gisapp_other_memberships(:u)"), {"u": user_id})
    if others:
        raise Forbidden(Message(N_("this person also works for another municipality; ask the "
                                   "installation administrator")))


async def update_member(session: AsyncSession, municipality_id: uuid.UUID,
                        user_id: uuid.UUID, data: MemberUpdate, acting_user: uuid.UUID | None,
                        ) -> None:
    membership = await _membership(session, municipality_id, user_id)
    given = data.model_fields_set
    if "role" in given and data.role:
        if user_id == acting_user and data.role != "admin":
            raise InvalidInput(Message(N_("you cannot take your own admin role")), field="role")
        membership.role = data.role
    user = await session.get(AppUser, user_id)
    if "display_name" in given and data.display_name is not None:
        user.display_name = data.display_name
    if "email" in given:
        user.email = data.email
    await session.flush()


async def remove_member(session: AsyncSession, municipality_id: uuid.UUID,
                        user_id: uuid.UUID, acting_user: uuid.UUID | None) -> None:
    """The person no longer works here; their account stays for other municipalities."""
    membership = await _membership(session, municipality_id, user_id)
    if user_id == acting_user:
        raise InvalidInput(Message(N_("you cannot remove yourself")), field="user_id")
    await session.delete(membership)
    await session.flush()


async def reset_password(session: AsyncSession, municipality_id: uuid.UUID,
                         user_id: uuid.UUID, password: str) -> None:
    """Set a new password and end every session of the person."""
    await _membership(session, municipality_id, user_id)
    await _only_here(session, user_id)
    user = await session.get(AppUser, user_id)
    user.password_hash = hash_password(password)
    await session.flush()
    await revoke_user_sessions(session, user_id)


async def end_sessions(session: AsyncSession, municipality_id: uuid.UUID,
                       user_id: uuid.UUID) -> int:
    """Log a person out everywhere (a lost phone)."""
    await _membership(session, municipality_id, user_id)
    return await revoke_user_sessions(session, user_id)
