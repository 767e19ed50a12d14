"""Photos of maintenance records, taken on the phone (downscaled there) and sent after
their record. Only JPEG, PNG and WebP, recognised by their first bytes, not by what the
client claims; at most 10 MB; stored once per client id."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.errors import Conflict, InvalidInput, NotFound
from gisapp.messages import N_, Message
from gisapp.models import MaintenanceRecord, Photo

MAX_BYTES = 10 * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The image type from the file's first bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def _by_client_id(session, municipality_id, client_id) -> Photo | None:
    return await session.scalar(select(Photo).where(Photo.municipality_id == municipality_id,
                                                    Photo.client_id == client_id))


async def add(session: AsyncSession, municipality_id: uuid.UUID, record_id: uuid.UUID,
              data: bytes, client_id: uuid.UUID | None, actor: str | None) -> tuple[Photo, bool]:
    """Store a photo of a record; returns it and whether it was new (False: a replay)."""
    if client_id and (found := await _by_client_id(session, municipality_id, client_id)):
        if found.record_id != record_id:
            raise Conflict(Message(N_("this client_id was used for another record")),
                           field="client_id")
        return found, False
    if not await session.get(MaintenanceRecord, (municipality_id, record_id)):
        raise NotFound(Message(N_("no such maintenance record")))
    if len(data) > MAX_BYTES:
        raise InvalidInput(Message(N_("larger than %(num)s MB"), num=MAX_BYTES // 1024 // 1024),
                           field="file")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(Message(N_("not a JPEG, PNG or WebP image")), field="file")
    photo = Photo(municipality_id=municipality_id, id=uuid.uuid4(), record_id=record_id,
                  client_id=client_id, content_type=content_type, size=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), data=data, created_by=actor)
    try:
        async with session.begin_nested():
            session.add(photo)
            await session.flush()
    except IntegrityError:
        if client_id and (found := await _by_client_id(session, municipality_id, client_id)):
            return found, False
        raise
    return photo, True


async def list_for_record(session: AsyncSession, municipality_id: uuid.UUID,
                          record_id: uuid.UUID) -> list[dict]:
    rows = await session.execute(
        select(Photo.id, Photo.client_id, Photo.content_type, Photo.size, Photo.sha256,
               Photo.created_at, Photo.created_by)
        .where(Photo.municipality_id == municipality_id, Photo.record_id == record_id)
        .order_by(Photo.created_at))
    return [dict(r._mapping) for r in rows]


async def get(session: AsyncSession, municipality_id: uuid.UUID, photo_id: uuid.UUID) -> Photo:
    photo = await session.get(Photo, (municipality_id, photo_id))
    if photo is None:
        raise NotFound(Message(N_("no such photo")))
    return photo
