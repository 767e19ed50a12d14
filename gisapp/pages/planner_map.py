"""The planner map (``/m/{slug}/map``): the inventory on a Leaflet map with a layer and a
legend per type, filters, the asset card with its history, spatial questions (a drawn
area, a district, along a street or a drawn line, around a point, the nearest N) whose
assets can be listed, exported and labelled, statistics per district, and a search by code
or name.

The page itself is a frame: the browser script (``gisapp/web/planner-map.js``) asks the
JSON API for everything, with the session cookie and the CSRF token, so the map shows what
the API lets this person see and do. Crews may open it read-only (no export, no labels).
Leaflet and its plugins come from npm, served under /static/vendor/; a basemap only when
``GISAPP_GEO__TILE_URL`` is set (its origin is then allowed for images on this page only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import select

from gisapp.asset_types.attribute_labels import attribute_labels
from gisapp.asset_types.service import list_types
from gisapp.assets.labels import STATUS_LABELS
from gisapp.dependencies import SessionDep
from gisapp.models import District, Street
from gisapp.pages.admin import admin_page
from gisapp.pages.errors import page_router
from gisapp.pages.templating import N_, gettext, page_language, render
from gisapp.security_headers import CSP_HEADER, content_security_policy
from gisapp.spatial.schemas import MAX_SEARCH_LIMIT
from gisapp.static import vendor_url
from gisapp.tags.printing import MAX_ASSETS as MAX_LABEL_ASSETS

router = page_router()

VENDOR_FILES = {
    "css": [("leaflet", "leaflet.css"), ("leaflet.markercluster", "MarkerCluster.css"),
            ("leaflet.markercluster", "MarkerCluster.Default.css"),
            ("leaflet-draw", "leaflet.draw.css")],
    "js": [("leaflet", "leaflet.js"), ("leaflet.markercluster", "leaflet.markercluster.js"),
           ("leaflet-draw", "leaflet.draw.js")],
}
# the kinds and results of maintenance records (MaintenanceKind, MaintenanceResult)
KIND_LABELS = {"inspection": N_("inspection"), "repair": N_("repair"),
               "lamp_replacement": N_("lamp replacement"), "cleaning": N_("cleaning"),
               "firmware_update": N_("firmware update"), "meter_reading": N_("meter reading"),
               "other": N_("other work")}
RESULT_LABELS = {"ok": N_("OK"), "fixed": N_("fixed"), "defect_found": N_("defect found"),
                 "not_possible": N_("not possible")}
EXPORT_FORMATS = {"gpkg": N_("GeoPackage"), "shp": N_("Shapefile (zip)"),
                  "geojson": N_("GeoJSON"), "csv": N_("CSV"),
                  "xlsx": N_("Excel workbook (XLSX)")}


def _script_texts(request: Request) -> dict[str, str]:
    """Texts the script writes itself, in the page's language."""
    _ = gettext(request)
    return {
        "loading": _("Loading …"), "failed": _("Could not load the data: %(reason)s"),
        "shown": _("Assets on the map: %(count)s"),
        "shown_capped": _("Assets on the map: the first %(count)s only. Hide layers or set a "
                          "filter to see the others."),
        "layers_hidden": _("(hidden: %(count)s)"),
        "filters_changed": _("(changed: %(count)s)"),
        "too_many": _("More than %(count)s assets: only the first ones are listed."),
        "no_results": _("Nothing found."), "overdue": _("overdue"),
        "next_due": _("Next due"), "last_maintenance": _("Last maintenance"),
        "history": _("History"), "maintenance": _("Maintenance"),
        "attributes": _("Attributes"), "status": _("Status"), "type": _("Type"),
        "none": _("none"), "create": _("created"), "update": _("changed"),
        "decommission": _("decommissioned"), "export_done": _("Export ready: %(name)s"),
        "labels_done": _("Label sheet ready (labels: %(count)s)"),
        "draw_first": _("Draw an area first."), "by": _("by %(who)s"),
        "no_labels": _("No assets to print labels for."),
        "too_many_labels": _("%(count)s assets: at most %(max)s labels can be printed at "
                             "once. Choose fewer layers, a filter or an area."),
        "draw_polygon": _("Draw an area"), "draw_rectangle": _("Draw a rectangle"),
        "finish": _("Finish"), "cancel": _("Cancel"), "delete_last": _("Delete last point"),
        "click_start": _("Click to start drawing the area."),
        "click_continue": _("Click to continue drawing the area."),
        "click_finish": _("Click the first point to close the area."),
        "drag_rectangle": _("Click and drag to draw a rectangle."),
        "draw_polyline": _("Draw a line"), "draw_marker": _("Set a point"),
        "line_start": _("Click to start drawing the line."),
        "line_continue": _("Click to continue drawing the line."),
        "line_finish": _("Click the last point again to finish the line."),
        "marker_start": _("Click the map to set the point."),
        "hint_area": _("Draw an area with the tool on the map (polygon or rectangle)."),
        "hint_line": _("Draw a line with the tool on the map, e.g. along the road to be rebuilt."),
        "hint_point": _("Set a point with the tool on the map."),
        "draw_line_first": _("Draw a line on the map first."),
        "set_point_first": _("Set a point on the map first."),
        "title_area": _("Assets in the drawn area"),
        "title_district": _("Assets in %(name)s"),
        "title_street": _("Assets within %(metres)s m of %(name)s"),
        "title_line": _("Assets within %(metres)s m of the drawn line"),
        "title_point": _("Assets within %(metres)s m of the point"),
        "title_nearest": _("The %(count)s assets nearest to the point"),
        "listed": _("Assets: %(count)s"), "metres": _("%(metres)s m"),
        "stats_all": _("The whole municipality, with the layers and filters chosen."),
        "stats_question": _("%(question)s, with the layers and filters chosen."),
        "stats_total": _("Total"), "outside": _("outside every district"),
        "reading": _("reading %(value)s"),
        "flagged": _("Recorded %(metres)s m from the asset (GPS ±%(accuracy)s m): the label "
                     "may not belong here, or the record was made elsewhere."),
        "review": _("Mark as reviewed"),
        "yes": _("yes"), "no": _("no"),
        "review_note": _("What you found (optional)"),
        "reviewed": _("Reviewed by %(who)s on %(date)s"),
        "withdrawn": _("Review taken back by %(who)s on %(date)s"),
        "withdraw": _("Take the review back"),
        "withdraw_note": _("Why (optional)"),
        "actor_token": _("API token %(name)s"), "actor_cli": _("command line (%(name)s)"),
        "actor_cli_plain": _("command line"),
        "stats_energy": _("Estimate: power × %(hours)s burning hours a year × %(factor)s "
                          "for dimmed lights."),
    }


