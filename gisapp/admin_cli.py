"""Operator commands: municipalities and people (``gisapp municipality …``, ``gisapp user …``).

For the IT service that runs the installation. New municipalities and people go through
the same services as the API and the admin pages; linking an existing person to a further
municipality and naming installation administrators need the schema owner, because no
single municipality may see or change that.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlalchemy import text

from gisapp.database import (
    admin_url, make_engine, make_sessionmaker, session_scope, set_municipality,
)
from gisapp.errors import GisappError
from gisapp.settings import load_settings

municipality_app = typer.Typer(help="Municipalities of this installation.", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
tags_app = typer.Typer(help="Labels (QR, NFC) of assets.", no_args_is_help=True)

Role = typer.Option(help="admin, planner or crew")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _run(fn, *, owner: bool = False, **context):
    """Run ``fn(session)`` in one transaction, as the app (with ``context``) or the owner."""

    async def run():
        settings = load_settings()
        engine = make_engine(settings, admin_url(settings) if owner else None)
        try:
            maker = make_sessionmaker(engine)
            extra = {"db_role": None} if owner else context
            async with session_scope(maker, actor="cli", **extra) as session:
                return await fn(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except GisappError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)


def _password(password: str | None, stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if password:
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user_id(username: str):
    """The account's id (any municipality's), or None."""

    async def fn(session):
        return await session.scalar(
            text("SELECT id FROM app_user WHERE username = lower(:u)"), {"u": username})

    return _run(fn, owner=True)


@municipality_app.command("add")
def municipality_add(
    slug: str,
    name: Annotated[str, typer.Option(help="Name as people write it")],
    crs: Annotated[int, typer.Option(help="Working CRS (EPSG), e.g. 25832, 25833, 2169")] = 25832,
    language: Annotated[str, typer.Option(help="de, en or fr")] = "de",
    boundary: Annotated[Optional[Path], typer.Option(
        help="GeoJSON file with the boundary (Polygon/MultiPolygon or one such Feature)")] = None,
    boundary_crs: Annotated[str, typer.Option(help="CRS of the boundary file")] = "EPSG:4326",
) -> None:
    """Add a municipality with its copy of the built-in asset types."""
    from pydantic import ValidationError

    from gisapp.municipalities import service
    from gisapp.municipalities.schemas import MunicipalityCreate

    try:
        geometry = _boundary_geometry(boundary) if boundary else None
        data = MunicipalityCreate(slug=slug, name=name, working_crs=crs,
                                  default_language=language, boundary=geometry,
                                  boundary_crs=boundary_crs if boundary else None)
    except (ValidationError, ValueError, OSError) as exc:
        _fail(str(exc))
    _run(lambda s: service.create(s, data, "cli"), superuser=True)
    typer.echo(f"added municipality {slug}; next: gisapp user add NAME -m {slug} --role admin")


def _boundary_geometry(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
        if len(features) != 1:
            raise ValueError(f"{path}: expected one feature, found {len(features)}")
        doc = features[0]
    if doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: no geometry found")
    return doc


@municipality_app.command("list")
def municipality_list() -> None:
    """Slug, name, working CRS and number of assets of every municipality."""

    async def fn(session):
        return (await session.execute(text(
            "SELECT m.slug, m.name, m.working_crs, m.default_language,"
            " (SELECT count(*) FROM asset a WHERE a.municipality_id = m.id)"
            " FROM municipality m ORDER BY m.slug"))).all()

    for slug, name, crs, lang, n in _run(fn, owner=True):
        typer.echo(f"{slug:<24} EPSG:{crs:<6} {lang}  {n:>7} assets  {name}")


@user_app.command("add")
def user_add(
    username: str,
    municipality: Annotated[str, typer.Option("--municipality", "-m")],
    role: Annotated[str, Role],
    display_name: Annotated[str, typer.Option("--name")] = "",
    password: Annotated[Optional[str], typer.Option(help="Prompted when not given")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Give a person a role in a municipality: a new account, or an existing one (a shared
    building yard) that gets a further membership."""
    from gisapp.auth.passwords import hash_password
    from gisapp.errors import InvalidInput
    from gisapp.users.schemas import MemberCreate

    if role not in ("admin", "planner", "crew"):
        _fail("role: admin, planner or crew")

    user_id = _user_id(username)
    if user_id:
        async def link(session):
            mid = await session.scalar(text("SELECT id FROM municipality WHERE slug = :s"),
                                       {"s": municipality})
            if mid is None:
                raise InvalidInput(f"no municipality {municipality!r}", field="municipality")
            await session.execute(text(
                "INSERT INTO membership (municipality_id, user_id, role, created_by)"
                " VALUES (:m, :u, :r, 'cli') ON CONFLICT (municipality_id, user_id)"
                " DO UPDATE SET role = excluded.role"), {"m": mid, "u": user_id, "r": role})

        _run(link, owner=True)
        typer.echo(f"{username} now has the role {role} in {municipality}")
        return
    secret = _password(password, password_stdin)
    try:
        hash_password(secret)
        data = MemberCreate(username=username, display_name=display_name, role=role,
                            password=secret)
    except Exception as exc:  # pydantic or strength errors, shown as they are
        _fail(str(getattr(exc, "message", exc)))

    async def create(session):
        from gisapp.municipalities.service import get_ref
        from gisapp.users.service import add_member

        ref = await get_ref(session, municipality)
        await set_municipality(session, ref.id)
        return await add_member(session, ref.id, data, "cli")

    _run(create)
    typer.echo(f"added {username} with the role {role} in {municipality}")


