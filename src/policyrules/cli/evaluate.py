"""`policyrules evaluate`: a whole worker file decided (the work is batch/'s)."""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, NoReturn

import click
from rich.text import Text

from .. import batch
from ..contract.log import DecisionLog
from ..errors import UsageError
from ..policy import Policy
from ..records import WorkerFileError, WorkerInput
from ..render import CSV_COLUMNS
from ..render.keep import CONTRACT_KEYS, KeepError, keep_columns
from .common import (
    CONTEXT,
    color_option,
    date_option,
    load_policy,
    plural,
    today,
    workforce_input,
)
from .main import cli
from .output import Out, ProgressBar, silence_stdout


@cli.command(context_settings=CONTEXT)
@workforce_input
@date_option("--as-of", "Evaluate on this day (YYYY-MM-DD).")
@click.option("-f", "--format", "fmt", default=None,
              type=click.Choice(["table", "json", "jsonl", "csv", "parquet"]),
              help="Output format (parquet needs -o FILE).  [default: table on a terminal, "
              "else jsonl]")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), metavar="FILE",
              default=None, help="Write the decisions to FILE instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes to evaluate in (0: one per CPU). Output keeps the input "
              "order. Not used by the table format.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), metavar="FILE",
              default=None, help="Append one JSON line per decision (and per rejected "
              "record) to FILE: a decision log for audit (docs/cli.md).")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary line and no progress bar on stderr.")
@click.option("-k", "--keep", "keep", multiple=True, metavar="COL[,COL…]",
              help="Carry these input columns into every output record: in json/jsonl "
              "after the decision's keys, in csv right after `worker` (repeatable).")
@click.option("--no-explain", "no_explain", is_flag=True,
              help="Leave each finding's `explanation` text out (json/jsonl: the key goes; "
              "csv: the column stays empty). For large outputs.")
@color_option
def evaluate(policy: str, workers: str, training_file: str | None, sheet: str | None,
             date_format: str | None, mapping: str | None,
             as_of: datetime.date | None, fmt: str | None, output: str | None, jobs: int,
             log_path: str | None, quiet: bool, keep: tuple[str, ...], no_explain: bool,
             color: str) -> None:
    """Decide every worker in WORKERS against POLICY.

    WORKERS is a .json file (one worker object or an array), .jsonl (one worker per line),
    .csv (one worker per row; lists as `a;b@DATE`, training as `id@DATE;…` or in a
    separate --training CSV), or - for JSON Lines on stdin.

    Decisions go to stdout, or to -o FILE (CONTRACT §2 shape in json/jsonl; csv has one
    row per finding). A record that breaks the rules becomes an error record in the output
    ({"worker", "error": {"field", "message", "value"}, "line"}), the run goes on and the
    exit status is 1. A summary goes to stderr.

    \b
    Examples:
      policyrules evaluate policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --as-of 2026-11-22
      policyrules evaluate policies/durham.policy examples/workers.jsonl -f csv -o out.csv
      cat workers.jsonl | policyrules evaluate policies/durham.policy - -j 4 > out.jsonl
    """
    out = Out(color)
    if fmt == "table" and output is not None:
        raise click.UsageError("the table format is for a terminal; with -o use json, jsonl "
                               "or csv")
    loaded = load_policy(policy, out)
    day = as_of or today()
    if fmt is None:
        fmt = "table" if output is None and out.out_is_terminal else "jsonl"
    if fmt == "table" and (keep or no_explain):
        raise click.UsageError("--keep and --no-explain are for the json, jsonl and csv "
                               "formats, not the table")
    if fmt == "parquet" and output is None:
        raise click.UsageError("the parquet format is a binary file: give it a name with "
                               "-o FILE")
    if fmt == "parquet" and keep:
        raise click.UsageError("--keep is for the json, jsonl and csv formats, not parquet")
    try:
        kept = keep_columns(keep, CSV_COLUMNS if fmt == "csv" else CONTRACT_KEYS)
    except KeepError as exc:
        raise click.UsageError(str(exc)) from None
    if jobs == 0:
        jobs = os.cpu_count() or 1
    if (fmt == "parquet" and log_path is None and mapping is None and date_format is None
            and sheet is None):
        _columnar(loaded, workers, training_file, day, output, out, quiet)
    if (fmt in ("jsonl", "json") and _csv_files(workers, training_file) and not kept
            and log_path is None and mapping is None and date_format is None):
        _columnar_text(loaded, workers, training_file, day, fmt, not no_explain, output, out,
                       quiet)
    try:
        source = WorkerInput(workers, training=training_file, sheet=sheet,
                             date_format=date_format, mapping=mapping,
                             stdin=click.get_binary_stream("stdin"))
    except WorkerFileError as exc:
        raise out.fail(str(exc)) from None
    try:
        log = DecisionLog(log_path) if log_path is not None else None
    except UsageError as exc:
        raise out.fail(str(exc)) from None
    progress = ProgressBar(out, source.size, lambda: source.position, enabled=not quiet)
    try:
        with source, _destination(output, out) as stream, log or contextlib.nullcontext():
            counts = batch.run(loaded, source, day, fmt, jobs=jobs, stdout=stream,
                               console=out.out, progress=progress.update, log=log,
                               keep=kept, explain=not no_explain)
    except batch.OutputError as exc:
        if output is None:
            silence_stdout()  # what stdout still buffers must not be tried again at exit
        raise out.fail(str(exc)) from None
    except (WorkerFileError, batch.WorkerProcessError) as exc:
        raise out.fail(str(exc)) from None
    finally:
        progress.stop()
    _finish(out, counts, source.warnings, source.name, day, quiet)