def _policy(tile_url: str | None) -> str | None:
    """The page's CSP when the basemap comes from another server (images only)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    if "{s}" in tile_url:
        origin = f"{parts.scheme}://*.{parts.netloc.split('.', 1)[-1]}"
    return "; ".join(f"{d} {origin}" if d.startswith("img-src ") else d
                     for d in content_security_policy().split("; "))


@router.get("/m/{municipality}/map")
async def planner_map(request: Request, session: SessionDep,
                      access: admin_page("asset.read")):
    """The map page; everything on it is loaded by the script from the API."""
    _ = gettext(request)
    language = page_language(request)
    settings = request.app.state.settings
    slug = access.municipality.slug
    asset_types = await list_types(session, access.municipality.id)
    types = [{"code": t.code, "color": t.color or "#3388ff",
              "label": getattr(t, f"label_{language}", None) or t.label_de}
             for t in asset_types]
    attribute_names, choice_names = attribute_labels(settings, language).for_schemas(
        [t.attribute_schema for t in asset_types])
    geo = settings.geo
    mid = access.municipality.id
    districts = list(await session.scalars(
        select(District.name).where(District.municipality_id == mid).order_by(District.name)))
    streets = list(await session.scalars(
        select(Street.name).where(Street.municipality_id == mid).order_by(Street.name)))
    config = {
        "slug": slug, "api": f"/api/v1/municipalities/{slug}", "csrf": access.principal.csrf_token,
        "may_export": access.principal.may(access.municipality.id, "data.export"),
        "may_print": access.principal.may(access.municipality.id, "labels.print"),
        "may_review": access.principal.may(access.municipality.id, "maintenance.review"),
        "working_crs": access.municipality.working_crs, "types": types,
        "statuses": {k: _(v) for k, v in STATUS_LABELS.items()},
        "kinds": {k: _(v) for k, v in KIND_LABELS.items()},
        "results": {k: _(v) for k, v in RESULT_LABELS.items()},
        "tiles": ({"url": geo.tile_url, "attribution": geo.tile_attribution,
                   "max_zoom": geo.tile_max_zoom} if geo.tile_url else None),
        "text": _script_texts(request),
        "attribute_names": attribute_names, "choice_names": choice_names,
        "max_labels": MAX_LABEL_ASSETS, "max_assets": MAX_SEARCH_LIMIT,
    }
    root = request.app.state.vendor_dir
    vendor = {kind: [vendor_url(root, name, path) for name, path in files]
              for kind, files in VENDOR_FILES.items()}
    response = render(request, "map.html", {
        "config": config, "vendor": vendor, "types": types,
        "statuses": config["statuses"], "formats": {k: _(v) for k, v in EXPORT_FORMATS.items()},
        "may_export": config["may_export"], "may_print": config["may_print"],
        "districts": districts, "streets": streets,
    })
    policy = _policy(geo.tile_url)
    if policy:
        response.headers[CSP_HEADER] = policy
    return response
