"""`policyrules report` against `policyrules evaluate` on the same workforce (issue #15).

    python benchmarks/bench_report.py                        # 1,000,000 workers, json
    python benchmarks/bench_report.py --count 200000 --formats json,html,xlsx --repeat 3

Generates the input once with examples/generate.py (`workers.csv` and `training.csv`, the
shape an HR export has, with its deliberately bad rows), kept in benchmarks/out/
(git-ignored), then runs, in turn and `--repeat` times,

    /usr/bin/time -v python -m policyrules evaluate POLICY workers.csv \\
        --training training.csv --as-of 2026-11-22 --format jsonl --quiet > /dev/null
    /usr/bin/time -v python -m policyrules report POLICY workers.csv \\
        --training training.csv --as-of 2026-11-22 --by agency --format FORMAT \\
        --quiet -o OUT

and prints, per command, the median wall and CPU seconds and peak memory, and each report
format's ratio to `evaluate` (the medians of the ratios of runs taken one after the
other, so that a machine whose speed drifts moves both). Issue #15 asks for a JSON
report within 1.5 times `evaluate`'s time. An xlsx report of a workforce whose findings
pass a worksheet's 1,048,576 rows is refused (exit 2), and is timed only to that point.

This is a benchmark, not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
AS_OF = "2026-11-22"


def make_input(count: int) -> tuple[Path, Path]:
    folder = OUT / f"report-{count}"
    workers, training = folder / "workers.csv", folder / "training.csv"
    if not (workers.exists() and training.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {count} workers into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(ROOT / "examples" / "generate.py"), "--count",
                        str(count), "--out", str(folder)], check=True)
    return workers, training


def run_once(args: list[str], stdout: str) -> dict[str, Any]:
    """One whole process under /usr/bin/time -v: wall and CPU seconds, peak RSS."""
    cmd = [sys.executable, "-m", "policyrules", *args]
    timer = Path("/usr/bin/time").exists()
    if timer:
        cmd = ["/usr/bin/time", "-v", *cmd]
    with open(stdout, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, check=False)
        wall = time.perf_counter() - start
    text = proc.stderr.decode(errors="replace")
    result: dict[str, Any] = {"wall": wall, "exit": proc.returncode}
    if timer:
        user = re.search(r"User time \(seconds\): ([\d.]+)", text)
        system = re.search(r"System time \(seconds\): ([\d.]+)", text)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if user and system:
            result["cpu"] = float(user.group(1)) + float(system.group(1))
        if rss:
            result["rss_mb"] = int(rss.group(1)) / 1024
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--formats", default="json",
                        help="comma-separated report formats: json, html, xlsx")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--policy", default=str(ROOT / "policies" / "durham.policy"))
    args = parser.parse_args()
    formats = args.formats.split(",")
    workers, training = make_input(args.count)
    source = [args.policy, str(workers), "--training", str(training), "--as-of", AS_OF,
              "--quiet"]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{args.count} workers", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {"evaluate": [], **{f: [] for f in formats}}
    for _ in range(args.repeat):
        runs["evaluate"].append(run_once(["evaluate", *source, "--format", "jsonl"],
                                         os.devnull))
        for fmt in formats:
            target = str(OUT / f"report-{args.count}" / f"report.{fmt}")
            runs[fmt].append(run_once(["report", *source, "--by", "agency", "--format", fmt,
                                       "-o", target], os.devnull))
    print(f"\n{'command':>10}  {'wall s':>8}  {'CPU s':>8}  {'peak MB':>8}  "
          f"{'wall ratio':>10}  {'exit':>4}")
    for name, results in runs.items():
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r.get("cpu", 0.0) for r in results)
        rss = statistics.median(r.get("rss_mb", 0.0) for r in results)
        ratio = statistics.median(r["wall"] / e["wall"]
                                  for r, e in zip(results, runs["evaluate"], strict=True))
        print(f"{name:>10}  {wall:>8.1f}  {cpu:>8.1f}  {rss:>8.0f}  {ratio:>10.2f}  "
              f"{results[-1]['exit']:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
