"""The columnar backend against a hand-written vectorised reference and the row path.

    python benchmarks/bench_columnar.py [--count 1000000] [--sample 100000] [--repeat 3]
                                        [--part-rows 65536]

Generates `--count` workers (0–8 training records each, roles as CSV-style text with some
`name@DATE`) as two Parquet files, then times, for `policies/durham.policy`:

  (a) `Policy.evaluate_frame` from the Parquet files to the decisions and findings tables,
      as it runs by default: parts of at most `--part-rows` rows (the library's bound,
      `run.PART_ROWS`, unless given) decided by one thread a core this process may use
      (two on a 2-core machine); (a1) the same in one thread (`threads=1`);
  (b) `handwritten()` below: the same rules written by hand as fast as we can write them:
      Polars for the text, NumPy over int32 day numbers and small codes for the rest,
      statuses as codes, no validation beyond what the rules need, in one thread;
      (b2) the same in as many threads as (a): the workers cut in as many parts, each
      with its run of records, decided at once (`handwritten_parts()`);
  (c) the row path (`Policy.evaluate` on §1 mappings, validation included) on a sample of
      `--sample` workers;
  (d) (a) with `facts=True`: also each finding's facts and evidence (records that counted,
      anchor, deadline, hours), what rendering a finding needs beyond status and due.

It checks that all three agree (every decision and finding), and prints the medians in
µs per worker, the ratios, and the minor page faults of a call (fresh memory touched).
Nothing here is a test: speed is measured, not asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import policyrules  # noqa: E402
from policyrules.contract.vocabulary import CONTACT_LEVELS, SECTORS  # noqa: E402
from policyrules.engines.columnar import run  # noqa: E402
from policyrules.engines.columnar.run import LEAST_PART, cores  # noqa: E402
from policyrules.policy import Policy  # noqa: E402

POLICY_FILE = ROOT / "policies" / "durham.policy"
AS_OF = datetime.date(2026, 11, 22)
_EPOCH = datetime.date(1970, 1, 1)


def generate(n: int, seed: int, policy: Policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic workforce: `n` workers and their training records (0–8 each)."""
    rng = np.random.default_rng(seed)
    first = (datetime.date(2014, 1, 1) - _EPOCH).days
    last = (AS_OF - _EPOCH).days + 200
    roles = np.array(sorted(policy.model.role_names))
    trainings = np.array([t.id for t in policy.model.trainings] + ["first-aid"])

    def days(size: int) -> pl.Series:
        return pl.Series(rng.integers(first, last, size), dtype=pl.Int32).cast(pl.Date)

    # 0, 1 or 2 roles; half of them with a `since` date (CSV text, §1.4).
    count = rng.choice([0, 0, 0, 1, 1, 2], n)
    role_text = []
    for k in (0, 1):
        name = pl.Series(roles[rng.integers(0, len(roles), n)])
        since = days(n).dt.strftime("%Y-%m-%d")
        dated = pl.Series(rng.random(n) < 0.5)
        item = (pl.select(pl.when(dated).then(pl.concat_str([name, pl.lit("@"), since]))
                          .otherwise(name)).to_series())
        role_text.append(pl.select(pl.when(pl.Series(count > k)).then(item)).to_series())
    workers = pl.DataFrame({
        "id": pl.select(pl.format("W{}", pl.int_range(n).cast(pl.String).str.zfill(7)))
        .to_series(),
        "started": days(n),
        "contact": pl.Series(np.array((*CONTACT_LEVELS, "regular"))[rng.integers(0, 5, n)]),
        "roles": pl.select(pl.concat_str(role_text, separator=";", ignore_nulls=True))
        .to_series(),
        "sector": pl.Series([None, *SECTORS], dtype=pl.String).gather(rng.integers(0, 5, n)),
        "volunteer": pl.Series(rng.random(n) < 0.15),
    })
    per = rng.integers(0, 9, n)
    owner = np.repeat(np.arange(n), per)
    m = len(owner)
    training = pl.DataFrame({
        "worker": workers["id"].gather(owner),
        "training": pl.Series(trainings[rng.integers(0, len(trainings), m)]),
        "completed": days(m),
        "delivery": pl.Series(np.array(["single-agency", "inter-agency"])[
            rng.integers(0, 2, m)]),
    })
    return workers, training


