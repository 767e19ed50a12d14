"""People, their roles per municipality, their sessions, and API tokens.

Users are of the installation (one person may work for several municipalities); what they
may do is a membership, per municipality. Sessions and tokens are stored as SHA-256 hashes of
random secrets: a database dump reveals no usable credential.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Identity,
    Index, LargeBinary, Text, func, text,
)
from sqlalchemy.dialects.postgresql import INET, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, RandomIdMixin, TenantMixin

ROLES = ("admin", "planner", "crew")


class AppUser(CreatedMixin, Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(r"username ~ '^[a-z0-9][a-z0-9._@-]{1,63}$'", name="username_format"),
        CheckConstraint("preferred_language IN ('de', 'en', 'fr')", name="language"),
        Index("uq_app_user_oidc", "oidc_issuer", "oidc_subject", unique=True,
              postgresql_where=text("oidc_subject IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    username: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    email: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    is_superuser: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    preferred_language: Mapped[str | None] = mapped_column(Text)
    oidc_issuer: Mapped[str | None] = mapped_column(Text)
    oidc_subject: Mapped[str | None] = mapped_column(Text)


class Membership(TenantMixin, CreatedMixin, Base):
    """A user's role in one municipality."""

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'planner', 'crew')", name="role"),
        Index("ix_membership_user", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(Text, nullable=False)


class UserSession(Base):
    """A login. The cookie holds the secret; the row holds its hash and the CSRF token."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False
    )
    csrf_token: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class ApiToken(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    """A token for scripts: one municipality, one role, shown once, stored hashed."""

    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'planner', 'crew')", name="role"),
        Index("uq_api_token_hash", "token_hash", unique=True),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    prefix: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """Failed logins, for throttling per account and per address; kept one day."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_account", "account", "failed_at"),
        Index("ix_login_failure_address", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    account: Mapped[str] = mapped_column(Text, nullable=False)
    address: Mapped[str | None] = mapped_column(INET)
    failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
