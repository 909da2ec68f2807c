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


def test_the_cli_benchmark_samples_its_process_tree_alone() -> None:
    # bench_cli.py's sampler: the resident memory of the command's whole tree (under
    # /usr/bin/time, the command and a child it forked) and the CPU of the command itself,
    # read from the tree's own /proc files only.
    import os
    import subprocess
    import time

    import bench_cli

    script = ("import os, time\n"
              "block = bytearray(64 << 20)  # 64 MiB resident, in the child\n"
              "if os.fork() == 0:\n"
              "    block2 = bytearray(32 << 20)\n"
              "    time.sleep(3); os._exit(0)\n"
              "sum(range(3 * 10**7))  # CPU of the command itself\n"
              "time.sleep(3); os.wait()\n")
    proc = subprocess.Popen(["/usr/bin/time", "-v", sys.executable, "-c", script],
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            rss, cpu = bench_cli._tree(proc.pid, True)
            if rss > 96 * 1024 and cpu:
                break
            assert time.monotonic() < deadline, (rss, cpu)
            time.sleep(0.05)
        # Both Pythons' buffers, and less than twice them: no process outside the tree.
        assert 96 * 1024 < rss < 2 * 96 * 1024 + 64 * 1024
        assert cpu is not None and 0 < cpu < 30
        # Without /usr/bin/time in front the root is the command itself.
        root_rss, root_cpu = bench_cli._tree(os.getpid(), False)
        assert root_rss > rss and root_cpu is not None
    finally:
        os.killpg(proc.pid, 9)  # the command and its child too
        proc.wait()
