"""The language server: the protocol side of `analysis`, over stdio (pygls).

Every change re-runs the whole pipeline on the document, so there is no incremental
checker to keep in step with `check`; only parsing, most of the time a check takes, keeps
the declarations an edit did not touch (reparse.py). A change to the Durham policy checks
in a few milliseconds, and of a burst of keystrokes only the last is checked
(benchmarks/bench_lsp.py measures the round trip).
Positions go through the client's negotiated code units (UTF-16 unless the client chose
otherwise) with pygls's position codec; the policy's own spans count characters.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from .. import __version__
from ..diagnostics import Diagnostic, Span
from ..errors import PolicyCheckError
from ..language.format import format_text
from . import analysis as a
from . import navigate
from .completion import completions
from .reparse import Reparser

_SYMBOL_KINDS = {
    "role": t.SymbolKind.Property,
    "group": t.SymbolKind.Class,
    "training": t.SymbolKind.Module,
    "requirement": t.SymbolKind.Function,
    "amend requirement": t.SymbolKind.Function,
    "duty": t.SymbolKind.Interface,
    "definition": t.SymbolKind.Constant,
    "background": t.SymbolKind.String,
    "example": t.SymbolKind.Event,
}
_ITEM_KINDS = {
    "keyword": t.CompletionItemKind.Keyword,
    "role": t.CompletionItemKind.EnumMember,
    "group": t.CompletionItemKind.Class,
    "training": t.CompletionItemKind.Module,
    "requirement": t.CompletionItemKind.Function,
    "contact": t.CompletionItemKind.EnumMember,
    "sector": t.CompletionItemKind.EnumMember,
    "delivery": t.CompletionItemKind.EnumMember,
    "paragraph": t.CompletionItemKind.Reference,
}


class PolicyServer(LanguageServer):
    """Keeps, per open document, its latest analysis and the latest one that parsed
    (completion offers names from it while the author is mid-word and the text is broken)."""

    def __init__(self) -> None:
        super().__init__("policyrules", __version__)
        self.analyses: dict[str, a.Analysis] = {}
        self.parsed: dict[str, a.Analysis] = {}
        self.reparser = Reparser()
        self.settled = False  # whether what the server holds long has been frozen (refresh)

    def refresh(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        path = _path(uri)
        try:
            result = a.analyse(doc.source, path, self.reparser.parse)
        except Exception as exc:  # a fault of ours: say so where the author looks, go on
            problem = Diagnostic(
                "error", "internal", f"policyrules could not check this text "
                f"({type(exc).__name__}: {exc}); please report it", Span(path, 1, 1, 1, 1),
                hint="the other features go on working on the text that last checked")
            result = a.Analysis(path, doc.source, (problem,), None, None)
        self.analyses[uri] = result
        if result.syntax is not None:
            self.parsed[uri] = result
        if not self.settled:
            # The grammar's tables, the modules and the first policy checked live as long as
            # the server: kept out of the collector's full passes, which otherwise walk
            # them every few dozen changes (a pause of 50 ms and more, under load).
            # Objects that go are still freed when nothing refers to them.
            gc.freeze()
            self.settled = True
        lines = doc.lines
        diagnostics = [
            t.Diagnostic(
                range=self.range(lines, a.anchor(result, d)),
                message=a.message(result, d),
                severity=(t.DiagnosticSeverity.Error if d.is_error
                          else t.DiagnosticSeverity.Warning),
                code=d.code,
                source="policyrules",
                related_information=None if d.span.file == result.path else [
                    t.DiagnosticRelatedInformation(
                        location=t.Location(_uri(d.span.file), self.range(
                            _lines_of(d.span.file, result) or _lines_around(d), d.span)),
                        message=d.message)],
            )
            for d in result.diagnostics
        ]
        self.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=diagnostics))

    def refresh_if_current(self, uri: str, version: int) -> None:
        doc = self.workspace.text_documents.get(uri)
        done = uri in self.analyses and doc is not None and self.analyses[uri].text == doc.source
        if doc is not None and doc.version == version and not done:
            self.refresh(uri)

    def forget(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        self.parsed.pop(uri, None)
        self.reparser.forget(_path(uri))
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri,
                                                                          diagnostics=[]))

    def range(self, lines: Sequence[str], span: Span) -> t.Range:
        """A span (1-based, in characters) as an LSP range in the client's code units."""
        start = ServerTextPosition(span.line - 1, span.column - 1)
        end = ServerTextPosition(span.end_line - 1, span.end_column - 1)
        return self.workspace.position_codec.range_to_client_units(
            lines, ServerTextRange(start, end))

    def current(self, uri: str) -> a.Analysis | None:
        """The analysis of the document as it is now: a request that comes before the check
        of the latest change (it waits for the changes ahead of it) runs that check first."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        if uri not in self.analyses or self.analyses[uri].text != doc.source:
            self.refresh(uri)
        return self.analyses[uri]

    def cursor(self, uri: str, position: t.Position
               ) -> tuple[a.Analysis, int, int, a.Analysis | None] | None:
        """The document's analysis, the cursor in characters (0-based) and the latest
        analysis that parsed."""
        result = self.current(uri)
        if result is None:
            return None
        lines = self.workspace.get_text_document(uri).lines
        where = self.workspace.position_codec.position_from_client_units(lines, position)
        return result, where.line, where.character, self.parsed.get(uri)


def _path(uri: str) -> str:
    return to_fs_path(uri) or uri


def _uri(path: str) -> str:
    return from_fs_path(path) or path


def _lines_of(path: str, *sources: a.Analysis | None) -> list[str]:
    """The lines of a file a span points into, as the pipeline read it: the document, or a
    file it extends. Nothing else is read (a span at the start needs no text)."""
    for result in sources:
        if result is None:
            continue
        if path == result.path:
            return result.text.splitlines(True)
        if result.program is not None and path in result.program.files:
            return result.program.files[path].splitlines(True)
    return []


def _lines_around(d: Diagnostic) -> list[str]:
    """Enough of a file to place a diagnostic in it: the line it carries."""
    return [""] * (d.span.line - 1) + [d.source_line]


server = PolicyServer()


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PolicyServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PolicyServer, params: t.DidChangeTextDocumentParams) -> None:
    # Checked after the changes already received are applied: of a burst of keystrokes,
    # only the last version is checked, so the author never waits for stale ones.
    uri, version = params.text_document.uri, params.text_document.version
    asyncio.get_running_loop().call_soon(ls.refresh_if_current, uri, version)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PolicyServer, params: t.DidSaveTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)  # a file it extends may have changed on disk


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PolicyServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_HOVER)
def on_hover(ls: PolicyServer, params: t.HoverParams) -> t.Hover | None:
    at = ls.cursor(params.text_document.uri, params.position)
    found = navigate.hover(*at) if at else None
    if at is None or found is None:
        return None
    lines = ls.workspace.get_text_document(params.text_document.uri).lines
    return t.Hover(t.MarkupContent(t.MarkupKind.Markdown, found.markdown),
                   ls.range(lines, found.span))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: PolicyServer, params: t.DefinitionParams) -> t.Location | None:
    at = ls.cursor(params.text_document.uri, params.position)
    span = navigate.definition(*at) if at else None
    if at is None or span is None:
        return None
    lines = _lines_of(span.file, at[0], at[3])
    return t.Location(_uri(span.file), ls.range(lines, span))


@server.feature(t.TEXT_DOCUMENT_COMPLETION,
                t.CompletionOptions(trigger_characters=[" ", ","]))
def complete(ls: PolicyServer, params: t.CompletionParams) -> t.CompletionList:
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    where = ls.workspace.position_codec.position_from_client_units(doc.lines, params.position)
    items = completions(doc.source, where.line, where.character, ls.parsed.get(uri))
    return t.CompletionList(is_incomplete=False, items=[
        t.CompletionItem(label=i.label, kind=_ITEM_KINDS[i.kind], detail=i.detail or None)
        for i in items])


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: PolicyServer, params: t.DocumentSymbolParams
                    ) -> list[t.DocumentSymbol] | None:
    uri = params.text_document.uri
    result = ls.current(uri)
    if result is None or result.syntax is None:
        return None
    lines = ls.workspace.get_text_document(uri).lines
    return [t.DocumentSymbol(name=s.name, detail=s.detail or None, kind=_SYMBOL_KINDS[s.kind],
                             range=ls.range(lines, s.span),
                             selection_range=ls.range(lines, s.name_span))
            for s in navigate.symbols(result.syntax)]


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: PolicyServer, params: t.DocumentFormattingParams) -> list[t.TextEdit]:
    """The whole document in `fmt`'s layout; a text that does not parse is refused."""
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    try:
        formatted = format_text(doc.source, _path(uri))
    except PolicyCheckError as exc:
        first = exc.diagnostics[0]
        raise JsonRpcException(
            f"not formatted: the policy does not parse ({first.span.line}:{first.span.column}: "
            f"{first.message}); fix the syntax error first", code=t.LSPErrorCodes.RequestFailed,
        ) from None
    if formatted == doc.source:
        return []
    end = t.Position(len(doc.lines), 0)
    return [t.TextEdit(t.Range(t.Position(0, 0), end), formatted)]


def main() -> None:
    server.start_io()
