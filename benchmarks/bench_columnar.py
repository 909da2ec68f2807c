"""The columnar backend against a hand-written vectorised reference and the row path.

    python benchmarks/bench_columnar.py [--count 1000000] [--sample 100000] [--repeat 3]

Generates `--count` workers (0–8 training records each, roles as CSV-style text with some
`name@DATE`) as two Parquet files, then times, for `policies/durham.policy`:

  (a) `Policy.evaluate_frame` from the Parquet files to the decisions and findings tables;
  (b) `handwritten()` below: the same rules written directly as Polars expressions, as fast
      as I can write them (no validation beyond what the rules need);
  (c) the row path (`Policy.evaluate` on §1 mappings, validation included) on a sample of
      `--sample` workers.

It checks that all three agree (every decision and finding), and prints the medians in
µs per worker and the ratios. Nothing here is a test: speed is measured, not asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import policyrules  # noqa: E402
from policyrules.contract.vocabulary import CONTACT_LEVELS, SECTORS  # noqa: E402
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


def handwritten(workers: pl.DataFrame, training: pl.DataFrame,
                as_of: datetime.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Durham by hand, in Polars: (decisions, findings) as evaluate_frame gives them, for
    valid input (it checks nothing)."""
    today = pl.lit(as_of)
    ids = ["safeguarding-induction", "safeguarding-refresher", "child-development-and-abuse",
           "specialist-role-training", "referral-management-training",
           "lscb-induction-and-training", "healthcare-safeguarding",
           "trainer-safeguarding-knowledge", "supervision-skills-training",
           "safeguarding-knowledge-update"]
    # Latest completion of each course; first completion of the two whose first day
    # matters (4.7: the refresher counts from the induction, and the induction is due
    # before the first inter-agency course).
    firsts = {"first-induction": "safeguarding-induction",
              "first-inter-agency": "inter-agency-foundation"}
    latest = (training.lazy().filter(pl.col("completed") <= today)
              .select("worker", *[pl.when(pl.col("training") == t).then("completed").alias(t)
                                  for t in ids],
                      *[pl.when(pl.col("training") == t).then("completed").alias(name)
                        for name, t in firsts.items()])
              .group_by("worker").agg(pl.exclude(*firsts).max(), pl.col(*firsts).min()))
    role_names = ["specialist-child-protection", "designated-lead", "operational-manager",
                  "senior-manager", "board-member", "board-staff", "specialist-role",
                  "duty-intake-manager", "healthcare", "trainer", "supervisor"]
    held = (workers.lazy().select("id", "started", item=pl.col("roles").str.split(";"))
            .explode("item").filter(pl.col("item").is_not_null())
            .select("id", "started", parts=pl.col("item").str.splitn("@", 2))
            .select("id", role=pl.col("parts").struct.field("field_0"),
                    since=pl.coalesce(pl.col("parts").struct.field("field_1").str.to_date(),
                                      pl.col("started")))
            .filter(pl.col("since") <= today)
            .select("id", *[(pl.col("role") == r).alias(r) for r in role_names])
            .group_by("id").agg(pl.all().any()))
    w = (workers.lazy().with_row_index("_row")
         .join(held, on="id", how="left", maintain_order="left")
         .join(latest, left_on="id", right_on="worker", how="left", maintain_order="left")
         .with_columns([pl.col(r).fill_null(False) for r in role_names]))
    contact = pl.col("contact").is_in(["occasional", "regular", "predominant"])
    # Induction: six months from the start, or the first inter-agency course if earlier.
    induction_due = pl.min_horizontal(pl.col("started").dt.offset_by("6mo"),
                                      pl.col("first-inter-agency"))
    ind, ref = pl.col("safeguarding-induction"), pl.col("safeguarding-refresher")
    # The refresher applies once inducted, so there is always a latest of the two.
    renew = pl.max_horizontal(ref, ind).dt.offset_by("3y")

    def no_deadline(t: str) -> tuple[pl.Expr, pl.Expr]:
        return (pl.when(pl.col(t).is_not_null()).then(pl.lit("met")).otherwise(pl.lit("overdue")),
                pl.lit(None, pl.Date))

    rules: list[tuple[str, list[str], pl.Expr, pl.Expr, pl.Expr]] = [
        ("induction", ["4.7"], contact,
         pl.when(ind.is_not_null()).then(pl.lit("met"))
         .when(today <= induction_due).then(pl.lit("due")).otherwise(pl.lit("overdue")),
         pl.when(ind.is_null()).then(induction_due)),
        ("refresher", [], contact & pl.col("first-induction").is_not_null(),
         pl.when(today <= renew).then(pl.lit("met")).otherwise(pl.lit("overdue")), renew),
        ("child-development", [], contact & ~pl.col("volunteer"),
         *no_deadline("child-development-and-abuse")),
        ("specialist-training", [], pl.col("specialist-role") | pl.col("duty-intake-manager"),
         *no_deadline("specialist-role-training")),
        ("managing-referrals", [], pl.col("duty-intake-manager"),
         *no_deadline("referral-management-training")),
        ("lscb-induction", [], pl.col("board-member") | pl.col("board-staff"),
         *no_deadline("lscb-induction-and-training")),
        ("healthcare-training", [], pl.col("healthcare") & contact,
         *no_deadline("healthcare-safeguarding")),
        ("trainer-knowledge", [], pl.col("trainer"),
         *no_deadline("trainer-safeguarding-knowledge")),
        ("supervision-skills", [], pl.col("supervisor"),
         *no_deadline("supervision-skills-training")),
        ("supervisor-knowledge", [], pl.col("supervisor"),
         *no_deadline("safeguarding-knowledge-update")),
    ]
    w = w.with_columns([pl.when(applies).then(status).alias(f"s{i}")
                        for i, (_, _, applies, status, _) in enumerate(rules)]
                       + [pl.when(applies).then(due).alias(f"d{i}")
                          for i, (_, _, applies, _, due) in enumerate(rules)])
    groups = [("occasional-contact", pl.col("contact") == "occasional"),
              ("regular-contact", pl.col("contact") == "regular"),
              ("predominant-contact", pl.col("contact") == "predominant"),
              ("specialist-child-protection", pl.col("specialist-child-protection")),
              ("designated-lead", pl.col("designated-lead")),
              ("operational-manager", pl.col("operational-manager")),
              ("senior-manager", pl.col("senior-manager")),
              ("board-member", pl.col("board-member") | pl.col("board-staff"))]
    w = w.with_columns(_g=pl.sum_horizontal([c.cast(pl.UInt8) * (1 << i)
                                             for i, (_, c) in enumerate(groups)])).collect()
    masks = w["_g"].unique().to_list()
    lists = pl.DataFrame({"_g": masks, "groups": [[g for i, (g, _) in enumerate(groups)
                                                   if k >> i & 1] for k in masks]},
                         schema={"_g": pl.UInt8, "groups": pl.List(pl.String)})
    decisions = w.lazy().join(lists.lazy(), on="_g", how="left", maintain_order="left").select(
        worker="id",
        compliant=~pl.any_horizontal([pl.col(f"s{i}") == "overdue"
                                      for i in range(len(rules))]).fill_null(False),
        groups="groups",
        error=pl.lit(None, pl.String))
    findings = pl.concat([
        w.lazy().filter(pl.col(f"s{i}").is_not_null()).select(
            "_row", _req=pl.lit(i), worker="id", requirement=pl.lit(name),
            status=f"s{i}", due=f"d{i}")
        for i, (name, _, _, _, _) in enumerate(rules)]).sort("_row", maintain_order=True)
    done = pl.collect_all([decisions, findings.drop("_row", "_req")])
    return done[0], done[1]


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


