"""HTTP routes that print: label sheets (PDF), a tag's QR code, its NFC record, and the CSV
for bulk NFC encoding services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gisapp.dependencies import ActorDep, Permission, SessionDep, SettingsDep
from gisapp.models import Tag
from gisapp.tags import ndef, printing, qr, service
from gisapp.tags.labels import LAYOUTS

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["labels"])


class LabelRequest(BaseModel):
    """Which labels to print; the filters combine (AND)."""

    model_config = ConfigDict(extra="forbid")

    layout: str = Field(default="a4-3x8", description="See GET …/labels/layouts")
    types: list[str] = Field(default_factory=list, examples=[["street_light"]])
    street: str | None = Field(default=None, description="Assets within 30 m of this street")
    untagged: bool = Field(default=False, description="Only assets without a label yet")
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon, lon/lat")
    asset_ids: list[uuid.UUID] = Field(default_factory=list, max_length=printing.MAX_ASSETS)
    blank: int = Field(default=0, ge=0, le=2000, description="Blank pre-numbered labels")
    skip: int = Field(default=0, ge=0, le=100,
                      description="Places already used on the first sheet (a partly used sheet)")


@router.get("/labels/layouts")
async def layouts(access: Permission("asset.read")) -> dict:
    """The label layouts, for choosing the sheet in the printer."""
    return LAYOUTS


@router.post("/labels", response_class=Response,
             responses={200: {"content": {"application/pdf": {}}}})
async def print_labels(data: LabelRequest, session: SessionDep,
                       access: Permission("labels.print"), actor: ActorDep,
                       settings: SettingsDep):
    """A print-ready PDF. Assets without a label get a tag now, so the sheet and the
    inventory agree; blank labels are numbered on from the highest."""
    pdf, count = await printing.build(
        session, access.municipality.id, printing.Batch(**data.model_dump()),
        settings.server.public_base_url, actor)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="labels-{access.municipality.slug}.pdf"',
        "X-Label-Count": str(count)})


async def _tag_url(session, access, settings, tag_id) -> tuple[Tag, str]:
    tag = await service.get(session, access.municipality.id, tag_id)
    return tag, service.tag_url(settings.server.public_base_url, tag.token)


@router.get("/tags/{tag_id}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
async def tag_qr_svg(tag_id: uuid.UUID, session: SessionDep, access: Permission("asset.read"),
                     settings: SettingsDep):
    _, url = await _tag_url(session, access, settings, tag_id)
    return Response(qr.qr_svg(url), media_type="image/svg+xml")


@router.get("/tags/{tag_id}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def tag_qr_png(tag_id: uuid.UUID, session: SessionDep, access: Permission("asset.read"),
                     settings: SettingsDep,
                     box_size: Annotated[int, Query(ge=2, le=40)] = 10):
    _, url = await _tag_url(session, access, settings, tag_id)
    return Response(qr.qr_png(url, box_size=box_size), media_type="image/png")


@router.get("/tags/{tag_id}/ndef", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
async def tag_ndef(tag_id: uuid.UUID, session: SessionDep, access: Permission("asset.read"),
                   settings: SettingsDep, f: Annotated[str, Query(pattern="^(bin|hex)$")] = "bin"):
    """The NDEF message (one URI record) to write on the tag's chip, as bytes or hex."""
    tag, url = await _tag_url(session, access, settings, tag_id)
    if f == "hex":
        return Response(ndef.ndef_hex(url), media_type="text/plain")
    return Response(ndef.ndef_uri_message(url), media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{tag.short_code}.ndef"'})


@router.get("/tags.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def nfc_encoding_csv(session: SessionDep, access: Permission("labels.print"),
                           settings: SettingsDep):
    """Active NFC tags without a written chip yet, for a bulk encoding service."""
    tags = await session.scalars(select(Tag).where(
        Tag.municipality_id == access.municipality.id, Tag.kind == "nfc", Tag.state == "active",
        Tag.nfc_serial.is_(None)).order_by(Tag.short_code))
    rows = [(t.short_code, service.tag_url(settings.server.public_base_url, t.token)) for t in tags]
    return Response(ndef.nfc_csv(rows), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="nfc-{access.municipality.slug}.csv"'})
