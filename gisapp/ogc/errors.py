"""Errors of the OGC service: the app's error shape plus OGC's exception fields.

Every answer keeps gisapp's ``{error, detail: [{field, reason}]}`` (so the parameter is
named, as everywhere) and adds ``code`` and ``description``, the members of an OGC API
exception (OGC 17-069r4, 7.5.1). OGC demands 400 for bad parameters, where the rest of the
API answers 422 for bad values.
"""

from __future__ import annotations

from typing import Any

from gisapp.errors import GisappError


class OgcError(GisappError):
    """Base of the service's errors; ``ogc_code`` is the OGC exception code."""

    ogc_code = "Exception"

    def body(self) -> dict[str, Any]:
        return {**super().body(), "code": self.ogc_code, "description": self.message}


class InvalidParameter(OgcError):
    """A query parameter with a value the service cannot use."""

    status_code = 400
    code = "invalid_parameter"
    ogc_code = "InvalidParameterValue"


class UnknownParameter(OgcError):
    """A query parameter the resource does not know (OGC: 400, not ignored)."""

    status_code = 400
    code = "unknown_parameter"
    ogc_code = "InvalidParameterValue"


class NotAcceptable(OgcError):
    status_code = 406
    code = "not_acceptable"
    ogc_code = "NotAcceptable"


class OgcNotFound(OgcError):
    status_code = 404
    code = "not_found"
    ogc_code = "NotFound"
