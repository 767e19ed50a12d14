"""What comes in and goes out for maintenance records."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MaintenanceKind = Literal[
    "inspection", "repair", "lamp_replacement", "cleaning", "firmware_update",
    "meter_reading", "other",
]
MaintenanceResult = Literal["ok", "fixed", "defect_found", "not_possible"]


CaptureMethod = Literal["qr", "nfc", "manual", "office"]


class Position(BaseModel):
    """Where the phone was (WGS 84)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: uuid.UUID | None = Field(
        default=None, description="Made on the phone; sending the same id again returns the "
        "stored record instead of a duplicate (offline outbox replays)")
    capture_method: CaptureMethod = "office"
    position: Position | None = None
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    confirm_reading: bool = Field(
        default=False, description="The person confirmed a lower or unusually high reading")

    kind: MaintenanceKind
    result: MaintenanceResult = "ok"
    performed_at: datetime | None = Field(default=None, description="Default: now")
    performed_by: str | None = Field(default=None, max_length=200)
    notes: str = Field(default="", max_length=10_000)
    reading_value: Decimal | None = Field(
        default=None, ge=0, description="Meter reading; required for kind meter_reading"
    )


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000,
                      description="What the office found, e.g. 'label belongs to SL-0078'")


class ReviewOut(BaseModel):
    record_id: uuid.UUID
    kind: Literal["reviewed", "withdrawn"] = Field(
        description="reviewed: the office looked into the record; withdrawn: that review was "
                    "taken back (the record is flagged for review again)")
    note: str
    created_at: datetime = Field(description="When the office reviewed the record (or took "
                                             "the review back)")
    created_by: str | None


class MaintenanceOut(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID | None
    asset_id: uuid.UUID
    capture_method: CaptureMethod
    accuracy_m: float | None
    scan_distance_m: float | None = Field(description="Metres between phone and asset")
    flagged: bool
    flag_reason: str | None
    kind: MaintenanceKind
    result: MaintenanceResult
    performed_at: datetime
    performed_by: str | None
    notes: str
    reading_value: Decimal | None
    created_at: datetime
    created_by: str | None
    review: ReviewOut | None = Field(
        default=None, description="The office's latest word on a flagged record, its review "
                                  "or the withdrawal of it (in lists)")
