"""`policyrules evaluate` Parquet → Parquet through the columnar route, against the row path.

    python benchmarks/bench_parquet.py                          # 1,000,000 and 2,000,000
    python benchmarks/bench_parquet.py --counts 200000,400000 --sample 50000 --repeat 3
    python benchmarks/bench_parquet.py --counts 1000000 --sample 0 --shuffled
    python benchmarks/bench_parquet.py --counts 0 --sample 0 --csv 200000
    python benchmarks/bench_parquet.py --counts 0 --sample 0 --jsonl 200000

Generates each workforce once with bench_columnar.generate (0–8 training records a
worker) as two Parquet files in benchmarks/out/parquet/ (git-ignored), then, for each
count, runs `--repeat` times

    /usr/bin/time -v python -m policyrules evaluate policies/durham.policy \\
        workers.parquet --training training.parquet --as-of 2026-11-22 \\
        --format parquet -o decisions.parquet --quiet

and prints the median wall time, CPU time (user + system, all threads), workers per
second and peak resident memory, with the load average when it began: peak
memory should not grow with the count (the route decides a bounded batch of workers at a
time). The generated training file lists the records in the workers' order, which the
route reads beside the workers; `--shuffled` also times the same records in random order,
which the route first partitions by worker. On `--sample` workers (the first rows of the
smallest count) it also times the same Parquet output written by the row path
(`batch.parquet.run_rows`, the route `--log` takes) and checks that both files hold the
same rows.

`--csv N` times CSV input to the same Parquet output: N workers and their training from
examples/generate.py (bad rows included) as workers.csv and training.csv, through the
columnar route (a plain CSV file is read by Polars' CSV reader) and through the row path
(`--log /dev/null` takes it), and checks that both files hold the same rows.

`--jsonl N` times JSON Lines input to the same Parquet output: N workers from
`examples/generate.py --clean --jsonl` (each with its training records nested), through
the columnar route (lines read into columns by records/jsonl_table.py) and through the
row path, and checks that both files hold the same rows.

This is a benchmark, not a test: the numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "parquet"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import bench_columnar  # noqa: E402

import policyrules  # noqa: E402

AS_OF = bench_columnar.AS_OF


def workforce(n: int, policy: policyrules.Policy, shuffled: bool = False
              ) -> tuple[Path, Path]:
    """The two Parquet files of `n` generated workers (made once, then reused); the
    training records in the workers' order, or `shuffled` (the partitioned route)."""
    folder = OUT / (f"{n}-shuffled" if shuffled else str(n))
    workers, training = folder / "workers.parquet", folder / "training.parquet"
    if not (workers.exists() and training.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        w, t = bench_columnar.generate(n, seed=1, policy=policy)
        w.write_parquet(workers)
        (t.sample(fraction=1.0, shuffle=True, seed=1) if shuffled else t).write_parquet(
            training)
    return workers, training


def sample(n: int, workers: Path, training: Path) -> tuple[Path, Path]:
    """The first `n` workers of a workforce and their records."""
    folder = OUT / f"sample-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    w = pl.read_parquet(workers).head(n)
    t = pl.read_parquet(training).join(w.select("id"), left_on="worker", right_on="id",
                                       how="semi", maintain_order="left")
    w.write_parquet(folder / "workers.parquet")
    t.write_parquet(folder / "training.parquet")
    return folder / "workers.parquet", folder / "training.parquet"


def timed(command: list[str], out: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MB) of one run under /usr/bin/time -v,
    which writes `out`. Exit status 1 is a run with bad rows (their error records written)
    only if `out` was written: a command that could not start (no module, say) exits 1
    too, and was once timed as a run of 0.04 s."""
    out.unlink(missing_ok=True)
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode not in (0, 1) or not out.exists():
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = [re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr)
           for kind in ("User", "System")]
    assert wall is not None and rss is not None and None not in cpu, done.stderr
    hours, minutes, seconds = wall.groups()
    return (int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds),
            sum(float(c.group(1)) for c in cpu if c is not None), int(rss.group(1)) / 1024)


def columnar_command(workers: Path, training: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "policyrules", "evaluate", "policies/durham.policy",
            str(workers), "--training", str(training), "--as-of", AS_OF.isoformat(),
            "--format", "parquet", "-o", str(out), "--quiet"]


def rows_command(workers: Path, training: Path, out: Path) -> list[str]:
    return [sys.executable, __file__, "--row-path", str(workers), str(training), str(out)]


def row_path(workers: str, training: str, out: str) -> None:
    """The row path's Parquet output, in this process (what `evaluate --log` runs)."""
    from policyrules.batch.parquet import run_rows
    from policyrules.records import WorkerInput

    policy = policyrules.load(bench_columnar.POLICY_FILE)
    with WorkerInput(workers, training=training) as source, open(out, "wb") as stream:
        run_rows(policy, source, AS_OF, stream, lambda n: None)


def csv_workforce(n: int) -> tuple[Path, Path]:
    """The CSV files of `n` workers from examples/generate.py (made once, then reused)."""
    folder = OUT / f"csv-{n}"
    workers, training = folder / "workers.csv", folder / "training.csv"
    if not (workers.exists() and training.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "examples" / "generate.py"), "--count",
                        str(n), "--out", str(folder)], check=True, capture_output=True)
    return workers, training


