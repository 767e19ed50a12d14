"""The municipality: the tenant every other row belongs to."""

from __future__ import annotations

import uuid

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Integer, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from gisapp.models.base import Base, CreatedMixin

LANGUAGES = ("de", "en", "fr")


class Municipality(CreatedMixin, Base):
    __tablename__ = "municipality"
    __table_args__ = (
        CheckConstraint(r"slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="slug_format"),
        CheckConstraint("default_language IN ('de', 'en', 'fr')", name="language"),
        CheckConstraint("working_crs > 0", name="working_crs"),
        CheckConstraint(r"label_prefix ~ '^[A-Z0-9]{1,8}$'", name="label_prefix_format"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    slug: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    working_crs: Mapped[int] = mapped_column(Integer, nullable=False, server_default="25832")
    default_language: Mapped[str] = mapped_column(Text, nullable=False, server_default="de")
    # first part of the short codes printed on labels (DEMO-SL-0142); never changes once
    # labels are printed
    label_prefix: Mapped[str] = mapped_column(Text, nullable=False)