def add_months(day: np.ndarray, months: int) -> np.ndarray:
    """Day numbers + `months` calendar months, clipped to the month's end."""
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    into = day - month.astype("datetime64[D]").astype(np.int64)
    start = (month + months).astype("datetime64[D]").astype(np.int64)
    length = (month + months + 1).astype("datetime64[D]").astype(np.int64) - start
    return (start + np.minimum(into, length - 1)).astype(np.int32)


HAND_ROLES = ["specialist-child-protection", "designated-lead", "operational-manager",
              "senior-manager", "board-member", "board-staff", "specialist-role",
              "duty-intake-manager", "healthcare", "trainer", "supervisor"]
HAND_COURSES = ["safeguarding-induction", "safeguarding-refresher",
                "child-development-and-abuse", "specialist-role-training",
                "referral-management-training", "lscb-induction-and-training",
                "healthcare-safeguarding", "trainer-safeguarding-knowledge",
                "supervision-skills-training", "safeguarding-knowledge-update",
                "inter-agency-foundation"]
HAND_RULES = [("induction", "4.7"), ("refresher", "4.7"), ("child-development", "4.8"),
              ("specialist-training", "4.9"), ("managing-referrals", "4.9"),
              ("lscb-induction", "4.20"), ("healthcare-training", "4.29"),
              ("trainer-knowledge", "4.33"), ("supervision-skills", "4.41"),
              ("supervisor-knowledge", "4.41")]
HAND_GROUPS = ["occasional-contact", "regular-contact", "predominant-contact",
               "specialist-child-protection", "designated-lead", "operational-manager",
               "senior-manager", "board-member"]
MET, DUE, OVERDUE, NONE = 0, 1, 2, 255
NO_DAY = np.iinfo(np.int32).min


