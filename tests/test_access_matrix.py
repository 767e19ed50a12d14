"""Every API endpoint × every kind of caller, with the status each must get.

The endpoints come from the app's own route table, so a new endpoint fails
``test_matrix_covers_every_endpoint`` until its permission is declared in ACCESS below.
Callers: the anonymous public, the demo's crew, planner and admin (API tokens), and the
admin of another municipality. Every case runs in its own rolled-back transaction.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from gisapp.app import create_app
from gisapp.auth.principal import PERMISSIONS

M = "/api/v1/municipalities/{municipality}"
LIGHT = {"type": "street_light", "geometry": {"type": "Point", "coordinates": [7.283, 49.929]}}

# (method, path) -> (permission or None for public reads, request body, status when allowed)
ACCESS: dict[tuple[str, str], tuple[str | None, dict | None, int]] = {
    ("GET", "/api/v1/municipalities"): (None, None, 200),
    ("GET", f"{M}"): (None, None, 200),
    ("PATCH", f"{M}"): ("settings.manage", {"default_language": "fr"}, 200),
    ("GET", f"{M}/assets"): (None, None, 200),
    ("POST", f"{M}/assets"): ("asset.write", LIGHT, 201),
    ("GET", f"{M}/assets/{{asset_id}}"): (None, None, 200),
    ("PATCH", f"{M}/assets/{{asset_id}}"): ("asset.write", {"version": 1, "name": "m"}, 200),
    ("DELETE", f"{M}/assets/{{asset_id}}"): ("asset.decommission", None, 200),
    ("GET", f"{M}/assets/{{asset_id}}/history"): ("asset.read", None, 200),
    ("GET", f"{M}/assets/{{asset_id}}/maintenance"): ("asset.read", None, 200),
    ("POST", f"{M}/assets/{{asset_id}}/maintenance"): ("maintenance.write",
                                                       {"kind": "inspection"}, 201),
    ("GET", f"{M}/types"): (None, None, 200),
    ("GET", f"{M}/types/{{code}}"): (None, None, 200),
    ("POST", f"{M}/types"): ("type.manage", {"code": "matrix_bench", "code_prefix": "MB",
                                             "label_de": "Bank"}, 201),
    ("GET", f"{M}/users"): ("user.manage", None, 200),
    ("POST", f"{M}/users"): ("user.manage", {"username": "matrix.user", "role": "crew",
                                             "password": "matrix-password-1"}, 201),
    ("PATCH", f"{M}/users/{{user_id}}"): ("user.manage", {"display_name": "M"}, 200),
    ("DELETE", f"{M}/users/{{user_id}}"): ("user.manage", None, 204),
    ("POST", f"{M}/users/{{user_id}}/password"): ("user.manage",
                                                  {"password": "matrix-password-2"}, 204),
    ("POST", f"{M}/users/{{user_id}}/sessions/revoke"): ("user.manage", None, 200),
    ("GET", f"{M}/tags"): ("asset.read", None, 200),
    ("POST", f"{M}/tags"): ("labels.print", {"count": 2}, 201),
    ("POST", f"{M}/assets/{{asset_id}}/tags"): ("tag.write", {"kind": "qr"}, 201),
    ("GET", f"{M}/tags/{{tag_id}}"): ("asset.read", None, 200),
    ("GET", f"{M}/tags/{{tag_id}}/events"): ("asset.read", None, 200),
    ("POST", f"{M}/tags/{{tag_id}}/assign"): ("tag.write", "ASSET", 200),
    ("POST", f"{M}/tags/{{tag_id}}/replace"): ("tag.write", None, 201),
    ("POST", f"{M}/tags/{{tag_id}}/capture"): ("asset.write", "CAPTURE", 201),
    ("POST", f"{M}/maintenance/{{record_id}}/photos"): ("maintenance.write", "PHOTO", 201),
    ("GET", f"{M}/maintenance/{{record_id}}/photos"): ("asset.read", None, 200),
    ("POST", f"{M}/maintenance/{{record_id}}/review"): ("maintenance.review",
                                                         {"note": "Etikett passt"}, 201),
    ("POST", f"{M}/maintenance/{{record_id}}/review/withdrawal"): ("maintenance.review",
                                                                    "REVIEWED", 201),
    ("GET", f"{M}/photos/{{photo_id}}"): ("asset.read", None, 200),
    ("POST", f"{M}/tags/{{tag_id}}/revoke"): ("tag.write", None, 200),
    ("POST", f"{M}/tags/{{tag_id}}/nfc"): ("tag.write", {"serial": "04A22B5A6C3E80"}, 200),
    ("POST", f"{M}/labels"): ("labels.print", {"blank": 1}, 200),
    ("GET", f"{M}/labels/layouts"): ("asset.read", None, 200),
    ("GET", f"{M}/tags/{{tag_id}}/qr.svg"): ("asset.read", None, 200),
    ("GET", f"{M}/tags/{{tag_id}}/qr.png"): ("asset.read", None, 200),
    ("GET", f"{M}/tags/{{tag_id}}/ndef"): ("asset.read", None, 200),
    ("GET", f"{M}/tags.csv"): ("labels.print", None, 200),
    ("GET", f"{M}/tokens"): ("token.manage", None, 200),
    ("POST", f"{M}/tokens"): ("token.manage", {"name": "matrix", "role": "crew"}, 201),
    ("DELETE", f"{M}/tokens/{{token_id}}"): ("token.manage", None, 200),
    ("POST", f"{M}/spatial/search"): (None, {"district": "Musterdorf", "limit": 5}, 200),
    ("POST", f"{M}/spatial/stats"): (None, {"types": ["street_light"]}, 200),
    ("GET", f"{M}/spatial/stats"): (None, None, 200),
    ("GET", f"{M}/districts"): (None, None, 200),
    ("GET", f"{M}/streets"): (None, None, 200),
    ("POST", f"{M}/export"): ("data.export", {"format": "geojson", "types": ["wlan_hotspot"]},
                              200),
    ("GET", f"{M}/export"): ("data.export", None, 200),
    ("POST", f"{M}/imports"): ("data.import", "IMPORT", 201),
    ("GET", f"{M}/imports"): ("data.import", None, 200),
    ("GET", f"{M}/imports/{{import_id}}"): ("data.import", None, 200),
    ("POST", f"{M}/imports/{{import_id}}/recheck"): ("data.import", {}, 201),
    ("POST", f"{M}/imports/{{import_id}}/commit"): ("data.import", None, 200),
}
# a Freifunk meshviewer file with one node in Musterdorf: the smallest complete import
MESH = json.dumps({"nodes": [{"node_id": "c0ffee000001", "hostname": "matrix",
                              "location": {"longitude": 7.283, "latitude": 49.929}}]}).encode()
REPORT = json.dumps({"format": "meshviewer", "rows": 1, "crs": "EPSG:4326", "candidates": 1,
                     "not_mapped": 0, "valid": 1, "create": 1, "update": 0, "types": {},
                     "errors": 0, "warnings": 0, "problems": [], "problems_truncated": False})
# Endpoints outside a municipality, with their own rules (tested in test_auth.py)
OUTSIDE = {("POST", "/api/v1/municipalities"), ("GET", "/api/v1/scan/{token}"), ("POST", "/api/v1/auth/login"),
           ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/auth/me")}
CALLERS = ["anonymous", "crew", "planner", "admin", "other-admin"]


def api_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the API, from the OpenAPI description the app publishes."""
    paths = create_app().openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() if path.startswith("/api/")
            for method in ops}