def csv_case(n: int, repeat: int) -> None:
    """CSV workers and training to Parquet: the columnar route against the row path."""
    workers, training = csv_workforce(n)
    a, b = OUT / "csv-columnar.parquet", OUT / "csv-rows.parquet"
    both_routes(f"csv {n:,}", columnar_command(workers, training, a),
                [*columnar_command(workers, training, b), "--log", "/dev/null"], a, b, repeat)


def jsonl_workforce(n: int) -> Path:
    """The JSON Lines file of `n` clean workers from examples/generate.py (made once)."""
    workers = OUT / f"jsonl-{n}" / "workers.jsonl"
    if not workers.exists():
        workers.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "examples" / "generate.py"), "--count",
                        str(n), "--clean", "--jsonl", str(workers)], check=True,
                       capture_output=True)
    return workers


def jsonl_case(n: int, repeat: int) -> None:
    """JSON Lines workers to Parquet: the columnar route against the row path."""
    workers = jsonl_workforce(n)
    a, b = OUT / "jsonl-columnar.parquet", OUT / "jsonl-rows.parquet"
    command = [sys.executable, "-m", "policyrules", "evaluate", "policies/durham.policy",
               str(workers), "--as-of", AS_OF.isoformat(), "--format", "parquet", "--quiet",
               "-o"]
    both_routes(f"jsonl {n:,}", [*command, str(a)], [*command, str(b), "--log", "/dev/null"],
                a, b, repeat)


def both_routes(label: str, columnar: list[str], rows: list[str], a: Path, b: Path,
                repeat: int) -> None:
    """Times the columnar route (writing `a`) and the row path (writing `b`), and stops
    the run when their tables differ."""
    col_wall, _, col_rss = medians(columnar, a, repeat)
    row_wall, _, row_rss = medians(rows, b, repeat)
    same = pq.read_table(a).equals(pq.read_table(b))
    print(f"{label}: columnar {col_wall:.2f} s ({col_rss:.0f} MB), row path "
          f"{row_wall:.2f} s ({row_rss:.0f} MB): {row_wall / col_wall:.1f}x; "
          f"same rows: {same}")
    if not same:
        sys.exit(f"the two routes disagree ({label})")


def medians(command: list[str], out: Path, repeat: int) -> tuple[float, float, float]:
    runs = [timed(command, out) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            statistics.median(r[2] for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="1000000,2000000")
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shuffled", action="store_true",
                        help="also time training files in random order (partitioned route)")
    parser.add_argument("--csv", type=int, default=0, metavar="N",
                        help="also time N workers as CSV files (0: not)")
    parser.add_argument("--jsonl", type=int, default=0, metavar="N",
                        help="also time N workers as a JSON Lines file (0: not)")
    parser.add_argument("--row-path", nargs=3, metavar=("WORKERS", "TRAINING", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row_path:
        row_path(*args.row_path)
        return
    policy = policyrules.load(bench_columnar.POLICY_FILE)
    counts = [int(c) for c in args.counts.split(",") if int(c)]
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, median of {args.repeat} runs, load "
          f"average {os.getloadavg()[0]:.1f}")
    out = OUT / "decisions.parquet"
    for shuffled in (False, True) if args.shuffled else (False,):
        for n in counts:
            workers, training = workforce(n, policy, shuffled)
            wall, cpu, rss = medians(columnar_command(workers, training, out), out,
                                     args.repeat)
            print(f"columnar route  {n:>9,} workers  {wall:7.2f} s ({cpu:5.2f} s CPU)  "
                  f"{n / wall:>10,.0f} workers/s  peak {rss:6.0f} MB"
                  + ("  (training shuffled)" if shuffled else ""))
    if args.sample:
        workers, training = sample(args.sample, *workforce(counts[0], policy))
        a, b = OUT / "sample-columnar.parquet", OUT / "sample-rows.parquet"
        both_routes(f"sample {args.sample:,}", columnar_command(workers, training, a),
                    rows_command(workers, training, b), a, b, args.repeat)
    if args.csv:
        csv_case(args.csv, args.repeat)
    if args.jsonl:
        jsonl_case(args.jsonl, args.repeat)


if __name__ == "__main__":
    main()
