"""Peak memory and time of `simulate --sorted` at growing sizes (issue 16).

    python bench/stream.py                      # 10k, 100k, 1M events (10 per contact)
    python bench/stream.py --sizes 10000 100000 1000000 10000000
    python bench/stream.py --whole              # also read the same files whole, for contrast

Goal: peak memory flat in the input's size: a streamed replay holds one
contact's history, so 10M contacts and 100M events replay in under 1 GiB.
Each size is generated once (bench/replaydata.py, into bench/out/replay-N/,
kept) and replayed through `playbooks/programme.nurture` in a fresh
process (`python -m nurturedsl simulate ... --sorted -f json`, one worker);
peak RSS is the child's own (os.wait4's ru_maxrss: the whole process,
interpreter included). The report of a streamed and a whole run of the
same files must be the same bytes (checked with --whole).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
PLAYBOOK = os.path.join(ROOT, "playbooks", "programme.nurture")


def data(events: int, per_contact: int) -> str:
    folder = os.path.join(OUT, f"replay-{events}")
    if not os.path.exists(os.path.join(folder, "events.csv")):
        contacts = max(1, events // per_contact)
        subprocess.run(
            [sys.executable, os.path.join(ROOT, "bench", "replaydata.py"), str(contacts), str(events), "-o", folder],
            check=True,
        )
    return folder


def replay(folder: str, sorted_input: bool) -> tuple[float, int, bytes]:
    """Seconds, peak RSS in bytes, the report."""
    report = os.path.join(folder, "report-sorted.json" if sorted_input else "report-whole.json")
    command = [sys.executable, "-m", "nurturedsl", "simulate", PLAYBOOK]
    command += ["--contacts", os.path.join(folder, "contacts.csv"), "--events", os.path.join(folder, "events.csv")]
    command += ["-f", "json", "-o", report, "--no-progress"] + (["--sorted"] if sorted_input else [])
    env = dict(os.environ, PYTHONPATH=ROOT)
    began = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    with open(report, "rb") as handle:
        return seconds, peak, handle.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], metavar="EVENTS")
    parser.add_argument("--per-contact", type=int, default=10, help="events per contact [10]")
    parser.add_argument("--whole", action="store_true", help="also replay the files read whole")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    print("| events | contacts | mode | seconds | contacts/s | peak RSS MiB |")
    print("|---:|---:|---|---:|---:|---:|")
    for events in args.sizes:
        folder = data(events, args.per_contact)
        contacts = max(1, events // args.per_contact)
        reports = []
        for sorted_input in [True] + ([False] if args.whole else []):
            seconds, peak, report = replay(folder, sorted_input)
            reports.append(report)
            mode = "--sorted" if sorted_input else "whole"
            print(
                f"| {events:,} | {contacts:,} | {mode} | {seconds:.1f} | {contacts / seconds:,.0f} | "
                f"{peak / (1 << 20):.0f} |",
                flush=True,
            )
        if len(reports) == 2 and reports[0] != reports[1]:
            print(f"  reports differ at {events:,} events", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