def test_matrix_covers_every_endpoint():
    assert api_routes() - OUTSIDE == set(ACCESS)


def expected(permission: str | None, ok: int, caller: str) -> int:
    if permission is None:
        return ok
    if caller == "anonymous":
        return 401
    if caller == "other-admin":
        return 404  # nothing is revealed to another municipality
    return ok if permission in PERMISSIONS[caller] else 403


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), sorted(ACCESS), ids=lambda v: str(v))
async def test_access(method, path, caller, make_client, other, connection):
    permission, body, ok = ACCESS[(method, path)]
    ids = (await connection.execute(text("""
        SELECT (SELECT id FROM asset WHERE type_code = 'street_light' AND status = 'active'
                 AND municipality_id = (SELECT id FROM municipality WHERE slug = 'demo')
                 AND is_public ORDER BY code LIMIT 1) AS asset_id,
               (SELECT u.id FROM app_user u WHERE username = 'crew') AS user_id,
               (SELECT id FROM api_token WHERE name = 'test-crew') AS token_id"""))).one()
    # a tag for the tag endpoints: an NFC tag on the asset, or a blank one for "assign"
    blank = path.endswith(("/assign", "/capture"))
    tag_id = await connection.scalar(text(
        "INSERT INTO tag (municipality_id, token, short_code, kind, state, asset_id)"
        " SELECT municipality_id, 'matrixtoken0123456789ab', 'DEMO-MATRIX', 'nfc', :s, :a"
        " FROM asset WHERE id = :asset RETURNING id"),
        {"s": "unassigned" if blank else "active", "a": None if blank else ids.asset_id,
         "asset": ids.asset_id})
    record_id = await connection.scalar(text(
        "SELECT id FROM maintenance_record WHERE asset_id = :a LIMIT 1"), {"a": ids.asset_id})
    if path.endswith(("/review", "/withdrawal")):  # only flagged records are reviewed
        record_id = await connection.scalar(text(
            "INSERT INTO maintenance_record (municipality_id, asset_id, kind, performed_at,"
            " result, flagged, scan_distance_m) SELECT municipality_id, id, 'inspection', now(),"
            " 'ok', true, 300 FROM asset WHERE id = :a RETURNING id"), {"a": ids.asset_id})
    if body == "REVIEWED":  # a review to take back
        await connection.execute(text(
            "INSERT INTO maintenance_review (municipality_id, record_id, note, created_at)"
            " SELECT municipality_id, id, 'passt', now() - interval '1 minute'"
            " FROM maintenance_record WHERE id = :r"), {"r": record_id})
        body = {"note": "doch nicht"}
    photo_id = await connection.scalar(text(
        "INSERT INTO photo (municipality_id, record_id, content_type, size, sha256, data)"
        " SELECT municipality_id, id, 'image/jpeg', 4, 'x', '\\xffd8ffd9'::bytea"
        " FROM maintenance_record WHERE id = :r RETURNING id"), {"r": record_id})
    import_id = await connection.scalar(text(
        "INSERT INTO import_job (municipality_id, format, options, report, upload, size, sha256)"
        " SELECT id, 'meshviewer', '{}', CAST(:r AS jsonb), :u, :n, 'x'"
        " FROM municipality WHERE slug = 'demo' RETURNING id"),
        {"r": REPORT, "u": MESH, "n": len(MESH)})
    files = None
    if body == "IMPORT":
        body, files = None, {"file": ("nodes.json", MESH, "application/json")}
    if body == "ASSET":
        body = {"asset_id": str(ids.asset_id)}
    elif body == "CAPTURE":
        body = {"client_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "type": "street_light",
                "geometry": LIGHT["geometry"]}
    elif body == "PHOTO":
        body, files = None, {"file": ("p.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg")}
    url = path.format(municipality="demo", asset_id=ids.asset_id, user_id=ids.user_id,
                      token_id=ids.token_id, code="street_light", tag_id=tag_id,
                      record_id=record_id, photo_id=photo_id, import_id=import_id)
    if caller == "other-admin":
        client = other["client"]("admin")
    else:
        client = make_client(None if caller == "anonymous" else caller)
    async with client:
        r = await client.request(method, url, json=body, files=files)
    assert r.status_code == expected(permission, ok, caller), (caller, method, url, r.text)
