"""The pages a member of a municipality may open, for the start page and the bar under the
header of every page of that municipality.

One list, filtered by the role's permissions (:data:`gisapp.auth.principal.PERMISSIONS`),
so a planner finds the import page from the map and the map from the OGC service, a crew
member is never shown a page that would answer 403, and a page added here appears in both
places at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from gisapp.auth.principal import PERMISSIONS, Principal
from gisapp.messages import N_


@dataclass(frozen=True)
class MemberLink:
    key: str
    href: str
    label: str  # a message id, translated by the template


#: key, path (``{slug}`` filled in), label, the permission it needs (None: every member)
_LINKS = (
    ("map", "/m/{slug}/map", N_("Map"), "asset.read"),
    ("imports", "/m/{slug}/imports", N_("Import"), "data.import"),
    ("ogc", "/ogc/{slug}", N_("GIS service (QGIS)"), "asset.read"),
    ("maps", "/maps/{slug}/", N_("Public maps"), None),
    ("admin", "/admin/{slug}/", N_("Administration"), "settings.manage"),
)


def member_links(role: str, slug: str) -> list[MemberLink]:
    """The pages of municipality ``slug`` that someone with ``role`` there may open."""
    allowed = PERMISSIONS[role]
    return [MemberLink(key, path.format(slug=slug), label)
            for key, path, label, needs in _LINKS if needs is None or needs in allowed]


def links_for(principal: Principal | None, municipality) -> list[MemberLink]:
    """The bar for this page: empty unless a logged-in person has a role in its
    municipality (the public and API tokens see none)."""
    if principal is None or principal.kind != "user" or municipality is None:
        return []
    role = principal.role_in(municipality.id)
    return member_links(role, municipality.slug) if role else []


def current_key(links: list[MemberLink], path: str) -> str | None:
    """Which link the page at ``path`` belongs to (its own or one of its sub-pages)."""
    best = None
    for link in links:
        base = link.href.rstrip("/")
        if (path == base or path.startswith(base + "/")) and (
                best is None or len(base) > len(best.href.rstrip("/"))):
            best = link
    return best.key if best else None
