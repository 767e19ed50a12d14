"""A small OpenID Connect provider for the tests, served over real HTTP on 127.0.0.1:
discovery, JWKS, an authorization endpoint that signs in whoever the test names, a token
endpoint that checks the code, the client secret and the PKCE verifier and issues an RS256
ID token with the nonce. Enough to run authlib's client end to end, nothing more."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from urllib.parse import urlencode

import uvicorn
from authlib.jose import JsonWebKey, jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "gisapp-test"
CLIENT_SECRET = "client-secret-for-tests"


class Provider:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}/realms/gemeinde"
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
        self.key_id = "test-key"
        self.user = {"sub": "kc-0001", "preferred_username": "planner"}
        self.codes: dict[str, dict] = {}
        self._server: uvicorn.Server | None = None

    # -- endpoints ----------------------------------------------------------------------
    async def discovery(self, _: Request):
        base = self.issuer
        return JSONResponse({
            "issuer": base, "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/certs",
            "userinfo_endpoint": f"{base}/userinfo", "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        })

    async def certs(self, _: Request):
        public = self.key.as_dict(is_private=False)
        return JSONResponse({"keys": [{**public, "kid": self.key_id, "use": "sig",
                                       "alg": "RS256"}]})

    async def auth(self, request: Request):
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": q.get("nonce"), "challenge": q.get("code_challenge"),
                            "redirect_uri": q["redirect_uri"], "user": dict(self.user)}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}",
                                status_code=302)

    async def token(self, request: Request):
        form = await request.form()
        grant = self.codes.pop(form.get("code"), None)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if auth := request.headers.get("authorization"):
            client_id, secret = base64.b64decode(auth.split()[1]).decode().split(":", 1)
        if grant is None or client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if digest.decode() != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"},
                                status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["user"]}
        id_token = jwt.encode({"alg": "RS256", "kid": self.key_id}, claims, self.key).decode()
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                             "expires_in": 300, "id_token": id_token})

    async def userinfo(self, _: Request):
        return JSONResponse(self.user)

    # -- serving --------------------------------------------------------------------------
    def start(self) -> None:
        prefix = "/realms/gemeinde"
        app = Starlette(routes=[
            Route(f"{prefix}/.well-known/openid-configuration", self.discovery),
            Route(f"{prefix}/certs", self.certs), Route(f"{prefix}/auth", self.auth),
            Route(f"{prefix}/token", self.token, methods=["POST"]),
            Route(f"{prefix}/userinfo", self.userinfo),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                     log_level="warning"))
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "test identity provider did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
