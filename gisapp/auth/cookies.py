"""The session cookie: HttpOnly, SameSite=Lax, Secure unless served over plain http to a
non-loopback host.

Lax, not Strict: a crew member's camera app opens a tag URL as a cross-site top-level
navigation, and the phone's login must come along; Lax sends the cookie on such GETs and
never on cross-site writes.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from fastapi import Response

from gisapp.auth.principal import SESSION_COOKIE
from gisapp.settings import Settings


def cookie_secure(settings: Settings) -> bool:
    if settings.security.cookie_secure is not None:
        return settings.security.cookie_secure
    parts = urlsplit(settings.server.public_base_url)
    return parts.scheme == "https" or parts.hostname in ("127.0.0.1", "localhost", "::1")


def set_session_cookie(response: Response, settings: Settings, value: str,
                       expires_at: datetime) -> None:
    response.set_cookie(
        SESSION_COOKIE, value, expires=expires_at, path="/", httponly=True, samesite="lax",
        secure=cookie_secure(settings),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=cookie_secure(settings))
