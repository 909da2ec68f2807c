"""`policyrules evaluate` end to end: JSON Lines in, JSON Lines out, one process and --jobs N.

    python benchmarks/bench_cli.py                       # 1,000,000 workers, jobs 1..ncpu
    python benchmarks/bench_cli.py --count 200000 --jobs 1,2 --sizes

Generates the input once with examples/generate.py (`--clean`: no bad rows), kept in
benchmarks/out/ (git-ignored), then runs, for each --jobs value,

    /usr/bin/time -v python -m policyrules evaluate POLICY workers.jsonl \\
        --as-of 2026-11-22 --format jsonl --jobs N --quiet > OUTPUT

and reports wall time, workers per second, the speed-up over one process, the CPU time
of all the processes (how much --jobs costs in coordination, whatever else runs; one
process writes its output from a second thread, so its CPU % passes 100), the peak
resident memory of the largest process (/usr/bin/time's "Maximum resident set size") and
of the whole process tree (the parent plus its --jobs workers, sampled from /proc every
20 ms), the CPU time of the parent `evaluate` process alone (its last /proc sample:
what --jobs leaves the parent to do, start-up included), and the load average (1 minute)
as each run ends: a figure measured beside other work means little. `--sizes` also runs a tenth of
the input, to show that peak memory does not grow with the number of workers. Output goes
to a file in benchmarks/out (or --output); the decisions are checked (line count, and the
same bytes for every --jobs value). Results are printed and written to
benchmarks/out/bench_cli.json.

This is a benchmark, not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
AS_OF = "2026-11-22"


def make_input(count: int) -> Path:
    path = OUT / f"workers-{count}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"generating {count} workers into {path} ...", file=sys.stderr, flush=True)
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(ROOT / "examples" / "generate.py"), "--count",
                        str(count), "--clean", "--jsonl", str(tmp)], check=True)
        tmp.replace(path)
    return path


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _tree(root: int, timed: bool) -> tuple[int, float | None]:
    """Resident memory of a process and all its descendants, in KiB, and the CPU seconds
    (user + system) of the `evaluate` process itself so far: `root`, or its one child when
    `root` is /usr/bin/time (Linux /proc). Only the tree's own files are read (its
    processes' children lists, `statm` and one `stat`): reading every process's `stat`
    and `status` 50 times a second took a fifth of one of the two cores, which the
    processes measured then lacked (docs/cli.md)."""
    total, evaluate, stack = 0, None if timed else root, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KIB
            children = []
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    children += [int(c) for c in f.read().split()]
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        if pid == root and timed and children:
            evaluate = children[0]
        stack += children
    if evaluate is None:
        return total, None
    try:
        with open(f"/proc/{evaluate}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return total, (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    except (OSError, IndexError, ValueError):
        return total, None


class TreeSampler(threading.Thread):
    """Samples every 20 ms: the peak memory of the process tree, and the CPU of the
    `evaluate` process alone (what `--jobs` leaves to the parent; the last sample, up to
    20 ms before it exits)."""

    def __init__(self, pid: int, timed: bool) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.timed = timed
        self.peak = 0
        self.parent_cpu: float | None = None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss, cpu = _tree(self.pid, self.timed)
            self.peak = max(self.peak, rss)
            if cpu is not None:
                self.parent_cpu = cpu
            self.done.wait(0.02)


def run_once(policy: str, source: Path, jobs: int, output: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "policyrules", "evaluate", policy, str(source), "--as-of",
           AS_OF, "--format", "jsonl", "--jobs", str(jobs), "--quiet"]
    timer = shutil.which("time") and Path("/usr/bin/time").exists()
    if timer:
        cmd = ["/usr/bin/time", "-v", *cmd]
    with open(output, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        sampler = TreeSampler(proc.pid, bool(timer))
        sampler.start()
        _, err = proc.communicate()
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    text = err.decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"evaluate exited {proc.returncode}:\n{text}")
    result: dict[str, Any] = {"jobs": jobs, "seconds": round(seconds, 2),
                              "tree_peak_mb": round(sampler.peak / 1024, 1),
                              "parent_cpu_seconds": sampler.parent_cpu,
                              "load_average": round(os.getloadavg()[0], 2)}
    if timer:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        cpu = re.search(r"Percent of CPU this job got: (\d+)%", text)
        result["max_rss_mb"] = round(int(m.group(1)) / 1024, 1) if m else None
        result["cpu_percent"] = int(cpu.group(1)) if cpu else None
        user = re.search(r"User time \(seconds\): ([\d.]+)", text)
        system = re.search(r"System time \(seconds\): ([\d.]+)", text)
        if user and system:  # includes the --jobs workers (waited for by the parent)
            result["cpu_seconds"] = round(float(user.group(1)) + float(system.group(1)), 2)
    return result


def digest(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            lines += block.count(b"\n")
    return h.hexdigest(), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--jobs", default=",".join(
        str(j) for j in sorted({1, 2, os.cpu_count() or 1})),
        help="comma-separated --jobs values (default: 1, 2 and the CPU count)")
    parser.add_argument("--policy", default=str(ROOT / "policies" / "durham.policy"))
    parser.add_argument("--output", help="keep the decisions in this file (default: a "
                        "temporary file in benchmarks/out, removed at the end)")
    parser.add_argument("--sizes", action="store_true",
                        help="also run a tenth of the input (peak memory vs size)")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    source = make_input(args.count)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"input {source} ({source.stat().st_size / 1e6:.0f} MB)", flush=True)

    checked = args.output or str(OUT / "decisions.jsonl")
    first = run_once(args.policy, source, jobs[0], checked)
    reference, lines = digest(checked)
    if lines != args.count:
        raise SystemExit(f"expected {args.count} decisions, got {lines}")
    results = [first]
    for j in jobs[1:]:
        results.append(run_once(args.policy, source, j, checked))
        if digest(checked)[0] != reference:
            raise SystemExit(f"--jobs {j} wrote different output from --jobs {jobs[0]}")
    print(f"output: {lines} decisions, {os.path.getsize(checked) / 1e6:.0f} MB, the same "
          f"bytes for every --jobs value")
    if not args.output:
        os.unlink(checked)

    base = results[0]["seconds"]
    print(f"\n{'jobs':>4}  {'seconds':>8}  {'workers/s':>10}  {'speed-up':>8}  "
          f"{'max RSS MB':>10}  {'tree MB':>8}  {'CPU %':>6}  {'CPU s':>7}  "
          f"{'parent CPU s':>12}  {'load':>5}")
    for r in results:
        r["workers_per_second"] = round(args.count / r["seconds"])
        r["speedup"] = round(base / r["seconds"], 2)
        print(f"{r['jobs']:>4}  {r['seconds']:>8.2f}  {r['workers_per_second']:>10,}  "
              f"{r['speedup']:>8.2f}  {r.get('max_rss_mb') or 0:>10.1f}  "
              f"{r['tree_peak_mb']:>8.1f}  {r.get('cpu_percent') or 0:>6}  "
              f"{r.get('cpu_seconds') or 0:>7.1f}  {r.get('parent_cpu_seconds') or 0:>12.2f}  "
              f"{r['load_average']:>5.2f}")

    report: dict[str, Any] = {"count": args.count, "policy": args.policy,
                              "cpus": os.cpu_count(), "results": results}
    if args.sizes:
        small = make_input(args.count // 10)
        sized = run_once(args.policy, small, 1, os.devnull)
        report["tenth"] = sized
        print(f"\npeak memory, one process: {sized.get('max_rss_mb')} MB for "
              f"{args.count // 10} workers, {results[0].get('max_rss_mb')} MB for "
              f"{args.count}")
    (OUT / "bench_cli.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
