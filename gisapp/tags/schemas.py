"""What comes in and goes out for tags."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gisapp.assets.schemas import AssetCreate

TagKind = Literal["qr", "nfc"]
TagState = Literal["unassigned", "active", "revoked", "replaced"]


class TagIssue(BaseModel):
    """A new label for an asset."""

    model_config = ConfigDict(extra="forbid")

    kind: TagKind = "qr"


class BlankLabels(BaseModel):
    """Pre-numbered labels, printed before they are stuck on anything."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=1000)
    kind: TagKind = "qr"


class TagAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: uuid.UUID


class Capture(AssetCreate):
    """A new asset where a blank label was stuck, from the phone."""

    client_id: uuid.UUID = Field(description="Made on the phone; a replay returns the asset")
    accuracy_m: float | None = Field(default=None, ge=0)


class NfcWritten(BaseModel):
    model_config = ConfigDict(extra="forbid")

    serial: str = Field(pattern=r"^[0-9A-Fa-f:]{8,40}$", description="The chip's UID, hex")


class TagOut(BaseModel):
    id: uuid.UUID
    token: str
    url: str
    short_code: str
    kind: TagKind
    state: TagState
    asset_id: uuid.UUID | None
    replaced_by: uuid.UUID | None
    nfc_serial: str | None
    created_at: datetime
    created_by: str | None
    assigned_at: datetime | None
    assigned_by: str | None


class TagEventOut(BaseModel):
    action: str
    asset_id: uuid.UUID | None
    at: datetime
    by: str | None
    details: dict
