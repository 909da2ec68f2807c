"""The language server end to end: `python -m policyrules lsp` in a subprocess, spoken to
over its stdio by pygls's LanguageClient, as an editor would."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

import policyrules
from conftest import FIXTURES, ROOT
from policyrules.language.format import format_text
from policyrules.pipeline import diagnostics_of

T = TypeVar("T")
SRC = str(Path(policyrules.__file__).resolve().parent.parent)
DURHAM = ROOT / "policies" / "durham.policy"
PAN = ROOT / "policies" / "pan_lancashire.policy"
LOCAL = ROOT / "policies" / "local" / "pan_lancashire_3yr.policy"
# A guard against a server that never answers, not a speed requirement.
PATIENCE = 60.0


class Editor:
    """An editor's side of the connection: open, change, and ask about documents."""

    def __init__(self, encodings: list[t.PositionEncodingKind] | None = None) -> None:
        self.runner = asyncio.Runner()
        self.client = LanguageClient("policyrules-tests", "1")
        self.published: dict[str, list[t.PublishDiagnosticsParams]] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: t.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, []).append(params)

        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [SRC, *filter(None, [os.environ.get("PYTHONPATH")])]))
        self.run(self.client.start_io(sys.executable, "-m", "policyrules", "lsp", env=env))
        general = t.GeneralClientCapabilities(position_encodings=encodings)
        self.run(self.client.initialize_async(t.InitializeParams(
            capabilities=t.ClientCapabilities(general=general), process_id=os.getpid())))
        self.client.initialized(t.InitializedParams())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(asyncio.wait_for(coro, PATIENCE))

    def close(self) -> None:
        self.run(self.client.shutdown_async(None))
        self.client.exit(None)
        self.run(self.client.stop())
        self.runner.close()

    async def _diagnostics(self, uri: str, version: int) -> list[t.Diagnostic]:
        while True:
            for params in self.published.get(uri, []):
                if params.version == version:
                    return list(params.diagnostics)
            await asyncio.sleep(0.005)

    def open(self, path: Path | str, text: str | None = None) -> tuple[str, list[t.Diagnostic]]:
        uri = from_fs_path(str(path)) or ""
        text = Path(path).read_text(encoding="utf-8") if text is None else text
        if uri in self.versions:  # opened by an earlier test: close it, as an editor would
            self.client.text_document_did_close(t.DidCloseTextDocumentParams(
                t.TextDocumentIdentifier(uri)))
            self.published.pop(uri, None)
        self.versions[uri] = 1
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="policyrules", version=1, text=text)))
        return uri, self.run(self._diagnostics(uri, 1))

    def change(self, uri: str, text: str) -> list[t.Diagnostic]:
        self.versions[uri] += 1
        version = self.versions[uri]
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [t.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.run(self._diagnostics(uri, version))

    def edit(self, uri: str, line: int, start: int, end: int, new: str) -> list[t.Diagnostic]:
        """An incremental change, positions in UTF-16 code units as VS Code sends them."""
        self.versions[uri] += 1
        version = self.versions[uri]
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [t.TextDocumentContentChangePartial(
                range=t.Range(t.Position(line, start), t.Position(line, end)), text=new)]))
        return self.run(self._diagnostics(uri, version))

    def hover(self, uri: str, line: int, character: int) -> t.Hover | None:
        return self.run(self.client.text_document_hover_async(t.HoverParams(
            t.TextDocumentIdentifier(uri), t.Position(line, character))))

    def definition(self, uri: str, line: int, character: int) -> t.Location:
        found = self.run(self.client.text_document_definition_async(t.DefinitionParams(
            t.TextDocumentIdentifier(uri), t.Position(line, character))))
        assert isinstance(found, t.Location), found
        return found

    def complete(self, uri: str, line: int, character: int) -> dict[str, t.CompletionItem]:
        found = self.run(self.client.text_document_completion_async(t.CompletionParams(
            t.TextDocumentIdentifier(uri), t.Position(line, character))))
        assert isinstance(found, t.CompletionList)
        return {item.label: item for item in found.items}


@pytest.fixture(scope="module")
def editor() -> Iterator[Editor]:
    e = Editor()
    yield e
    e.close()


def hover_text(h: t.Hover | None) -> str:
    assert h is not None
    assert isinstance(h.contents, t.MarkupContent)
    return h.contents.value