def _finish(out: Out, counts: batch.Counts, warnings: list[str], name: str,
            day: datetime.date, quiet: bool) -> NoReturn:
    """The warnings, the summary on stderr, and the exit status."""
    for warning in warnings:
        out.warning(warning)
    if counts.total == 0:
        out.warning(f"{name}: no worker records")
    if not quiet:
        evaluated = counts.compliant + counts.not_compliant
        summary = Text(f"{plural(counts.total, 'record')}: {plural(evaluated, 'worker')} "
                       f"evaluated as of {day.isoformat()} ({counts.compliant} compliant, "
                       f"{counts.not_compliant} not compliant), {counts.rejected} rejected")
        if counts.rejected:
            summary.stylize("bold red")
        out.err.print(summary)
    sys.exit(1 if counts.rejected else 0)


def _columnar(policy: Policy, workers: str, training: str | None, day: datetime.date,
              output: str | None, out: Out, quiet: bool) -> None:
    """Parquet or plain CSV to Parquet through the columnar backend (batch/parquet.py),
    when the files allow it; otherwise return, for the row path."""
    # pyarrow and Polars load only for this route
    from ..batch.columnar import columnar_input
    from ..batch.parquet import Columnar

    try:
        columnar = columnar_input(workers, training)
    except WorkerFileError as exc:
        raise out.fail(str(exc)) from None
    if not columnar:
        return
    route = Columnar(policy, workers, training, day)
    counts = _run_route(route.run, output, out, quiet, text=False)
    assert counts is not None  # the Parquet route never hands a run back
    _finish(out, counts, route.warnings, workers, day, quiet)


def _run_route(run: Callable[[IO[bytes], Callable[[int], None]], batch.Counts | None],
               output: str | None, out: Out, quiet: bool, *, text: bool) -> batch.Counts | None:
    """A columnar route's run into `-o FILE` or stdout, with its progress bar; its
    errors as the row path's. `text`: stdout is silenced on an error (a text format may
    have written part of its output there)."""
    bar = ProgressBar(out, None, lambda: 0, enabled=not quiet)  # a count of records
    try:
        with _destination(output, out) as stream:
            return run(stream, bar.update)
    except (WorkerFileError, UsageError, batch.OutputError) as exc:
        if text and output is None:
            silence_stdout()
        raise out.fail(str(exc)) from None
    finally:
        bar.stop()


# A worker file smaller than this stays on the row path for jsonl and json: loading
# Polars and planning a batch take longer than the row path takes for its records
# (about 20,000 generated workers; docs/cli.md).
COLUMNAR_TEXT_BYTES = 2 << 20


def _csv_files(workers: str, training: str | None) -> bool:
    """A CSV worker file of at least COLUMNAR_TEXT_BYTES, with no training file or a CSV
    or Parquet one: what the columnar text route reads (when the files are plain and the
    records in the workers' order, batch/columnar_text.py)."""
    if not (workers.lower().endswith(".csv") and (
            training is None or training.lower().endswith((".csv", ".parquet")))):
        return False
    try:
        return os.path.getsize(workers) >= COLUMNAR_TEXT_BYTES
    except OSError:
        return False  # the row path says what is wrong with the file


def _columnar_text(policy: Policy, workers: str, training: str | None, day: datetime.date,
                   fmt: str, explain: bool, output: str | None, out: Out,
                   quiet: bool) -> None:
    """Plain CSV to jsonl or json through the columnar backend (batch/columnar_text.py),
    when the files allow it and the records follow the workers' order; otherwise return,
    with nothing written, for the row path."""
    from ..batch import columnar, columnar_text  # Polars loads only for this route

    try:
        if not columnar.columnar_input(workers, training):
            return
        route = columnar_text.ColumnarText(policy, workers, training, day, fmt,
                                           explain=explain)
    except WorkerFileError as exc:
        raise out.fail(str(exc)) from None
    counts = _run_route(route.run_text, output, out, quiet, text=True)
    if counts is None:
        return
    _finish(out, counts, route.warnings, workers, day, quiet)


@contextlib.contextmanager
def _destination(path: str | None, out: Out) -> Iterator[IO[bytes]]:
    """The binary stream the decisions go to: stdout, or FILE of `-o FILE`."""
    if path is None:
        yield click.get_binary_stream("stdout")
        return
    try:
        f = open(path, "wb")  # noqa: SIM115  # closed below, after the run
    except OSError as exc:
        raise out.fail(f"{path}: cannot write: {exc.strerror}") from None
    with f:
        yield f