@user_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[Optional[str], typer.Option(help="Prompted when not given")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Set a person's password and end their logins (installation operators)."""
    from gisapp.auth.passwords import hash_password

    secret = _password(password, password_stdin)
    try:
        hashed = hash_password(secret)
    except GisappError as exc:
        _fail(f"password: {exc.message}")

    async def fn(session):
        found = await session.scalar(text(
            "UPDATE app_user SET password_hash = :h WHERE username = lower(:u) RETURNING id"),
            {"h": hashed, "u": username})
        if found:
            await session.execute(text(
                "UPDATE user_session SET revoked_at = now() WHERE user_id = :u"
                " AND revoked_at IS NULL"), {"u": found})
        return found

    if not _run(fn, owner=True):
        _fail(f"no user {username!r}")
    typer.echo(f"password of {username} set; their logins ended")


@user_app.command("superuser")
def user_superuser(
    username: str,
    password: Annotated[Optional[str], typer.Option(help="Prompted when the user is new")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Make someone an installation administrator (may add municipalities); creates the
    account when it does not exist."""
    from gisapp.auth.passwords import hash_password

    hashed = None
    if not _user_id(username):
        try:
            hashed = hash_password(_password(password, password_stdin))
        except GisappError as exc:
            _fail(f"password: {exc.message}")

    async def fn(session):
        await session.execute(text(
            "INSERT INTO app_user (username, password_hash, is_superuser, created_by)"
            " VALUES (lower(:u), :h, true, 'cli')"
            " ON CONFLICT (username) DO UPDATE SET is_superuser = true"),
            {"u": username, "h": hashed})

    _run(fn, owner=True)
    typer.echo(f"{username} is an installation administrator")


@tags_app.command("print")
def tags_print(
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write")],
    municipality: Annotated[str, typer.Option("--municipality", "-m")] = "demo",
    layout: Annotated[str, typer.Option(help="a4-3x8, a4-3x7, a4-2x7 or single-50x30")] = "a4-3x8",
    type_: Annotated[Optional[list[str]], typer.Option("--type", help="Asset type(s)")] = None,
    street: Annotated[Optional[str], typer.Option(help="Assets along this street")] = None,
    untagged: Annotated[bool, typer.Option(help="Only assets without a label")] = False,
    blank: Annotated[int, typer.Option(help="Blank pre-numbered labels")] = 0,
    skip: Annotated[int, typer.Option(help="Places already used on the first sheet")] = 0,
) -> None:
    """Print a label sheet (PDF); assets without a label get one."""
    from gisapp.tags import printing

    settings = load_settings()
    batch = printing.Batch(layout=layout, types=type_ or [], street=street, untagged=untagged,
                           blank=blank, skip=skip)

    async def fn(session):
        from gisapp.municipalities.service import get_ref

        ref = await get_ref(session, municipality)
        await set_municipality(session, ref.id)
        return await printing.build(session, ref.id, batch, settings.server.public_base_url,
                                    "cli")

    pdf, count = _run(fn)
    output.write_bytes(pdf)
    typer.echo(f"wrote {count} labels to {output}")
