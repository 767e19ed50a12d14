"""Schema migrations (Alembic), callable from the CLI, the app's start-up path and tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for this package's migrations; no alembic.ini needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _in_thread(fn, *args) -> None:
    """Alembic's env runs its own event loop; keep it off a loop that is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(*args)
        return
    import threading

    errors: list[BaseException] = []

    def target():
        try:
            fn(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def head() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (latest by default)."""
    _in_thread(command.upgrade, alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the schema back to ``revision`` ("base" removes everything of gisapp's)."""
    _in_thread(command.downgrade, alembic_config(url), revision)


def current(url: str) -> None:
    """Print the revision the database is at."""
    _in_thread(command.current, alembic_config(url))
