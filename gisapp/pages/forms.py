"""Form posts on pages: what was typed, and the problems with it, per field.

A form with problems is shown again with everything the person typed and each problem next
to its field, in the page's language: the services' problems from their messages
(:mod:`gisapp.messages`), the schemas' from :func:`validation_errors`.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from starlette.datastructures import FormData

from gisapp.errors import Conflict, GisappError, InvalidInput
from gisapp.messages import translated

Gettext = Callable[[str], str]


def values_of(form: FormData) -> dict[str, str]:
    """The typed values to show again (text fields; files cannot be refilled)."""
    return {key: value for key, value in form.items()
            if isinstance(value, str) and key != "csrf_token"}


def field_of(path: str | None) -> str:
    """The form field a service's dotted field path belongs to (``boundary.coordinates``
    → ``boundary``); problems without a field belong to the whole form."""
    return (path or "form").split(".")[0] or "form"


def domain_errors(exc: GisappError, _: Gettext) -> dict[str, str]:
    """A service's problems by form field, the first one per field, in the page's language."""
    errors: dict[str, str] = {}
    for item in exc.problems():
        errors.setdefault(field_of(item.get("field")), translated(item, _))
    return errors


def status_of(exc: GisappError) -> int:
    """Input problems are 422 on pages (a taken name too); other errors keep their code."""
    return 422 if isinstance(exc, (InvalidInput, Conflict)) else exc.status_code


def validation_errors(exc: ValidationError, _: Gettext) -> dict[str, str]:
    """A schema's problems by form field, in the page's language."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("form",)
        errors.setdefault(str(loc[0]), _validation_message(error, _))
    return errors


def _validation_message(error: dict, _: Gettext) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("Please fill in this field.")
    if kind == "string_too_short":
        return _("Too short: at least %(num)s characters.") % {"num": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Too long: at most %(num)s characters.") % {"num": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("This is not in the expected form; see the hint.")
    if kind in ("literal_error", "enum"):
        return _("Please choose one of the options.")
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Please enter a whole number.")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("This number is out of the allowed range.")
    return error.get("msg", _("This value is not valid."))
