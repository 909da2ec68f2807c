"""`policyrules report` (CONTRACT §8): a workforce summary as HTML, a workbook or JSON.

It reads the worker file with the same reader `evaluate` uses, gives each worker to a
`ReportBuilder` (which decides them as whole tables), and writes one file. Registered on
the `policyrules` group by a one-line import at the end of cli/__init__.py; importing
this module first works too, because by then the group and its helpers are defined.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import tempfile

import click
from rich.text import Text

from ..batch import batch_gc
from ..cli.common import (
    CONTEXT,
    color_option,
    date_option,
    load_policy,
    today,
    workforce_input,
)
from ..cli.main import cli
from ..cli.output import Out, ProgressBar
from ..errors import UsageError, WorkerError
from ..records import WorkerFileError, WorkerInput
from .build import ReportBuilder
from .model import Report

FORMATS = ("html", "xlsx", "json")


@cli.command(context_settings=CONTEXT)
@workforce_input
@date_option("--as-of", "Report as at this day (YYYY-MM-DD).")
@click.option("--by", "by", multiple=True, metavar="COLUMN",
              help="Break compliance down by this column: agency, sector, contact, volunteer, "
              "group (the policy's audience groups), role, or any column of the input such as "
              "team. Repeat to nest (--by agency --by team).")
@click.option("--horizon", type=click.IntRange(min=0), default=90, show_default=True,
              metavar="DAYS", help="List what falls due within this many days.")
@click.option("--target", type=click.FloatRange(0, 100), default=90.0, show_default=True,
              metavar="PERCENT", help="The % compliant rated green in the HTML report (amber "
              "up to 10 points below it, red further below).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format.  [default: from the -o file's extension, else json]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the report here.  [default: stdout; an xlsx workbook needs -o]")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary line and no progress bar on stderr.")
@color_option
def report(policy: str, workers: str, training_file: str | None, sheet: str | None,
           date_format: str | None, mapping: str | None,
           as_of: datetime.date | None,
           by: tuple[str, ...], horizon: int, target: float, fmt: str | None,
           output: str | None, quiet: bool, color: str) -> None:
    """Summarise a whole workforce for the partnership (Durham 4.16, 4.18, 4.37, 4.39).

    Compliance by any worker column, each requirement's met/due/overdue counts and how long
    overdue, who is overdue, what falls due within the horizon, and how many places each
    course needs month by month for the next twelve months. Records that break the rules
    are listed as rejected (a data-quality summary); the report is still written and the
    exit status is 1.

    \b
    Examples:
      policyrules report policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --as-of 2026-11-22 --by agency -o report.html
      policyrules report policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --by agency --by group -o report.xlsx
    """
    out = Out(color)
    fmt = fmt or _format_of(output)
    if fmt == "xlsx" and output is None:
        raise out.fail("an xlsx workbook is not text: give a file to write it to with -o FILE")
    loaded = load_policy(policy, out)
    day = as_of or today()
    try:
        # Only the workbook lists every finding; the other formats need not hold them all.
        builder = ReportBuilder(loaded, day, by=by, horizon=horizon,
                                keep_findings=fmt == "xlsx")
        source = WorkerInput(workers, training=training_file, sheet=sheet,
                             date_format=date_format, mapping=mapping,
                             stdin=click.get_binary_stream("stdin"))
    except (UsageError, WorkerFileError) as exc:
        raise out.fail(str(exc)) from None
    progress = ProgressBar(out, source.size, lambda: source.position, enabled=not quiet)
    count = 0
    try:
        with source, batch_gc():
            for line, _, item in source.workers(loaded):
                count += 1
                if isinstance(item, WorkerError):
                    builder.reject(item, line)
                else:
                    builder.add(item, line)
                if count % 1000 == 0:
                    progress.update(count)
        result = builder.finish()
    except (WorkerFileError, UsageError) as exc:
        raise out.fail(str(exc)) from None
    finally:
        progress.stop()
    for warning in source.warnings:
        out.warning(warning)
    _write(result, fmt, output, target, out)
    if not quiet:
        rejected = len(result.rejected)
        summary = Text(f"{count} record{'s' * (count != 1)}: {result.workers} "
                       f"worker{'s' * (result.workers != 1)} reported as at "
                       f"{day.isoformat()} ({result.compliant} compliant), {rejected} rejected"
                       + (f"; wrote {output}" if output else ""))
        if rejected:
            summary.stylize("bold red")
        out.err.print(summary)
    sys.exit(1 if result.rejected else 0)


def _format_of(output: str | None) -> str:
    if output is not None:
        ext = os.path.splitext(output)[1].lower().lstrip(".")
        if ext in ("htm", "html"):
            return "html"
        if ext in FORMATS:
            return ext
    return "json"


def _render(result: Report, fmt: str, target: float) -> bytes:
    if fmt == "html":
        from .html import render_html

        return render_html(result, target=target).encode("utf-8")
    if fmt == "xlsx":
        from .workbook import render_xlsx

        return render_xlsx(result)
    from .as_json import dumps

    return (dumps(result) + "\n").encode("utf-8")


def _write(result: Report, fmt: str, output: str | None, target: float, out: Out) -> None:
    try:
        data = _render(result, fmt, target)
    except UsageError as exc:
        raise out.fail(str(exc)) from None
    if output is None:
        stream = click.get_binary_stream("stdout")
        stream.write(data)
        stream.flush()
        return
    # Written beside the target and renamed, so a failed run never leaves half a report.
    directory = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".report-")
    except OSError as exc:
        raise out.fail(f"{output}: cannot write the report: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise out.fail(f"{output}: cannot write the report: {exc.strerror}") from None
