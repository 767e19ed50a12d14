"""HTTP routes for photos of maintenance records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from gisapp.dependencies import ActorDep, Permission, SessionDep
from gisapp.maintenance import photos

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["maintenance"])


class PhotoOut(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID | None
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    created_by: str | None


@router.post("/maintenance/{record_id}/photos", response_model=PhotoOut, status_code=201,
             responses={200: {"description": "A replay: this client_id was stored before"}})
async def add_photo(record_id: uuid.UUID, session: SessionDep,
                    access: Permission("maintenance.write"), actor: ActorDep,
                    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, ≤ 10 MB")],
                    client_id: Annotated[uuid.UUID | None, Form()] = None):
    data = await file.read(photos.MAX_BYTES + 1)
    photo, created = await photos.add(session, access.municipality.id, record_id, data,
                                      client_id, actor)
    body = PhotoOut.model_validate(photo, from_attributes=True)
    return JSONResponse(jsonable_encoder(body), status_code=201 if created else 200)


@router.get("/maintenance/{record_id}/photos", response_model=list[PhotoOut])
async def list_photos(record_id: uuid.UUID, session: SessionDep,
                      access: Permission("asset.read")):
    return await photos.list_for_record(session, access.municipality.id, record_id)


@router.get("/photos/{photo_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def photo_file(photo_id: uuid.UUID, session: SessionDep,
                     access: Permission("asset.read")):
    photo = await photos.get(session, access.municipality.id, photo_id)
    return Response(photo.data, media_type=photo.content_type,
                    headers={"Cache-Control": "private, max-age=86400",
                             "ETag": f'"{photo.sha256}"'})
