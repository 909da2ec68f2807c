"""The `policyrules` command (CONTRACT §4): a thin layer over the library API.

It parses arguments, reads worker files (records/), calls the same API integrators
call, and writes results (render.py); `evaluate` hands a whole worker file to batch.py.
Data goes to stdout, messages to stderr. Exit status: 0 success; 1 some input records or
examples failed (the rest still ran and were reported); 2 the policy does not check, a
file cannot be read, or the command was used wrongly.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.text import Text

from .. import __version__, batch
from .. import render as r
from ..batch import BLOCK as _BLOCK
from ..batch import CHUNK as _CHUNK
from ..batch import job_block as _job_block
from ..errors import (
    PolicyCheckError,
    PolicyError,
    PolicyFileError,
    UnknownTrainingError,
    WorkerError,
)
from ..pipeline import diagnostics_of as check_file
from ..pipeline import read_policy as _read_policy
from ..policy import Policy, load
from ..records import WorkerFileError, WorkerInput, find_worker
from ..semantics.dates import parse_iso_date

if TYPE_CHECKING:
    from ..contract.workers import Worker

F = TypeVar("F", bound=Callable[..., Any])

PROGRESS_AFTER = 5000  # show a progress bar once this many records have come in
# `evaluate` passes _CHUNK, _BLOCK and _job_block (from batch.py) on to batch.run, read
# from this module when it runs, so that a test can set them here (tests/test_cli.py).


# Plumbing: colour, consoles, errors, dates ---------------------------------------------------

def want_color(mode: str, stream: IO[Any]) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org)."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def _isatty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: IO[str], mode: str) -> Console:
    color = want_color(mode, stream)
    tty = _isatty(stream)
    return Console(file=stream, force_terminal=color, no_color=not color,
                   color_system=("auto" if tty else "standard") if color else None,
                   highlight=False, emoji=False, markup=False, soft_wrap=True)


class Out:
    """The two consoles of one command: `out` (stdout, data) and `err` (stderr, messages)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.out = _console(sys.stdout, mode)
        self.err = _console(sys.stderr, mode)
        self.out_color = want_color(mode, sys.stdout)
        self.err_color = want_color(mode, sys.stderr)

    def print(self, text: Text | str) -> None:
        self.out.print(text, end="" if str(text).endswith("\n") else "\n")

    def error(self, message: str) -> None:
        self.err.print(Text.assemble(("error", "bold red"), f": {message}"))

    def warning(self, message: str) -> None:
        self.err.print(Text.assemble(("warning", "bold yellow"), f": {message}"))

    def note(self, message: str) -> None:
        self.err.print(message)


class Fail(click.ClickException):
    """A one-line error on stderr and exit status 2 (a file cannot be read, and so on)."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        Out(_color_mode[0]).error(self.message)


def _date_option(name: str, help: str) -> Callable[[F], F]:
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


_color_mode = ["auto"]  # the running command's --color, for errors shown by click


def _color_option(f: F) -> F:
    def remember(ctx: click.Context, param: click.Parameter, value: str) -> str:
        _color_mode[0] = value
        return value

    return click.option(
        "--color", type=click.Choice(["auto", "always", "never"]), default="auto",
        show_default=True, expose_value=True, callback=remember, is_eager=True,
        help="Colour the output: on a terminal (auto, and never with NO_COLOR set), "
        "always or never.")(f)


def _policy_argument(f: F) -> F:
    return click.argument("policy", type=click.Path(dir_okay=False), metavar="POLICY")(f)


def _training_option(f: F) -> F:
    return click.option(
        "--training", "training_file", type=click.Path(dir_okay=False), metavar="FILE",
        help="A training-records CSV (worker,training,completed,delivery,provider,hours,"
        "level) to add to the workers' records.")(f)


def _text_or_json_option(f: F) -> F:
    return click.option(
        "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="Output format.")(f)


def _load(path: str, out: Out) -> Policy:
    """Load a policy; on failure print why and exit 2."""
    try:
        return load(path)
    except PolicyCheckError as exc:
        _diagnostics(exc, out)
        count = len(exc.diagnostics)
        out.note(f"{path}: the policy does not check ({count} error{'s' * (count != 1)})")
        sys.exit(2)
    except PolicyFileError as exc:
        raise Fail(str(exc)) from None


def _diagnostics(exc: PolicyCheckError, out: Out) -> None:
    for d in exc.diagnostics:
        out.err.print(Text.from_ansi(d.render(color=out.err_color)))


def _expand(paths: Sequence[str]) -> list[str]:
    """Policy paths, with each directory replaced by the .policy files under it."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(x) for x in Path(p).rglob("*.policy"))
            if not found:
                raise Fail(f"{p}: no .policy files in this directory")
            out.extend(found)
        else:
            out.append(p)
    return out


