"""The language server in a real editor: a headless Neovim started with the init.lua that
docs/editors.md gives Neovim users (the Lua module in editors/nvim), driven through the
author's loop by tests/nvim/author_loop.lua, which writes what Neovim saw as JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import policyrules
from conftest import ROOT
from policyrules.language.format import format_text

DOCS = ROOT / "docs" / "editors.md"
SRC = str(Path(policyrules.__file__).resolve().parent.parent)  # the checkout under test
NVIM = shutil.which("nvim")
# A guard against an editor or server that hangs, not a speed requirement.
PATIENCE = 240


def docs_init_lua() -> str:
    """The Lua the Neovim section of docs/editors.md tells users to put in init.lua."""
    section = DOCS.read_text(encoding="utf-8").split("\n## Neovim\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```lua\n(.*?)```", section, re.S)
    assert found, "docs/editors.md: the Neovim section has no init.lua"
    return found.group(1)


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the loop once; every test below reads what Neovim saw."""
    if NVIM is None:
        pytest.fail("Neovim is not installed: `apt-get install -y neovim` (.ci/run does)")
    tmp = tmp_path_factory.mktemp("nvim")
    # The docs start `policyrules lsp` from the PATH: put this checkout's there.
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "policyrules"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m policyrules "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    init = tmp / "init.lua"
    init.write_text(docs_init_lua().replace("/path/to/policyrules", str(ROOT)))
    # The policies as an author has them: a project (a .git folder) holding the three.
    project = tmp / "project"
    (project / ".git").mkdir(parents=True)
    (project / "local").mkdir()
    for name in ("durham.policy", "pan_lancashire.policy", "local/pan_lancashire_3yr.policy"):
        shutil.copyfile(ROOT / "policies" / name, project / name)
    out = tmp / "seen.json"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])]),
               XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"),
               XDG_STATE_HOME=str(tmp / "state"), XDG_CACHE_HOME=str(tmp / "cache"),
               POLICYRULES_OUT=str(out), POLICYRULES_DURHAM=str(project / "durham.policy"),
               POLICYRULES_LOCAL=str(project / "local" / "pan_lancashire_3yr.policy"))
    run = subprocess.run(
        [NVIM, "--headless", "-i", "NONE", "-n", "-u", str(init),
         "-c", f"luafile {ROOT / 'tests' / 'nvim' / 'author_loop.lua'}"],
        env=env, cwd=project, capture_output=True, text=True, timeout=PATIENCE,
        stdin=subprocess.DEVNULL)
    assert out.exists(), f"Neovim wrote nothing (exit {run.returncode}): {run.stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert "failed" not in result, result["failed"]
    result["project"] = str(project)
    return result


def test_opening_a_policy_starts_the_server_and_it_is_clean(seen: dict[str, Any]) -> None:
    assert seen["open"] == {"filetype": "policyrules", "commentstring": "# %s",
                            "server": "policyrules", "diagnostics": []}


def test_a_misspelt_name_is_underlined_with_checks_words(seen: dict[str, Any]) -> None:
    [d] = seen["type"]["diagnostics"]
    assert d["message"] == ("unknown training `safeguarding-inducton`\n"
                            "hint: did you mean `safeguarding-induction`?")
    line = seen["type"]["line"]
    assert (d["line"], d["column"], d["end_line"]) == (line, 15, line)
    assert d["end_column"] == 15 + len("safeguarding-inducton")
    assert (d["severity"], d["source"]) == (1, "policyrules")  # 1: error


def test_hover_on_a_citation_quotes_the_paragraph(seen: dict[str, Any]) -> None:
    markdown = seen["hover"]["markdown"]
    assert markdown.startswith("**4.7**, Durham LSCB Section 4\n\n> Per-worker requirements")
    assert ("> completed within the first six months of employment and before individuals "
            "take part  \n") in markdown  # the comment above the requirement, quoted
    assert markdown.endswith("requirement `induction`, requirement `refresher`")


def test_completion_offers_the_contact_levels(seen: dict[str, Any]) -> None:
    assert sorted(seen["complete"]["labels"]) == ["none", "occasional", "predominant",
                                                  "regular"]


def test_the_outline_lists_the_declarations(seen: dict[str, Any]) -> None:
    names = seen["outline"]["names"]
    assert {"induction", "safeguarding-induction", "regular-contact"} <= set(names)
    durham = (ROOT / "policies" / "durham.policy").read_text(encoding="utf-8")
    assert names.count("induction") == 1
    assert len(names) >= len(re.findall(r"^requirement ", durham, re.M)) > 0


def test_fixing_the_name_clears_the_diagnostic(seen: dict[str, Any]) -> None:
    assert seen["fix"] == {"diagnostics": []}


def test_definition_jumps_to_the_training(seen: dict[str, Any]) -> None:
    assert seen["definition"]["file"] == str(Path(seen["project"]) / "durham.policy")
    assert seen["definition"]["line_text"].startswith(
        'training safeguarding-induction "Safeguarding induction"')


def test_definition_across_extends_opens_the_extended_policy(seen: dict[str, Any]) -> None:
    jump = seen["definition_across_extends"]
    assert jump["file"] == str(Path(seen["project"]) / "pan_lancashire.policy")
    assert jump["line_text"].startswith("requirement inter-agency-training ")


def test_formatting_gives_fmts_layout(seen: dict[str, Any]) -> None:
    durham = ROOT / "policies" / "durham.policy"
    expected = format_text(durham.read_text(encoding="utf-8"), str(durham))
    assert seen["format"]["text"] == expected.rstrip("\n")


def test_the_config_runs_on_this_neovim(seen: dict[str, Any]) -> None:
    version = seen["version"]
    assert (version["major"], version["minor"]) >= (0, 7)


def test_ci_installs_neovim_with_the_readmes_command() -> None:
    command = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert command in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert "command -v nvim" in command and "install -y chromium neovim" in command


def _doc_blocks(lang: str) -> list[str]:
    return [body for kind, body in re.findall(r"```(\w*)\n(.*?)```",
                                              DOCS.read_text(encoding="utf-8"), re.S)
            if kind == lang]


def test_the_docs_show_the_diagnostic_neovim_kept(seen: dict[str, Any]) -> None:
    assert seen["type"]["shown"] + "\n" in _doc_blocks("lua")


def test_the_docs_show_the_hover_neovim_received(seen: dict[str, Any]) -> None:
    assert seen["hover"]["markdown"] + "\n" in _doc_blocks("markdown")