def position(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The 0-based line and UTF-16 column of the nth occurrence of `needle`."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return line, len(text[start:at].encode("utf-16-le")) // 2


# Diagnostics ------------------------------------------------------------------------------

UNICODE = '''policy cafe
  title "Réseau: 😀 checks"
  source "Test document" paragraphs 1.1 to 1.2
role chef "Chef"
  cites 1.1
training cours "Cours"
  delivery single-agency
  cites 1.1
requirement r "Réview 😀" applies to role chefs
  satisfied by cours
  no deadline
  cites 1.2
  explain "Chefs need the course"
'''


def test_diagnostics_arrive_on_open_at_utf16_positions(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "unicode.policy"
    path.write_text(UNICODE, encoding="utf-8")
    _, diagnostics = editor.open(path)
    messages = {d.message: d for d in diagnostics}
    unknown = messages["unknown role `chefs`\nhint: did you mean `chef`?"]
    # Line 9: `requirement r "Réview 😀" applies to role chefs`; 😀 is two UTF-16 code
    # units, so `chefs` starts at character 42 (41 characters before it, one of them wide).
    assert unknown.range == t.Range(t.Position(8, 42), t.Position(8, 47))
    assert unknown.severity == t.DiagnosticSeverity.Error
    assert unknown.source == "policyrules" and unknown.code == "unknown-name"


def test_positions_in_utf8_when_the_client_asks_for_them(tmp_path: Path) -> None:
    utf8 = Editor([t.PositionEncodingKind.Utf8])
    try:
        _, diagnostics = utf8.open(tmp_path / "unicode.policy", UNICODE)
        (unknown,) = [d for d in diagnostics if d.code == "unknown-name"]
        # é is two bytes and 😀 four: `chefs` starts at byte 45 (41 characters before it).
        assert unknown.range == t.Range(t.Position(8, 45), t.Position(8, 50))
        line = UNICODE.splitlines()[8]
        assert len(line[:line.index("chefs")].encode("utf-8")) == 45
    finally:
        utf8.close()


def test_diagnostics_are_checks_own_words(editor: Editor) -> None:
    for name in ("broken.policy", "warn.policy"):
        path = FIXTURES / "cli" / name
        _, diagnostics = editor.open(path)
        expected = [(d.span.line - 1, d.span.column - 1, d.severity,
                     d.message + (f"\nhint: {d.hint}" if d.hint else ""))
                    for d in diagnostics_of(path)]
        got = [(d.range.start.line, d.range.start.character,
                "error" if d.severity == t.DiagnosticSeverity.Error else "warning", d.message)
               for d in diagnostics]
        assert got == expected and got


def _readable_policies() -> list[Path]:
    out = []
    for path in [*sorted((ROOT / "policies").rglob("*.policy")),
                 *sorted(FIXTURES.rglob("*.policy"))]:
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(path)
    return out


def test_every_policy_gets_checks_diagnostics(editor: Editor) -> None:
    """Each shipped and fixture policy, good or broken: what the server publishes is what
    `check` finds, in its words, at its places (a problem in a file extended, at `extends`)."""
    compared = 0
    for path in _readable_policies():
        _, diagnostics = editor.open(path)
        expected = [(d.span.line - 1, d.span.column - 1, d.message, d.hint or None)
                    for d in diagnostics_of(path) if d.span.file == str(path)]
        got = [(d.range.start.line, d.range.start.character, *_split_hint(d.message))
               for d in diagnostics if not d.related_information]
        assert got == expected, path
        compared += len(got)
    assert compared > 0


def _split_hint(message: str) -> tuple[str, str | None]:
    text, _, hint = message.partition("\nhint: ")
    return text, hint or None


def test_warn_fixture_message_is_written_out(editor: Editor) -> None:
    _, diagnostics = editor.open(FIXTURES / "cli" / "warn.policy")
    (only,) = diagnostics
    assert only.severity == t.DiagnosticSeverity.Warning
    assert only.message.startswith("paragraph 1.2 is not accounted for\nhint: cite it from")
    assert only.range == t.Range(t.Position(2, 2), t.Position(2, 46))


def test_changes_update_the_diagnostics(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "typing.policy"
    path.write_text(UNICODE, encoding="utf-8")
    uri, first = editor.open(path)
    assert any("chefs" in d.message for d in first)
    fixed = UNICODE.replace("role chefs", "role chef")
    assert editor.change(uri, fixed) == []
    # Typing: an incremental change (UTF-16 positions) that breaks the syntax mid-word.
    line, column = position(fixed, "satisfied by")
    broken = editor.edit(uri, line, column, column + len("satisfied"), "satisfid")
    (syntax,) = broken
    assert syntax.code == "syntax" and syntax.range.start == t.Position(line, column)
    assert syntax.message.startswith("unexpected `satisfid` here")
    assert "did you mean `satisfied`?" in syntax.message
    assert editor.edit(uri, line, column, column + len("satisfid"), "satisfied") == []


def test_a_burst_of_changes_ends_checked_at_its_last_version(editor: Editor,
                                                             tmp_path: Path) -> None:
    uri, _ = editor.open(tmp_path / "burst.policy", UNICODE)
    fixed = UNICODE.replace("role chefs", "role chef")
    for text in (fixed, UNICODE, fixed.replace("cites 1.2", "cites 1.7"), fixed):
        editor.versions[uri] += 1
        editor.client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=editor.versions[uri]),
            [t.TextDocumentContentChangeWholeDocument(text=text)]))
    # Asked at once, before any check: hover answers for the text as it is now.
    line, column = position(fixed, "role chef\n")
    assert "Chef" in hover_text(editor.hover(uri, line, column + len("role ")))
    assert editor.run(editor._diagnostics(uri, editor.versions[uri])) == []
    # Only versions that were the latest when checked are published: never an older one
    # after a newer, and none twice.
    published = [p.version for p in editor.published[uri]]
    assert published == sorted(set(published)) and published[-1] == editor.versions[uri]


