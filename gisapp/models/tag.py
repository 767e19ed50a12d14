"""Tags: the QR labels and NFC chips on assets, and what happened to each.

A tag's token is printed on a label that hangs on a pole for ten years, so it is unique in
the whole installation (``/t/{token}`` names no municipality) and never reused. A tag is
never deleted: replaced and revoked tags keep their history, and their URL keeps saying
what became of them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger, CheckConstraint, DateTime, ForeignKeyConstraint, Identity, Index, Text,
    UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin, RandomIdMixin, TenantMixin

TAG_STATES = ("unassigned", "active", "revoked", "replaced")


class Tag(TenantMixin, RandomIdMixin, CreatedMixin, Base):
    __tablename__ = "tag"
    __table_args__ = (
        UniqueConstraint("municipality_id", "short_code"),
        Index("uq_tag_token", "token", unique=True),
        Index("ix_tag_asset", "municipality_id", "asset_id"),
        ForeignKeyConstraint(["municipality_id", "asset_id"], ["asset.municipality_id", "asset.id"],
                             name="fk_tag_asset"),
        ForeignKeyConstraint(["municipality_id", "replaced_by"], ["tag.municipality_id", "tag.id"],
                             name="fk_tag_replaced_by"),
        CheckConstraint("kind IN ('qr', 'nfc')", name="kind"),
        CheckConstraint("state IN ('unassigned', 'active', 'revoked', 'replaced')", name="state"),
        CheckConstraint("state = 'unassigned' OR asset_id IS NOT NULL OR state = 'revoked'",
                        name="assigned_has_asset"),
        CheckConstraint("state <> 'unassigned' OR asset_id IS NULL", name="unassigned_no_asset"),
        CheckConstraint("(state = 'replaced') = (replaced_by IS NOT NULL)", name="replaced_by"),
        CheckConstraint(r"token ~ '^[A-Za-z0-9_-]{16,64}$'", name="token_format"),
    )

    token: Mapped[str] = mapped_column(Text, nullable=False)
    short_code: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="qr")
    state: Mapped[str] = mapped_column(Text, nullable=False)
    asset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    nfc_serial: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str | None] = mapped_column(Text)


class TagEvent(TenantMixin, Base):
    """Created, assigned, replaced, revoked, NFC written: who, when, to which asset."""

    __tablename__ = "tag_event"
    __table_args__ = (
        ForeignKeyConstraint(["municipality_id", "tag_id"], ["tag.municipality_id", "tag.id"],
                             name="fk_tag_event_tag"),
        CheckConstraint("action IN ('created', 'assigned', 'replaced', 'revoked', 'nfc_written')",
                        name="action"),
        Index("ix_tag_event_tag", "municipality_id", "tag_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True,
                                    sort_order=-10)
    tag_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    asset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                         server_default=func.now())
    by: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
