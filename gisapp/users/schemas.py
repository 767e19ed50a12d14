"""What comes in and goes out for the members of a municipality."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["admin", "planner", "crew"]


class MemberCreate(BaseModel):
    """A new account with a role here (the admin hands the first password over)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._@-]{1,63}$", examples=["m.weber"])
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: Role
    password: str = Field(min_length=10, max_length=1024)
    preferred_language: Literal["de", "en", "fr"] | None = None


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=10, max_length=1024)


class MemberOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    email: str | None
    role: Role
    is_active: bool
    active_sessions: int
    last_seen_at: datetime | None
