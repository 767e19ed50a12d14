"""Query parameters of the OGC resources, checked by hand: OGC wants unknown parameters
refused with 400 (not ignored), and the items route is the hot path, so no model is built
per request. Every problem names its parameter."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from starlette.datastructures import QueryParams

from gisapp.messages import N_, Message
from gisapp.ogc.errors import InvalidParameter, UnknownParameter

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# parameters every resource accepts: the format, the page language (HTML)
COMMON = frozenset({"f", "lang"})
FORMATS = ("json", "html")


def check_known(params: QueryParams, allowed: Iterable[str]) -> None:
    """400 naming the first parameter the resource does not know, or a repeated one."""
    known = COMMON.union(allowed)
    for key in params.keys():
        if key not in known:
            raise UnknownParameter(Message(
                N_("unknown query parameter %(name)s; this resource accepts: %(known)s"),
                name=repr(key), known=", ".join(sorted(known))), field=key)
    for key in set(params.keys()):
        if len(params.getlist(key)) > 1:
            raise InvalidParameter(Message(N_("%(name)s is given more than once"), name=repr(key)),
                                   field=key)


def wants_html(params: QueryParams, accept: str | None) -> bool:
    """``f=html``/``f=json`` decides; otherwise HTML only when the Accept header lists
    text/html before any JSON type (browsers), JSON for everything else (GIS clients)."""
    f = params.get("f")
    if f is not None:
        if f not in FORMATS:
            raise InvalidParameter(Message(N_("f must be one of %(allowed)s"),
                                           allowed=", ".join(FORMATS)), field="f")
        return f == "html"
    if not accept:
        return False
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if "json" in media:
            return False
    return False


def limit(params: QueryParams) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidParameter(Message(N_("limit must be a whole number from 1 to %(num)s"),
                                       num=MAX_LIMIT), field="limit")
    value = int(raw)
    if value < 1:
        raise InvalidParameter(Message(N_("limit must be from 1 to %(num)s"), num=MAX_LIMIT),
                               field="limit")
    # OGC: a limit above the maximum is reduced to it, not refused
    return min(value, MAX_LIMIT)


def bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """Four numbers (or six, with heights, which are dropped), lower corner first."""
    if raw is None:
        return None
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        raise InvalidParameter(Message(N_("bbox must be 4 numbers: minx,miny,maxx,maxy")),
                               field="bbox")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise InvalidParameter(Message(N_("bbox must be 4 finite numbers: minx,miny,maxx,maxy")),
                               field="bbox")
    if parts[1] > parts[3]:
        raise InvalidParameter(Message(N_("the lower corner lies above the upper one")),
                               field="bbox")
    if parts[0] > parts[2]:
        raise InvalidParameter(Message(N_("bboxes across the antimeridian are not supported")),
                               field="bbox")
    return parts[0], parts[1], parts[2], parts[3]


def cursor(params: QueryParams, name: str) -> uuid.UUID | None:
    """A paging cursor (a feature id); only the links the service writes carry one."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidParameter(Message(N_("%(name)s must be a feature id from a next/prev link"),
                                       name=name), field=name)


@dataclass(frozen=True)
class Interval:
    start: datetime | None
    end: datetime | None  # inclusive


def _instant(raw: str, *, end: bool) -> datetime:
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(Message(
            N_("%(value)s is not an RFC 3339 date-time (e.g. 2024-05-01T00:00:00Z)"),
            value=repr(raw)), field="datetime")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def datetime_interval(raw: str | None) -> Interval | None:
    """``datetime``: an instant, ``start/end``, ``../end`` or ``start/..`` (RFC 3339)."""
    if raw is None:
        return None
    if "/" not in raw:
        return Interval(_instant(raw, end=False), _instant(raw, end=True))
    first, _, second = raw.partition("/")
    start = None if first in ("..", "") else _instant(first, end=False)
    stop = None if second in ("..", "") else _instant(second, end=True)
    if start is None and stop is None:
        raise InvalidParameter(Message(N_("an interval needs at least one end")),
                               field="datetime")
    if start and stop and start > stop:
        raise InvalidParameter(Message(N_("the interval ends before it starts")),
                               field="datetime")
    return Interval(start, stop)
