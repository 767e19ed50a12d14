"""Where to send someone after logging in: only paths of this site, never elsewhere."""

from __future__ import annotations


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path (``/admin/demo/``), or ``default`` for anything that could leave
    the site (``//evil.example``, ``https://…``, ``/\\evil``, control characters)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return default
    return value
