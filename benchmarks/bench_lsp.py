"""How long an author waits for diagnostics: didChange → publishDiagnostics, Durham policy.

    python benchmarks/bench_lsp.py [--changes 60] [--edit typo|line-break|open-quote]

Starts `python -m policyrules lsp` as an editor would (pygls's LanguageClient over stdio),
opens policies/durham.policy and sends changes one at a time, each waiting for the
diagnostics of its version. `typo` (the default): alternately a misspelt training name
(one error comes back), a different letter each time, and the fix (none). `line-break`:
alternately a blank line typed above the induction requirement and deleted again, which
moves every declaration below it (no error either way). `open-quote`: alternately the
induction requirement's explanation being retyped, its closing quote not yet typed (a
syntax error), and the whole line back. Prints the median, 90th
percentile and worst time per change, the whole round trip as the editor sees it
(JSON-RPC both ways included), then the same checks run in this process as the server
runs them (the floor, without the protocol) and the machine's load, since the figures move
with it. Target: 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

ROOT = Path(__file__).resolve().parent.parent
DURHAM = ROOT / "policies" / "durham.policy"


def edits(edit: str, changes: int) -> list[tuple[str, int]]:
    """The text of each change and how many errors it has."""
    good = DURHAM.read_text(encoding="utf-8")
    if edit == "line-break":
        at = good.index("requirement induction")
        moved = good[:at] + "\n" + good[at:]
        return [(moved, 0) if i % 2 == 0 else (good, 0) for i in range(changes)]
    if edit == "open-quote":
        # The explanation retyped, its closing quote not yet there: a syntax error, which is
        # worded from a parse of the whole text.
        sys.path.insert(0, str(ROOT / "src"))
        from policyrules.lsp.analysis import analyse  # the whole parse, for the count

        start = good.index('  explain "Induction must')
        end = good.index("\n", start)
        line = good[start:end]
        texts = []
        for i in range(changes):
            typed = line[:len('  explain "') + 1 + (i // 2) % (len(line) - 12)]
            text = good if i % 2 else good[:start] + typed + good[end:]
            texts.append((text, len(analyse(text, str(DURHAM)).diagnostics)))
        return texts
    name = "safeguarding-induction"
    letters = [at for at, ch in enumerate(name) if at > 0 and ch != "-"]
    out = []
    for i in range(changes):
        if i % 2:
            out.append((good, 0))
            continue
        at = letters[(i // 2) % len(letters)]  # a different letter dropped each time
        typo = name[:at] + name[at + 1:]
        out.append((good.replace(f"satisfied by {name}", f"satisfied by {typo}", 1), 1))
    return out


async def measure(texts: list[tuple[str, int]]) -> list[float]:
    client = LanguageClient("bench", "1")
    waiting: dict[int, asyncio.Future[int]] = {}

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: t.PublishDiagnosticsParams) -> None:
        future = waiting.pop(params.version or 0, None)
        if future is not None:
            future.set_result(len(params.diagnostics))

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    await client.start_io(sys.executable, "-m", "policyrules", "lsp", env=env)
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities()))
    client.initialized(t.InitializedParams())
    uri = from_fs_path(str(DURHAM)) or ""
    good = DURHAM.read_text(encoding="utf-8")

    loop = asyncio.get_running_loop()
    opened = waiting[1] = loop.create_future()
    client.text_document_did_open(t.DidOpenTextDocumentParams(
        t.TextDocumentItem(uri=uri, language_id="policyrules", version=1, text=good)))
    assert await opened == 0

    times = []
    for version, (text, errors) in enumerate(texts, start=2):
        future = waiting[version] = loop.create_future()
        start = time.perf_counter()
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [t.TextDocumentContentChangeWholeDocument(text=text)]))
        got = await future
        times.append(time.perf_counter() - start)
        assert got == errors, (version, got)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def pipeline_alone(texts: list[tuple[str, int]]) -> list[float]:
    """The same checks in this process, as the server runs them, without the protocol: the
    floor of the above."""
    sys.path.insert(0, str(ROOT / "src"))
    from policyrules.lsp.analysis import analyse
    from policyrules.lsp.reparse import Reparser

    reparser = Reparser()
    analyse(DURHAM.read_text(encoding="utf-8"), str(DURHAM), reparser.parse)  # as opened
    gc.freeze()  # as the server does after its first check
    times = []
    for text, errors in texts:
        start = time.perf_counter()
        found = analyse(text, str(DURHAM), reparser.parse)
        times.append(time.perf_counter() - start)
        assert sum(d.is_error for d in found.diagnostics) == errors
    return times


def summary(what: str, times: list[float]) -> str:
    ms = sorted(1000 * x for x in times)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return (f"{what}: median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, "
            f"worst {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--edit", choices=("typo", "line-break", "open-quote"), default="typo")
    args = parser.parse_args()
    texts = edits(args.edit, args.changes)
    times = asyncio.run(measure(texts))
    print(summary(f"didChange → publishDiagnostics, {DURHAM.name}, {args.changes} changes "
                  f"({args.edit}; target 100 ms)", times))
    with_errors = [x for x, (_, errors) in zip(times, texts, strict=True) if errors]
    if with_errors:
        print(summary("  of which the changes with errors", with_errors))
    print(summary("  the pipeline alone, in process", pipeline_alone(texts)))
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