def timed(fn: Callable[[], Any], repeat: int, name: str) -> tuple[float, Any]:
    """Median wall time of `repeat` runs, and the last result; the median CPU time of the
    process (every thread) goes to CPU[name]: on a shared machine it moves less."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    policy = policyrules.load(POLICY_FILE)
    workers, training = generate(args.count, args.seed, policy)
    with tempfile.TemporaryDirectory() as tmp:
        wpath, tpath = Path(tmp) / "workers.parquet", Path(tmp) / "training.parquet"
        workers.write_parquet(wpath)
        training.write_parquet(tpath)
        print(f"{args.count:,} workers, {training.height:,} training records; "
              f"Parquet {(wpath.stat().st_size + tpath.stat().st_size) / 1e6:.1f} MB")

        def frame() -> Any:
            return policy.evaluate_frame(pl.read_parquet(wpath), pl.read_parquet(tpath),
                                         as_of=AS_OF)

        def by_hand() -> Any:
            return handwritten(pl.read_parquet(wpath), pl.read_parquet(tpath), AS_OF)

        t_frame, result = timed(frame, args.repeat, "a")
        t_hand, (hand_decisions, hand_findings) = timed(by_hand, args.repeat, "b")

    assert result.decisions.num_rows == args.count
    frame_decisions = pl.DataFrame(pl.from_arrow(result.decisions))
    frame_findings = pl.DataFrame(pl.from_arrow(result.findings))
    assert frame_decisions.equals(hand_decisions), "evaluate_frame and handwritten differ"
    assert frame_findings.drop("cites").equals(hand_findings), "findings differ"

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

    a, b, c = t_frame / args.count * 1e6, t_hand / args.count * 1e6, t_rows / n * 1e6
    ca, cb, cc = CPU["a"] / args.count * 1e6, CPU["b"] / args.count * 1e6, CPU["c"] / n * 1e6
    print("all three agree on every decision and finding")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"medians of {args.repeat} runs; wall µs/worker (CPU µs/worker, all threads)")
    print(f"(a) evaluate_frame, Parquet → tables: {a:8.3f} ({ca:8.3f})  "
          f"{args.count / t_frame:,.0f} workers/s")
    print(f"(b) hand-written Polars:              {b:8.3f} ({cb:8.3f})  "
          f"{args.count / t_hand:,.0f} workers/s")
    print(f"(c) row path, {n:,} sample:        {c:8.3f} ({cc:8.3f})  "
          f"{n / t_rows:,.0f} workers/s")
    print(f"(a)/(b) = {a / b:.2f}× wall, {ca / cb:.2f}× CPU;   (c)/(a) = {c / a:.0f}× wall, "
          f"{cc / ca:.0f}× CPU")


if __name__ == "__main__":
    main()
