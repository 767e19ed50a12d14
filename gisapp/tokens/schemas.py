"""What comes in and goes out for API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["QGIS Bauamt"])
    role: Literal["admin", "planner", "crew"]
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    role: str
    prefix: str = Field(description="The token's first characters, to recognise it")
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret: shown this once, stored only as a hash")