def test_no_text_silences_the_server(editor: Editor, tmp_path: Path) -> None:
    deep = ('policy deep\n  source "d" paragraphs 1.1 to 1.1\ngroup g "G"\n  members '
            + "(" * 3000 + "everyone" + ")" * 3000 + "\n  cites 1.1\n")
    uri, diagnostics = editor.open(tmp_path / "deep.policy", deep)
    assert diagnostics and all(d.severity == t.DiagnosticSeverity.Error for d in diagnostics)
    # The server still answers, and the next change is checked as usual.
    assert editor.change(uri, UNICODE.replace("role chefs", "role chef")) == []


def test_the_shipped_policies_open_clean(editor: Editor) -> None:
    for path in (DURHAM, PAN, LOCAL):
        assert editor.open(path)[1] == []


def test_an_error_in_an_extended_file_shows_at_extends(editor: Editor, tmp_path: Path) -> None:
    (tmp_path / "base.policy").write_text('policy base\n  title "Base"\nrole x "😀 t" cites\n',
                                          encoding="utf-8")
    text = 'policy local-one\n  extends "base.policy"\n'
    _, diagnostics = editor.open(tmp_path / "local.policy", text)
    (d,) = diagnostics
    assert d.range.start == t.Position(1, 10)
    assert d.message.startswith(f"{tmp_path / 'base.policy'}:3:")
    assert d.related_information is not None
    (related,) = d.related_information
    assert related.location.uri == from_fs_path(str(tmp_path / "base.policy"))
    # Just after `cites`: 18 characters, the emoji two UTF-16 code units.
    assert len('role x "😀 t" cites') == 18
    assert related.location.range.start == t.Position(2, 19)

    _, missing = editor.open(tmp_path / "orphan.policy",
                             'policy orphan\n  extends "nowhere.policy"\n')
    (d,) = missing
    assert "nowhere.policy: no such policy file" in d.message
    assert d.range.start == t.Position(1, 10)


# Hover ------------------------------------------------------------------------------------


def test_hover_on_a_name_shows_its_declaration_title_and_cites(editor: Editor) -> None:
    text = DURHAM.read_text()
    uri, _ = editor.open(DURHAM)
    line, column = position(text, "requires safeguarding-induction")
    shown = hover_text(editor.hover(uri, line, column + len("requires ") + 3))
    assert 'training safeguarding-induction "Safeguarding induction"' in shown
    assert "cites 4.7" in shown
    line, column = position(text, "applies to role trainer")
    shown = hover_text(editor.hover(uri, line, column + len("applies to role ")))
    assert "`trainer`" in shown and "CONTRACT §1.2" in shown