def handwritten(workers: pl.DataFrame, training: pl.DataFrame,
                as_of: datetime.date) -> tuple[pa.Table, pa.Table]:
    """Durham by hand, for valid input (it checks nothing): Polars for the text, NumPy
    over day numbers and small codes for the rest; (decisions, findings) as
    evaluate_frame gives them."""
    today = (as_of - _EPOCH).days
    n = workers.height
    # Each record's worker row: one lookup per run of records of the same worker, on
    # 64-bit hashes of the ids (valid input: ids are distinct).
    heads = training.lazy().select(_h=pl.col("worker").hash(),
                                   _run=pl.col("worker").rle_id()) \
        .filter(pl.col("_run").diff().fill_null(1) != 0)
    run_row = (heads.join(workers.lazy().select(_h=pl.col("id").hash(),
                                                _row=pl.int_range(pl.len(), dtype=pl.Int64)),
                          on="_h")
               .collect())
    recs = training.lazy().select(
        _run=pl.col("worker").rle_id(),
        course=pl.col("training").cast(pl.Enum(HAND_COURSES), strict=False).to_physical(),
        day=pl.col("completed").to_physical()).collect()
    rows = np.full(int(recs["_run"].max() or 0) + 1, -1, np.int64)
    rows[run_row["_run"].to_numpy()] = run_row["_row"].to_numpy()
    row = rows[recs["_run"].to_numpy()]
    course = recs["course"].fill_null(255).to_numpy().astype(np.int64)
    day = recs["day"].to_numpy()
    keep = (row >= 0) & (course != 255) & (day <= today)
    key = row[keep] * len(HAND_COURSES) + course[keep]
    latest = np.full(n * len(HAND_COURSES), NO_DAY, np.int32)
    np.maximum.at(latest, key, day[keep])
    latest = latest.reshape(n, -1)
    first = np.full(n * len(HAND_COURSES), np.iinfo(np.int32).max, np.int32)
    np.minimum.at(first, key, day[keep])
    first = first.reshape(n, -1)
    # Roles held on as_of: `name` or `name@DATE`, `;`-separated.
    parts = pl.col("roles").str.splitn("@", 2)
    items = (workers.lazy().select(_row=pl.int_range(pl.len()), roles=pl.col("roles"))
             .filter(pl.col("roles").is_not_null())
             .with_columns(pl.col("roles").str.split(";")).explode("roles")
             .select("_row", role=parts.struct.field("field_0").cast(pl.Enum(HAND_ROLES),
                                                                      strict=False),
                     since=parts.struct.field("field_1").str.to_date("%Y-%m-%d"))
             .filter(pl.col("role").is_not_null()).collect())
    item_row = items["_row"].to_numpy()
    started = workers["started"].to_physical().to_numpy()
    since = items["since"].to_physical().fill_null(-1).to_numpy()
    since = np.where(since == -1, started[item_row], since)
    held = np.zeros((n, len(HAND_ROLES)), bool)
    on = since <= today
    held[item_row[on], items["role"].to_physical().to_numpy()[on]] = True
    h = {r: held[:, i] for i, r in enumerate(HAND_ROLES)}
    level = workers["contact"].cast(pl.Enum(["none", "occasional", "regular",
                                             "predominant"])).to_physical().to_numpy()
    contact = level > 0
    volunteer = workers["volunteer"].fill_null(False).to_numpy()

    # Statuses as codes, due days as day numbers; 255 where a rule does not apply.
    status = np.full((n, len(HAND_RULES)), NONE, np.uint8)
    due = np.full((n, len(HAND_RULES)), NO_DAY, np.int32)
    done = latest != NO_DAY
    # Induction: six months from the start, or the first inter-agency course if earlier.
    deadline = np.minimum(add_months(started, 6), first[:, 10])
    status[:, 0] = np.where(done[:, 0], MET, np.where(today <= deadline, DUE, OVERDUE))
    due[:, 0] = np.where(done[:, 0], NO_DAY, deadline)
    # Refresher: applies once inducted, so there is always a latest of the two.
    renew = add_months(np.maximum(latest[:, 0], latest[:, 1]), 36)
    status[:, 1] = np.where(today <= renew, MET, OVERDUE)
    due[:, 1] = renew
    for i in range(2, len(HAND_RULES)):
        status[:, i] = np.where(done[:, i], MET, OVERDUE)
    applies = [contact, contact & done[:, 0], contact & ~volunteer,
               h["specialist-role"] | h["duty-intake-manager"], h["duty-intake-manager"],
               h["board-member"] | h["board-staff"], h["healthcare"] & contact, h["trainer"],
               h["supervisor"], h["supervisor"]]
    for i, a in enumerate(applies):
        status[~a, i] = NONE
    groups = [level == 1, level == 2, level == 3, h["specialist-child-protection"],
              h["designated-lead"], h["operational-manager"], h["senior-manager"],
              h["board-member"] | h["board-staff"]]
    bits = sum(g.astype(np.int64) << i for i, g in enumerate(groups))
    # Eight groups: at most 256 sets, counted rather than sorted.
    sets = np.flatnonzero(np.bincount(bits, minlength=1))
    position = np.zeros(1 << len(HAND_GROUPS), np.int64)
    position[sets] = np.arange(len(sets))
    which = position[bits]
    lists = pa.array([[g for i, g in enumerate(HAND_GROUPS) if s >> i & 1] for s in sets],
                     pa.list_(pa.string()))
    ids = workers["id"].to_arrow().cast(pa.string())
    decisions = pa.table({"worker": ids,
                          "compliant": pa.array(~(status == OVERDUE).any(axis=1)),
                          "groups": lists.take(which),
                          "error": pa.nulls(n, pa.string())})
    cell = np.flatnonzero(status.ravel() != NONE)
    at, req = np.divmod(cell, len(HAND_RULES))
    days = due.ravel()[cell]
    findings = pa.table({
        "worker": ids.take(at),
        "requirement": pa.array([r for r, _ in HAND_RULES]).take(req),
        "status": pa.array(["met", "due", "overdue"]).take(status.ravel()[cell]),
        "due": pa.array(days, mask=days == NO_DAY, type=pa.int32()).view(pa.date32()),
        "cites": pa.array([[c] for _, c in HAND_RULES], pa.list_(pa.string())).take(req)})
    return decisions, findings


