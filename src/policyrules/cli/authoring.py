"""The commands for people who write policies: check, describe, coverage, test, fmt,
verify. Each is a thin layer over the library (pipeline, examples, language.format,
verify) and render/."""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sys
import tempfile

import click
from rich.text import Text

from .. import render
from ..errors import PolicyCheckError, PolicyError, PolicyFileError
from ..examples import ExampleResult, failure_text, run_examples
from ..pipeline import diagnostics_of, read_policy
from ..policy import load
from .common import (
    CONTEXT,
    color_option,
    expand,
    load_policy,
    policy_argument,
    show_diagnostics,
    source_quotes,
    text_or_json_option,
)
from .main import cli
from .output import Out

# check -------------------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@color_option
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
    paths = expand(policies, out)
    for path in paths:
        try:
            diagnostics = diagnostics_of(path)
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


@cli.command(context_settings=CONTEXT)
@policy_argument
@text_or_json_option
@color_option
def describe(policy: str, fmt: str, color: str) -> None:
    """List the policy's groups, training catalogue and requirements, with citations.

    \b
    Examples:
      policyrules describe policies/durham.policy
      policyrules describe policies/durham.policy --format json | jq '.training[].id'
    """
    out = Out(color)
    loaded = load_policy(policy, out)
    if fmt == "json":
        click.echo(json.dumps(loaded.describe(), ensure_ascii=False, indent=2,
                              allow_nan=False))
    else:
        out.print(render.describe(loaded, source_quotes(loaded, out)))


@cli.command(context_settings=CONTEXT)
@policy_argument
@text_or_json_option
@color_option
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
    loaded = load_policy(policy, out)
    entries = loaded.coverage()
    quotes = source_quotes(loaded, out)
    if fmt == "json":
        click.echo(json.dumps(render.coverage_json(loaded, entries, quotes),
                              ensure_ascii=False, indent=2, allow_nan=False))
    else:
        out.print(render.coverage(loaded, entries, quotes))


@cli.command("test", context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@click.option("-k", "keyword", metavar="TEXT",
              help="Only run examples whose name contains TEXT (case-insensitive).")
@click.option("-v", "--verbose", is_flag=True, help="One line per example.")
@color_option
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
    out = Out(color)
    passed = failed = 0
    broken = False
    failures: list[ExampleResult] = []
    for path in expand(policies, out):
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


def _failure(res: ExampleResult) -> Text:
    """`failure_text` (shared with the pytest plugin), with colour for a terminal."""
    text = Text("\n")
    for line in failure_text(res).splitlines():
        stripped = line.lstrip()
        if not line.startswith(" "):
            text.append(line, style="bold")
        elif stripped.startswith(("expected:", "actual:", "error:")):
            label, _, rest = stripped.partition(":")
            text.append(line[:len(line) - len(stripped)])
            text.append(label + ":", style="green" if label == "expected" else "red")
            text.append(rest)
        elif stripped.startswith("actual findings:"):
            text.append(line, style="dim")
        else:
            text.append(line)
        text.append("\n")
    return text


# fmt, verify: built on language/format.py and verify/ -----------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", is_flag=True,
              help="Change nothing; print a diff of what would change and exit 1 if any.")
@color_option
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
            show_diagnostics(exc, out)
            sys.exit(2)
        return
    changed: list[str] = []
    unchanged = 0
    broken = False
    for path in expand(policies, out):
        try:
            text = read_policy(path)
            formatted = format_text(text, path)
        except PolicyCheckError as exc:
            show_diagnostics(exc, out)
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
@policy_argument
@click.option("--max-examples", type=click.IntRange(min=1), default=None,
              help="Generated workers to try per property.  [default: 200]")
@click.option("--seed", type=int, default=None,
              help="Seed the generator, for a repeatable run.")
@color_option
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
    loaded = load_policy(policy, out)
    report = run_verify(loaded, max_examples=max_examples, seed=seed)
    click.echo(report.render())
    sys.exit(0 if report.ok else 1)
