"""Run a hand-written SQL file of ``gisapp/sql/`` inside the current migration."""

from __future__ import annotations

from pathlib import Path

from alembic import op
from sqlalchemy.util import await_only

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def run_sql(name: str) -> None:
    """Execute the whole file as one batch (function bodies contain semicolons).

    asyncpg runs a parameterless multi-statement string over the simple query protocol, so
    the file goes to the driver connection as it is, inside the migration's transaction.
    """
    driver = op.get_bind().connection.driver_connection
    await_only(driver.execute((SQL_DIR / name).read_text()))
