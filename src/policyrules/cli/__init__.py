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

# Commands in modules of their own: `evaluate` registered here, the others when asked for
# (`main.LAZY`; `lsp` imports pygls only when run).
from . import evaluate as evaluate
from .main import cli as cli
from .main import main as main
from .output import want_color as want_color

__all__ = ["cli", "main", "want_color"]
