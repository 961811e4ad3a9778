"""Whole-process `nurturedsl check` on playbooks that stress its scaling.

    python bench/check_scale.py            # all cases
    python bench/check_scale.py --quick    # the smaller sizes only

Goals (issue 11):
  * many tiny flows: 100,000 flows (a 6 MB playbook) within the compile
    benchmark's linear budget, i.e. at most 12x the time of 10,000 flows;
  * many undefined names among many known ones ("did you mean" for each):
    4,000 typos among 4,000 names at most 2.5x the time of 2,000 among
    2,000 (linear plus noise; the old all-pairs difflib was quadratic).

Each size runs in a fresh process (`python -m nurturedsl check`), best of
--repeat, so start-up is included and one run's heap does not colour the next.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_flows(count: int) -> str:
    flows = "".join(f'flow f{i} {{\n  entry on downloaded("x")\n  email s{i}: e\n}}\n' for i in range(count))
    return 'playbook "many" {}\ncontent e give "x" unsubscribe link\n' + flows


def typos(count: int) -> str:
    contents = "".join(f'content asset_{i:05d} give "x" unsubscribe link\n' for i in range(count))
    flows = "".join(f'flow f{i} {{\n  entry on downloaded("x")\n  email s: asset_{i:05d}x\n}}\n' for i in range(count))
    return 'playbook "typos" {}\n' + contents + flows


def timed(path: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nurturedsl", "check", "-q", path],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = [("tiny flows", tiny_flows, (10_000, 100_000), 12.0), ("typos among names", typos, (2_000, 4_000), 2.5)]
    if args.quick:
        cases = [("tiny flows", tiny_flows, (1_000, 10_000), 12.0), ("typos among names", typos, (1_000, 2_000), 2.5)]
    with tempfile.TemporaryDirectory() as folder:
        for label, make, (small, large), budget in cases:
            times = []
            for size in (small, large):
                # each in its own folder: an undefined name makes check read
                # the folder's other playbooks for an import hint
                own = os.path.join(folder, f"{label.replace(' ', '-')}-{size}")
                os.mkdir(own)
                path = os.path.join(own, "playbook.nurture")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(make(size))
                times.append(timed(path, args.repeat))
                print(f"{label:18} {size:>7,}: {times[-1]:7.2f} s  ({os.path.getsize(path) / 1e6:.1f} MB)")
            ratio = times[1] / times[0]
            verdict = "met" if ratio <= budget else "MISSED"
            print(f"{label:18} ratio {ratio:.2f}x for {large // small}x the size (budget {budget}x): {verdict}")


if __name__ == "__main__":
    main()
