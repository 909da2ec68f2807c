"""Editor support outside the server: the Pygments lexer, the TextMate grammar and the VS
Code extension that starts `policyrules lsp`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pygments.token import Comment, Error, Keyword, Literal, Name, String

from conftest import FIXTURES, ROOT
from policyrules.highlight import KEYWORDS, PolicyLexer
from policyrules.language.syntax_errors import keyword_table as _keyword_table

EDITORS = ROOT / "editors"
POLICIES = [*sorted((ROOT / "policies").rglob("*.policy")),
            FIXTURES / "features.policy", FIXTURES / "features_local.policy"]


def test_the_lexer_knows_exactly_the_grammars_keywords() -> None:
    assert set(KEYWORDS) == set(_keyword_table().values())


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_the_lexer_reads_the_policies_without_error_tokens(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tokens = list(PolicyLexer().get_tokens(text))
    assert [value for kind, value in tokens if kind is Error] == []
    assert "".join(value for _, value in tokens) == text


def test_the_lexer_tells_the_kinds_apart() -> None:
    line = ('requirement induction "Induction" # the first\n'
            "  due within 6 months of start cites 4.7, local:x applies to role inter-agency\n"
            "example \"e\" as of 2026-11-22\n")
    tokens = [(kind, value) for kind, value in PolicyLexer().get_tokens(line)
              if value.strip()]
    assert tokens[:4] == [(Keyword.Declaration, "requirement"), (Name.Function, "induction"),
                          (String.Double, '"Induction"'), (Comment.Single, "# the first")]
    kinds = dict((value, kind) for kind, value in tokens)
    assert kinds["4.7"] is Name.Label and kinds["local:x"] is Name.Label
    assert kinds["inter-agency"] is Name  # a name that holds a keyword is still a name
    assert kinds["within"] is Keyword and kinds["months"] is Keyword.Type
    assert kinds["2026-11-22"] is Literal.Date and kinds["example"] is Keyword.Declaration


def test_the_lexer_marks_what_the_grammar_refuses() -> None:
    tokens = list(PolicyLexer().get_tokens("role x 'y'\n"))
    assert (Error, "'") in tokens


def test_the_lexer_is_registered_with_pygments() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pygments.lexers"] == {
        "policyrules": "policyrules.highlight:PolicyLexer"}


# TextMate -------------------------------------------------------------------------------


def _grammar() -> dict[str, Any]:
    grammar: dict[str, Any] = json.loads((EDITORS / "policyrules.tmLanguage.json").read_text())
    return grammar


def _scopes(line: str, grammar: dict[str, Any]) -> list[str | None]:
    """The scope of each character of a line, as a TextMate engine gives it for this flat
    grammar: at each point the pattern whose match starts first (the earlier on a tie)."""
    rules = [grammar["repository"][p["include"][1:]] for p in grammar["patterns"]]
    scopes: list[str | None] = [None] * len(line)
    pos = 0
    while pos < len(line):
        best: tuple[int, int, int, dict[str, Any], re.Match[str]] | None = None
        for order, rule in enumerate(rules):
            m = re.compile(rule.get("match") or rule["begin"]).search(line, pos)
            if m is None:
                continue
            end = m.end()
            if "end" in rule:
                closing = re.compile(rule["end"]).search(line, end)
                end = closing.end() if closing else len(line)
            if best is None or (m.start(), order) < (best[0], best[1]):
                best = (m.start(), order, end, rule, m)
        if best is None:
            break
        start, _, best_end, rule, m = best
        for i in range(start, best_end):
            scopes[i] = rule.get("name")
        for group, capture in rule.get("captures", {}).items():
            for i in range(*m.span(int(group))):
                scopes[i] = capture["name"]
        pos = max(best_end, pos + 1)
    return scopes


def test_the_textmate_grammar_knows_exactly_the_grammars_keywords() -> None:
    pattern = _grammar()["repository"]["keyword"]["match"]
    words = re.search(r"\(\?:([a-z|]+)\)", pattern)
    assert words is not None
    assert set(words.group(1).split("|")) == set(_keyword_table().values())


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_the_textmate_grammar_scopes_every_word_of_the_policies(path: Path) -> None:
    grammar = _grammar()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        scopes = _scopes(line, grammar)
        bare = [ch for ch, scope in zip(line, scopes, strict=True)
                if scope is None and not ch.isspace()]
        assert bare == [], (number, line)


def test_the_textmate_grammar_tells_the_kinds_apart() -> None:
    line = 'requirement induction "A # b" # c due within 6 months cites 4.7, local:x'
    at = {word: _scopes(line, _grammar())[line.index(word)]
          for word in ("requirement", "induction", '"A', "# c")}
    assert at == {"requirement": "keyword.declaration.policyrules",
                  "induction": "entity.name.function.policyrules",
                  '"A': "string.quoted.double.policyrules",
                  "# c": "comment.line.number-sign.policyrules"}
    line = "  due within 6 months cites 4.7, local:x-y applies to role inter-agency"
    found = _scopes(line, _grammar())
    assert found[line.index("within")] == "keyword.control.policyrules"
    assert found[line.index("6")] == "constant.numeric.policyrules"
    assert found[line.index("months")] == "keyword.other.unit.policyrules"
    assert found[line.index("4.7")] == "constant.other.paragraph.policyrules"
    assert found[line.index("local:x-y") + 8] == "constant.other.paragraph.policyrules"
    assert {found[i] for i in range(line.index("inter-agency"), len(line))} == {
        "variable.other.policyrules"}


# VS Code --------------------------------------------------------------------------------


def test_the_vscode_extension_points_at_real_files() -> None:
    folder = EDITORS / "vscode"
    manifest = json.loads((folder / "package.json").read_text())
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "policyrules"
    assert language["extensions"] == [".policy"]
    assert (folder / grammar["path"]).resolve() == (EDITORS / "policyrules.tmLanguage.json")
    assert grammar["scopeName"] == _grammar()["scopeName"]
    json.loads((folder / language["configuration"]).read_text())
    assert (folder / manifest["main"]).is_file()
    assert manifest["activationEvents"] == ["onLanguage:policyrules"]
    setting = manifest["contributes"]["configuration"]["properties"]["policyrules.server.command"]
    assert setting["default"] == ["policyrules", "lsp"]


_STUBS = {
    "vscode/index.js": """
        exports.workspace = { getConfiguration: (section) => ({
          get: (key, fallback) => { exports.asked = [section, key]; return fallback; } }) };
    """,
    "vscode-languageclient/node.js": """
        class LanguageClient {
          constructor(id, name, server, client) {
            LanguageClient.made.push({ id, name, server, client }); this.started = false;
          }
          start() { this.started = true; LanguageClient.started += 1; return Promise.resolve(); }
          stop() { LanguageClient.stopped += 1; return Promise.resolve(); }
          dispose() {}
        }
        LanguageClient.made = []; LanguageClient.started = 0; LanguageClient.stopped = 0;
        exports.LanguageClient = LanguageClient;
    """,
}
_ACTIVATE = """
const extension = require(process.argv[1]);
const context = { subscriptions: [] };
Promise.resolve(extension.activate(context)).then(() => extension.deactivate()).then(() => {
  const { LanguageClient } = require("vscode-languageclient/node");
  console.log(JSON.stringify({ asked: require("vscode").asked, made: LanguageClient.made,
    started: LanguageClient.started, stopped: LanguageClient.stopped,
    subscribed: context.subscriptions.length }));
});
"""


def test_the_vscode_extension_starts_policyrules_lsp(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed to run the VS Code extension's code"
    for name, code in _STUBS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code)
    proc = subprocess.run([node, "-e", _ACTIVATE, str(EDITORS / "vscode" / "extension.js")],
                          capture_output=True, text=True, env={"NODE_PATH": str(tmp_path)},
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    (made,) = seen["made"]
    assert seen["asked"] == ["policyrules", "server.command"]
    assert made["server"] == {"command": "policyrules", "args": ["lsp"]}
    assert {"scheme": "file", "language": "policyrules"} in made["client"]["documentSelector"]
    assert (seen["started"], seen["stopped"], seen["subscribed"]) == (1, 1, 1)


# docs/editors.md ------------------------------------------------------------------------

EDITORS_DOC = ROOT / "docs" / "editors.md"


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in re.findall(r"```(\w*)\n(.*?)```", EDITORS_DOC.read_text(),
                                              re.S) if kind == lang]


def test_the_editors_doc_shows_the_real_diagnostic_and_hover() -> None:
    from policyrules.lsp.analysis import analyse, message
    from policyrules.lsp.navigate import hover

    durham = ROOT / "policies" / "durham.policy"
    text = durham.read_text()
    (excerpt,) = [b for b in _blocks("policy") if "requirement induction" in b]
    assert excerpt in text
    typed = text.replace(excerpt, excerpt.replace("by safeguarding-induction",
                                                  "by safeguarding-inducton"))
    shown = [b for b in _blocks("text") if b.startswith("unknown training")]
    (d,) = analyse(typed, str(durham)).diagnostics
    assert [message(analyse(typed, str(durham)), d) + "\n"] == shown
    line = text[:text.index(excerpt) + excerpt.index("cites 4.7")].count("\n")
    found = hover(analyse(text, str(durham)), line, len("  cites "))
    assert found is not None
    plain = [re.sub(r"^> |\*\*|  $", "", x) for x in found.markdown.splitlines()]
    # the first such block; the second is hover with a source text (test_source_text.py)
    assert next(b for b in _blocks("text") if b.startswith("4.7,")) == "\n".join(plain) + "\n"


def test_the_editors_doc_settings_are_well_formed() -> None:
    (helix,) = _blocks("toml")
    config = tomllib.loads(helix)
    assert config["language-server"]["policyrules"] == {"command": "policyrules",
                                                       "args": ["lsp"]}
    assert config["language"][0]["file-types"] == ["policy"]
    assert config["language"][0]["language-servers"] == ["policyrules"]
    (vscode,) = _blocks("json")
    setting = json.loads(vscode)["policyrules.server.command"]
    manifest = json.loads((EDITORS / "vscode" / "package.json").read_text())
    assert "policyrules.server.command" in manifest["contributes"]["configuration"][
        "properties"]
    assert setting[-3:] == ["-m", "policyrules", "lsp"]
    # Neovim: the init.lua loads editors/nvim, whose default command is `policyrules lsp`
    # (tests/test_editors_nvim.py runs it in Neovim).
    init = _blocks("lua")[0]
    assert 'require("policyrules").setup()' in init
    module = (EDITORS / "nvim" / "lua" / "policyrules.lua").read_text(encoding="utf-8")
    assert 'opts.cmd or { "policyrules", "lsp" }' in module
