"""Write the demo municipality (slug ``demo``) into the database.

Content is deterministic (seeded); dates are relative to the day of loading, so the demo
always shows a realistic mix of recently maintained, due and overdue assets.
"""

from __future__ import annotations

import base64
import random
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from geoalchemy2.shape import from_shape
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.asset_types.service import get_type, validate_attributes
from gisapp.auth.passwords import hash_password
from gisapp.database import admin_url, make_engine, make_sessionmaker, session_scope
from gisapp.demo.street_lights import street_light
from gisapp.demo.village import SEED, frames, generate
from gisapp.models import (
    ApiToken, AppUser, Asset, AssetHistory, AssetType, District, FieldConflict,
    MaintenanceRecord, MaintenanceReview, Membership, Municipality, Photo, Street, Tag,
    TagEvent,
)
from gisapp.municipalities import service as municipalities
from gisapp.municipalities.schemas import MunicipalityCreate
from gisapp.settings import Settings

SLUG = "demo"
NAME = "Musterdorf"
ACTOR = "demo"
# The demo's people: one login per role, all with the demo password.
DEMO_USERS = [
    ("admin", "Amtsleitung (Demo)", "admin"),
    ("planner", "Bauamt (Demo)", "planner"),
    ("crew", "Bauhof (Demo)", "crew"),
]

CHARGER_SITES = ["Rathaus", "Sporthalle", "Dorfgemeinschaftshaus", "Friedhofshalle",
                 "Bürgerhaus Oberweiler", "Wanderhütte"]
HOTSPOT_SITES = ["Rathaus", "Dorfgemeinschaftshaus", "Sporthalle", "Bürgerhaus Oberweiler",
                 "Gemeindehaus Niederbach", "Jugendraum"]


class _Builder:
    """Collects asset rows and maintenance records with deterministic ids and dates."""

    def __init__(self, municipality_id: uuid.UUID, today: date, seed: int):
        self.mid = municipality_id
        self.today = today
        self.rng = random.Random(seed + 1)
        self.assets: list[dict] = []
        self.records: list[dict] = []
        self.counters: dict[str, int] = {}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def days_ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.rng.randint(lo, hi))

    def when(self, day: date) -> datetime:
        return datetime.combine(day, time(7 + self.rng.randint(0, 8), self.rng.choice((0, 15, 30, 45))),
                                tzinfo=UTC)

    def asset(self, type_code: str, prefix: str, point, *, name: str, attributes: dict,
              status: str = "active", installed_on: date | None = None, parent=None,
              manufacturer=None, model=None, public: bool = True) -> dict:
        n = self.counters[prefix] = self.counters.get(prefix, 0) + 1
        row = {
            "municipality_id": self.mid, "id": self.uuid(), "code": f"{prefix}-{n:04d}",
            "type_code": type_code, "name": name, "status": status,
            "geom": from_shape(point, srid=4326), "attributes": attributes,
            "installed_on": installed_on, "manufacturer": manufacturer, "model": model,
            "is_public": public, "parent_id": parent["id"] if parent else None,
            "created_by": ACTOR, "updated_by": ACTOR,
        }
        self.assets.append(row)
        return row

    def record(self, asset: dict, kind: str, day: date, result: str = "ok", notes: str = "",
               reading: Decimal | None = None) -> None:
        self.records.append({
            "municipality_id": self.mid, "id": self.uuid(), "asset_id": asset["id"], "kind": kind,
            "performed_at": self.when(day), "performed_by": self.rng.choice(
                ["Bauhof: M. Weber", "Bauhof: S. Klein", "Bauhof: J. Schmitt", "Fa. Elektro Hahn"]),
            "result": result, "notes": notes, "reading_value": reading, "created_by": ACTOR,
        })


