"""The card a scan opens: what a crew member needs at the pole, or what a resident may see.

Staff (a role in the tag's municipality) get the asset with its due date, its parent and
children (the pole with its sensor and hotspot), the last maintenance and what they may do.
Everyone else gets the public facts of a public asset and the way to report a problem,
read through the public database role: internal fields cannot leak from here.

Why the card comes from one database function: the scan is the request a crew makes most,
on a phone at the pole, and 32 crews at once must get an answer within 50 ms. The generic
request path (FastAPI dependencies, the ORM, JSON encoding in Python, five statements) costs
several milliseconds of CPU per scan. ``gisapp_scan_card`` (``gisapp/sql/scan_card_up.sql``)
finds the label and the caller with the same look-ups as every request, narrows its
transaction to the label's municipality as staff or as the public, and builds the card as
JSON, in one round trip; this module only adds what the app knows (limits, permissions) and
sends the bytes on. It runs with the caller's database role, not as a security definer:
row-level security and column grants decide what the public may read, as everywhere.
"""

from __future__ import annotations

import json

from gisapp.auth.credentials import hash_secret
from gisapp.auth.principal import PERMISSIONS, Unauthenticated, bearer_credentials
from gisapp.database import read_connection
from gisapp.errors import NotFound
from gisapp.messages import N_, Message

MAX_TOKEN_LENGTH = 64
CARD = "SELECT outcome, role, state, card FROM gisapp_scan_card($1, $2, $3)"


async def scan(app_state, token: str, authorization: str | None, cookie: str | None,
               limits) -> bytes:
    """The card for ``/api/v1/scan/{token}`` as JSON bytes; NotFound for unknown labels,
    Unauthenticated for an unknown API token."""
    api_token = hash_secret(bearer_credentials(authorization)) if authorization else None
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(Message(N_("no such label")))
    session_hash = hash_secret(cookie) if cookie and api_token is None else None
    async with read_connection(app_state) as conn:
        # one statement is one transaction: the role and settings it sets end with it
        row = await conn.fetchrow(CARD, token, session_hash, api_token)
    if row is None:
        raise NotFound(Message(N_("no such label")))
    if row["outcome"] == "bad_token":
        raise Unauthenticated("the API token is unknown, expired or revoked",
                              field="Authorization")
    role = row["role"]
    can = sorted(PERMISSIONS[role]) if role else []
    app_part = {"limits": {"max_fix_accuracy_m": limits.max_fix_accuracy_m,
                           "plausibility_margin_m": limits.plausibility_margin_m},
                "can": can}
    if row["state"] == "unassigned":  # a blank label: may this caller capture the asset?
        app_part["capture"] = "asset.write" in can
    return f"{json.dumps(app_part)[:-1]}, {row['card'][1:]}".encode()
