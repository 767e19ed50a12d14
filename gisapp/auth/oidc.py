"""Optional login through the municipality's identity provider (OpenID Connect, e.g.
Keycloak), with authlib's Starlette client: authorization code flow with PKCE, the ID
token's signature, issuer, audience and nonce checked by authlib.

People and roles stay in gisapp. The provider only vouches for who someone is; the first
login links the provider account to the gisapp account of the same username (see
``gisapp_oidc_link``), later logins go by the provider's subject.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from gisapp.auth.cookies import cookie_secure, set_session_cookie
from gisapp.auth.redirects import safe_next
from gisapp.auth.service import start_session
from gisapp.dependencies import SessionDep, SettingsDep
from gisapp.settings import Settings

router = APIRouter(prefix="/auth/oidc", tags=["auth"])
STATE_COOKIE = "gisapp_oidc"


def _secret_key(settings: Settings) -> str:
    """The configured key; demo installations get one generated next to the local cluster."""
    if settings.security.secret_key:
        return settings.security.secret_key.get_secret_value()
    if not settings.demo_mode:
        raise RuntimeError("OpenID Connect needs GISAPP_SECURITY__SECRET_KEY (a long random "
                           "string) outside demo mode")
    path = Path(settings.database.local_dir).parent / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def install_oidc(app: FastAPI, settings: Settings) -> None:
    """Register the provider and its two routes, when an issuer is configured."""
    cfg = settings.oidc
    if not cfg.enabled:
        return
    # imported only when used: authlib is heavy and warns about its httpx fallback
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        "idp",
        server_metadata_url=cfg.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=cfg.client_id,
        client_secret=cfg.client_secret.get_secret_value() if cfg.client_secret else None,
        client_kwargs={"scope": cfg.scopes, "code_challenge_method": "S256"},
    )
    app.state.oauth = oauth
    # holds state, nonce and the PKCE verifier between the two legs; ten minutes at most
    app.add_middleware(SessionMiddleware, secret_key=_secret_key(settings),
                       session_cookie=STATE_COOKIE, max_age=600, path="/auth/oidc",
                       same_site="lax", https_only=cookie_secure(settings))
    app.include_router(router)


def _refused(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"error": "oidc_login_failed", "detail": [{"reason": reason}]},
                        status_code=status)


@router.get("/login")
async def oidc_login(request: Request, settings: SettingsDep,
                     next: str | None = Query(default=None)):  # noqa: A002 - the usual name
    """Send the browser to the identity provider."""
    request.session["next"] = safe_next(next)
    callback = settings.server.public_base_url + "/auth/oidc/callback"
    return await request.app.state.oauth.idp.authorize_redirect(request, callback)


@router.get("/callback")
async def oidc_callback(request: Request, session: SessionDep, settings: SettingsDep):
    """The provider sends the browser back: check the answer, link, log in."""
    from authlib.integrations.starlette_client import OAuthError

    try:
        token = await request.app.state.oauth.idp.authorize_access_token(request)
    except OAuthError as exc:
        return _refused(f"the identity provider's answer was not accepted ({exc.error})", 401)
    claims = token.get("userinfo") or {}
    issuer, subject = claims.get("iss"), claims.get("sub")
    username = claims.get(settings.oidc.username_claim)
    if not (issuer and subject and username):
        return _refused(f"the provider sent no {settings.oidc.username_claim!r}", 401)
    user_id = await session.scalar(text("SELECT gisapp_oidc_link(:i, :s, :u)"),
                                   {"i": issuer, "s": subject, "u": str(username)})
    if user_id is None:
        return _refused(f"there is no gisapp account for {username!r}; ask your "
                        "municipality's administrator to add you", 403)
    result = await start_session(session, user_id,
                                 user_agent=request.headers.get("user-agent", ""),
                                 rules=settings.security)
    response = RedirectResponse(request.session.pop("next", "/"), status_code=303)
    set_session_cookie(response, settings, result.cookie, result.expires_at)
    return response
