"""`policyrules explain` and `eligible`: one worker, found by id in a worker file."""

from __future__ import annotations

import datetime
import json
import sys

import click

from .. import records, render
from ..contract.workers import Worker
from ..errors import UnknownTrainingError, WorkerError
from ..policy import Policy
from .common import (
    CONTEXT,
    color_option,
    date_option,
    load_policy,
    policy_argument,
    source_quotes,
    text_or_json_option,
    today,
    training_option,
)
from .main import cli
from .output import Out


def find_worker(policy: Policy, path: str, training: str | None, wid: str, out: Out) -> Worker:
    """The worker with id `wid`; exit 1 if its record is invalid, 2 if it is not there."""
    try:
        found = records.find_worker(path, policy, wid, training=training,
                                    stdin=click.get_binary_stream("stdin"))
    except records.WorkerFileError as exc:
        raise out.fail(str(exc)) from None
    if isinstance(found.worker, WorkerError):
        out.error(f"{found.source}:{found.line}: {found.worker}")
        sys.exit(1)
    return found.worker


@cli.command(context_settings=CONTEXT)
@policy_argument
@click.argument("workers", metavar="WORKERS")
@click.option("-w", "--worker", "worker_id", required=True, metavar="ID",
              help="The id of the worker to explain.")
@training_option
@date_option("--as-of", "Evaluate on this day (YYYY-MM-DD).")
@color_option
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
    loaded = load_policy(policy, out)
    worker = find_worker(loaded, workers, training_file, worker_id, out)
    try:
        decision = loaded.evaluate_checked(worker, as_of or today())
    except WorkerError as exc:  # a deadline after 9999-12-31 (DateRangeError)
        out.error(f"{workers}: {exc}")
        sys.exit(1)
    out.print(render.explain(loaded, worker, decision, source_quotes(loaded, out)))


@cli.command(context_settings=CONTEXT)
@policy_argument
@click.argument("workers", metavar="WORKERS")
@click.argument("training_id", metavar="TRAINING")
@click.option("-w", "--worker", "worker_id", required=True, metavar="ID",
              help="The id of the worker.")
@date_option("--on", "The day of the training (YYYY-MM-DD).")
@click.option("--strict", is_flag=True, help="Exit 1 when the answer is no.")
@text_or_json_option
@training_option
@color_option
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
    loaded = load_policy(policy, out)
    try:
        loaded.training(training_id)
    except UnknownTrainingError as exc:
        raise out.fail(str(exc)) from None
    worker = find_worker(loaded, workers, training_file, worker_id, out)
    result = loaded.eligible(worker, training_id, on=on or today())
    if fmt == "json":
        click.echo(json.dumps({"worker": worker.id} | result.to_dict(), ensure_ascii=False,
                              indent=2, allow_nan=False))
    else:
        out.print(render.eligibility(loaded, worker, result))
    sys.exit(1 if strict and not result.ok else 0)