def handwritten_parts(workers: pl.DataFrame, training: pl.DataFrame, as_of: datetime.date,
                      parts: int) -> tuple[pa.Table, pa.Table]:
    """`handwritten` on `parts` contiguous parts of the workers at once, each with its
    records (the records follow the workers' order: a part's start at the first record of
    one of its workers), in as many threads; the tables put back together in order."""
    if parts <= 1:
        return handwritten(workers, training, as_of)
    ids = workers["id"]
    bounds = [workers.height * i // parts for i in range(parts + 1)]
    cuts = [0]
    for lo in bounds[1:-1]:
        later = training.select(pl.col("worker").is_in(ids.slice(lo).implode()).arg_max())
        cuts.append(int(later.item()) if training.height else 0)
    cuts.append(training.height)
    with ThreadPoolExecutor(parts) as pool:
        done = list(pool.map(lambda i: handwritten(
            workers.slice(bounds[i], bounds[i + 1] - bounds[i]),
            training.slice(cuts[i], cuts[i + 1] - cuts[i]), as_of), range(parts)))
    return (pa.concat_tables([d for d, _ in done]), pa.concat_tables([f for _, f in done]))


def records(workers: pl.DataFrame, training: pl.DataFrame) -> list[dict[str, Any]]:
    """The workers as §1 mappings, for the row path (roles parsed as the CSV reader does)."""
    by_worker: dict[str, list[dict[str, Any]]] = {}
    for r in training.with_columns(pl.col("completed").dt.strftime("%Y-%m-%d")).to_dicts():
        by_worker.setdefault(r.pop("worker"), []).append(r)
    out = []
    for w in workers.with_columns(pl.col("started").dt.strftime("%Y-%m-%d")).to_dicts():
        roles = []
        for item in (w["roles"] or "").split(";"):
            if item:
                name, at, since = item.partition("@")
                roles.append({"role": name, "since": since} if at else name)
        w["roles"] = roles
        if w["sector"] is None:
            del w["sector"]
        w["training"] = by_worker.get(w["id"], [])
        out.append(w)
    return out


CPU: dict[str, float] = {}
FAULTS: dict[str, float] = {}


def timed(fn: Callable[[], Any], repeat: int, name: str) -> tuple[float, Any]:
    """Median wall time of `repeat` runs, and the last result; the median CPU time of the
    process (every thread) goes to CPU[name]: on a shared machine it moves less; the
    median of the minor page faults (fresh pages of memory touched) to FAULTS[name]."""
    times, cpu, faults, result = [], [], [], None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    CPU[name] = statistics.median(cpu)
    FAULTS[name] = statistics.median(faults)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--part-rows", type=int, default=run.PART_ROWS,
                        help="the most rows of a part of (a), (a1) and (d) (to measure "
                             "other bounds; default: the library's)")
    args = parser.parse_args()
    run.PART_ROWS = args.part_rows
    policy = policyrules.load(POLICY_FILE)
    workers, training = generate(args.count, args.seed, policy)
    with tempfile.TemporaryDirectory() as tmp:
        wpath, tpath = Path(tmp) / "workers.parquet", Path(tmp) / "training.parquet"
        workers.write_parquet(wpath)
        training.write_parquet(tpath)
        print(f"{args.count:,} workers, {training.height:,} training records; "
              f"Parquet {(wpath.stat().st_size + tpath.stat().st_size) / 1e6:.1f} MB")

        def frame(threads: int | None = None) -> Any:
            return policy.evaluate_frame(pl.read_parquet(wpath), pl.read_parquet(tpath),
                                         as_of=AS_OF, threads=threads)

        def by_hand(parts: int = 1) -> Any:
            return handwritten_parts(pl.read_parquet(wpath), pl.read_parquet(tpath), AS_OF,
                                     parts)

        def with_facts() -> Any:
            return policy.evaluate_frame(pl.read_parquet(wpath), pl.read_parquet(tpath),
                                         as_of=AS_OF, facts=True)

        # evaluate_frame's own choice of threads (one a core, each with at least
        # LEAST_PART rows), given to the reference as its number of parts.
        parts = max(1, min(cores(), args.count // LEAST_PART))
        t_frame, result = timed(frame, args.repeat, "a")
        t_one, single = timed(lambda: frame(1), args.repeat, "a1")
        t_hand, (hand_decisions, hand_findings) = timed(by_hand, args.repeat, "b")
        t_parts, (parts_decisions, parts_findings) = timed(lambda: by_hand(parts),
                                                           args.repeat, "b2")
        t_facts, factual = timed(with_facts, args.repeat, "d")

    assert result.decisions.num_rows == args.count
    assert result.decisions.equals(hand_decisions), "evaluate_frame and handwritten differ"
    assert result.findings.equals(hand_findings), "findings differ"
    assert single.decisions.equals(result.decisions), "one thread and parts differ"
    assert single.findings.equals(result.findings), "one thread and parts differ"
    assert parts_decisions.equals(hand_decisions), "handwritten in parts differs"
    assert parts_findings.equals(hand_findings), "handwritten in parts differs"
    assert factual.findings.equals(result.findings), "facts=True changed the findings"
    assert factual.facts.num_rows == result.findings.num_rows, "a facts row per finding"
    frame_decisions = pl.DataFrame(pl.from_arrow(result.decisions))
    frame_findings = pl.DataFrame(pl.from_arrow(result.findings))

    n = min(args.sample, args.count)
    sample = records(workers.head(n), training.filter(pl.col("worker").is_in(
        workers["id"].head(n).implode())))
    t_rows, decisions = timed(lambda: [policy.evaluate(r, as_of=AS_OF) for r in sample], 1,
                              "c")
    for d, got in zip(decisions, frame_decisions.head(n).iter_rows(named=True), strict=True):
        assert got == {"worker": d.worker, "compliant": d.compliant, "groups": list(d.groups),
                       "error": None}, d.worker
    expect = [(d.worker, f.requirement, f.status, f.due) for d in decisions for f in d.findings]
    got_findings = frame_findings.select("worker", "requirement", "status", "due")
    assert expect == got_findings.head(len(expect)).rows(), "row path and frame differ"

    per = {k: v / args.count * 1e6 for k, v in (("a", t_frame), ("a1", t_one), ("b", t_hand),
                                                  ("b2", t_parts), ("d", t_facts))}
    cpu = {k: v / args.count * 1e6 for k, v in CPU.items() if k != "c"}
    c, cc = t_rows / n * 1e6, CPU["c"] / n * 1e6
    print("all agree on every decision and finding")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores ({cores()} this "
          f"process may use); medians of {args.repeat} runs; "
          "wall µs/worker (CPU µs/worker, all threads)")
    rows = [("a", f"(a) evaluate_frame, {parts} thread(s), parts ≤{run.PART_ROWS:,}:"),
            ("a1", "(a1) evaluate_frame, one thread:"),
            ("b", "(b) hand-written, one thread:"),
            ("b2", f"(b2) hand-written, {parts} part(s) at once:")]
    for key, label in rows:
        print(f"{label:<48}{per[key]:8.3f} ({cpu[key]:8.3f})  "
              f"{1e6 / per[key]:>12,.0f} workers/s")
    print(f"{f'(c) row path, {n:,} sample:':<48}{c:8.3f} ({cc:8.3f})  "
          f"{1e6 / c:>12,.0f} workers/s")
    print(f"{'(d) (a) with facts=True:':<48}{per['d']:8.3f} ({cpu['d']:8.3f})  "
          f"{1e6 / per['d']:>12,.0f} workers/s")
    print("minor page faults a call: " + ", ".join(
        f"({k}) {FAULTS[k]:,.0f}" for k in ("a", "a1", "b", "b2", "d")))
    print(f"(a)/(b2) = {per['a'] / per['b2']:.2f}× wall, {cpu['a'] / cpu['b2']:.2f}× CPU;   "
          f"(a1)/(b) = {per['a1'] / per['b']:.2f}× wall, {cpu['a1'] / cpu['b']:.2f}× CPU;   "
          f"(a)/(a1) = {per['a'] / per['a1']:.2f}× wall")
    print(f"(c)/(a) = {c / per['a']:.0f}× wall, {cc / cpu['a']:.0f}× CPU;   "
          f"(d)/(a) = {per['d'] / per['a']:.2f}× wall, {cpu['d'] / cpu['a']:.2f}× CPU")


if __name__ == "__main__":
    main()