def _today() -> datetime.date:
    return datetime.date.today()


# The command group ----------------------------------------------------------------------------

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="policyrules",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """Safeguarding training procedures as executable, checkable policy.

    A .policy file states what a procedure requires, paragraph by paragraph; these
    commands check it, run it over a workforce and explain the results.

    \b
    Examples:
      policyrules check policies/durham.policy
      policyrules evaluate policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --as-of 2026-11-22
      policyrules explain policies/durham.policy examples/workers.csv --worker CP00042

    Exit status: 0 success; 1 some records or examples failed; 2 the policy does not
    check, a file cannot be read, or the command was used wrongly.
    """


def main() -> None:
    """Console-script entry point (`policyrules` and `python -m policyrules`)."""
    cli(prog_name="policyrules")


# check ----------------------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@_color_option
def check(policies: tuple[str, ...], color: str) -> None:
    """Parse and check policy files, reporting every error and warning.

    Each problem shows as FILE:LINE:COL: error: MESSAGE (or warning:), then the source
    line and a caret under the span. Exit 2 if any file has an error, else 0. A
    directory stands for every .policy file under it.

    \b
    Examples:
      policyrules check policies/durham.policy
      policyrules check policies/
    """
    out = Out(color)
    errors = warnings = failed_files = 0
    paths = _expand(policies)
    for path in paths:
        try:
            diagnostics = check_file(path)
        except PolicyFileError as exc:
            out.error(str(exc))
            errors += 1
            failed_files += 1
            continue
        for d in diagnostics:
            out.out.print(Text.from_ansi(d.render(color=out.out_color)))
        file_errors = sum(1 for d in diagnostics if d.is_error)
        errors += file_errors
        warnings += len(diagnostics) - file_errors
        failed_files += bool(file_errors)
    n = len(paths)
    summary = (f"{n} file{'s' * (n != 1)} checked: {errors} error{'s' * (errors != 1)}, "
               f"{warnings} warning{'s' * (warnings != 1)}")
    out.err.print(Text(summary, style="bold red" if errors else "bold green"))
    sys.exit(2 if errors else 0)


# evaluate -------------------------------------------------------------------------------------

