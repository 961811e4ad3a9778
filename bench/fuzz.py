"""A long fuzz campaign against the `nurturedsl` CLI, in-process.

    python bench/fuzz.py                         # 20,000 inputs, every generator, 2 processes
    python bench/fuzz.py -n 2000 --kinds sim-inputs,config
    python bench/fuzz.py --time-limit 600 --seed 7
    python bench/fuzz.py --replay sim-inputs:123456   # a case a test in tests/fuzz reported

Runs the generators of tests/fuzz (grammar derivations, near misses,
generated valid playbooks and their mutations, mutated bundled playbooks,
broken simulate inputs, lint configs of every shape, option values, output
paths) through the CLI and judges each run by the contract in
tests/fuzz/harness.py: exit 0, 1 or 2 with a located or one-line message;
never 3, never a traceback; no input changed; no partial output.

It prints how many inputs ran, by generator and exit code, then each
distinct failure (grouped by command, kind and message with the particulars
taken out) with how often it happened, the first seed that found it, and a
reproducer shrunk to a few lines. Each reproducer is also saved as a folder
under bench/out/fuzz/ (its files and a `command` file) unless --no-save.
Case N of a generator is built from `random.Random(f"{seed}:{kind}:{N}")`,
so `--seed S --kinds K --first N -n 1` replays one case.

Exit status: 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
os.environ.setdefault("NO_COLOR", "1")

from tests.fuzz import cases, harness  # noqa: E402
from tests.fuzz.harness import Fifo, Folder, HardLink, Link  # noqa: E402
from tests.fuzz.shrink import shrink  # noqa: E402


def case_for(seed: int, kind: str, number: int) -> harness.Case:
    return cases.BUILDERS[kind](random.Random(f"{seed}:{kind}:{number}"))


def _work(task):
    """Run cases [first, last) of one generator; (kind, counts, failures)."""
    seed, kind, first, last, timeout = task
    exits: collections.Counter = collections.Counter()
    failures: dict[str, list] = {}
    slow = 0.0
    for number in range(first, last):
        case = case_for(seed, kind, number)
        outcome = harness.run_case(case, timeout=timeout)
        exits[outcome.exit_code] += 1
        slow = max(slow, outcome.elapsed)
        for signature in {p.signature(case.command()) for p in outcome.problems}:
            entry = failures.setdefault(signature, [0, number, outcome.describe()])
            entry[0] += 1
    return kind, exits, failures, slow


def campaign(args) -> int:
    kinds = args.kinds.split(",") if args.kinds else list(cases.BUILDERS)
    unknown = [k for k in kinds if k not in cases.BUILDERS]
    if unknown:
        sys.exit(f"unknown generator {', '.join(unknown)}; known: {', '.join(cases.BUILDERS)}")
    per_kind = max(1, args.n // len(kinds))
    chunk = max(1, min(200, per_kind // (4 * args.jobs) or 1))
    tasks = [
        (args.seed, kind, start, min(start + chunk, args.first + per_kind), args.timeout)
        for kind in kinds
        for start in range(args.first, args.first + per_kind, chunk)
    ]
    random.Random(args.seed).shuffle(tasks)  # interleave generators, so a time limit cuts all of them
    started = time.monotonic()
    ran: dict[str, collections.Counter] = {k: collections.Counter() for k in kinds}
    failures: dict[str, list] = {}  # signature -> [count, kind, number, description]
    slowest = 0.0
    done = 0
    print(
        f"fuzz: {per_kind * len(kinds):,} inputs ({per_kind:,} per generator: {', '.join(kinds)}), "
        f"seed {args.seed}, {args.jobs} process{'es' if args.jobs > 1 else ''}",
        flush=True,
    )
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    # Not multiprocessing.Pool: its workers are daemons, and a daemon may not
    # start processes, which `simulate --workers 2` does.
    with ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
        futures = [pool.submit(_work, task) for task in tasks]
        for future in as_completed(futures):
            kind, exits, found, slow = future.result()
            ran[kind].update(exits)
            slowest = max(slowest, slow)
            for signature, (count, number, description) in found.items():
                entry = failures.setdefault(signature, [0, kind, number, description])
                entry[0] += count
                if number < entry[2] and kind == entry[1]:
                    entry[2], entry[3] = number, description
            before = done
            done += sum(exits.values())
            if done // 1000 > before // 1000:
                print(
                    f"  {done:,} inputs, {len(failures)} distinct failures, {time.monotonic() - started:.0f} s",
                    flush=True,
                )
            if args.time_limit and time.monotonic() - started > args.time_limit:
                print(f"  time limit of {args.time_limit} s reached", flush=True)
                for pending in futures:
                    pending.cancel()
                break
    elapsed = time.monotonic() - started
    total = sum(sum(c.values()) for c in ran.values())
    print(f"\nfuzz: {total:,} inputs in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.0f}/s), slowest {slowest:.2f} s")
    for kind in kinds:
        exits = ", ".join(f"exit {code}: {n:,}" for code, n in sorted(ran[kind].items(), key=lambda x: str(x[0])))
        print(f"  {kind:14} {sum(ran[kind].values()):7,}   {exits}")
    if not failures:
        print("\nno failures")
        return 0
    print(f"\n{len(failures)} distinct failure{'s' if len(failures) != 1 else ''}:")
    out_root = os.path.join(HERE, "out", "fuzz")
    if not args.no_save and os.path.isdir(out_root):
        shutil.rmtree(out_root)
    for index, (signature, (count, kind, number, _description)) in enumerate(
        sorted(failures.items(), key=lambda item: -item[1][0]), 1
    ):
        print(
            f"\n[{index}] {signature}\n    {count:,} inputs; first: --seed {args.seed} --kinds {kind} "
            f"--first {number} -n 1"
        )
        case = case_for(args.seed, kind, number)
        if args.shrink_time > 0:
            case = shrink(case, signature, args.shrink_time)
        print(_indent(reproducer(case), "    "))
        print(_indent("\n".join(harness.run_case(case).describe().splitlines()[1:]), "    "))
        if not args.no_save:
            save(case, os.path.join(out_root, f"{index:02d}-{kind}"))
    return 1


def reproducer(case: harness.Case) -> str:
    """Files and command line of a case, for a person to read and re-run."""
    lines = []
    for rel, content in sorted(case.files.items()):
        if isinstance(content, Link):
            lines.append(f"{rel} -> symlink to {content}")
        elif isinstance(content, HardLink):
            lines.append(f"{rel} -> hard link to {content}")
        elif isinstance(content, Fifo):
            lines.append(f"{rel} (a named pipe: mkfifo)")
        elif isinstance(content, Folder):
            lines.append(f"{rel}/ (empty folder)")
        else:
            data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
            text = data.decode("utf-8", "backslashreplace")
            shown = text if len(text) <= 1500 else text[:700] + f"\n... ({len(text):,} characters) ...\n" + text[-500:]
            printable = all(c.isprintable() or c in "\n\t" for c in shown)
            lines.append(f"{rel} ({len(data):,} bytes):")
            lines.append(_indent(shown if printable else repr(data[:1500]), "  | "))
    lines.append("$ nurturedsl " + " ".join(harness._quote(a[1:] if a.startswith("@") else a) for a in case.args))
    return "\n".join(lines)


def save(case: harness.Case, folder: str) -> None:
    workspace = os.path.join(folder, "files")
    os.makedirs(workspace, exist_ok=True)
    pending = []
    for rel, content in case.files.items():
        path = os.path.join(workspace, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, Link):
            os.symlink(str(content), path)
        elif isinstance(content, HardLink):
            pending.append((os.path.join(workspace, str(content)), path))
        elif isinstance(content, Fifo):
            os.mkfifo(path)
        elif isinstance(content, Folder):
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "wb") as handle:
                handle.write(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    for target, path in pending:
        os.link(target, path)
    import shlex

    with open(os.path.join(folder, "command"), "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(
            "cd files && nurturedsl "
            + " ".join(shlex.quote(a[1:] if a.startswith("@") else a) for a in case.args)
            + "\n"
        )


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="inputs in all (split evenly over the generators)")
    parser.add_argument("--kinds", help="comma-separated generators (default: all): " + ", ".join(cases.BUILDERS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="number of the first case of each generator")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before one run counts as a hang")
    parser.add_argument("--time-limit", type=float, default=0, help="stop after this many seconds")
    parser.add_argument("--shrink-time", type=float, default=30.0, help="seconds to shrink each failure (0: off)")
    parser.add_argument("--no-save", action="store_true", help="do not write reproducers to bench/out/fuzz/")
    parser.add_argument(
        "--replay",
        metavar="KIND:SEED",
        help="rebuild the case a test reported (tests/fuzz builds case KIND from random.Random(SEED)), "
        "run it, shrink it if it fails, and print it",
    )
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args)
    return campaign(args)


def replay(args) -> int:
    kind, _, seed = args.replay.partition(":")
    if kind not in cases.BUILDERS or not seed.isdigit():
        sys.exit(f"--replay takes KIND:SEED, KIND one of {', '.join(cases.BUILDERS)}")
    case = cases.BUILDERS[kind](random.Random(int(seed)))
    outcome = harness.run_case(case, timeout=args.timeout)
    if not outcome.problems:
        print(reproducer(case))
        print(f"exit {outcome.exit_code}: no problem")
        return 0
    signature = outcome.problems[0].signature(case.command())
    print(f"{signature}\n")
    if args.shrink_time > 0:
        case = shrink(case, signature, args.shrink_time)
    print(reproducer(case))
    print("\n".join(harness.run_case(case).describe().splitlines()[1:]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
