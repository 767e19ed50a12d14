"""Texts a service writes for people, kept translatable.

A service (the import's checks, the attribute schema check) describes a problem as an
English text with named parameters, ``Message(N_("lies %(metres)s m outside …"), metres=…)``.
The API answers the English sentence as ``reason`` and adds ``message`` and ``params``; a page
shows the same problem in the reader's language from the catalogs (``gisapp/locale``), so the
text is written once and the API stays as it was. Parameters are values from the data
(numbers, names, quoted cell values) and are never translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark a message for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True, init=False)
class Message:
    """An English text with ``%(name)s`` parameters, translated where it is shown."""

    text: str
    params: Mapping[str, Any]

    def __init__(self, text: str, **params: Any):
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "params", params)

    def __str__(self) -> str:
        return self.text % self.params if self.params else self.text

    def fields(self) -> dict[str, Any]:
        """The members of a problem's JSON: the sentence, and what a page translates
        (parameters that are not JSON scalars, such as a meter's Decimal, as text)."""
        params = {k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
                  for k, v in self.params.items()}
        return {"reason": str(self), "message": self.text, "params": params}


def problem_fields(reason: str | Message | Mapping[str, Any]) -> dict[str, Any]:
    """``reason`` (and, for a Message or a problem that has them, ``message`` and
    ``params``) of a problem."""
    if isinstance(reason, Message):
        return reason.fields()
    if isinstance(reason, Mapping):
        return {k: reason[k] for k in ("reason", "message", "params") if k in reason}
    return {"reason": reason}


#: parameters that are measured quantities, written in the reader's number format where a
#: locale is given ("286.977 m", "14.404" rows in German). Not cell values, a schema's limits (a year such
#: as 1900 must not become "1.900"), ids or coordinates (whose decimals must all stay).
QUANTITIES = frozenset({"metres", "tolerance", "accuracy", "km", "rows", "rows_inside"})


def translated(problem: Mapping[str, Any], gettext: Callable[[str], str],
               locale: str | None = None) -> str:
    """A problem's reason in the language of ``gettext`` (its quantities in ``locale``'s
    number format); the English reason when the problem carries no message (or its
    translation does not fit its parameters)."""
    text = problem.get("message")
    if not text:
        return str(problem.get("reason", ""))
    params = problem.get("params") or {}
    if locale and params:
        params = {k: format_decimal(v, locale=locale)
                  if k in QUANTITIES and isinstance(v, (int, float)) and not isinstance(v, bool)
                  else v for k, v in params.items()}
    try:
        return gettext(text) % params if params else gettext(text)
    except (KeyError, TypeError, ValueError):
        return str(problem.get("reason", text))
