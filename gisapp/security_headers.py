"""Security headers on every response, as a pure ASGI middleware.

The Content-Security-Policy allows only gisapp's own files: no inline script or style, no
third-party origin, no plugins, no framing. Pages that need more say so themselves:

- a response that already carries a ``Content-Security-Policy`` keeps it (``/docs`` sends
  one with the hash of Swagger UI's inline boot script, see :func:`with_inline_scripts`);
- public map pages meant to be embedded by a municipality's own web site will register
  their path prefix in ``frame_ancestors`` (prefix -> allowed origins); those responses
  get that ``frame-ancestors`` list and no ``X-Frame-Options`` (which knows no list).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HEADER = "Content-Security-Policy"
NO_FRAMING = ("'none'",)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # the field app takes photos and positions; nothing here listens
    "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
}


def content_security_policy(*, frame_ancestors: Iterable[str] = NO_FRAMING,
                            script_hashes: Iterable[str] = ()) -> str:
    """The policy: same-origin files only, plus the given script hashes and frame parents."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in script_hashes)])
    return "; ".join([
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        f"script-src {scripts}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {' '.join(frame_ancestors)}",
    ])


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def with_inline_scripts(response: Response) -> Response:
    """Allow exactly the inline scripts of this HTML response, by their SHA-256 hashes.

    For pages we do not write ourselves (FastAPI's Swagger UI page boots with an inline
    script); our own templates never need it.
    """
    html = response.body.decode(response.charset or "utf-8")
    hashes = [
        "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    ]
    response.headers[CSP_HEADER] = content_security_policy(script_hashes=hashes)
    return response


class SecurityHeaders:
    """Adds the headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp,
                 frame_ancestors: Mapping[str, Iterable[str]] | None = None) -> None:
        self.app = app
        self.frame_ancestors = {prefix: tuple(origins)
                                for prefix, origins in (frame_ancestors or {}).items()}
        self._policies: dict[tuple[str, ...], str] = {}  # by framing: written once each

    def _framing(self, path: str) -> tuple[str, ...]:
        for prefix, origins in self.frame_ancestors.items():
            if path.startswith(prefix) and origins:
                return origins
        return NO_FRAMING

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framing = self._framing(scope.get("path", ""))
        policy = self._policies.get(framing)
        if policy is None:
            policy = self._policies[framing] = content_security_policy(frame_ancestors=framing)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault(CSP_HEADER, policy)
                if framing == NO_FRAMING:
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