def _street_lights(b: _Builder, lights) -> dict[str, list[dict]]:
    rng = b.rng
    by_street: dict[str, list[dict]] = {}
    for _, lt in lights.sort_values(["district", "street"]).iterrows():
        light = street_light(rng, b.days_ago, f"SK-{lt['district'][:2].upper()}")
        status, led = light.status, light.led
        asset = b.asset(
            "street_light", "SL", lt.geometry, name=f"{lt['street']}, Mast",
            attributes=light.attributes, status=status, installed_on=light.installed_on,
            manufacturer=light.manufacturer, model=light.model,
        )
        by_street.setdefault(lt["street"], []).append(asset)
        if status in ("planned", "decommissioned"):
            continue
        if rng.random() < 0.85:
            day = b.days_ago(3, 360)
            defect = status == "defective"
            b.record(asset, "inspection", day, "defect_found" if defect else "ok",
                     "Leuchte ohne Funktion" if defect else "")
        if not led and rng.random() < 0.08:
            b.record(asset, "lamp_replacement", b.days_ago(10, 300), "fixed", "Leuchtmittel getauscht")
        if status == "active" and rng.random() < 0.04:
            b.record(asset, "repair", b.days_ago(10, 300), "fixed", "Vorschaltgerät ersetzt")
    return by_street


#: the meters' names say their medium in the demo municipality's language (the attribute
#: ``medium`` keeps the schema's code)
MEDIUM_NAMES = {"electricity": "Strom", "water": "Wasser", "heat": "Wärme"}


def _meters(b: _Builder, buildings) -> int:
    count = 0
    for _, bd in buildings.iterrows():
        media = ["electricity"] + (["water"] if b.rng.random() < 0.6 else []) + (
            ["heat"] if b.rng.random() < 0.3 else [])
        for medium in media:
            smart = medium == "electricity" and b.rng.random() < 0.4
            unit = {"electricity": "kWh", "water": "m3", "heat": "MWh"}[medium]
            meter = b.asset(
                "meter", "MTR", bd.geometry, name=f"{bd['name']} ({MEDIUM_NAMES[medium]})",
                public=False,
                attributes={"medium": medium, "meter_number": f"1{b.rng.randint(10**8, 10**9 - 1)}",
                            "smart": smart, "reading_interval": "15min" if smart else "monthly",
                            "building": f"{bd['name']}, {bd['street']}", "unit": unit},
                installed_on=b.days_ago(365 * 2, 365 * 15),
            )
            count += 1
            value = Decimal(b.rng.randint(1000, 90000))
            per_month = {"electricity": 900, "water": 40, "heat": 8}[medium]
            for months_ago in range(12, 0, -1):
                value += Decimal(int(per_month * b.rng.uniform(0.6, 1.4)))
                b.record(meter, "meter_reading", b.today - timedelta(days=30 * months_ago - 2),
                         reading=value)
    return count


def _point_near(b: _Builder, p, metres: float):
    # ~1e-5 degrees per metre at this latitude (good enough for placing things nearby)
    from shapely.geometry import Point

    return Point(p.x + b.rng.uniform(-metres, metres) * 1.4e-5,
                 p.y + b.rng.uniform(-metres, metres) * 0.9e-5)


def _chargers(b: _Builder, places) -> None:
    for site in CHARGER_SITES:
        fast = site in ("Rathaus", "Sporthalle")
        connectors = [{"type": "Type2", "power_kw": 22}, {"type": "Type2", "power_kw": 22}]
        if fast:
            connectors.append({"type": "CCS", "power_kw": 50})
        asset = b.asset(
            "charging_station", "EV", _point_near(b, places[site], 15),
            name=f"Ladestation {site}", manufacturer=b.rng.choice(["ABL", "Mennekes", "Compleo"]),
            installed_on=b.days_ago(200, 365 * 5),
            attributes={"operator": "Gemeindewerke Musterdorf", "charging_points": len(connectors),
                        "connectors": connectors, "access": "public",
                        "payment": ["ad_hoc_card", "app", "rfid"],
                        "evse_ids": [f"DE*GMD*E{b.rng.randint(10000, 99999)}{i}"
                                     for i in range(len(connectors))],
                        "opening_hours": "24/7"},
        )
        b.record(asset, "inspection", b.days_ago(20, 340), "ok", "DGUV V3 Prüfung")


