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


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MaintenanceKind
    result: MaintenanceResult = "ok"
    performed_at: datetime | None = Field(default=None, description="Default: now")
    performed_by: str | None = Field(default=None, max_length=200)
    notes: str = Field(default="", max_length=10_000)
    reading_value: Decimal | None = Field(
        default=None, ge=0, description="Meter reading; required for kind meter_reading"
    )


class MaintenanceOut(BaseModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    kind: MaintenanceKind
    result: MaintenanceResult
    performed_at: datetime
    performed_by: str | None
    notes: str
    reading_value: Decimal | None
    created_at: datetime
    created_by: str | None
