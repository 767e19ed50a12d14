"""Output formats shared by the routers: plain JSON objects or GeoJSON features."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request

GEOJSON = "application/geo+json"
Format = Literal["json", "geojson"]


def wants_geojson(request: Request, f: str | None) -> bool:
    """``?f=geojson`` or an Accept header that prefers GeoJSON."""
    if f:
        return f == "geojson"
    return GEOJSON in request.headers.get("accept", "")


def feature(item: dict[str, Any]) -> dict[str, Any]:
    """An asset as a GeoJSON Feature; its id is the asset's random id."""
    props = {k: v for k, v in item.items() if k not in ("geometry", "id")}
    return {"type": "Feature", "id": str(item["id"]), "geometry": item["geometry"],
            "properties": props}


def feature_collection(items: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    links = [{"rel": "next", "type": GEOJSON, "href": next_url}] if next_url else []
    return {"type": "FeatureCollection", "features": [feature(i) for i in items],
            "numberReturned": len(items), "links": links}
