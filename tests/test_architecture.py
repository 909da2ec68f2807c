"""The module layout: every module imports on its own (no import cycles hidden by order)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import policyrules

PACKAGE = Path(policyrules.__file__).parent

# Each module is imported first, in a child forked from a process that has imported nothing
# of policyrules: a cycle that only import order hides fails there.
_PROBE = r"""
import importlib, os, sys
# Other projects' packages first, once, in the parent: they cannot hide a cycle among
# policyrules's own modules, and importing them in every child is most of the cost.
for dep in ("attrs", "click", "dateutil.relativedelta", "hypothesis", "jinja2", "lark",
            "msgspec", "openpyxl", "rich.console", "rich.progress", "rich.table"):
    try:
        importlib.import_module(dep)
    except ImportError:
        pass
# A child per core at once: each imports policyrules's package first, which is most of
# its time.
failed, running = [], {}
names = sys.argv[:0:-1]
while names or running:
    while names and len(running) < (os.cpu_count() or 1):
        name = names.pop()
        pid = os.fork()
        if pid == 0:
            try:
                __import__(name)
            except BaseException as exc:
                print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
                os._exit(1)
            os._exit(0)
        running[pid] = name
    pid, status = os.wait()
    if status:
        failed.append(running[pid])
    del running[pid]
print("failed:", failed)
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


def test_every_module_imports_first() -> None:
    modules = _modules()
    assert "policyrules.pipeline" in modules and "policyrules.semantics.lower" in modules
    proc = subprocess.run([sys.executable, "-c", _PROBE, *modules],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
