"""The installed package carries every file the app reads besides its Python modules.

The production image installs gisapp as a wheel (``pip install .``), not from the source
tree as ``make run`` and the tests do: a template or catalog that ``package-data`` in
pyproject.toml does not name works in every test and is missing in production (the import
pages, the OGC HTML views and the public maps once were). setuptools expands each pattern
with ``glob`` in the package folder; so does this test.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import gisapp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(gisapp.__file__).resolve().parent


def test_package_data_names_every_file_beside_the_modules():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))[
        "tool"]["setuptools"]["package-data"]["gisapp"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    files = {path for path in PACKAGE.rglob("*")
             if path.is_file() and path.suffix not in (".py", ".pyc")
             and "__pycache__" not in path.parts}
    assert sorted(str(p.relative_to(PACKAGE)) for p in files - shipped) == []
    # the folders the app reads its files from are among them
    for folder in ("templates/imports", "templates/ogc", "templates/public_maps", "locale",
                   "web", "sql", "asset_types/builtin"):
        assert any(PACKAGE / folder in p.parents for p in shipped), folder
