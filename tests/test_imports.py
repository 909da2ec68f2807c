"""Start-up cost: the library and `evaluate` leave optional heavy packages unimported.

openpyxl (with numpy), polars, pyarrow, pygls and dask each take a large share of a
second to import; a run that reads JSON Lines or CSV has no use for them. An eager import
added anywhere on the common path shows up here, not as a slower benchmark weeks later.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

HEAVY = ("openpyxl", "numpy", "polars", "pyarrow", "pygls", "dask")

# Runs in a fresh interpreter, then prints which of HEAVY (and which policyrules modules)
# it ended up importing.
_REPORT = """
import json, sys
heavy = {heavy!r}
{body}
loaded = sorted({{m.partition(".")[0] for m in sys.modules}} & set(heavy))
ours = sorted(m for m in sys.modules if m.startswith("policyrules."))
print(json.dumps({{"heavy": loaded, "ours": ours}}), file=sys.__stderr__)
"""


def _modules_after(body: str, tmp_path: Path,
                   heavy: tuple[str, ...] = HEAVY) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", _REPORT.format(heavy=heavy, body=body)],
                          capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_policyrules_leaves_heavy_packages_alone(tmp_path: Path) -> None:
    policy = str(ROOT / "policies" / "durham.policy")
    seen = _modules_after(f"import policyrules\npolicyrules.load({policy!r})", tmp_path)
    assert seen["heavy"] == []
    # Reports are imported when first used.
    assert "policyrules.reports.model" not in seen["ours"]


@pytest.mark.parametrize("workers", ["workers.jsonl", "workers.csv"])
def test_evaluate_leaves_heavy_packages_alone(tmp_path: Path, workers: str) -> None:
    argv = ["policyrules", "evaluate", str(ROOT / "policies" / "durham.policy"),
            str(ROOT / "examples" / workers), "--as-of", "2026-11-22", "--format", "jsonl",
            "-o", str(tmp_path / "out.jsonl"), "--quiet"]
    seen = _modules_after(f"sys.argv = {argv!r}\n"
                          "from policyrules.cli import main\n"
                          "try:\n    main()\nexcept SystemExit as stop:\n"
                          "    assert stop.code in (0, 1), stop.code\n", tmp_path)
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 2000
    assert seen["heavy"] == []
    # Nor the modules of the other commands.
    assert not any(m.startswith(("policyrules.diff.text", "policyrules.reports",
                                 "policyrules.cli.authoring", "policyrules.cli.explain",
                                 "policyrules.lsp"))
                   for m in seen["ours"])


def test_evaluate_in_one_process_imports_only_what_it_uses(tmp_path: Path) -> None:
    # Start-up is part of every run (#17): without --jobs, no process pool; without --map,
    # no TOML reader; and no policy comparison.
    argv = ["policyrules", "evaluate", str(ROOT / "policies" / "durham.policy"),
            str(ROOT / "examples" / "workers.jsonl"), "--as-of", "2026-11-22", "-o",
            str(tmp_path / "out.jsonl"), "--quiet"]
    seen = _modules_after(f"sys.argv = {argv!r}\n"
                          "from policyrules.cli import main\n"
                          "try:\n    main()\nexcept SystemExit as stop:\n"
                          "    assert stop.code in (0, 1), stop.code\n", tmp_path,
                          heavy=("multiprocessing", "concurrent", "tomllib"))
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 2000
    assert seen["heavy"] == []
    assert not {"policyrules.batch.parallel", "policyrules.diff.compare"} & set(seen["ours"])


def test_lazy_names_are_the_real_ones() -> None:
    import policyrules
    from policyrules.diff import diff
    from policyrules.reports.build import build_report
    from policyrules.reports.model import Report

    assert policyrules.diff is diff
    # The comparison's classes, imported when first asked for.
    from policyrules.diff import Comparison, Difference
    from policyrules.diff.compare import Comparison as Compared
    from policyrules.diff.compare import Difference as Different

    assert (Comparison, Difference) == (Compared, Different)
    package = importlib.import_module("policyrules.diff")  # the package, not the function
    with pytest.raises(AttributeError, match=r"policyrules\.diff' has no attribute 'no_such"):
        package.no_such_name  # noqa: B018
    assert policyrules.Report is Report
    assert policyrules.build_report is build_report
    with pytest.raises(AttributeError, match="no_such_name"):
        policyrules.no_such_name  # noqa: B018  # type: ignore[attr-defined]


def test_reading_a_workbook_still_imports_openpyxl(tmp_path: Path) -> None:
    """The other side of the bargain: the xlsx reader gets openpyxl when it needs it."""
    argv = ["policyrules", "evaluate", str(ROOT / "policies" / "durham.policy"),
            str(ROOT / "examples" / "hr_staff.xlsx"), "--map",
            str(ROOT / "examples" / "hr_mapping.toml"), "--training",
            str(ROOT / "examples" / "hr_training.xlsx"), "--as-of", "2026-11-22",
            "--format", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--quiet"]
    seen = _modules_after(f"sys.argv = {argv!r}\n"
                          "from policyrules.cli import main\n"
                          "try:\n    main()\nexcept SystemExit as stop:\n"
                          "    assert stop.code in (0, 1), stop.code\n", tmp_path)
    assert "openpyxl" in seen["heavy"]
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").strip()


def test_every_command_is_found_and_named_as_listed() -> None:
    import click

    from policyrules.cli import cli
    from policyrules.cli.main import LAZY

    context = click.Context(cli)
    names = cli.list_commands(context)
    assert set(LAZY) < set(names) and "evaluate" in names
    for name in names:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


# A module of ours that only some installs import, and the extra (or the program that
# loads it) that brings what it imports besides the core dependencies.
_EXTRA_OF = {"lsp": "lsp", "dask.py": "dask", "pytest_plugin.py": "pytest"}


def _name(requirement: str) -> str:
    """A distribution's name as a requirement spells it, normalised (PEP 503)."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def test_every_package_imported_is_a_declared_dependency() -> None:
    # `pip install .` must bring all that the package imports: numpy once came only with
    # pandas, from the test extra, and `--format parquet` failed on a plain install.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {extra: {_name(r) for r in reqs}
              for extra, reqs in project["optional-dependencies"].items()}
    extras["pytest"] = {"pytest"}  # the plugin is loaded by pytest itself
    distributions = importlib.metadata.packages_distributions()
    src = ROOT / "src" / "policyrules"
    missing = []
    for path in sorted(src.rglob("*.py")):
        part = path.relative_to(src).parts[0]
        allowed = core | extras.get(_EXTRA_OF.get(part, ""), set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in sys.stdlib_module_names or top in {"policyrules", "__future__"}:
                    continue
                found = {_name(d) for d in distributions.get(top, [])}
                if not found & allowed:
                    missing.append(f"{path.relative_to(ROOT)}: {top} ({sorted(found)})")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(missing)
