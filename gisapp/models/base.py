"""Declarative base and the mixins every municipality table is composed of."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import DateTime, ForeignKey, MetaData, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantMixin:
    """The municipality a row belongs to; first column of every key, so keys never cross
    municipalities and tables can later be distributed by it."""

    #: False where a composite foreign key already leads to the municipality (an asset's
    #: type, a history entry's asset): a second check per row written would add nothing
    tenant_foreign_key: ClassVar[bool] = True

    @declared_attr
    def municipality_id(cls) -> Mapped[uuid.UUID]:
        keys = [ForeignKey("municipality.id", ondelete="RESTRICT")] if cls.tenant_foreign_key else []
        return mapped_column(
            UUID(as_uuid=True),
            *keys,
            primary_key=True,
            sort_order=-20,
        )


class RandomIdMixin:
    """A random id (UUID v4): never sequential, so URLs reveal nothing about counts."""

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        primary_key=True,
        server_default=text("gen_random_uuid()"),
        sort_order=-10,
    )


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    created_by: Mapped[str | None] = mapped_column(Text)


class TimestampMixin(CreatedMixin):
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_by: Mapped[str | None] = mapped_column(Text)
