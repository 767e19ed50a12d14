"""The language of what the command line prints for people: ``--lang``, else the shell's
locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in gettext's order), else German,
as on the pages.

``gisapp import`` and ``gisapp export`` print what planners read (a dry run's problems, the
result) and take ``--lang``; the administrators' commands follow the shell's locale. All use
the pages' catalogs and message ids, so a problem says the same on the command line as in
the browser; ``reason`` in the API stays English for scripts.

The help texts (``--help``) are written with ``N_`` and translated once the command tree is
built (:func:`translate_help`): Typer takes them as plain strings when the modules load.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, NoReturn, Optional

import click
import typer

from gisapp import i18n
from gisapp.errors import GisappError
from gisapp.localdb import LocalDbError
from gisapp.messages import N_, Message, problem_fields, translated

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

#: ``-m``, as every command that works in one municipality takes it
MunicipalityOption = typer.Option("--municipality", "-m", help=N_("Slug of the municipality"))

LangOption = Annotated[Optional[str], typer.Option(
    "--lang", help=N_("Language of the report: de, en or fr (default: the shell's locale, "
                      "else German)"))]


def cli_language(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` when given (refused when gisapp does not have it), else the first locale
    variable naming a language gisapp has (``C``/``POSIX`` name none), else German."""
    if option is not None:
        if language := i18n.supported(option):
            return language
        raise typer.BadParameter(f"one of {', '.join(i18n.LANGUAGES)}", param_hint="--lang")
    environ = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        # LANGUAGE is a list ("fr:en"); the others one locale ("de_DE.UTF-8")
        for wish in environ.get(variable, "").split(":"):
            if language := i18n.supported(wish.split(".")[0]):
                return language
    return i18n.DEFAULT_LANGUAGE


class CliText:
    """``_("…", name=value)`` and problems in one language, for one command's output."""

    def __init__(self, language: str):
        self.language = language
        self._translations = i18n.load_translations(language)

    def __call__(self, text: str, **params: Any) -> str:
        sentence = self._translations.gettext(text)
        return sentence % params if params else sentence

    def ngettext(self, singular: str, plural: str, count: int, **params: Any) -> str:
        """``ngettext``: the form for ``count`` (also a parameter of the sentence)."""
        return self._translations.ngettext(singular, plural, count) % {"count": count, **params}

    def problem(self, problem: Mapping[str, Any] | Message | str) -> str:
        """A problem's reason (a report's or an error's) in this language."""
        fields = problem if isinstance(problem, Mapping) else problem_fields(problem)
        return translated(fields, self._translations.gettext, self.language)


def cli_text(option: str | None = None) -> CliText:
    """The texts of a command: in ``--lang`` when given, else in the shell's language."""
    return CliText(cli_language(option))


def fail(error: GisappError | LocalDbError | str, say: CliText, code: int = 2) -> NoReturn:
    """Each problem on its own line, with its field, in the command's language; exit."""
    lines = [error] if isinstance(error, str) else [
        f"{d['field']}: {say.problem(d)}" if d.get("field") else say.problem(d)
        for d in error.problems()]
    typer.secho("\n".join(lines), fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def translate_help(command: click.Command, say: CliText) -> click.Command:
    """The help texts of a command tree (its commands, groups and options) in the
    language of ``say``; a text without a translation stays as it is."""
    for attribute in ("help", "short_help"):
        if text := getattr(command, attribute, None):
            setattr(command, attribute, say(text))
    for param in command.params:
        if text := getattr(param, "help", None):
            param.help = say(text)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub, say)
    return command