def _hotspots(b: _Builder, places, lights_by_street) -> None:
    for site in HOTSPOT_SITES:
        provider = b.rng.choice(["WiFi4EU", "Freifunk"])
        asset = b.asset(
            "wlan_hotspot", "WL", _point_near(b, places[site], 10), name=f"WLAN {site}",
            installed_on=b.days_ago(100, 365 * 4), manufacturer="Ubiquiti",
            attributes={"ssid": "WiFi4EU" if b.rng.random() < 0.5 else "Freifunk",
                        "provider": b.rng.choice(["WiFi4EU", "Freifunk"]),
                        "bands": ["2.4GHz", "5GHz"], "backhaul": "fibre", "indoor": False,
                        "admin_contact": "it@musterdorf.example"},
        )
        b.record(asset, "firmware_update", b.days_ago(5, 200), "ok", "Firmware aktualisiert")
    poles = [p for p in lights_by_street.get("Hauptstraße", []) if p["status"] == "active"]
    for i, pole in enumerate(b.rng.sample(poles, 6)):
        b.asset("wlan_hotspot", "WL", _point_near(b, _shape(pole), 0.5),
                name=f"Freifunk Hauptstraße {i + 1}", parent=pole,
                installed_on=b.days_ago(100, 365 * 3), manufacturer="TP-Link",
                attributes={"ssid": "Freifunk", "provider": "Freifunk",
                            "node_id": f"{b.rng.getrandbits(48):012x}", "bands": ["2.4GHz"],
                            "backhaul": "mesh"})


def _shape(asset_row: dict):
    from geoalchemy2.shape import to_shape

    return to_shape(asset_row["geom"])


def _sensors(b: _Builder, lights_by_street, places) -> None:
    poles = [p for street, ps in sorted(lights_by_street.items()) for p in ps
             if p["status"] == "active"]
    mounted = b.rng.sample(poles, 12)
    plan = (
        [("Luftqualität", ["pm10", "pm2_5", "temperature", "humidity"], "SDS011 + BME280", True)] * 10
        + [("Lärm", ["noise"], "DNMS", True)] * 2
        + [("Bodenfeuchte", ["soil_moisture", "temperature"], "Dragino LSE01", False)] * 5
        + [("Pegel Niederbach", ["water_level"], "Dragino LDDS75", False)] * 3
        + [("Wetter", ["temperature", "humidity", "air_pressure"], "Bosch BME280", False)] * 3
        + [("Globalstrahlung", ["solar_radiation"], "Apogee SP-510", False)] * 2
    )
    spots = list(places.values())
    for i, (label, quantities, model, on_pole) in enumerate(plan):
        parent = mounted.pop() if on_pole else None
        point = _point_near(b, _shape(parent), 0.5) if parent else _point_near(
            b, spots[i % len(spots)], 80)
        asset = b.asset(
            "sensor", "SN", point, name=f"{label} {i + 1}", parent=parent, model=model,
            manufacturer=model.split()[0], installed_on=b.days_ago(60, 365 * 3),
            status="defective" if i == 7 else "active",
            attributes={"quantities": quantities, "transport": "LoRaWAN" if i % 4 else "WLAN",
                        "device_eui": f"{b.rng.getrandbits(64):016X}",
                        "sensor_model": model, "battery_powered": not on_pole},
        )
        b.record(asset, "cleaning", b.days_ago(30, 170), "ok", "Gehäuse gereinigt")
        if b.rng.random() < 0.5:
            b.record(asset, "firmware_update", b.days_ago(5, 120), "ok")


async def _remove(session: AsyncSession, municipality_id: uuid.UUID) -> None:
    # unlink parents first: that update writes history rows, which go with the rest
    await session.execute(
        Asset.__table__.update().where(Asset.municipality_id == municipality_id).values(parent_id=None)
    )
    for model in (TagEvent, Tag, Photo, MaintenanceReview, FieldConflict, MaintenanceRecord,
                  AssetHistory, Asset, AssetType, District, Street, Membership, ApiToken):
        await session.execute(delete(model).where(model.municipality_id == municipality_id))
    await session.execute(delete(Municipality).where(Municipality.id == municipality_id))


BLANK_LABELS = 20


def _tags(b: _Builder) -> list[dict]:
    """A QR label on every asset still in use, and blank pre-numbered labels; tokens from
    the seeded generator, so the demo's label URLs are the same on every load."""
    def token() -> str:
        return base64.urlsafe_b64encode(b.rng.randbytes(16)).rstrip(b"=").decode()

    rows = [{"municipality_id": b.mid, "token": token(), "short_code": f"DEMO-{a['code']}",
             "kind": "qr", "state": "active", "asset_id": a["id"], "created_by": ACTOR,
             "assigned_by": ACTOR}
            for a in b.assets if a["status"] != "decommissioned"]
    rows += [{"municipality_id": b.mid, "token": token(), "short_code": f"DEMO-L-{n:06d}",
              "kind": "qr", "state": "unassigned", "asset_id": None, "created_by": ACTOR,
              "assigned_by": None} for n in range(1, BLANK_LABELS + 1)]
    return rows


