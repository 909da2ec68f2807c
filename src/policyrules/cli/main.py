"""The `policyrules` command group, and how every command ends.

Each command lives in the module of its group (evaluate.py; explain.py for one worker;
authoring.py for check, fmt, test, coverage, describe and verify) and registers itself
on `cli` here. `Commands.invoke` turns the ways a command can be stopped from outside
into one line and an exit status (signals.py), and flushes stdout while an error there
can still be reported.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import sys
from typing import Any

import click

from .. import __version__
from .common import CONTEXT
from .output import Out, silence_stdout
from .signals import BROKEN_PIPE, INTERRUPTED, Stopped, stop_on_signals

# Commands whose modules are imported only when the command is asked for (run, or listed
# by --help): every run would otherwise pay for importing (and, without cached bytecode,
# compiling) the modules of all the others. Each module registers its commands on `cli`
# when imported, or names one here (module, attribute) to be added.
_AUTHORING = ("policyrules.cli.authoring", None)
_ONE_WORKER = ("policyrules.cli.explain", None)
LAZY: dict[str, tuple[str, str | None]] = {
    "check": _AUTHORING, "coverage": _AUTHORING, "describe": _AUTHORING, "fmt": _AUTHORING,
    "test": _AUTHORING, "verify": _AUTHORING,
    "explain": _ONE_WORKER, "eligible": _ONE_WORKER,
    "diff": ("policyrules.cli.diff", "diff_command"),
    "lsp": ("policyrules.lsp.command", "lsp"),
    "report": ("policyrules.reports.command", None),
}


class Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY:
            module, attribute = LAZY[cmd_name]
            loaded = importlib.import_module(module)
            if attribute is not None:
                self.add_command(getattr(loaded, attribute), cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            _say("standard output is closed: there is nowhere to write the results")
            raise click.exceptions.Exit(2)
        try:
            with stop_on_signals():
                try:
                    return super().invoke(ctx)
                finally:
                    sys.stdout.flush()
        except KeyboardInterrupt:
            _say("interrupted")
            raise click.exceptions.Exit(INTERRUPTED) from None
        except Stopped as stop:
            _say(f"stopped by {stop}")
            raise click.exceptions.Exit(stop.exit_code) from None
        except BrokenPipeError:
            # The reader has all it wanted (`| head -1`): not an error, and nothing to say.
            silence_stdout()
            raise click.exceptions.Exit(BROKEN_PIPE) from None
        except OSError as exc:
            if exc.errno not in _FULL:
                raise
            silence_stdout()
            _say(f"cannot write the output: {exc.strerror}")
            raise click.exceptions.Exit(2) from None


# A write that fails for lack of room (stdout on a full disk; click.echo's flush).
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _say(message: str) -> None:
    with contextlib.suppress(Exception):
        Out("auto").error(message)


@click.group(cls=Commands, context_settings=CONTEXT)
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
    check, a file cannot be read, or the command was used wrongly; 130 interrupted;
    141 the reader of stdout went away.
    """


def main() -> None:
    """Console-script entry point (`policyrules` and `python -m policyrules`)."""
    try:
        cli(prog_name="policyrules")
    finally:
        # The command is done and has closed what it wrote. The interpreter's last
        # collections at exit would still look through every object left, which took
        # `evaluate` of 1,000,000 workers Parquet → Parquet about 0.15 s of its 3 s
        # (docs/cli.md); frozen, they are left to the process's end.
        gc.freeze()
