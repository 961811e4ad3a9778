"""`nurturedsl test`: 100 tests over the bundled programme, whole process.

    python bench/testrun.py            # 5 rounds
    python bench/testrun.py -n 10

Goal (issue 14): 100 tests over the bundled programme in under 2 s, the
whole process (start-up, loading and checking the programme, compiling it,
100 simulated contacts and judging their traces). The 100 tests are the
bundled ones (playbooks/*_test.nurture) repeated with their names numbered,
in one test file beside a copy of the playbooks, so every kind of
expectation and every flow is in the mix. Wall time and the child's CPU
time (user+sys) are reported; the minimum is the figure to compare.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLAYBOOKS = os.path.join(REPO, "playbooks")
GOAL_SECONDS = 2.0


def hundred_tests() -> str:
    bodies = []
    for name in sorted(os.listdir(PLAYBOOKS)):
        if name.endswith("_test.nurture"):
            with open(os.path.join(PLAYBOOKS, name), encoding="utf-8") as f:
                text = f.read()
            bodies += re.findall(r"^test .*?^}\n", text, re.S | re.M)
    tests = []
    for i in range(100):
        body = bodies[i % len(bodies)]
        tests.append(re.sub(r"^test (\w+)", lambda m: f"test {m[1]}_{i}", body, count=1))
    return 'import "programme.nurture"\n\n' + "\n".join(tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name in os.listdir(PLAYBOOKS):
            if name.endswith(".nurture") and not name.endswith("_test.nurture"):
                shutil.copy(os.path.join(PLAYBOOKS, name), folder)
        path = os.path.join(folder, "hundred_test.nurture")
        with open(path, "w", encoding="utf-8") as f:
            f.write(hundred_tests())
        command = [sys.executable, "-m", "nurturedsl", "test", path]
        env = dict(os.environ, PYTHONPATH=REPO)
        walls, cpus = [], []
        for round_ in range(args.n + 1):  # the first warms the caches
            began = time.perf_counter()
            child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = child.communicate()
            wall = time.perf_counter() - began
            if child.returncode != 0:
                sys.exit(f"nurturedsl test failed ({child.returncode}):\n{out.decode()}{err.decode()}")
            if b"= 100 passed =" not in out:
                sys.exit("expected 100 passing tests:\n" + out.decode()[-500:])
            if round_:
                walls.append(wall)
        # the child's CPU time: all children of this process, measured once
        usage = os.times()
        cpus.append((usage.children_user + usage.children_system) / (args.n + 1))
    best, median = min(walls), statistics.median(walls)
    print(f"nurturedsl test, 100 tests over the bundled programme, whole process ({args.n} rounds)")
    print(f"  wall: min {best:.2f} s, median {median:.2f} s; CPU per run (mean) {cpus[0]:.2f} s")
    verdict = "met" if best < GOAL_SECONDS else "MISSED"
    print(f"  goal: under {GOAL_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
