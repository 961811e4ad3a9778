"""`simulate --executor local|dask|ray`: contacts per second and fixed cost.

Each configuration runs a cohort of the bundled programme (365 days,
`examples/responses.toml`) at two sizes, whole process, fresh each time, in
a shuffled order, ROUNDS rounds; the table gives medians. The fixed cost
(starting Python, compiling, starting the cluster) is the small size's
time; the rate is (large - small) contacts over (large - small) seconds, so
the cluster's start-up does not count against it. Every run's JSON report
is compared with `--workers 1`'s: they must be byte-identical.

Also: trace bytes per contact, and how much zlib level 1 (what cluster
tasks send back) shrinks them.

    python bench/executors.py [--rounds 3] [--small 2000] [--large 200000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = str(ROOT / "playbooks" / "programme.nurture")
RESPONSES = str(ROOT / "examples" / "responses.toml")
CONFIGS = {
    "local, 1 worker": ["--workers", "1"],
    "local, 2 workers": ["--workers", "2"],
    "dask LocalCluster, 2 workers": ["--executor", "dask", "--workers", "2"],
    "ray local, 2 CPUs": ["--executor", "ray", "--workers", "2"],
}


def simulate(count: int, options: list[str], out: str) -> float:
    command = [sys.executable, "-m", "nurturedsl", "simulate", PLAYBOOK, "--cohort", str(count)]
    command += ["--responses", RESPONSES, "--format", "json", "--no-progress", "-o", out, *options]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="nurturedsl-bench-")
    times: dict[tuple[str, int], list[float]] = {}
    reference: dict[int, str] = {}
    for count in (args.small, args.large):
        out = os.path.join(folder, f"reference-{count}.json")
        simulate(count, ["--workers", "1"], out)
        reference[count] = digest(out)
    for _ in range(args.rounds):
        runs = [(name, count) for name in CONFIGS for count in (args.small, args.large)]
        random.shuffle(runs)
        for name, count in runs:
            out = os.path.join(folder, "report.json")
            times.setdefault((name, count), []).append(simulate(count, CONFIGS[name], out))
            if digest(out) != reference[count]:
                sys.exit(f"{name}, {count} contacts: the report differs from --workers 1's")
    print(f"cohort of playbooks/programme.nurture, 365 days; median of {args.rounds} rounds, whole process")
    print(
        f"| executor | {args.small:,} contacts (fixed cost) | {args.large:,} contacts | contacts/s beyond the fixed cost |"
    )
    print("|---|---|---|---|")
    for name in CONFIGS:
        small = statistics.median(times[(name, args.small)])
        large = statistics.median(times[(name, args.large)])
        rate = (args.large - args.small) / (large - small)
        print(f"| {name} | {small:.2f} s | {large:.2f} s | {rate:,.0f} |")
    print("all reports byte-identical to --workers 1's")
    trace = os.path.join(folder, "trace.jsonl")
    subprocess.run(
        [sys.executable, "-m", "nurturedsl", "simulate", PLAYBOOK, "--cohort", str(args.small)]
        + ["--responses", RESPONSES, "--no-progress", "-o", os.path.join(folder, "report.txt"), "--trace", trace],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
    )
    data = Path(trace).read_bytes()
    packed = zlib.compress(data, 1)
    print(
        f"trace: {len(data) / args.small:,.0f} bytes per contact; zlib level 1: "
        f"{len(packed) / args.small:,.0f} bytes per contact ({len(data) / len(packed):.1f}x smaller)"
    )


if __name__ == "__main__":
    main()
