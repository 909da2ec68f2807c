import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

import policyrules
from policyrules.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# No time limit per example: speed is measured in benchmarks/, and a busy machine (CI has
# two cores) must not turn a slow example into a failure. The rest is hypothesis's own
# defaults, or its "ci" profile when it finds itself on CI.
settings.register_profile("policyrules", parent=settings.default, deadline=None)
settings.load_profile("policyrules")

# Fixture policies are loaded by the tests that need them (several are broken on purpose),
# not collected as example files.
collect_ignore_glob = ["fixtures/*"]

AS_OF = datetime.date(2026, 11, 22)


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """The command as a user runs it, with stdout and stderr kept apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def features() -> policyrules.Policy:
    """The small policy that exercises every language feature."""
    return policyrules.load(FIXTURES / "features.policy")


# The data rows (from 0) of examples/workers.csv that are bad on purpose: the lines of
# the table in examples/README.md, less the header and one.
BAD_ROWS = (136, 451, 887, 1202, 1529, 1776, 1900, 1989)


def example_near_bad_rows(reach: int = 3) -> tuple[Any, Any]:
    """The shipped example workforce as Polars tables of text (as the command line reads
    CSV), cut to the workers within `reach` rows of each bad row, and the training of
    those workers and of the row without an id, in the files' order: every kind of bad
    row, for tests that decide a table in many small parts, at a fraction of the cost."""
    import polars as pl

    workers = pl.read_csv(ROOT / "examples" / "workers.csv", infer_schema=False)
    training = pl.read_csv(ROOT / "examples" / "training.csv", infer_schema=False)
    near = sorted({i for row in BAD_ROWS for i in range(row - reach, row + reach + 1)})
    workers = workers[near]
    ids = workers["id"].drop_nulls().to_list()
    training = training.filter(pl.col("worker").is_null() | pl.col("worker").is_in(ids))
    return workers, training