def test_hover_on_a_name_declared_in_the_extended_file(editor: Editor) -> None:
    text = LOCAL.read_text()
    uri, _ = editor.open(LOCAL)
    line, column = position(text, "inter-agency-training")
    shown = hover_text(editor.hover(uri, line, column))
    assert 'requirement inter-agency-training "Training and development' in shown
    assert "renew" not in shown.split("```")[1]  # the base's head, not the amendment
    assert "declared in pan_lancashire.policy" in shown
    assert "locally, it is refreshed at least every three years" in shown


def _citations(path: Path) -> Iterator[tuple[int, int, str, int]]:
    """Every cited paragraph of a policy: (line, column, id, the declaration's line), found
    with plain text matching, independently of the parser."""
    declaration = 0
    for number, line in enumerate(path.read_text().splitlines()):
        if line[:1].isalpha():
            declaration = number
        m = re.match(r"(\s+cites\s+)(.*)", line)
        if m:
            for cite in re.finditer(r"[^,\s]+", m.group(2)):
                yield number, m.start(2) + cite.start(), cite.group(), declaration


def _comments_above(path: Path, line: int) -> list[str]:
    out = []
    for text in path.read_text().splitlines()[:line]:
        m = re.match(r"\s*#\s?(.*)", text)
        if m and re.search(r"\w", m.group(1)):
            out.append(m.group(1).strip())
    return out


@pytest.mark.parametrize("path", [DURHAM, PAN], ids=["durham", "pan-lancashire"])
def test_hover_on_every_citation_quotes_the_comment(editor: Editor, path: Path) -> None:
    uri, _ = editor.open(path)
    citations = list(_citations(path))
    assert len(citations) > 40 if path == DURHAM else len(citations) > 20
    for line, column, cite, declaration in citations:
        shown = hover_text(editor.hover(uri, line, column))
        assert shown.startswith(f"**{cite}**"), (line, cite)
        quoted = [q for q in _comments_above(path, declaration) if f"> {q}" in shown]
        assert quoted, (line, cite, shown)


def test_hover_quotes_the_right_comment(editor: Editor) -> None:
    durham = DURHAM.read_text()
    uri, _ = editor.open(DURHAM)
    cases = {
        # the comment right above the declaration
        'cites 4.7\n\n# 4.7: "Regular': '4.7: "a mandatory induction, which includes',
        # a section heading naming a range that holds the paragraph
        "cites 4.10": "Roles and responsibilities: partner agencies (4.5 to 4.12)",
        # not the quotation above (it names other paragraphs) but the one naming 4.2
        "cites 4.2, 4.7, 4.23": 'employees of different agencies" (4.2)',
    }
    for needle, expected in cases.items():
        line, _ = position(durham, needle)
        shown = hover_text(editor.hover(uri, line, len("  cites ")))
        assert expected in shown, (needle, shown)
    pan = PAN.read_text()
    uri, _ = editor.open(PAN)
    line, _ = position(pan, "cites 6.3.8\n\ntraining")
    shown = hover_text(editor.hover(uri, line, len("  cites ")))
    assert "> 6.3.7, 6.3.8 Training and development for inter-agency work" in shown
    # and what else cites the paragraph, kind by kind
    assert shown.endswith("\n\ncited by group `operational-manager`, group `senior-manager`, "
                          "requirement `inter-agency-training`")


def test_hover_on_a_local_citation_gives_its_text(editor: Editor) -> None:
    text = LOCAL.read_text()
    uri, _ = editor.open(LOCAL)
    line, column = position(text, "cites local:refresher-3yr")
    shown = hover_text(editor.hover(uri, line, column + len("cites ") + 2))
    assert shown.startswith("**local:refresher-3yr**: Local decision, not in the")
    assert shown.endswith("\n\ncited by requirement `inter-agency-training`")


def test_hover_counts_utf16_units(editor: Editor, tmp_path: Path) -> None:
    text = UNICODE.replace("role chefs", "role chef")
    uri, _ = editor.open(tmp_path / "hover.policy", text)
    line, column = position(text, "role chef\n")
    h = editor.hover(uri, line, column + len("role "))
    assert "Chef" in hover_text(h)
    assert h is not None and h.range == t.Range(t.Position(8, 42), t.Position(8, 46))
    # On the 😀 itself there is no name.
    line, column = position(text, "😀\" applies")
    assert editor.hover(uri, line, column) is None


