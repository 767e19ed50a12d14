"""Logging in and out. Shared by the login page and the JSON login endpoint."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth import throttle
from gisapp.auth.credentials import hash_secret, new_secret
from gisapp.auth.passwords import verify_password
from gisapp.models import UserSession
from gisapp.settings import SecuritySettings

# One answer for an unknown account and a wrong password: nothing tells which it was.
WRONG_CREDENTIALS = "wrong username or password"


@dataclass(frozen=True)
class LoginResult:
    user_id: uuid.UUID
    cookie: str
    csrf_token: str
    expires_at: datetime


async def login(session: AsyncSession, username: str, password: str, *, address: str | None,
                user_agent: str, rules: SecuritySettings) -> LoginResult | None:
    """A new session for valid credentials, or None (the failure is recorded).

    Raises TooManyAttempts before checking anything when the account or the address has
    failed too often recently, even if the password is right.
    """
    account = username.strip().lower()[:100]
    await throttle.check(session, account, address, rules)
    row = (await session.execute(
        text("SELECT user_id, password_hash, is_active FROM gisapp_login_lookup(:u)"),
        {"u": account},
    )).first()
    ok = verify_password(row.password_hash if row else None, password)
    if not ok or not row.is_active:
        await throttle.record_failure(session, account, address)
        return None
    await throttle.clear(session, account)
    return await start_session(session, row.user_id, user_agent=user_agent, rules=rules)


async def start_session(session: AsyncSession, user_id: uuid.UUID, *, user_agent: str,
                        rules: SecuritySettings) -> LoginResult:
    """A new login for a person whose identity was checked (password or OpenID Connect)."""
    cookie, csrf = new_secret(), secrets.token_urlsafe(24)
    expires = datetime.now(UTC) + timedelta(days=rules.session_days)
    await session.execute(
        text("SELECT gisapp_session_create(:u, :h, :c, :e, :a)"),
        {"u": user_id, "h": hash_secret(cookie), "c": csrf, "e": expires, "a": user_agent},
    )
    return LoginResult(user_id=user_id, cookie=cookie, csrf_token=csrf, expires_at=expires)


async def logout(session: AsyncSession, session_id: uuid.UUID) -> None:
    """End one session (row-level security lets a user end only their own)."""
    await session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> int:
    """End every session of a user (admin page, password reset). Returns how many."""
    result = await session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount or 0
