"""Byte-for-byte oracle for the simulator: record outputs once, compare later.

    python bench/oracle.py record bench/out/oracle    # at the base commit
    python bench/oracle.py compare bench/out/oracle   # after each change

Every case is one whole `nurturedsl simulate` process: each playbook in
playbooks/*.nurture as a 3,000-contact forecast (`--seed 1 --responses
examples/responses.toml --format json --trace T`), plus the replay examples
of docs/simulation.md (default start, `--start`, one contact's timeline,
CSV/JSONL inputs, CRM maps, several workers) and `nurturedsl test
playbooks/` (the test runner drives the engine with a tally of its own). For each case the exit code,
stdout, stderr and the trace are stored; `compare` reports every case whose
bytes differ and exits 1, so a restructured engine that changes one figure
anywhere is caught. Playbooks that exit 2 with that responses file
(content.nurture, policy.nurture) are expected: their stderr is compared.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import hashlib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMME = "playbooks/programme.nurture"
REPLAY = ["--contacts", "examples/contacts.csv", "--events", "examples/events.jsonl"]


def cases() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    forecast = ["--cohort", "3000", "--seed", "1", "--responses", "examples/responses.toml", "--format", "json"]
    for path in sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.nurture"))):
        name = os.path.basename(path)[: -len(".nurture")]
        found[f"forecast-{name}"] = [os.path.relpath(path, ROOT), *forecast, "--trace", "{trace}"]
    found["forecast-programme-text"] = [PROGRAMME, *forecast[:-2], "--format", "text"]
    found["forecast-programme-workers2"] = [PROGRAMME, *forecast, "--workers", "2", "--trace", "{trace}"]
    found["forecast-inbound-runs1"] = ["playbooks/inbound.nurture", *forecast, "--runs", "1"]
    found["replay"] = [PROGRAMME, *REPLAY, "--trace", "{trace}"]
    found["replay-json"] = [PROGRAMME, *REPLAY, "--format", "json"]
    found["replay-start"] = [PROGRAMME, *REPLAY, "--start", "2026-01-05", "--trace", "{trace}"]
    found["replay-start-json"] = [PROGRAMME, *REPLAY, "--start", "2026-01-05", "--format", "json"]
    found["replay-contact-c1"] = [PROGRAMME, *REPLAY, "--contact", "c1"]
    found["replay-start-contact-c1"] = [PROGRAMME, *REPLAY, "--start", "2026-01-05", "--contact", "c1"]
    found["replay-csv-events"] = [
        PROGRAMME,
        "--contacts",
        "examples/contacts.jsonl",
        "--events",
        "examples/events.csv",
        "--start",
        "2026-01-05",
        "--format",
        "json",
        "--trace",
        "{trace}",
    ]
    found["replay-no-events"] = [PROGRAMME, "--contacts", "examples/contacts.csv", "--start", "2026-01-05"]
    found["replay-salesforce"] = [
        PROGRAMME,
        "--contacts",
        "tests/fixtures/crm/salesforce-leads.csv",
        "--map",
        "salesforce",
        "--start",
        "2026-01-05",
        "--format",
        "json",
    ]
    found["replay-hubspot"] = [
        PROGRAMME,
        "--contacts",
        "examples/hubspot-contacts.csv",
        "--map",
        "hubspot",
        "--map",
        "Consent=consent",
        "--start",
        "2026-01-05",
        "--format",
        "json",
        "--trace",
        "{trace}",
    ]
    # `nurturedsl test` runs the same engine with its own tally (it records the walk)
    found["test-playbooks"] = ["@test", "playbooks/"]
    found["replay-workers2"] = [PROGRAMME, *REPLAY, "--start", "2026-01-05", "--workers", "2", "--format", "json"]
    return found


def run(name: str, args: list[str]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        trace = os.path.join(scratch, "trace.jsonl")
        argv = [a.replace("{trace}", trace) for a in args]
        env = dict(os.environ, PYTHONPATH=ROOT)
        command = ["test", *argv[1:]] if argv[0] == "@test" else ["simulate", *argv, "--no-progress"]
        done = subprocess.run(
            [sys.executable, "-m", "nurturedsl", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        outputs = {
            "rc": str(done.returncode).encode(),
            "stdout": done.stdout,
            # the scratch directory's name changes from run to run
            "stderr": done.stderr.replace(scratch.encode(), b"{scratch}"),
        }
        if os.path.exists(trace):
            with open(trace, "rb") as handle:
                outputs["trace"] = handle.read()
        return outputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["record", "compare"])
    parser.add_argument("directory")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="run only cases whose name contains this")
    args = parser.parse_args()
    chosen = {n: a for n, a in cases().items() if not args.only or args.only in n}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = dict(zip(chosen, pool.map(lambda item: run(*item), chosen.items())))
    differing = 0
    for name, outputs in results.items():
        folder = os.path.join(args.directory, name)
        if args.mode == "record":
            os.makedirs(folder, exist_ok=True)
            for old in os.listdir(folder):
                os.remove(os.path.join(folder, old))
            for part, data in outputs.items():
                with open(os.path.join(folder, part), "wb") as handle:
                    handle.write(data)
            digest = hashlib.sha256(b"".join(outputs.values())).hexdigest()[:12]
            print(f"recorded {name}: exit {outputs['rc'].decode()}, {digest}")
            continue
        if not os.path.isdir(folder):
            print(f"MISSING {name}: not recorded in {args.directory}")
            differing += 1
            continue
        expected = {part: open(os.path.join(folder, part), "rb").read() for part in os.listdir(folder)}
        bad = sorted(p for p in set(expected) | set(outputs) if expected.get(p) != outputs.get(p))
        if bad:
            differing += 1
            print(f"DIFFERS {name}: {', '.join(bad)}")
        else:
            print(f"same    {name}")
    if args.mode == "compare":
        print(f"{len(results) - differing} of {len(results)} cases byte-identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