def test_hover_and_definition_while_the_text_does_not_parse(editor: Editor) -> None:
    text = LOCAL.read_text()
    uri, _ = editor.open(LOCAL)  # it parses: the server keeps its names
    # Mid-typing: a line added at the top moves everything down; the end is unfinished.
    broken = "# a new first line\n" + text + '\nrequirement half "Half"\n  applies to\n'
    (syntax,) = editor.change(uri, broken)
    assert syntax.code == "syntax"
    line, column = position(broken, "amend requirement inter-agency-training")
    column += len("amend requirement ")
    shown = hover_text(editor.hover(uri, line, column))
    assert 'requirement inter-agency-training "Training and development' in shown
    found = editor.definition(uri, line, column)
    assert found.uri == from_fs_path(str(PAN))
    line, column = position(broken, "cites local:refresher-3yr")
    shown = hover_text(editor.hover(uri, line, column + len("cites ")))
    assert shown.startswith("**local:refresher-3yr**: Local decision, not in the")
    found = editor.definition(uri, line, column + len("cites "))
    assert (found.uri, found.range.start) == (
        uri, t.Position(position(broken, "  local local:")[0], len("  local ")))

    durham = DURHAM.read_text()
    uri, _ = editor.open(DURHAM)
    broken = "# a new first line\n" + durham + "\ntraining half\n"
    assert [d.code for d in editor.change(uri, broken)] == ["syntax"]
    line, _ = position(broken, "cites 4.10")
    shown = hover_text(editor.hover(uri, line, len("  cites ")))
    assert "> Roles and responsibilities: partner agencies (4.5 to 4.12)" in shown
    line, column = position(broken, "requires safeguarding-induction")
    found = editor.definition(uri, line, column + len("requires "))
    declared = position(broken, "\ntraining safeguarding-induction ")[0] + 1
    assert (found.uri, found.range.start) == (uri, t.Position(declared, len("training ")))
    # Inside a text there is nothing to show.
    line, column = position(broken, '"Safeguarding induction"')
    assert editor.hover(uri, line, column + 3) is None


# Definition -------------------------------------------------------------------------------


def test_definition_in_the_same_file(editor: Editor) -> None:
    text = DURHAM.read_text()
    uri, _ = editor.open(DURHAM)
    line, column = position(text, "requires safeguarding-induction")
    found = editor.definition(uri, line, column + len("requires "))
    assert found.uri == uri
    assert found.range.start == t.Position(*position(text, "safeguarding-induction \""))


def test_definition_across_extends(editor: Editor) -> None:
    text = LOCAL.read_text()
    base = PAN.read_text()
    uri, _ = editor.open(LOCAL)
    pan_uri = from_fs_path(str(PAN))
    line, column = position(text, "amend requirement inter-agency-training")
    found = editor.definition(uri, line, column + len("amend requirement "))
    assert found.uri == pan_uri
    line, column = position(base, "\nrequirement inter-agency-training")
    assert found.range.start == t.Position(line + 1, len("requirement "))
    line, column = position(text, "completed safeguarding-awareness")
    found = editor.definition(uri, line, column + len("completed "))
    assert (found.uri, found.range.start) == (
        pan_uri, t.Position(*position(base, "safeguarding-awareness \"")))
    line, column = position(text, '"../pan_lancashire.policy"')
    found = editor.definition(uri, line, column + 3)
    assert (found.uri, found.range.start) == (pan_uri, t.Position(0, 0))


# Completion -------------------------------------------------------------------------------

DRAFT = '''policy draft
  title "A draft"
  extends "{base}"

requirement new-one "New"
  applies to contact at least regular
'''


