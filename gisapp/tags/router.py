"""HTTP routes for tags of one municipality, and the scan look-up behind /t/{token}."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from gisapp.assets import service as assets
from gisapp.auth.principal import SESSION_COOKIE
from gisapp.dependencies import ActorDep, Permission, SessionDep, SettingsDep
from gisapp.tags import service
from gisapp.tags.scan import scan as scan_card
from gisapp.tags.schemas import (
    BlankLabels, Capture, NfcWritten, TagAssign, TagEventOut, TagIssue, TagOut, TagState,
)

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["tags"])
scan_router = APIRouter(prefix="/api/v1/scan", tags=["tags"])


def _out(tag, settings) -> dict:
    data = {c: getattr(tag, c) for c in TagOut.model_fields if c != "url"}
    data["url"] = service.tag_url(settings.server.public_base_url, tag.token)
    return data


@router.get("/tags", response_model=list[TagOut])
async def list_tags(session: SessionDep, access: Permission("asset.read"), settings: SettingsDep,
                    asset_id: uuid.UUID | None = None, state: TagState | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0):
    tags = await service.list_tags(session, access.municipality.id, asset_id=asset_id,
                                   state=state, limit=limit, offset=offset)
    return [_out(t, settings) for t in tags]


@router.post("/tags", response_model=list[TagOut], status_code=status.HTTP_201_CREATED)
async def blank_labels(data: BlankLabels, session: SessionDep,
                       access: Permission("labels.print"), actor: ActorDep,
                       settings: SettingsDep):
    """Pre-numbered blank labels (DEMO-L-000017): scan one on site to capture an asset."""
    tags = await service.create_blank(session, access.municipality.id, data.count, data.kind,
                                      actor)
    return [_out(t, settings) for t in tags]


@router.post("/assets/{asset_id}/tags", response_model=TagOut,
             status_code=status.HTTP_201_CREATED)
async def issue_tag(asset_id: uuid.UUID, data: TagIssue, session: SessionDep,
                    access: Permission("tag.write"), actor: ActorDep, settings: SettingsDep):
    """A new label for an asset; its URL is {public base URL}/t/{token}, forever."""
    tag = await service.issue_for_asset(session, access.municipality.id, asset_id, data.kind,
                                        actor)
    return _out(tag, settings)


@router.get("/tags/{tag_id}", response_model=TagOut)
async def get_tag(tag_id: uuid.UUID, session: SessionDep, access: Permission("asset.read"),
                  settings: SettingsDep):
    return _out(await service.get(session, access.municipality.id, tag_id), settings)


@router.get("/tags/{tag_id}/events", response_model=list[TagEventOut])
async def tag_events(tag_id: uuid.UUID, session: SessionDep, access: Permission("asset.read")):
    """The tag's story: created, assigned, replaced, revoked, NFC written."""
    return await service.events(session, access.municipality.id, tag_id)


@router.post("/tags/{tag_id}/assign", response_model=TagOut)
async def assign_tag(tag_id: uuid.UUID, data: TagAssign, session: SessionDep,
                     access: Permission("tag.write"), actor: ActorDep, settings: SettingsDep):
    """Bind a blank label to an asset."""
    tag = await service.assign(session, access.municipality.id, tag_id, data.asset_id, actor)
    return _out(tag, settings)


@router.post("/tags/{tag_id}/capture", status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "A replay: this client_id was captured before"}})
async def capture(tag_id: uuid.UUID, data: Capture, session: SessionDep,
                  access: Permission("asset.write"), actor: ActorDep, settings: SettingsDep):
    """A crew member scanned a blank label on something not yet in the inventory: create
    the asset there (position from the phone) and bind the label."""
    asset_id, created = await service.capture(
        session, access.municipality, tag_id, data, actor,
        tolerance_m=settings.geo.boundary_tolerance_m,
        max_fix_accuracy_m=settings.geo.max_fix_accuracy_m)
    asset = await assets.get(session, access.municipality.id, asset_id)
    return JSONResponse(jsonable_encoder(asset), status_code=201 if created else 200)


@router.post("/tags/{tag_id}/replace", response_model=TagOut,
             status_code=status.HTTP_201_CREATED)
async def replace_tag(tag_id: uuid.UUID, session: SessionDep, access: Permission("tag.write"),
                      actor: ActorDep, settings: SettingsDep):
    """A damaged label: returns the new tag; the old one is kept as replaced."""
    return _out(await service.replace(session, access.municipality.id, tag_id, actor), settings)


@router.post("/tags/{tag_id}/revoke", response_model=TagOut)
async def revoke_tag(tag_id: uuid.UUID, session: SessionDep, access: Permission("tag.write"),
                     actor: ActorDep, settings: SettingsDep):
    return _out(await service.revoke(session, access.municipality.id, tag_id, actor), settings)


@router.post("/tags/{tag_id}/nfc", response_model=TagOut)
async def nfc_written(tag_id: uuid.UUID, data: NfcWritten, session: SessionDep,
                      access: Permission("tag.write"), actor: ActorDep, settings: SettingsDep):
    """The field app wrote the chip and read it back: store the chip's serial number."""
    tag = await service.record_nfc(session, access.municipality.id, tag_id, data.serial, actor)
    return _out(tag, settings)


@scan_router.get("/{token}", response_class=Response,
                 responses={200: {"content": {"application/json": {}}},
                            404: {"description": "No such label"}})
async def scan(token: str, request: Request) -> Response:
    """What a scanned label shows: the asset card for staff of its municipality, public
    facts for everyone else. Unknown tokens: 404.

    No dependencies on purpose: the card is built in PostgreSQL on a lean path with the
    same rules as every request (see :mod:`gisapp.tags.scan`)."""
    body = await scan_card(request.app.state, token, request.headers.get("authorization"),
                           request.cookies.get(SESSION_COOKIE), request.app.state.settings.geo)
    return Response(body, media_type="application/json")
