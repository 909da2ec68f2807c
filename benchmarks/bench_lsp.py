"""How long an author waits for diagnostics: didChange → publishDiagnostics, Durham policy.

    python benchmarks/bench_lsp.py [--changes 60]

Starts `python -m policyrules lsp` as an editor would (pygls's LanguageClient over stdio),
opens policies/durham.policy and sends changes one at a time, each waiting for the
diagnostics of its version: alternately a misspelt training name (one error comes back)
and the fix (none). Prints the median, 90th percentile and worst time per change, the
whole round trip as the editor sees it (JSON-RPC both ways included), then the same
checks run in this process (the floor, without the protocol) and the machine's load, since
the figures move with it. Target: 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def measure(changes: int) -> list[float]:
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
    bad = good.replace("satisfied by safeguarding-induction",
                       "satisfied by safeguarding-inductoin", 1)
    assert bad != good

    loop = asyncio.get_running_loop()
    opened = waiting[1] = loop.create_future()
    client.text_document_did_open(t.DidOpenTextDocumentParams(
        t.TextDocumentItem(uri=uri, language_id="policyrules", version=1, text=good)))
    assert await opened == 0

    times = []
    for version in range(2, changes + 2):
        text, errors = (bad, 1) if version % 2 == 0 else (good, 0)
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


def pipeline_alone(changes: int) -> list[float]:
    """The same checks in this process, without the protocol: the floor of the above."""
    sys.path.insert(0, str(ROOT / "src"))
    from policyrules.lsp.analysis import analyse

    good = DURHAM.read_text(encoding="utf-8")
    texts = (good.replace("satisfied by safeguarding-induction",
                          "satisfied by safeguarding-inductoin", 1), good)
    analyse(good, str(DURHAM))  # the parser tables, built once per process
    times = []
    for i in range(changes):
        start = time.perf_counter()
        analyse(texts[i % 2], str(DURHAM))
        times.append(time.perf_counter() - start)
    return times


def summary(what: str, times: list[float]) -> str:
    ms = sorted(1000 * x for x in times)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return (f"{what}: median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, "
            f"worst {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=60)
    args = parser.parse_args()
    print(summary(f"didChange → publishDiagnostics, {DURHAM.name}, {args.changes} changes "
                  "(target 100 ms)", asyncio.run(measure(args.changes))))
    print(summary("  the pipeline alone, in process", pipeline_alone(args.changes)))
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
