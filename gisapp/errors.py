"""Domain errors and the one table that maps them to HTTP answers.

Services raise these; they know nothing of HTTP. :func:`install_handlers` turns each into a
JSON body of the same shape everywhere::

    {"detail": [{"field": "geometry", "reason": "self-intersection at (7.1 49.9)"}],
     "error": "invalid_input"}

A problem raised as a :class:`~gisapp.messages.Message` also carries ``message`` and
``params``, and every problem gets ``text``: its reason in the language the request asks for
(the ``gisapp_lang`` cookie, the account, ``Accept-Language``; German by default), which is
what the field app and the planner map show. ``reason`` stays the English sentence, so
scripts can rely on it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gisapp import i18n
from gisapp.messages import Message, problem_fields, translated


class GisappError(Exception):
    """Base of all domain errors: a machine code, a status and per-field problems."""

    status_code = 400
    code = "error"
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str | Message,
        *,
        field: str | None = None,
        extra: dict | None = None,
        details: list[dict[str, Any]] | None = None,
    ):
        super().__init__(str(message))
        #: the English sentence (logs, CLIs, ``reason``)
        self.message = str(message)
        self.reason = message
        self.field = field
        self.extra = extra or {}
        self.details = details

    def problems(self) -> list[dict[str, Any]]:
        """Every problem with its field (when it has one), reason, and message/params."""
        if self.details:
            return self.details
        item = problem_fields(self.reason)
        return [{"field": self.field, **item} if self.field else item]

    def body(self) -> dict[str, Any]:
        """The JSON answer for this error: every problem with its field and reason."""
        return {"error": self.code, "detail": self.problems(), **self.extra}


class InvalidInput(GisappError):
    """A value the caller sent is wrong; ``field`` names it (dotted path)."""

    status_code = 422
    code = "invalid_input"


class InvalidGeometry(InvalidInput):
    """A geometry is broken, out of range, of the wrong kind, or outside the municipality."""

    code = "invalid_geometry"


class UnknownCRS(InvalidInput):
    """An EPSG code or CRS URI that pyproj does not know."""

    status_code = 400
    code = "unknown_crs"


class NotFound(GisappError):
    """No such object here. Also used for objects the caller may not see."""

    status_code = 404
    code = "not_found"


class Conflict(GisappError):
    """The write collides with the current state (duplicate code, stale version)."""

    status_code = 409
    code = "conflict"


class PreconditionRequired(GisappError):
    """An update came without the version it is based on."""

    status_code = 428
    code = "precondition_required"


class DatabaseUnavailable(GisappError):
    """PostgreSQL/PostGIS cannot be reached or is missing something."""

    status_code = 503
    code = "database_unavailable"


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """FastAPI's request validation, in our shape: dotted field path and a reason."""
    items = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        reason = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            # FastAPI puts the character offset where a field name would be
            where = f" at character {loc[0]}" if loc else ""
            reason = f"malformed JSON{where}: " + str(err.get("ctx", {}).get("error", reason))
            loc = ["body"]
        items.append({"field": ".".join(loc) or "body", "reason": reason})
    return {"error": "invalid_input", "detail": items}


def with_texts(body: dict[str, Any], request: Request) -> dict[str, Any]:
    """The body with each problem's ``text`` in the request's language."""
    gettext = request.app.state.translations[i18n.request_language(request)].gettext
    body["detail"] = [{**item, "text": translated(item, gettext)} for item in body["detail"]]
    return body


def install_handlers(app: FastAPI) -> None:
    """Register the error table on an app."""

    @app.exception_handler(GisappError)
    async def _domain(request: Request, exc: GisappError) -> JSONResponse:
        return JSONResponse(with_texts(exc.body(), request), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(with_texts(_validation_body(exc), request), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return JSONResponse(
            with_texts({"error": code, "detail": [{"reason": str(exc.detail)}]}, request),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
