"""What several commands share: options, loading a policy, expanding directories."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.text import Text

from ..errors import PolicyCheckError, PolicyFileError
from ..policy import Policy, load
from ..records.date_format import DATE_FORMATS
from ..semantics.dates import parse_iso_date
from .output import Out

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def date_option(name: str, help: str) -> Callable[[F], F]:
    """`--as-of` / `--on`: a calendar date YYYY-MM-DD (a date-time or 2026-02-30 is refused)."""

    def convert(ctx: click.Context, param: click.Parameter,
                value: str | None) -> datetime.date | None:
        if value is None:
            return None
        try:
            return parse_iso_date(value)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a date YYYY-MM-DD (for example 2026-11-22)") from None

    return click.option(name, metavar="DATE", default=None, callback=convert,
                        help=help + "  [default: today]")


def color_option(f: F) -> F:
    return click.option(
        "--color", type=click.Choice(["auto", "always", "never"]), default="auto",
        show_default=True,
        help="Colour the output: on a terminal (auto, and never with NO_COLOR set), "
        "always or never.")(f)


def policy_argument(f: F) -> F:
    return click.argument("policy", type=click.Path(dir_okay=False), metavar="POLICY")(f)


def training_option(f: F) -> F:
    return click.option(
        "--training", "training_file", type=click.Path(dir_okay=False), metavar="FILE",
        help="A training-records CSV or xlsx (worker,training,completed,delivery,provider,"
        "hours,level) to add to the workers' records.")(f)


def date_format_option(f: F) -> F:
    """`--date-format`: the order of dates in a CSV or xlsx export (records/date_format.py)."""
    return click.option(
        "--date-format", "date_format", type=click.Choice(DATE_FORMATS), default=None,
        help="How dates are written in a CSV or xlsx worker or training file, such as UK "
        "exports' dd/mm/yyyy. Never guessed: without it, 01/02/2025 is an error.")(f)


def map_option(f: F) -> F:
    """`--map FILE`: an export's column names and values (records/mapping.py)."""
    return click.option(
        "--map", "mapping", type=click.Path(dir_okay=False), metavar="FILE", default=None,
        help="A TOML file mapping a CSV or xlsx export's column names and values onto "
        "the worker and training fields (see docs/inputs.md).")(f)


def sheet_option(f: F) -> F:
    """`--sheet NAME`: which sheet of an xlsx worker file to read (records/xlsx.py)."""
    return click.option(
        "--sheet", "sheet", default=None, metavar="NAME",
        help="The sheet of an .xlsx worker file to read.  [default: the first]")(f)


def text_or_json_option(f: F) -> F:
    return click.option(
        "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="Output format.")(f)


def load_policy(path: str, out: Out) -> Policy:
    """Load a policy; on failure print why and exit 2."""
    try:
        return load(path)
    except PolicyCheckError as exc:
        show_diagnostics(exc, out)
        count = len(exc.diagnostics)
        out.note(f"{path}: the policy does not check ({count} error{'s' * (count != 1)})")
        sys.exit(2)
    except PolicyFileError as exc:
        raise out.fail(str(exc)) from None


def source_quotes(policy: Policy, out: Out) -> dict[str, str]:
    """The paragraphs of the policy's source text file, for a command to quote; a file
    that cannot be read (or paragraphs not found in it) is a warning, never a failure."""
    from ..source_text import read_paragraphs  # not needed by `evaluate`

    quotes = read_paragraphs(policy.model.source_text, policy.model.paragraphs)
    for warning in quotes.warnings:
        out.warning(warning)
    return quotes.paragraphs


def show_diagnostics(exc: PolicyCheckError, out: Out) -> None:
    for d in exc.diagnostics:
        out.err.print(Text.from_ansi(d.render(color=out.err_color)))


def expand(paths: Sequence[str], out: Out) -> list[str]:
    """Policy paths, with each directory replaced by the .policy files under it."""
    found_all: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(x) for x in Path(p).rglob("*.policy"))
            if not found:
                raise out.fail(f"{p}: no .policy files in this directory")
            found_all.extend(found)
        else:
            found_all.append(p)
    return found_all


def today() -> datetime.date:
    """The default of `--as-of` and `--on` (the library itself never assumes a day)."""
    return datetime.date.today()


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def workforce_input(f: F) -> F:
    """POLICY, WORKERS and how to read the worker file: the inputs of every command that
    reads a whole workforce (`evaluate`, `report`)."""
    for option in (map_option, date_format_option, sheet_option, training_option,
                   click.argument("workers", metavar="WORKERS"), policy_argument):
        f = option(f)
    return f
