"""Record maintenance and list it. The next due date is derived when an asset is read
(gisapp/assets/queries.py), so it can never disagree with the records.

Records from the field carry a client id made on the phone: the phone sends them until it
gets an answer, so the same record may arrive twice (after a dead spot, a restart); it is
stored once. They also carry where the phone was: a record made far from its asset is
flagged for the office.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.assets.service import ensure_exists
from gisapp.errors import Conflict, InvalidInput
from gisapp.maintenance import readings, reviews
from gisapp.maintenance.schemas import MaintenanceCreate, MaintenanceOut, ReviewOut
from gisapp.messages import N_, Message
from gisapp.models import MaintenanceRecord

# A record dated ahead of the server's clock by more than this is a typo, not clock skew.
FUTURE_SLACK = timedelta(hours=1)
# Nothing in a municipal inventory was maintained before electric street lighting.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


async def _by_client_id(session: AsyncSession, municipality_id: uuid.UUID,
                        client_id: uuid.UUID) -> MaintenanceRecord | None:
    return await session.scalar(select(MaintenanceRecord).where(
        MaintenanceRecord.municipality_id == municipality_id,
        MaintenanceRecord.client_id == client_id))


def _replayed(found: MaintenanceRecord, asset_id: uuid.UUID) -> MaintenanceRecord:
    if found.asset_id != asset_id:
        raise Conflict(Message(N_("this client_id was used for another asset")), field="client_id")
    return found


async def _distance_m(session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
                      lon: float, lat: float) -> float:
    """Metres from the phone to the asset (to its nearest point, for lines and areas)."""
    return await session.scalar(text(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)"
        " FROM asset WHERE municipality_id = :m AND id = :a"),
        {"lon": lon, "lat": lat, "m": municipality_id, "a": asset_id})


async def add(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID,
    data: MaintenanceCreate, actor: str | None, *, margin_m: float = 25.0,
) -> tuple[MaintenanceRecord, bool]:
    """Store one record for an asset of this municipality. Returns the record and whether
    it was created now (False: the client id had been stored before, this is a replay)."""
    if data.client_id and (found := await _by_client_id(session, municipality_id,
                                                         data.client_id)):
        return _replayed(found, asset_id), False
    await ensure_exists(session, municipality_id, asset_id)
    now = datetime.now(UTC)
    performed_at = data.performed_at or now
    if performed_at.tzinfo is None:
        raise InvalidInput(Message(N_("needs a time zone, e.g. 2026-05-04T09:30:00+02:00")),
                           field="performed_at")
    if performed_at > now + FUTURE_SLACK:
        raise InvalidInput(Message(N_("lies in the future")), field="performed_at")
    if performed_at < EARLIEST:
        raise InvalidInput(Message(N_("lies before 1900")), field="performed_at")
    if (data.kind == "meter_reading") != (data.reading_value is not None):
        raise InvalidInput(Message(N_("a meter reading needs reading_value; other kinds take "
                                      "none")), field="reading_value")
    if data.reading_value is not None and not data.confirm_reading:
        await readings.check(session, municipality_id, asset_id, data.reading_value,
                             performed_at)
    distance = flag = None
    if data.position:
        distance = await _distance_m(session, municipality_id, asset_id, data.position.lon,
                                     data.position.lat)
        allowed = (data.accuracy_m or 0) + margin_m
        if distance > allowed:
            flag = (f"recorded {distance:.0f} m from the asset (GPS ±{data.accuracy_m or 0:.0f} m): "
                    "the label may not belong here, or the record was made elsewhere")
    record = MaintenanceRecord(
        municipality_id=municipality_id, id=uuid.uuid4(), asset_id=asset_id, kind=data.kind,
        result=data.result, performed_at=performed_at,
        performed_by=data.performed_by or actor, notes=data.notes,
        reading_value=data.reading_value, created_by=actor, client_id=data.client_id,
        capture_method=data.capture_method, accuracy_m=data.accuracy_m,
        position=(f"SRID=4326;POINT({data.position.lon} {data.position.lat})"
                  if data.position else None),
        scan_distance_m=distance, flagged=flag is not None, flag_reason=flag,
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # the same client id arrived twice at once: the other request stored it
        found = await _by_client_id(session, municipality_id, data.client_id)
        if data.client_id and found:
            return _replayed(found, asset_id), False
        raise
    await session.refresh(record)
    return record, True


async def list_for_asset(
    session: AsyncSession, municipality_id: uuid.UUID, asset_id: uuid.UUID
) -> list[MaintenanceOut]:
    """All records of an asset, newest first, flagged ones with the office's review."""
    await ensure_exists(session, municipality_id, asset_id)
    records = list(await session.scalars(
        select(MaintenanceRecord)
        .where(
            MaintenanceRecord.municipality_id == municipality_id,
            MaintenanceRecord.asset_id == asset_id,
        )
        .order_by(MaintenanceRecord.performed_at.desc(), MaintenanceRecord.id)
    ))
    found = await reviews.for_records(session, municipality_id,
                                      [r.id for r in records if r.flagged])
    out = []
    for record in records:
        item = MaintenanceOut.model_validate(record, from_attributes=True)
        if record.id in found:
            item.review = ReviewOut.model_validate(found[record.id], from_attributes=True)
        out.append(item)
    return out
