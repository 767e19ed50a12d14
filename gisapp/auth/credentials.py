"""Random secrets for cookies and API tokens. Only their SHA-256 hash is stored: the
secrets carry 256 random bits, so a fast hash is enough and lookups stay cheap."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "gat_"  # "gisapp API token": lets secret scanners recognise leaked tokens


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
