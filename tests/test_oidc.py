"""Login through an OpenID Connect provider (authorization code + PKCE, signed ID token):
the first login links the provider account to the gisapp account of the same username,
later logins go by the provider's subject; unknown people and forged answers are refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from gisapp.app import create_app
from gisapp.settings import OIDCSettings

from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def oidc_app(settings, connection, sessionmaker, provider):
    configured = settings.model_copy(update={"oidc": OIDCSettings(
        issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        label="Keycloak")})
    application = create_app(configured)
    application.state.engine = connection.engine
    application.state.sessionmaker = sessionmaker
    return application


def gisapp_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="https://127.0.0.1:8000")  # Secure cookies


async def sso_login(client, next_path="/admin/demo/"):
    """Walk the browser's way: gisapp → provider → gisapp; the final gisapp answer."""
    start = await client.get("/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:  # the provider is a real server
        at_provider = await browser.get(start.headers["location"])
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/auth/oidc/callback"
    return await client.get(f"/auth/oidc/callback?{back.query}")


async def test_first_login_links_then_subject_is_used(oidc_app, provider, connection):
    provider.user = {"sub": "kc-planner-1", "preferred_username": "planner"}
    async with gisapp_client(oidc_app) as client:
        answer = await sso_login(client)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/admin/demo/"
        assert "gisapp_session=" in answer.headers["set-cookie"]
        me = (await client.get("/api/v1/auth/me")).json()
        assert me["username"] == "planner" and me["memberships"][0]["role"] == "planner"
    linked = (await connection.execute(text(
        "SELECT oidc_issuer, oidc_subject FROM app_user WHERE username = 'planner'"))).one()
    assert tuple(linked) == (provider.issuer, "kc-planner-1")
    # later the provider renames the person: the subject still finds the same account
    provider.user = {"sub": "kc-planner-1", "preferred_username": "renamed.in.keycloak"}
    async with gisapp_client(oidc_app) as client:
        answer = await sso_login(client)
        assert answer.status_code == 303
        assert (await client.get("/api/v1/auth/me")).json()["username"] == "planner"


async def test_unknown_person_is_refused(oidc_app, provider, count):
    provider.user = {"sub": "kc-stranger", "preferred_username": "stranger"}
    before = await count("app_user")
    async with gisapp_client(oidc_app) as client:
        answer = await sso_login(client)
        assert answer.status_code == 403
        assert "ask your municipality's administrator" in answer.json()["detail"][0]["reason"]
        assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert await count("app_user") == before  # logging in creates no accounts


async def test_an_account_linked_to_another_subject_is_not_taken_over(oidc_app, provider,
                                                                      connection):
    await connection.execute(text(
        "UPDATE app_user SET oidc_issuer = :i, oidc_subject = 'kc-real-crew'"
        " WHERE username = 'crew'"), {"i": provider.issuer})
    provider.user = {"sub": "kc-impostor", "preferred_username": "crew"}
    async with gisapp_client(oidc_app) as client:
        answer = await sso_login(client)
        assert answer.status_code == 403


async def test_forged_callback_is_refused(oidc_app):
    async with gisapp_client(oidc_app) as client:
        r = await client.get("/auth/oidc/callback", params={"code": "x", "state": "forged"})
        assert r.status_code == 401 and r.json()["error"] == "oidc_login_failed"


async def test_open_redirect_is_closed(oidc_app, provider):
    provider.user = {"sub": "kc-admin-1", "preferred_username": "admin"}
    async with gisapp_client(oidc_app) as client:
        answer = await sso_login(client, next_path="//evil.example/x")
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_safe_next():
    from gisapp.auth.redirects import safe_next

    assert safe_next("/admin/demo/users?x=1") == "/admin/demo/users?x=1"
    for bad in ("//evil.example", "https://evil.example", "/\\evil.example", "evil", "",
                None, "/\nx"):
        assert safe_next(bad) == "/"


def test_off_without_issuer(settings):
    routes = create_app(settings).openapi()["paths"]
    assert "/auth/oidc/login" not in routes
