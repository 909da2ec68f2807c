"""The benchmarks' reference code stays correct: the hand-written function that the
compiled policy is timed against must give the same decisions, or the ratio means nothing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_evaluate

from policyrules.policy import build


def test_hand_written_function_agrees_with_the_compiled_policy() -> None:
    policy, _ = build(bench_evaluate.POLICY_FILE.read_text(), str(bench_evaluate.POLICY_FILE))
    hand = bench_evaluate.handwritten(policy, bench_evaluate.AS_OF)
    workers = bench_evaluate.workforce(3000, seed=7, policy=policy)
    assert sum(len(w.training) for w in workers) > 3000
    for w in workers:
        assert policy.evaluate_checked(w, bench_evaluate.AS_OF) == hand(w), w.id


def test_the_load_benchmark_policies_check_cleanly() -> None:
    import bench_load

    for kind, requirements in (("mixed", 10), ("requirements", 40)):
        policy, warnings = build(bench_load.policy_text(50, kind), "bench.policy")
        assert len(policy.model.requirements) == requirements
        assert warnings == ()
