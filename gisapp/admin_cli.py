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

from gisapp.cli_language import MunicipalityOption, cli_text, fail
from gisapp.database import (
    admin_url, make_engine, make_sessionmaker, session_scope, set_municipality,
)
from gisapp.errors import GisappError, InvalidInput
from gisapp.messages import N_, Message
from gisapp.settings import load_settings

municipality_app = typer.Typer(help=N_("Municipalities of this installation."),
                               no_args_is_help=True)
user_app = typer.Typer(help=N_("People and their roles."), no_args_is_help=True)
tags_app = typer.Typer(help=N_("Labels (QR, NFC) of assets."), no_args_is_help=True)

Role = typer.Option(help=N_("admin, planner or crew"))
Password = typer.Option(help=N_("Prompted when not given"))
PasswordStdin = typer.Option(help=N_("Read the password from stdin"))


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
        fail(exc, cli_text())


def _password(password: str | None, stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if password:
        return password
    _ = cli_text()
    return typer.prompt(_("Password"), hide_input=True,
                        confirmation_prompt=_("Repeat for confirmation"))


def _user_id(username: str):
    """The account's id (any municipality's), or None."""

    async def fn(session):
        return await session.scalar(
            text("SELECT id FROM app_user WHERE username = lower(:u)"), {"u": username})

    return _run(fn, owner=True)


@municipality_app.command("add", help=N_("Add a municipality with its copy of the built-in "
                                          "asset types."))
def municipality_add(
    slug: str,
    name: Annotated[str, typer.Option(help=N_("Name as people write it"))],
    crs: Annotated[int, typer.Option(
        help=N_("Working CRS (EPSG), e.g. 25832, 25833, 2169"))] = 25832,
    language: Annotated[str, typer.Option(
        help=N_("Language of its pages: de, en or fr"))] = "de",
    boundary: Annotated[Optional[Path], typer.Option(help=N_(
        "GeoJSON file with the boundary (Polygon/MultiPolygon or one such Feature)"))] = None,
    boundary_crs: Annotated[str, typer.Option(help=N_("CRS of the boundary file"))] = "EPSG:4326",
) -> None:
    from pydantic import ValidationError

    from gisapp.municipalities import service
    from gisapp.municipalities.schemas import MunicipalityCreate

    _ = cli_text()
    try:
        geometry = _boundary_geometry(boundary) if boundary else None
        data = MunicipalityCreate(slug=slug, name=name, working_crs=crs,
                                  default_language=language, boundary=geometry,
                                  boundary_crs=boundary_crs if boundary else None)
    except GisappError as exc:
        fail(exc, _)
    except (ValidationError, ValueError, OSError) as exc:
        fail(str(exc), _)
    _run(lambda s: service.create(s, data, "cli"), superuser=True)
    typer.echo(_("added municipality %(slug)s; next: gisapp user add NAME -m %(slug)s "
                 "--role admin", slug=slug))


def _boundary_geometry(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
        if len(features) != 1:
            raise InvalidInput(Message(N_("expected one feature, found %(n)s"),
                                       n=len(features)), field="--boundary")
        doc = features[0]
    if doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if not isinstance(doc, dict):
        raise InvalidInput(Message(N_("no geometry found")), field="--boundary")
    return doc


@municipality_app.command("list", help=N_("Slug, working CRS, language, number of assets and "
                                           "name of every municipality."))
def municipality_list() -> None:

    async def fn(session):
        return (await session.execute(text(
            "SELECT m.slug, m.name, m.working_crs, m.default_language,"
            " (SELECT count(*) FROM asset a WHERE a.municipality_id = m.id)"
            " FROM municipality m ORDER BY m.slug"))).all()

    _ = cli_text()
    for slug, name, crs, lang, n in _run(fn, owner=True):
        assets = _("Assets: %(count)s", count=n)
        typer.echo(f"{slug:<24} EPSG:{crs:<6} {lang}  {assets:<16} {name}")


@user_app.command("add", help=N_(
    "Give a person a role in a municipality: a new account, or an existing one (a shared "
    "building yard) that gets a further membership."))
def user_add(
    username: str,
    municipality: Annotated[str, MunicipalityOption],
    role: Annotated[str, Role],
    display_name: Annotated[str, typer.Option("--name", help=N_("Name as others see it"))] = "",
    password: Annotated[Optional[str], Password] = None,
    password_stdin: Annotated[bool, PasswordStdin] = False,
) -> None:
    from gisapp.auth.passwords import hash_password
    from gisapp.users.schemas import MemberCreate

    _ = cli_text()
    if role not in ("admin", "planner", "crew"):
        fail("role: " + _("admin, planner or crew"), _)

    user_id = _user_id(username)
    if user_id:
        async def link(session):
            mid = await session.scalar(text("SELECT id FROM municipality WHERE slug = :s"),
                                       {"s": municipality})
            if mid is None:
                raise InvalidInput(Message(N_("no municipality %(slug)s"),
                                           slug=repr(municipality)), field="--municipality")
            await session.execute(text(
                "INSERT INTO membership (municipality_id, user_id, role, created_by)"
                " VALUES (:m, :u, :r, 'cli') ON CONFLICT (municipality_id, user_id)"
                " DO UPDATE SET role = excluded.role"), {"m": mid, "u": user_id, "r": role})

        _run(link, owner=True)
        typer.echo(_("%(user)s now has the role %(role)s in %(municipality)s", user=username,
                     role=role, municipality=municipality))
        return
    secret = _password(password, password_stdin)
    try:
        hash_password(secret)
        data = MemberCreate(username=username, display_name=display_name, role=role,
                            password=secret)
    except GisappError as exc:  # the password's strength
        fail(exc, _)
    except ValueError as exc:  # pydantic's errors, as they are
        fail(str(exc), _)

    async def create(session):
        from gisapp.municipalities.service import get_ref
        from gisapp.users.service import add_member

        ref = await get_ref(session, municipality)
        await set_municipality(session, ref.id)
        return await add_member(session, ref.id, data, "cli")

    _run(create)
    typer.echo(_("added %(user)s with the role %(role)s in %(municipality)s", user=username,
                 role=role, municipality=municipality))


@user_app.command("passwd", help=N_("Set a person's password and end their logins "
                                     "(installation operators)."))
def user_passwd(
    username: str,
    password: Annotated[Optional[str], Password] = None,
    password_stdin: Annotated[bool, PasswordStdin] = False,
) -> None:
    from gisapp.auth.passwords import hash_password

    _ = cli_text()
    secret = _password(password, password_stdin)
    try:
        hashed = hash_password(secret)
    except GisappError as exc:
        fail(exc, _)

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
        fail(_("there is no user %(user)s", user=username), _)
    typer.echo(_("password of %(user)s set; their logins ended", user=username))


@user_app.command("superuser", help=N_(
    "Make someone an installation administrator (may add municipalities); creates the "
    "account when it does not exist."))
def user_superuser(
    username: str,
    password: Annotated[Optional[str], typer.Option(
        help=N_("Prompted when the user is new"))] = None,
    password_stdin: Annotated[bool, PasswordStdin] = False,
) -> None:
    from gisapp.auth.passwords import hash_password

    _ = cli_text()
    hashed = None
    if not _user_id(username):
        try:
            hashed = hash_password(_password(password, password_stdin))
        except GisappError as exc:
            fail(exc, _)

    async def fn(session):
        await session.execute(text(
            "INSERT INTO app_user (username, password_hash, is_superuser, created_by)"
            " VALUES (lower(:u), :h, true, 'cli')"
            " ON CONFLICT (username) DO UPDATE SET is_superuser = true"),
            {"u": username, "h": hashed})

    _run(fn, owner=True)
    typer.echo(_("%(user)s is an installation administrator", user=username))


@tags_app.command("print", help=N_("Print a label sheet (PDF); assets without a label get "
                                    "one."))
def tags_print(
    output: Annotated[Path, typer.Option("--output", "-o", help=N_("PDF file to write"))],
    municipality: Annotated[str, MunicipalityOption] = "demo",
    layout: Annotated[str, typer.Option(
        help=N_("Sheet: a4-3x8, a4-3x7, a4-2x7 or single-50x30"))] = "a4-3x8",
    type_: Annotated[Optional[list[str]], typer.Option("--type", help=N_("Asset type(s)"))] = None,
    street: Annotated[Optional[str], typer.Option(help=N_("Assets along this street"))] = None,
    untagged: Annotated[bool, typer.Option(help=N_("Only assets without a label"))] = False,
    blank: Annotated[int, typer.Option(help=N_("Blank pre-numbered labels"))] = 0,
    skip: Annotated[int, typer.Option(help=N_("Places already used on the first sheet"))] = 0,
) -> None:
    from gisapp.tags import printing

    _ = cli_text()

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
    typer.echo(_("wrote %(count)s labels to %(path)s", count=count, path=output))
