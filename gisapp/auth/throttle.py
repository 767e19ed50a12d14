"""Login throttling per account and per client address, kept in PostgreSQL so that every
worker process sees the same counts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.errors import GisappError
from gisapp.models import LoginFailure
from gisapp.settings import SecuritySettings


class TooManyAttempts(GisappError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; try again in {retry_after} seconds")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


async def check(session: AsyncSession, account: str, address: str | None,
                rules: SecuritySettings) -> None:
    """Raise TooManyAttempts (with seconds to wait) when either limit is reached."""
    since = datetime.now(UTC) - timedelta(minutes=rules.login_window_minutes)
    checks = [(LoginFailure.account == account, rules.login_failures_per_account)]
    if address:
        checks.append((LoginFailure.address == address, rules.login_failures_per_address))
    for condition, limit in checks:
        count, oldest = (await session.execute(
            select(func.count(), func.min(LoginFailure.failed_at))
            .where(condition, LoginFailure.failed_at > since)
        )).one()
        if count >= limit:
            free_at = oldest + timedelta(minutes=rules.login_window_minutes)
            wait = max(1, math.ceil((free_at - datetime.now(UTC)).total_seconds()))
            raise TooManyAttempts(wait)


async def record_failure(session: AsyncSession, account: str, address: str | None) -> None:
    """Count a failed login; forget failures older than a day (addresses are personal data)."""
    session.add(LoginFailure(account=account, address=address))
    await session.execute(
        delete(LoginFailure).where(LoginFailure.failed_at < func.now() - timedelta(days=1))
    )
    await session.flush()


async def clear(session: AsyncSession, account: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    await session.execute(delete(LoginFailure).where(LoginFailure.account == account))
