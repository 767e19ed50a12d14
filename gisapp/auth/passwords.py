"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gisapp.errors import InvalidInput
from gisapp.messages import N_, Message

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so both answers take as long.
_DUMMY_HASH = _HASHER.hash("gisapp: no such account")
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """An argon2id hash; refuses passwords too short to resist guessing."""
    check_strength(password)
    return _HASHER.hash(password)


def check_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(Message(N_("at least %(num)s characters"), num=MIN_LENGTH),
                           field=field)
    if len(password) > 1024:
        raise InvalidInput(Message(N_("at most 1024 characters")), field=field)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; False for a mismatch, an unknown account (None) or
    an account without a password (OIDC only), after the same work in every case."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
