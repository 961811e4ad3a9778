"""Whole-process time of `nurturedsl fmt --check playbooks/` against
`nurturedsl check playbooks/`.

    python bench/fmt.py            # 15 interleaved rounds
    python bench/fmt.py -n 40      # steadier numbers on a busy machine

Goal (issue 14): `fmt --check playbooks/` within 1.3x of `check playbooks/`,
whole process. Both run once to warm up (bytecode, Lark's grammar caches),
then N rounds in a shuffled order each round, so drift in machine load hits
them alike. Wall time and the child's CPU time (user+sys, from wait4) are
recorded; the ratio of the medians is the verdict, CPU time being the
steadier on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GOAL = 1.3
COMMANDS = {
    "check": [sys.executable, "-m", "nurturedsl", "check", "-q", "playbooks/"],
    "fmt --check": [sys.executable, "-m", "nurturedsl", "fmt", "--check", "playbooks/"],
}


def once(command: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": REPO}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed: the bundled playbooks must check and be formatted")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--rounds", type=int, default=15)
    args = parser.parse_args()
    for command in COMMANDS.values():
        once(command)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _round in range(args.rounds):
        names = list(COMMANDS)
        random.shuffle(names)
        for name in names:
            times[name].append(once(COMMANDS[name]))
    print(f"{'command':<14} {'wall min':>9} {'wall med':>9} {'cpu min':>9} {'cpu med':>9}")
    for name, samples in times.items():
        walls, cpus = [w for w, _ in samples], [c for _, c in samples]
        print(
            f"{name:<14} {min(walls):9.3f} {statistics.median(walls):9.3f}"
            f" {min(cpus):9.3f} {statistics.median(cpus):9.3f}"
        )
    ratios = {}
    for index, label in ((0, "wall"), (1, "cpu")):
        check = statistics.median(s[index] for s in times["check"])
        fmt = statistics.median(s[index] for s in times["fmt --check"])
        ratios[label] = fmt / check
        print(f"fmt --check / check, median {label}: {ratios[label]:.2f}x (goal {GOAL}x)")
    verdict = "met" if ratios["cpu"] <= GOAL else "NOT met"
    print(f"goal {verdict}")


if __name__ == "__main__":
    main()
