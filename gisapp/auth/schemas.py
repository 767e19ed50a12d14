"""What comes in and goes out for logging in."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class MembershipOut(BaseModel):
    slug: str
    name: str
    role: Literal["admin", "planner", "crew"]


class MeOut(BaseModel):
    kind: Literal["user", "token"]
    username: str | None
    display_name: str
    is_superuser: bool
    csrf_token: str | None = Field(description="Send as X-CSRF-Token with cookie writes")
    memberships: list[MembershipOut]


class SessionOut(BaseModel):
    id: uuid.UUID