async def _demo_users(session: AsyncSession, municipality_id: uuid.UUID, password: str) -> None:
    """admin, planner and crew, each a member of the demo with that role."""
    hashed = hash_password(password)
    for username, display, role in DEMO_USERS:
        user_id = await session.scalar(
            pg_insert(AppUser).values(username=username, display_name=display,
                                      password_hash=hashed, created_by=ACTOR)
            .on_conflict_do_update(index_elements=[AppUser.username],
                                   set_={"password_hash": hashed, "is_active": True})
            .returning(AppUser.id)
        )
        session.add(Membership(municipality_id=municipality_id, user_id=user_id, role=role,
                               created_by=ACTOR))
    await session.flush()


def demo_password(settings: Settings) -> str:
    """GISAPP_DEMO_PASSWORD, or one generated once and kept in .gisapp/demo-password."""
    if settings.demo_password:
        return settings.demo_password.get_secret_value()
    path = Path(settings.database.local_dir).parent / "demo-password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(password + "\n")
    except OSError:
        pass  # read-only installation (container): the password is printed once
    return password


async def write_demo(session: AsyncSession, today: date | None = None,
                     seed: int = SEED, password: str | None = None) -> dict[str, int]:
    """Create the demo municipality with its inventory in the session's transaction, and
    the demo users when a password is given."""
    village = generate(seed)
    gdfs = frames(village)
    boundary = gdfs["boundary"].geometry.iloc[0].__geo_interface__
    mid = await municipalities.create(
        session,
        MunicipalityCreate(slug=SLUG, name=NAME, working_crs=25832, default_language="de",
                           boundary=boundary),
        ACTOR,
    )
    await session.execute(insert(District), [
        {"municipality_id": mid, "name": r["name"], "geom": from_shape(r.geometry, srid=4326)}
        for _, r in gdfs["districts"].iterrows()])
    await session.execute(insert(Street), [
        {"municipality_id": mid, "name": r["name"], "geom": from_shape(r.geometry, srid=4326)}
        for _, r in gdfs["streets"].iterrows()])

    b = _Builder(mid, today or datetime.now(UTC).date(), seed)
    lights_by_street = _street_lights(b, gdfs["lights"])
    places = {r["name"]: r.geometry for _, r in gdfs["buildings"].iterrows()}
    _meters(b, gdfs["buildings"])
    _chargers(b, places)
    _hotspots(b, places, lights_by_street)
    _sensors(b, lights_by_street, places)

    types = {}
    for row in b.assets:
        code = row["type_code"]
        types.setdefault(code, await get_type(session, mid, code))
        validate_attributes(types[code], row["attributes"])
    # parents first: lights carry hotspots and sensors
    ordered = [r for r in b.assets if r["parent_id"] is None] + [
        r for r in b.assets if r["parent_id"] is not None]
    await session.execute(insert(Asset), ordered)
    await session.execute(insert(MaintenanceRecord), b.records)
    tags = _tags(b)
    await session.execute(insert(Tag), tags)

    counts = {}
    for code in types:
        counts[code] = sum(1 for r in b.assets if r["type_code"] == code)
    counts["maintenance records"] = len(b.records)
    counts["labels"] = len(tags)
    counts["streets"] = len(gdfs["streets"])
    counts["districts"] = len(gdfs["districts"])
    if password:
        await _demo_users(session, mid, password)
        counts["users"] = len(DEMO_USERS)
    return counts


async def load_demo(settings: Settings, *, only_if_empty: bool, replace: bool = False,
                    today: date | None = None) -> dict[str, int] | None:
    """Load the demo unless it (or, with ``only_if_empty``, any municipality) exists."""
    engine = make_engine(settings, admin_url(settings))  # the owner loads, like a migration
    try:
        async with session_scope(make_sessionmaker(engine), actor=ACTOR, db_role=None) as session:
            if only_if_empty and await session.scalar(select(func.count()).select_from(Municipality)):
                return None
            existing = await session.scalar(select(Municipality.id).where(Municipality.slug == SLUG))
            if existing and not replace:
                return None
            if existing:
                await _remove(session, existing)
            return await write_demo(session, today=today, password=demo_password(settings))
    finally:
        await engine.dispose()
