"""The `policyrules` command (CONTRACT §4): a thin layer over the library API.

    main.py       the command group, and how a command ends (signals, a closed pipe)
    common.py     options and helpers the commands share
    output.py     colour, the stdout and stderr consoles, one-line errors, progress
    signals.py    SIGTERM, SIGHUP and SIGINT turned into exceptions and exit statuses
    evaluate.py   evaluate (a whole worker file: batch/)
    explain.py    explain, eligible (one worker)
    authoring.py  check, describe, coverage, test, fmt, verify
    diff.py       diff (the comparison is diff/'s); report and lsp live in reports/ and lsp/

Data goes to stdout, messages to stderr. Exit status: 0 success; 1 some input records or
examples failed (the rest still ran and were reported); 2 the policy does not check, a
file cannot be read or written, or the command was used wrongly; 130 interrupted; 128+N
stopped by signal N; 141 the reader of stdout went away.
"""

# Commands in modules of their own, registered here (`lsp` imports pygls only when run;
# `diff` and `report` are imported when asked for: `main.LAZY`).
from ..lsp.command import lsp as _lsp
from . import authoring as authoring
from . import evaluate as evaluate
from . import explain as explain
from .main import cli as cli
from .main import main as main
from .output import want_color as want_color

cli.add_command(_lsp)

__all__ = ["cli", "main", "want_color"]
