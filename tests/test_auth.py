"""Logging in and out, throttling, CSRF on cookie writes, API tokens (shown once, revoked at
once), and what admins may do with the people of their municipality."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from .conftest import DEMO_PASSWORD

DEMO = "/api/v1/municipalities/demo"


async def login(client, username="planner", password=DEMO_PASSWORD):
    return await client.post("/api/v1/auth/login", json={"username": username,
                                                         "password": password})


async def test_login_sets_a_safe_cookie_and_me_shows_the_roles(anon):
    r = await login(anon)
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "gisapp_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and "expires=" in cookie.lower()
    body = r.json()
    assert body["username"] == "planner" and body["csrf_token"]
    assert body["memberships"] == [{"slug": "demo", "name": "Musterdorf", "role": "planner"}]
    me = await anon.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "planner"


async def test_same_answer_for_unknown_user_and_wrong_password(anon):
    wrong = await login(anon, "planner", "not-the-password")
    unknown = await login(anon, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


async def test_throttling_per_account_with_retry_after(anon, count):
    for _ in range(5):
        assert (await login(anon, "crew", "wrong-password!")).status_code == 401
    assert await count("login_failure", "account = 'crew'") == 5
    r = await login(anon, "crew", DEMO_PASSWORD)  # even the right password now waits
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 15 * 60
    assert r.json()["error"] == "too_many_attempts"
    # another account from elsewhere is not affected by this account's lock
    assert (await login(anon, "planner")).status_code == 200


async def test_throttling_per_address(anon, settings):
    limit = settings.security.login_failures_per_address
    for i in range(limit):
        await login(anon, f"guess-{i}", "wrong-password!")
    r = await login(anon, "planner")
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_success_clears_the_account_failures(anon, count):
    for _ in range(3):
        await login(anon, "crew", "wrong-password!")
    assert (await login(anon, "crew")).status_code == 200
    assert await count("login_failure", "account = 'crew'") == 0


async def test_logout_ends_the_session(anon):
    await login(anon)
    csrf = (await anon.get("/api/v1/auth/me")).json()["csrf_token"]
    assert (await anon.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
            ).status_code == 204
    assert (await anon.get("/api/v1/auth/me")).status_code == 401


async def test_old_cookie_is_dead_after_logout(anon, make_client):
    r = await login(anon)
    value = r.cookies["gisapp_session"]
    csrf = r.json()["csrf_token"]
    await anon.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    async with make_client(None, cookies={"gisapp_session": value}) as replay:
        assert (await replay.get("/api/v1/auth/me")).status_code == 401


async def test_cookie_writes_need_the_csrf_token(anon):
    await login(anon)
    body = {"type": "street_light", "geometry": {"type": "Point", "coordinates": [7.283, 49.929]}}
    r = await anon.post(f"{DEMO}/assets", json=body)
    assert r.status_code == 403 and r.json()["detail"][0]["field"] == "X-CSRF-Token"
    r = await anon.post(f"{DEMO}/assets", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    csrf = (await anon.get("/api/v1/auth/me")).json()["csrf_token"]
    r = await anon.post(f"{DEMO}/assets", json=body, headers={
        "X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["detail"][0]["field"] == "Origin"
    r = await anon.post(f"{DEMO}/assets", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    history = (await anon.get(f"{DEMO}/assets/{r.json()['id']}/history")).json()
    assert history[0]["changed_by"] == "user:planner"


async def test_token_is_shown_once_stored_hashed_and_revoked_at_once(client, make_client,
                                                                      connection):
    r = await client.post(f"{DEMO}/tokens", json={"name": "QGIS Bauamt", "role": "crew"})
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["token"]
    assert secret.startswith("gat_") and created["prefix"] == secret[:10]
    listed = (await client.get(f"{DEMO}/tokens")).json()
    assert all("token" not in t for t in listed)
    stored = await connection.scalar(text(
        "SELECT encode(token_hash, 'hex') FROM api_token WHERE id = :i"), {"i": created["id"]})
    assert secret not in stored and len(stored) == 64

    async with make_client(None, headers={"Authorization": f"Bearer {secret}"}) as script:
        assert (await script.get(f"{DEMO}/assets/{'0' * 8}-0000-4000-8000-{'0' * 12}/history")
                ).status_code == 404  # authenticated (crew may read), no such asset
        assert (await script.get(f"{DEMO}/tokens")).status_code == 403  # crew: no admin
        assert (await client.delete(f"{DEMO}/tokens/{created['id']}")).status_code == 200
        r = await script.get(f"{DEMO}/assets")
        assert r.status_code == 401 and "revoked" in r.json()["detail"][0]["reason"]
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_malformed_authorization_is_401(anon):
    r = await anon.get(f"{DEMO}/assets", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert r.status_code == 401 and r.json()["detail"][0]["field"] == "Authorization"


async def test_expired_token_in_the_past_is_refused(client):
    r = await client.post(f"{DEMO}/tokens", json={"name": "x", "role": "crew",
                                                 "expires_at": "2020-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "expires_at"


async def test_admin_adds_a_member_who_logs_in_and_is_audited(client, make_client):
    r = await client.post(f"{DEMO}/users", json={
        "username": "m.weber", "display_name": "Martin Weber", "role": "crew",
        "password": "weber-password-1"})
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["role"] == "crew" and member["active_sessions"] == 0
    async with make_client(None) as phone:
        assert (await login(phone, "m.weber", "weber-password-1")).status_code == 200
        me = (await phone.get("/api/v1/auth/me")).json()
        assert me["memberships"][0]["role"] == "crew"
        listed = {m["username"]: m for m in (await client.get(f"{DEMO}/users")).json()}
        assert listed["m.weber"]["active_sessions"] == 1
        # a lost phone: the admin ends the sessions, the phone is logged out at once
        r = await client.post(f"{DEMO}/users/{member['id']}/sessions/revoke")
        assert r.json() == {"ended": 1}
        assert (await phone.get("/api/v1/auth/me")).status_code == 401
    # the new password works, the old one not
    r = await client.post(f"{DEMO}/users/{member['id']}/password",
                          json={"password": "new-weber-pass-2"})
    assert r.status_code == 204
    async with make_client(None) as phone:
        assert (await login(phone, "m.weber", "weber-password-1")).status_code == 401
        assert (await login(phone, "m.weber", "new-weber-pass-2")).status_code == 200
    r = await client.patch(f"{DEMO}/users/{member['id']}", json={"role": "planner"})
    assert r.status_code == 200 and r.json()["role"] == "planner"
    assert (await client.delete(f"{DEMO}/users/{member['id']}")).status_code == 204
    assert member["id"] not in {m["id"] for m in (await client.get(f"{DEMO}/users")).json()}


async def test_member_rules(client):
    r = await client.post(f"{DEMO}/users", json={"username": "planner", "role": "crew",
                                                "password": "whatever-123"})
    assert r.status_code == 409 and r.json()["detail"][0]["field"] == "username"
    r = await client.post(f"{DEMO}/users", json={"username": "short", "role": "crew",
                                                "password": "short"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "password"
    r = await client.post(f"{DEMO}/users", json={"username": "Bad Name", "role": "crew",
                                                "password": "whatever-123"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "username"


async def test_admin_cannot_take_over_someone_who_works_elsewhere(client, other, connection):
    # the other municipality's admin also works in the demo as crew (a shared building yard)
    await connection.execute(text(
        "INSERT INTO membership (municipality_id, user_id, role)"
        " SELECT id, :u, 'crew' FROM municipality WHERE slug = 'demo'"), {"u": other["user_id"]})
    listed = {m["username"] for m in (await client.get(f"{DEMO}/users")).json()}
    assert "nb-admin" in listed
    r = await client.post(f"{DEMO}/users/{other['user_id']}/password",
                          json={"password": "taken-over-123"})
    assert r.status_code == 403 and "another municipality" in r.json()["detail"][0]["reason"]


async def test_roles_of_a_user_in_two_municipalities(anon, other, connection):
    await connection.execute(text(
        "INSERT INTO membership (municipality_id, user_id, role)"
        " SELECT id, :u, 'crew' FROM municipality WHERE slug = 'demo'"), {"u": other["user_id"]})
    assert (await login(anon, "nb-admin", "nb-password-123")).status_code == 200
    me = (await anon.get("/api/v1/auth/me")).json()
    assert {(m["slug"], m["role"]) for m in me["memberships"]} == {
        ("demo", "crew"), ("nachbarort", "admin")}
    csrf = me["csrf_token"]
    # admin in one, crew in the other: the role follows the municipality in the path
    assert (await anon.get("/api/v1/municipalities/nachbarort/users")).status_code == 200
    assert (await anon.get(f"{DEMO}/users")).status_code == 403
    r = await anon.delete(f"{DEMO}/assets/{'0' * 8}-0000-4000-8000-{'0' * 12}",
                          headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403  # crew may not decommission


@pytest.mark.parametrize("path", ["/api/v1/auth/me", f"{DEMO}/users", f"{DEMO}/tokens"])
async def test_anonymous_gets_401_not_data(anon, path):
    assert (await anon.get(path)).status_code == 401
