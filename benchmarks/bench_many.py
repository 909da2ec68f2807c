"""`Policy.evaluate_many` against `policyrules evaluate`: the cost per worker of each.

    python benchmarks/bench_many.py                  # 100,000 workers
    python benchmarks/bench_many.py --count 20000

The same JSON Lines input (bench_cli.make_input, kept in benchmarks/out/) goes through

- the command, in one process: `python -m policyrules evaluate POLICY workers.jsonl
  --as-of 2026-11-22 --format jsonl --jobs 1 --quiet > /dev/null`, less a run of the
  command on one worker (start-up and loading the policy), divided by the count;
- `evaluate_many` in this process, on the lines decoded with `json.loads` (what an
  integrator reading the file does), every result taken; and again on records already
  decoded (evaluate_many alone).

Costs are CPU seconds (user + system; of the child for the command), which a busy machine
disturbs less than wall time; the command's writer thread is part of its cost. The target
of issue #14 is evaluate_many ≤ 1.2 × the command per worker. Prints the figures and
writes them to benchmarks/out/bench_many.json.

This is a benchmark, not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_cli import AS_OF, OUT, ROOT, make_input

import policyrules


def child_cpu(args: list[str]) -> float:
    """CPU seconds of a command run to completion, its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as sink:
        subprocess.run(args, stdout=sink, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def own_cpu(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--policy", default=str(ROOT / "policies" / "durham.policy"))
    opts = parser.parse_args()

    path = make_input(opts.count)
    one = OUT / "workers-one.jsonl"
    with path.open() as f:
        one.write_text(f.readline())

    def command(workers: Path) -> list[str]:
        return [sys.executable, "-m", "policyrules", "evaluate", opts.policy, str(workers),
                "--as-of", AS_OF, "--format", "jsonl", "--jobs", "1", "--quiet"]

    cli_all = child_cpu(command(path))
    cli_start = child_cpu(command(one))
    cli = (cli_all - cli_start) / opts.count

    policy = policyrules.load(opts.policy)
    day = datetime.date.fromisoformat(AS_OF)
    lines = path.read_text().splitlines()

    def decoded_and_decided() -> None:
        for result in policy.evaluate_many((json.loads(line) for line in lines), as_of=day):
            del result

    records = [json.loads(line) for line in lines]

    def decided() -> None:
        for result in policy.evaluate_many(records, as_of=day):
            del result

    many = own_cpu(decoded_and_decided) / opts.count
    many_only = own_cpu(decided) / opts.count
    figures = {
        "workers": opts.count,
        "cli_us_per_worker": round(cli * 1e6, 2),
        "cli_startup_s": round(cli_start, 3),
        "evaluate_many_with_json_us_per_worker": round(many * 1e6, 2),
        "evaluate_many_us_per_worker": round(many_only * 1e6, 2),
        "ratio_with_json": round(many / cli, 3),
        "ratio": round(many_only / cli, 3),
    }
    print(f"{opts.count} workers, CPU time per worker:")
    print(f"  policyrules evaluate (jsonl, one process): {figures['cli_us_per_worker']} µs "
          f"(start-up {figures['cli_startup_s']} s left out)")
    print(f"  json.loads + evaluate_many:                "
          f"{figures['evaluate_many_with_json_us_per_worker']} µs "
          f"= {figures['ratio_with_json']} × the command")
    print(f"  evaluate_many on decoded records:          "
          f"{figures['evaluate_many_us_per_worker']} µs = {figures['ratio']} × the command")
    (OUT / "bench_many.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
