"""Loading a policy (parse, check, lower, compile) against its size.

    python benchmarks/bench_load.py                        # 500, 5,000, 50,000 declarations
    python benchmarks/bench_load.py --sizes 1000,10000 --kind requirements

Generates a synthetic policy of each size (`--kind mixed`: roles, groups, trainings with
prerequisites, requirements and notes in equal shares; `--kind requirements`: requirements
only, over a small catalogue), loads it in a fresh process with `policyrules.policy.build`
and prints, per size, the file size, the time to load and how far the load raised the
process's peak resident memory (getrusage). Time per declaration should stay flat as the
size grows: a growing figure means something in the pipeline is quadratic.

This is a benchmark, not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from policyrules.policy import build
text = sys.stdin.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.perf_counter()
policy, warnings = build(text, "bench.policy")
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak": (peak - before) * 1024,
                  "warnings": len(warnings), "requirements": len(policy.model.requirements)}))
"""


def policy_text(declarations: int, kind: str = "mixed") -> str:
    """A policy with `declarations` declarations that checks without errors."""
    paragraphs = max(1, min(declarations, 1000))
    lines = ['policy bench', '  title "Load benchmark"',
             f'  source "Bench" paragraphs 1.1 to 1.{paragraphs}', ""]

    def cite(i: int) -> str:
        return f"1.{i % paragraphs + 1}"

    if kind == "requirements":
        for t in range(10):
            lines += [f'training course-{t} "Course {t}"', "  delivery single-agency",
                      f"  cites {cite(t)}", ""]
        for i in range(max(0, declarations - 10)):
            lines += [f'requirement req-{i} "Requirement {i}"',
                      "  applies to contact at least occasional and not volunteer",
                      f"  satisfied by course-{i % 10} or course-{(i + 1) % 10}",
                      "  due within 6 months of start", "  renew every 3 years",
                      f"  cites {cite(i + 10)}", f'  explain "Requirement {i} applies"', ""]
        return "\n".join(lines)
    for i in range(declarations):
        share = i % 5
        if share == 0:
            lines += [f'role role-{i} "Role {i}"', f"  cites {cite(i)}"]
        elif share == 1:
            lines += [f'group group-{i} "Group {i}"',
                      f"  members contact in regular, predominant or role role-{i - 1}",
                      f"  cites {cite(i)}"]
        elif share == 2:
            needs = f"  requires course-{i - 5}" if i >= 5 else ""
            lines += [f'training course-{i} "Course {i}"', "  delivery single-agency",
                      *([needs] if needs else []), f"  cites {cite(i)}"]
        elif share == 3:
            lines += [f'requirement req-{i} "Requirement {i}"',
                      f"  applies to group group-{i - 2} and not volunteer",
                      f"  satisfied by course-{i - 1}", "  due within 6 months of start",
                      f"  cites {cite(i)}", f'  explain "Requirement {i} applies"']
        else:
            # A role accounts for no paragraph: the note also cites the role's.
            lines += [f'background note-{i} "Note {i}"', f"  cites {cite(i)}, {cite(i - 4)}"]
        lines.append("")
    return "\n".join(lines)


def measure(text: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT / "src")], input=text,
                          capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000,50000",
                        help="declaration counts, comma-separated")
    parser.add_argument("--kind", choices=["mixed", "requirements"], default="mixed")
    args = parser.parse_args()
    print(f"{'declarations':>12} {'bytes':>11} {'seconds':>9} {'µs/decl':>9} {'+peak MB':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        text = policy_text(size, args.kind)
        r = measure(text)
        print(f"{size:>12,} {len(text.encode()):>11,} {r['seconds']:>9.2f} "
              f"{r['seconds'] / size * 1e6:>9.1f} {r['peak'] / 1e6:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
