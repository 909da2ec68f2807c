"""Start-up cost: the library and `evaluate` leave optional heavy packages unimported.

openpyxl (with numpy), polars, pyarrow, pygls and dask each take a large share of a
second to import; a run that reads JSON Lines or CSV has no use for them. An eager import
added anywhere on the common path shows up here, not as a slower benchmark weeks later.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
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
