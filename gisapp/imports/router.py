"""HTTP routes of imports: upload (dry run), look at the report, commit."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from gisapp.dependencies import ActorDep, Permission, SessionDep, SettingsDep
from gisapp.errors import InvalidInput
from gisapp.imports import service
from gisapp.imports.mapping import FieldMapping
from gisapp.imports.schemas import UPLOAD_BODY, CommitRequest, ImportJobOut, RecheckRequest
from gisapp.imports.uploads import CHUNK, MB, UploadTooLarge
from gisapp.messages import N_, Message
from gisapp.settings import ImportSettings

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/imports", tags=["imports"])
FORM_OVERHEAD = 64 * 1024


def mapping_from(values: dict[str, Any]) -> FieldMapping:
    """The form's fields (type, crs, layer, mapping as JSON) as one FieldMapping."""
    raw = values.get("mapping") or "{}"
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise InvalidInput(Message(N_("not JSON: %(detail)s"), detail=str(exc)), field="mapping")
    if not isinstance(data, dict):
        raise InvalidInput(Message(N_("must be a JSON object")), field="mapping")
    for key in ("type", "crs", "layer"):
        if values.get(key):
            data[key] = values[key]
    try:
        return FieldMapping(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(err["msg"], field=".".join(["mapping", *map(str, err["loc"])]))


async def read_upload(upload: Any, limits: ImportSettings) -> bytes:
    """The uploaded file's bytes, refused past the size limit."""
    if not isinstance(upload, UploadFile):
        raise InvalidInput(Message(N_("send the file as multipart/form-data field 'file'")),
                           field="file")
    limit = int(limits.max_upload_mb * MB)
    chunks, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(Message(N_("the file is larger than %(num)s MB"),
                                 num=f"{limits.max_upload_mb:g}"))
        chunks.append(chunk)
    return b"".join(chunks)


async def form_upload(request: Request, limits: ImportSettings) -> tuple[bytes, str, dict]:
    """The multipart form, refused by its declared length before it is parsed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_upload_mb * MB + FORM_OVERHEAD:
        raise UploadTooLarge(Message(N_("the file is larger than %(num)s MB"),
                                 num=f"{limits.max_upload_mb:g}"))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput(Message(N_("send multipart/form-data with the file in the field "
                                      "'file'")),
                           field="file")
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    data = await read_upload(upload, limits)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return data, getattr(upload, "filename", "") or "", values


@router.post("", status_code=201, response_model=ImportJobOut, openapi_extra=UPLOAD_BODY)
async def upload(request: Request, session: SessionDep, access: Permission("data.import"),
                 actor: ActorDep, settings: SettingsDep):
    """Upload a file: it is checked row by row (dry run) and kept with its report; nothing
    is written to the inventory until the commit."""
    data, filename, values = await form_upload(request, settings.imports)
    mapping = mapping_from(values)
    return await service.dry_run(session, access.municipality, data, filename, mapping,
                                 settings, actor)


@router.get("", response_model=list[ImportJobOut])
async def list_imports(session: SessionDep, access: Permission("data.import")):
    """The latest imports, newest first."""
    return await service.list_jobs(session, access.municipality.id)


@router.get("/{import_id}", response_model=ImportJobOut)
async def get_import(import_id: uuid.UUID, session: SessionDep,
                     access: Permission("data.import")):
    """Status and report of one import."""
    return await service.get_job(session, access.municipality.id, import_id)


@router.post("/{import_id}/recheck", status_code=201, response_model=ImportJobOut)
async def recheck_import(import_id: uuid.UUID, data: RecheckRequest, session: SessionDep,
                         access: Permission("data.import"), actor: ActorDep,
                         settings: SettingsDep):
    """Check the kept file again with another field mapping: a new import with its own
    report (the columns and the mapping in force are in ``report``)."""
    return await service.recheck(session, access.municipality, import_id,
                                 data.model_dump(exclude_unset=True), settings, actor)


@router.post("/{import_id}/commit", response_model=ImportJobOut)
async def commit_import(import_id: uuid.UUID, session: SessionDep,
                        access: Permission("data.import"), actor: ActorDep,
                        settings: SettingsDep, data: CommitRequest | None = None):
    """Write the checked file: all rows in one transaction (rows with errors only when
    ``skip_invalid``), updating assets whose external id exists."""
    return await service.commit(session, access.municipality, import_id, settings, actor,
                                skip_invalid=bool(data and data.skip_invalid))
