"""Where the time of `evaluate` goes, stage by stage: CPU per record in one process.

    python benchmarks/bench_stages.py benchmarks/out/workers-200000.jsonl --limit 100000
    python benchmarks/bench_stages.py examples/workers.jsonl --format csv

Runs the stages of batch/stages.py on blocks of about 1 MB of JSON Lines, as a `--jobs`
worker process does (split and decode the block, validate, decide, encode, join the
chunk as UTF-8 bytes; JSON Lines are decided and encoded in one step, `decide_encode`,
and a block of usual lines is validated too in that step, `decide_lines`: "one_step"),
and prints the CPU time of each stage per record (the median of
--repeat runs, each in this process with the policy loaded once). Start-up, reading the
file and writing the output are not in these figures: time the whole command for them
(bench_cli.py). With --jobs N each of N worker processes does this work for its share of
the records, and the parent only reads blocks and writes back the bytes the workers
return.

This is a benchmark, not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import policyrules
from policyrules.batch.read import split_block
from policyrules.batch.stages import Job, decide_lines
from policyrules.batch.write import utf8
from policyrules.contract import validation
from policyrules.render import MACHINE_FORMATS

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 1 << 20


def blocks(data: bytes) -> list[tuple[int, bytes]]:
    """Whole lines, about BLOCK bytes at a time: (line number of the first, bytes)."""
    out, pos, first = [], 0, 1
    while pos < len(data):
        end = data.find(b"\n", pos + BLOCK)
        end = len(data) if end < 0 else end + 1
        out.append((first, data[pos:end]))
        first += data.count(b"\n", pos, end)
        pos = end
    return out


def one_run(policy: policyrules.Policy, as_of: datetime.date, fmt: str, explain: bool,
            parts: list[tuple[int, bytes]]) -> tuple[int, list[str], list[float]]:
    """Every block through the stages, in a fresh job (and encoder): the stages' names
    and CPU per stage. A format that decides and encodes in one step (`FUSED`) takes a
    block of usual lines in one step, as `evaluate` does (`decide_lines`: "one_step"),
    and any other block through split and the stages."""
    rows = MACHINE_FORMATS[fmt](as_of, explain=explain)
    job = Job(policy, as_of, rows)
    stages = [("one_step", None), ("split", None),
              *((s.__name__, s) for s in job.stages), ("join", None)]
    spent = [0.0] * len(stages)
    count = 0
    clock = time.process_time
    for first, block in parts:
        t0 = clock()
        items: Any = decide_lines(job, first, block)
        t1 = clock()
        spent[0] += t1 - t0
        if items is None:
            items = split_block(first, block, "bench")
            t0, t1 = t1, clock()
            spent[1] += t1 - t0
            for i, (_, stage) in enumerate(stages[2:-1], 2):
                items = stage(job, items)  # type: ignore[misc]
                t2 = clock()
                spent[i] += t2 - t1
                t1 = t2
        count += len(items)
        utf8(rows.separator.join(items))
        spent[-1] += clock() - t1
    return count, [name for name, _ in stages], spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workers", help="a JSON Lines worker file")
    parser.add_argument("--policy", default=str(ROOT / "policies" / "durham.policy"))
    parser.add_argument("--as-of", default="2026-11-22")
    parser.add_argument("--format", default="jsonl", choices=["jsonl", "json", "csv"])
    parser.add_argument("--limit", type=int, default=None, help="the first N lines only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-explain", action="store_true",
                        help="findings without explanations (evaluate --no-explain)")
    args = parser.parse_args()
    data = Path(args.workers).read_bytes()
    if args.limit is not None:
        data = b"".join(data.splitlines(keepends=True)[:args.limit])
    policy = policyrules.load(args.policy)
    as_of = datetime.date.fromisoformat(args.as_of)
    parts = blocks(data)
    gc.freeze()  # as batch runs do (batch/__init__.py `batch_gc`)
    gc.set_threshold(50_000, 20, 100)
    runs: list[list[float]] = []
    count, names = 0, []
    for _ in range(args.repeat):
        # Each run as a fresh process starts: without the training records validation
        # kept from the run before (contract/validation.py).
        validation.clear()
        count, names, spent = one_run(policy, as_of, args.format, not args.no_explain, parts)
        runs.append(spent)
    per = [statistics.median(r[i] for r in runs) / count * 1e6 for i in range(len(names))]
    print(f"{count} records, {args.format}, median of {args.repeat} runs, CPU µs per record:")
    for name, value in zip(names, per, strict=True):
        print(f"  {name:<13} {value:7.1f}")
    print(f"  {'total':<13} {sum(per):7.1f}   ({1e6 / sum(per):,.0f} records/s in one "
          "process, without start-up, reading and writing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
