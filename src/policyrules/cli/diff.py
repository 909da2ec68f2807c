"""`policyrules diff OLD NEW [WORKERS]` (CONTRACT §7): a thin layer over policyrules.diff.

Exit status: 0 the policies are equivalent; 1 they are not; 2 an error (a policy does not
check, a file cannot be read, a worker record is not valid for both policies).
"""

from __future__ import annotations

import datetime
import json
import sys
from typing import Any

import click

from ..diff import diff as compare
from ..diff.text import render
from ..errors import PolicyCheckError, PolicyError
from ..policy import Policy, load
from ..records import WorkerInput, parse_line
from ..semantics.dates import parse_iso_date


def _policy(path: str) -> Policy:
    try:
        return load(path)
    except PolicyCheckError as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"{path}: the policy does not check ({len(exc.diagnostics)} error"
                   f"{'s' * (len(exc.diagnostics) != 1)})", err=True)
        sys.exit(2)
    except PolicyError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date:
    if value is None:
        return datetime.date.today()
    try:
        return parse_iso_date(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _records(path: str, training: str | None, lines: list[int]) -> list[Any]:
    """The worker file's records as mappings (a record that is not even JSON stays the
    WorkerError saying so, for diff to report in its place), each record's line in `lines`."""
    out: list[Any] = []
    with WorkerInput(path, training=training,
                     stdin=click.get_binary_stream("stdin")) as source:
        for line, raw in source.raw():
            out.append(parse_line(raw) if isinstance(raw, str) else raw)
            lines.append(line)
    return out


@click.command("diff", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.argument("workers", metavar="[WORKERS]", required=False)
@click.option("--as-of", callback=_as_of, metavar="DATE",
              help="Compare on this day (YYYY-MM-DD; default today).")
@click.option("--training", "training_file", metavar="FILE",
              help="A training CSV (worker,training,completed,…) for a CSV WORKERS file.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def diff_command(old: str, new: str, workers: str | None, as_of: datetime.date,
                 training_file: str | None, fmt: str) -> None:
    """Compare two policies: where does NEW decide differently from OLD?

    Without WORKERS, over every profile (contact × roles × volunteer × sector) and the
    dates where a deadline or renewal falls, with an example worker for each difference,
    for whom it differs and from when. With WORKERS, which of those workers' findings or
    compliance change, and how.

    Exit status: 0 equivalent; 1 not equivalent; 2 an error.

    \b
    Examples:
      policyrules diff policies/pan_lancashire.policy \\
          policies/local/pan_lancashire_3yr.policy --as-of 2026-11-22
      policyrules diff old.policy new.policy examples/workers.jsonl --format json
    """
    a, b = _policy(old), _policy(new)
    lines: list[int] = []
    records = None
    if workers is not None:
        try:
            records = _records(workers, training_file, lines)
        except PolicyError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    result = compare(a, b, records, as_of=as_of)
    if fmt == "json":
        data = result.to_dict()
        for error in data["errors"]:
            error["line"] = lines[error.pop("index")]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render(result, lambda i: f"{workers}:{lines[i]}"), nl=False)
    sys.exit(2 if result.errors else 0 if result.equivalent else 1)