class _Progress:
    """A progress bar on stderr, only on a terminal and only for inputs of some size."""

    def __init__(self, source: WorkerInput, out: Out, enabled: bool) -> None:
        self.source = source
        self.out = out
        self.enabled = enabled and _isatty(sys.stderr)
        self.bar: Any = None
        self.task: Any = None

    def update(self, records: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if records < PROGRESS_AFTER:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            console = Console(file=sys.stderr, force_terminal=True,
                              no_color=not self.out.err_color,
                              color_system="auto" if self.out.err_color else None)
            columns: list[Any] = [TextColumn("evaluating {task.fields[records]} records")]
            if self.source.size:
                columns += [BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                            TimeRemainingColumn()]
            else:
                columns += [MofNCompleteColumn()]
            self.bar = Progress(*columns, console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("evaluate", total=self.source.size or None,
                                          records=records)
        self.bar.update(self.task, completed=self.source.position if self.source.size
                        else records, records=records)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@cli.command(context_settings=CONTEXT)
@_policy_argument
@click.argument("workers", metavar="WORKERS")
@_training_option
@_date_option("--as-of", "Evaluate on this day (YYYY-MM-DD).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
              default=None, help="Output format.  [default: table on a terminal, else jsonl]")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes to evaluate in (0: one per CPU). Output keeps the input "
              "order. Not used by the table format.")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary line and no progress bar on stderr.")
@_color_option
def evaluate(policy: str, workers: str, training_file: str | None,
             as_of: datetime.date | None, fmt: str | None, jobs: int, quiet: bool,
             color: str) -> None:
    """Decide every worker in WORKERS against POLICY.

    WORKERS is a .json file (one worker object or an array), .jsonl (one worker per line),
    .csv (one worker per row; lists as `a;b@DATE`, training as `id@DATE;…` or in a
    separate --training CSV), or - for JSON Lines on stdin.

    Decisions go to stdout (CONTRACT §2 shape in json/jsonl; csv has one row per finding).
    A record that breaks the rules becomes an error record in the output
    ({"worker", "error": {"field", "message", "value"}, "line"}), the run goes on and the
    exit status is 1. A summary goes to stderr.

    \b
    Examples:
      policyrules evaluate policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --as-of 2026-11-22
      policyrules evaluate policies/durham.policy examples/workers.jsonl -f csv > out.csv
      cat workers.jsonl | policyrules evaluate policies/durham.policy - -j 4 > out.jsonl
    """
    out = Out(color)
    loaded = _load(policy, out)
    day = as_of or _today()
    if fmt is None:
        fmt = "table" if _isatty(sys.stdout) else "jsonl"
    if jobs == 0:
        jobs = os.cpu_count() or 1
    try:
        source = WorkerInput(workers, training=training_file,
                             stdin=click.get_binary_stream("stdin"))
    except WorkerFileError as exc:
        raise Fail(str(exc)) from None
    progress = _Progress(source, out, enabled=not quiet)
    try:
        with source:
            counts = batch.run(loaded, policy, source, day, fmt, jobs=jobs,
                               stdout=click.get_binary_stream("stdout"), console=out.out,
                               progress=progress.update, chunk=_CHUNK, block=_BLOCK,
                               block_task=_job_block)
    except WorkerFileError as exc:
        progress.stop()
        raise Fail(str(exc)) from None
    except batch.WorkerProcessError as exc:
        raise Fail(str(exc)) from None
    progress.stop()
    for warning in source.warnings:
        out.warning(warning)
    if counts.total == 0:
        out.warning(f"{source.name}: no worker records")
    if not quiet:
        evaluated = counts.compliant + counts.not_compliant
        summary = Text(f"{counts.total} record{'s' * (counts.total != 1)}: "
                       f"{evaluated} worker{'s' * (evaluated != 1)} evaluated as of "
                       f"{day.isoformat()} ({counts.compliant} compliant, "
                       f"{counts.not_compliant} not compliant), {counts.rejected} rejected")
        if counts.rejected:
            summary.stylize("bold red")
        out.err.print(summary)
    sys.exit(1 if counts.rejected else 0)


# explain, eligible: one worker ---------------------------------------------------------------

def _find_worker(policy: Policy, path: str, training: str | None, wid: str,
                 out: Out) -> Worker:
    """The worker with id `wid`; exit 1 if its record is invalid, 2 if it is not there."""
    try:
        found = find_worker(path, policy, wid, training=training,
                            stdin=click.get_binary_stream("stdin"))
    except WorkerFileError as exc:
        raise Fail(str(exc)) from None
    if isinstance(found.worker, WorkerError):
        out.error(f"{found.source}:{found.line}: {found.worker}")
        sys.exit(1)
    return found.worker


@cli.command(context_settings=CONTEXT)
@_policy_argument
@click.argument("workers", metavar="WORKERS")
@click.option("-w", "--worker", "worker_id", required=True, metavar="ID",
              help="The id of the worker to explain.")
@_training_option
@_date_option("--as-of", "Evaluate on this day (YYYY-MM-DD).")
@_color_option
def explain(policy: str, workers: str, worker_id: str, training_file: str | None,
            as_of: datetime.date | None, color: str) -> None:
    """Explain one worker's decision in plain English, requirement by requirement.

    For each requirement that applies: its status, the paragraphs it comes from, the
    dates involved and what would satisfy it.

    \b
    Examples:
      policyrules explain policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --worker CP00042 --as-of 2026-11-22
    """
    out = Out(color)
    loaded = _load(policy, out)
    worker = _find_worker(loaded, workers, training_file, worker_id, out)
    try:
        decision = loaded.evaluate_checked(worker, as_of or _today())
    except WorkerError as exc:  # a deadline after 9999-12-31 (DateRangeError)
        out.error(f"{workers}: {exc}")
        sys.exit(1)
    out.print(r.explain(loaded, worker, decision))


@cli.command(context_settings=CONTEXT)
@_policy_argument
@click.argument("workers", metavar="WORKERS")
@click.argument("training_id", metavar="TRAINING")
@click.option("-w", "--worker", "worker_id", required=True, metavar="ID",
              help="The id of the worker.")
@_date_option("--on", "The day of the training (YYYY-MM-DD).")
@click.option("--strict", is_flag=True, help="Exit 1 when the answer is no.")
@_text_or_json_option
@_training_option
@_color_option
def eligible(policy: str, workers: str, training_id: str, worker_id: str,
             on: datetime.date | None, strict: bool, fmt: str, training_file: str | None,
             color: str) -> None:
    """May the worker attend TRAINING on that day? Yes or no, with reasons and paragraphs.

    The answer follows the training's prerequisites (`requires`): each must have been
    completed on or before the day. Exit 0 for yes and for no; with --strict, 1 for no.

    \b
    Examples:
      policyrules eligible policies/durham.policy examples/workers.csv \\
          --training examples/training.csv --worker CP00042 inter-agency-foundation
      policyrules eligible policies/durham.policy workers.jsonl -w W1 \\
          inter-agency-foundation --on 2027-01-15 --strict
    """
    out = Out(color)
    loaded = _load(policy, out)
    try:
        loaded.training(training_id)
    except UnknownTrainingError as exc:
        raise Fail(str(exc)) from None
    worker = _find_worker(loaded, workers, training_file, worker_id, out)
    result = loaded.eligible(worker, training_id, on=on or _today())
    if fmt == "json":
        click.echo(json.dumps({"worker": worker.id} | result.to_dict(), ensure_ascii=False,
                              indent=2))
    else:
        out.print(r.eligibility(loaded, worker, result))
    sys.exit(1 if strict and not result.ok else 0)


# describe, coverage ---------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@_policy_argument
@_text_or_json_option
@_color_option
def describe(policy: str, fmt: str, color: str) -> None:
    """List the policy's groups, training catalogue and requirements, with citations.

    \b
    Examples:
      policyrules describe policies/durham.policy
      policyrules describe policies/durham.policy --format json | jq '.training[].id'
    """
    out = Out(color)
    loaded = _load(policy, out)
    if fmt == "json":
        click.echo(json.dumps(loaded.describe(), ensure_ascii=False, indent=2))
    else:
        out.print(r.describe(loaded))


@cli.command(context_settings=CONTEXT)
@_policy_argument
@_text_or_json_option
@_color_option
def coverage(policy: str, fmt: str, color: str) -> None:
    """Show every paragraph of the source and what in the policy encodes it.

    Each paragraph is listed with the requirements, groups, training, roles, duties,
    definitions and background notes that cite it, then a total such as "42 of 42
    paragraphs covered".

    \b
    Examples:
      policyrules coverage policies/durham.policy
      policyrules coverage policies/pan_lancashire.policy --format json
    """
    out = Out(color)
    loaded = _load(policy, out)
    entries = loaded.coverage()
    if fmt == "json":
        click.echo(json.dumps(r.coverage_json(loaded, entries), ensure_ascii=False, indent=2))
    else:
        out.print(r.coverage(loaded, entries))


# test -----------------------------------------------------------------------------------------

@cli.command("test", context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@click.option("-k", "keyword", metavar="TEXT",
              help="Only run examples whose name contains TEXT (case-insensitive).")
@click.option("-v", "--verbose", is_flag=True, help="One line per example.")
@_color_option
def test_command(policies: tuple[str, ...], keyword: str | None, verbose: bool,
                 color: str) -> None:
    """Run the examples written in policy files.

    One line per file with a dot per passing example and F per failing one; then each
    failure with FILE:LINE of the example, the failing `expect` line, and expected/actual;
    last, "N passed, N failed". Exit 1 on any failure (or when -k selects no example), 2 if
    a policy does not check.

    \b
    Examples:
      policyrules test policies/durham.policy
      policyrules test policies/ -k deadline -v
    """
    from ..examples import run_examples

    out = Out(color)
    passed = failed = 0
    broken = False
    failures: list[Any] = []
    for path in _expand(policies):
        try:
            loaded = load(path)
        except PolicyCheckError as exc:
            for d in exc.diagnostics:
                out.out.print(Text.from_ansi(d.render(color=out.out_color)))
            out.print(Text.assemble((path, "bold"), " ", ("does not check", "bold red")))
            broken = True
            continue
        except PolicyFileError as exc:
            out.error(str(exc))
            broken = True
            continue
        results = run_examples(loaded)
        if keyword:
            results = [x for x in results if keyword.lower() in x.name.lower()]
        line = Text(path + " ")
        for res in results:
            if verbose:
                mark = ("PASSED", "green") if res.passed else ("FAILED", "bold red")
                out.print(Text.assemble(f"{path}:{res.example.span.line}: {res.name} ", mark))
            line.append("." if res.passed else ("E" if res.error else "F"),
                        style="green" if res.passed else "bold red")
            if res.passed:
                passed += 1
            else:
                failed += 1
                failures.append(res)
        if not results:
            line.append("no examples", style="yellow")
        if not verbose:
            out.print(line)
    if failures:
        out.print(Text(f"\n{' FAILURES ':=^72}", style="bold red"))
        for res in failures:
            out.print(_failure(res))
    if broken:
        out.print(Text("some policies did not check", style="bold red"))
    # A filter that selects nothing has tested nothing: say so, and do not pass.
    unmatched = bool(keyword) and passed + failed == 0 and not broken
    if unmatched:
        out.warning(f"no example's name contains {keyword!r}")
    out.print(Text(f"{passed} passed, {failed} failed",
                   style="bold red" if failed or broken or unmatched else "bold green"))
    sys.exit(2 if broken else 1 if failed or unmatched else 0)


def _failure(res: Any) -> Text:
    ex = res.example
    text = Text()
    text.append(f"\n{res.path}:{ex.span.line}: ", style="bold")
    text.append(f'example "{res.name}"\n', style="bold")
    if res.error:
        text.append(f"  error: {res.error}\n", style="red")
        return text
    for miss in res.mismatches:
        text.append(f"  {res.path}:{miss.line}: {miss.expectation.strip()}\n")
        text.append("    expected: ", style="green")
        text.append(f"{miss.expected}\n")
        text.append("    actual:   ", style="red")
        text.append(f"{miss.actual}\n")
    d = res.decision
    if d is not None:
        found = "; ".join(f"{f.requirement} {f.status}"
                          + (f" deadline {f.due.isoformat()}" if f.due else "")
                          for f in d.findings) or "none"
        text.append(f"  actual findings: {found}; "
                    f"{'compliant' if d.compliant else 'not compliant'}\n", style="dim")
    return text


# fmt, verify: built on format.py and verify.py ------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", is_flag=True,
              help="Change nothing; print a diff of what would change and exit 1 if any.")
@_color_option
def fmt(policies: tuple[str, ...], check_only: bool, diff: bool, color: str) -> None:
    """Rewrite policy files in the canonical layout, keeping comments.

    Formatting never changes what a policy decides, and formatting a formatted file
    changes nothing. A directory stands for every .policy file under it; - formats
    stdin to stdout.

    \b
    Examples:
      policyrules fmt policies/
      policyrules fmt --check policies/durham.policy
      policyrules fmt --diff policies/local/pan_lancashire_3yr.policy
    """
    from ..language.format import format_text

    out = Out(color)
    if policies == ("-",):
        text = click.get_text_stream("stdin", encoding="utf-8").read()
        try:
            click.echo(format_text(text, "<stdin>"), nl=False)
        except PolicyCheckError as exc:
            _diagnostics(exc, out)
            sys.exit(2)
        return
    changed: list[str] = []
    unchanged = 0
    broken = False
    for path in _expand(policies):
        try:
            text = _read_policy(path)
            formatted = format_text(text, path)
        except PolicyCheckError as exc:
            _diagnostics(exc, out)
            broken = True
            continue
        except PolicyError as exc:
            out.error(str(exc))
            broken = True
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed.append(path)
        if diff:
            click.echo("".join(difflib.unified_diff(
                text.splitlines(True), formatted.splitlines(True), f"{path} (original)",
                f"{path} (formatted)")),
                nl=False)
        elif check_only:
            click.echo(f"would reformat {path}")
        else:
            _write_atomic(path, formatted)
            out.note(f"reformatted {path}")
    n = len(changed)
    verb = "would be reformatted" if check_only or diff else "reformatted"
    out.note(f"{n} file{'s' * (n != 1)} {verb}, {unchanged} file{'s' * (unchanged != 1)} "
             "left unchanged")
    sys.exit(2 if broken else 1 if changed and (check_only or diff) else 0)


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".fmt-", suffix=".policy")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@cli.command(context_settings=CONTEXT)
@_policy_argument
@click.option("--max-examples", type=click.IntRange(min=1), default=None,
              help="Generated workers to try per property.  [default: 200]")
@click.option("--seed", type=int, default=None,
              help="Seed the generator, for a repeatable run.")
@_color_option
def verify(policy: str, max_examples: int | None, seed: int | None, color: str) -> None:
    """Prove a policy consistent: six properties, on generated workers and on every profile.

    \b
    1 determinism            4 honest statuses
    2 monotonic in records   5 achievable (every worker can become compliant)
    3 monotonic in time      6 eligibility agrees with the prerequisites

    Exit 1 if a property fails (with a counterexample), 2 if the policy does not check.

    \b
    Examples:
      policyrules verify policies/durham.policy
      policyrules verify policies/pan_lancashire.policy --max-examples 2000 --seed 1
    """
    from ..verify import verify as run_verify

    out = Out(color)
    loaded = _load(policy, out)
    report = run_verify(loaded, max_examples=max_examples, seed=seed)
    click.echo(report.render())
    sys.exit(0 if report.ok else 1)


from ..lsp.command import lsp as _lsp  # noqa: E402  (the command imports pygls lazily)

cli.add_command(_lsp)
from .diff import diff_command  # noqa: E402  (a command of its own module, registered here)

cli.add_command(diff_command)
from ..reports import command as _report_command  # noqa: E402, F401  (registers `report`)
