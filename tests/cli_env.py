"""The environment a test runs ``gisapp`` in: no GISAPP_ settings of the outer shell, and
one locale, because the commands print in the shell's language (German without one)."""

from __future__ import annotations

import os

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_env(locale: str = "en_US.UTF-8", **settings: str) -> dict[str, str]:
    """``os.environ`` without GISAPP_* and locale variables, with ``LANG=locale`` and the
    given GISAPP_* ``settings``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GISAPP_") and k not in LOCALE_VARIABLES}
    return {**env, "LANG": locale, **settings}