def test_completion_in_context(editor: Editor, tmp_path: Path) -> None:
    text = DRAFT.format(base=PAN)
    uri, diagnostics = editor.open(tmp_path / "draft.policy", text)
    assert all(d.code != "syntax" for d in diagnostics)
    last = text.count("\n") - 1
    line_end = len("  applies to contact at least ")
    levels = editor.complete(uri, last, line_end)
    assert set(levels) == {"none", "occasional", "regular", "predominant"}

    # Typing on: the text does not parse, names come from what last did (and its base).
    typed = text + "  satisfied by \n"
    editor.change(uri, typed)
    trainings = editor.complete(uri, last + 1, len("  satisfied by "))
    assert {"safeguarding-awareness", "inter-agency-safeguarding"} <= set(trainings)
    assert trainings["inter-agency-safeguarding"].kind == t.CompletionItemKind.Module
    assert "regular" not in trainings

    typed += "  applies to role tr\n"
    editor.change(uri, typed)
    roles = editor.complete(uri, last + 2, len("  applies to role tr"))
    assert {"trainer", "senior-manager"} <= set(roles) and "regular-contact" not in roles

    typed += "  \n"
    editor.change(uri, typed)
    clauses = editor.complete(uri, last + 3, 2)
    assert {"satisfied by", "due within", "renew every", "cites", "explain"} <= set(clauses)
    assert "delivery" not in clauses

    typed += "\n"
    editor.change(uri, typed)
    assert {"requirement", "training", "group", "example"} <= set(
        editor.complete(uri, last + 4, 0))

    typed += "  cites 6.3.1, \n"
    editor.change(uri, typed)
    paragraphs = editor.complete(uri, last + 5, len("  cites 6.3.1, "))
    assert {f"6.3.{i}" for i in range(1, 11)} == set(paragraphs)

    typed += '  explain "text \n'
    editor.change(uri, typed)
    assert editor.complete(uri, last + 6, len('  explain "text ')) == {}


# Outline and formatting -------------------------------------------------------------------


def test_document_symbols_are_the_outline(editor: Editor) -> None:
    text = DURHAM.read_text()
    uri, _ = editor.open(DURHAM)
    found = editor.run(editor.client.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(uri))))
    assert found is not None
    symbols = {(s.name, s.kind): s for s in found if isinstance(s, t.DocumentSymbol)}
    assert len(symbols) == len(found)
    requirement = symbols[("induction", t.SymbolKind.Function)]
    assert requirement.detail == "Safeguarding induction"
    line, _ = position(text, "\nrequirement induction ")
    assert requirement.selection_range.start == t.Position(line + 1, len("requirement "))
    assert ("regular-contact", t.SymbolKind.Class) in symbols
    assert ("safeguarding-induction", t.SymbolKind.Module) in symbols
    for keyword, kind in (("requirement", t.SymbolKind.Function),
                          ("group", t.SymbolKind.Class), ("training", t.SymbolKind.Module)):
        written = len(re.findall(rf"^{keyword} ", text, re.M))
        assert sum(1 for _, k in symbols if k == kind) == written > 0


MESSY = 'policy messy\n  title   "Messy"\n    source "Doc" paragraphs 1.1 to 1.1\n' \
        'background b "B" cites 1.1\n'


def test_formatting_is_fmt(editor: Editor, tmp_path: Path) -> None:
    uri, _ = editor.open(tmp_path / "messy.policy", MESSY)
    edits = editor.run(editor.client.text_document_formatting_async(
        t.DocumentFormattingParams(t.TextDocumentIdentifier(uri),
                                   t.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert edits is not None
    (edit,) = edits
    assert edit.range.start == t.Position(0, 0) and edit.range.end == t.Position(4, 0)
    assert edit.new_text == ('policy messy\n  title "Messy"\n  source "Doc" paragraphs 1.1 to 1.1'
                             '\n\nbackground b "B"\n  cites 1.1\n')
    assert edit.new_text == format_text(MESSY)
    editor.change(uri, edit.new_text)
    again = editor.run(editor.client.text_document_formatting_async(
        t.DocumentFormattingParams(t.TextDocumentIdentifier(uri),
                                   t.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert again is not None and list(again) == []


def test_formatting_refuses_a_file_that_does_not_parse(editor: Editor, tmp_path: Path) -> None:
    uri, _ = editor.open(tmp_path / "broken.policy", 'policy b\nrole x "X" cites\n')
    with pytest.raises(JsonRpcException) as info:
        editor.run(editor.client.text_document_formatting_async(
            t.DocumentFormattingParams(t.TextDocumentIdentifier(uri),
                                       t.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert info.value.code == t.LSPErrorCodes.RequestFailed
    assert "does not parse (2:17: the file ends in the middle of a declaration" in str(info.value)


# Without pygls ----------------------------------------------------------------------------


def test_the_command_says_how_to_install_pygls_when_it_is_missing() -> None:
    probe = ("import sys; sys.modules['pygls'] = None\n"
             "from policyrules.cli import main; sys.argv = ['policyrules', 'lsp']; main()")
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, timeout=PATIENCE)
    assert proc.returncode == 2
    assert "python3 -m pip install 'policyrules[lsp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
