"""Whole-process start-up of the CLI against bare imports of its dependencies.

    python bench/startup.py            # 20 interleaved rounds
    python bench/startup.py -n 50      # steadier numbers on a busy machine
    python bench/startup.py --against /tmp/main   # and another checkout's check and lint

Goals (from the issue), all measured in the same run:
  * `nurturedsl check playbooks/inbound.nurture` within 1.1x of
    `python -c "import click, lark; from pydantic import BaseModel"`, the
    dependencies check and lint import (networkx was one until lint's graphs
    moved to nurturedsl/digraph.py; with it the baseline was ~60 ms slower)
  * `nurturedsl lint playbooks/` within 1.3x of the same
  * `nurturedsl --help` within 2x of `python -c "import click"`

This checkout's bytecode is compiled first (`compile_bytecode`: with
PYTHONDONTWRITEBYTECODE set nothing else would write it). Every command runs
once to warm up (Lark's grammar cache and nurturedsl's pickled parser, which
the second run after a cold one writes; the OS file cache), then all commands run in N rounds, in a shuffled order
each round, so drift in machine load hits them alike. Wall time and the
child's CPU time (user+sys, from wait4) are both recorded; CPU time is the
steadier of the two on a shared machine. Ratios are given for the minimum
and the median. `python -m nurturedsl` (this checkout) is always measured;
the `nurturedsl` console script too when one is installed beside this
interpreter (else on PATH), with a note on which copy of the package it
imports: an installed wheel may not be the code in this checkout.

"Cold" runs point TMPDIR at a fresh empty folder, so neither nurturedsl's
pickled parser (nurturedsl/parsercache.py) nor Lark's cached grammar
(`cache=True`; both live in the temp dir) is found and Lark builds the LALR
tables.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = sys.executable
PLAYBOOK = "playbooks/inbound.nurture"
LINT_DIR = "playbooks/"
BASELINE_IMPORTS = "import click, lark; from pydantic import BaseModel"
OLD_BASELINE_IMPORTS = "import click, lark, networkx; from pydantic import BaseModel"  # for --against
CHECK_GOAL = 1.1
LINT_GOAL = 1.3

BREAKDOWN = r"""
import sys, time
t0 = time.perf_counter()
import click
t1 = time.perf_counter()
import nurturedsl.cli
t2 = time.perf_counter()
import nurturedsl.model
t3 = time.perf_counter()
from nurturedsl import syntax
syntax.parser()
t4 = time.perf_counter()
nurturedsl.model.load(sys.argv[1])
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""


class Command:
    def __init__(self, name: str, argv: list[str], cold: bool = False, ok: tuple[int, ...] = (0,), cwd: str = REPO):
        # ok: exit codes that are not a failure (`lint` exits 1 on findings);
        # cwd: the checkout whose package `python -m nurturedsl` runs
        self.name, self.argv, self.cold, self.ok, self.cwd = name, argv, cold, ok, cwd
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self) -> None:
        env = dict(os.environ)
        tmp = None
        if self.cold:
            tmp = tempfile.mkdtemp(prefix="lark-cold-")
            env["TMPDIR"] = tmp
        try:
            t = time.perf_counter()
            proc = subprocess.Popen(
                self.argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        if proc.returncode not in self.ok:
            raise SystemExit(f"{' '.join(self.argv)} exited with {proc.returncode}")
        self.wall.append(wall)
        self.cpu.append(usage.ru_utime + usage.ru_stime)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:7.0f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="CLI start-up benchmark.")
    ap.add_argument("-n", "--rounds", type=int, default=20, help="interleaved rounds (default 20)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-Lark-cache runs")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the where-the-time-goes section")
    ap.add_argument(
        "--against",
        metavar="DIR",
        help="another checkout (e.g. `git archive main | tar -x -C DIR`): its check and lint are timed in the "
        "same rounds, against the same baseline, with the old networkx baseline beside it",
    )
    args = ap.parse_args(argv)

    commands = [
        Command("python -c pass", [PY, "-c", "pass"]),
        Command("baseline: import click,lark,pydantic", [PY, "-c", BASELINE_IMPORTS]),
        Command("python -m nurturedsl check inbound", [PY, "-m", "nurturedsl", "check", PLAYBOOK]),
        Command("python -m nurturedsl lint playbooks/", [PY, "-m", "nurturedsl", "lint", LINT_DIR], ok=(0, 1)),
        Command("baseline: import click", [PY, "-c", "import click"]),
        Command("python -m nurturedsl --help", [PY, "-m", "nurturedsl", "--help"]),
    ]
    if not args.no_cold:
        commands.append(
            Command("python -m nurturedsl check inbound (cold)", [PY, "-m", "nurturedsl", "check", PLAYBOOK], cold=True)
        )
    script, where = console_script()
    if script:
        commands += [
            Command("nurturedsl check inbound (script)", [script, "check", PLAYBOOK]),
            Command("nurturedsl lint playbooks/ (script)", [script, "lint", LINT_DIR], ok=(0, 1)),
            Command("nurturedsl --help (script)", [script, "--help"]),
        ]
    if args.against:
        other = os.path.abspath(args.against)
        commands += [
            Command("baseline+networkx (the old baseline)", [PY, "-c", OLD_BASELINE_IMPORTS]),
            Command("--against: check inbound", [PY, "-m", "nurturedsl", "check", PLAYBOOK], cwd=other),
            Command("--against: lint playbooks/", [PY, "-m", "nurturedsl", "lint", LINT_DIR], ok=(0, 1), cwd=other),
        ]
        compile_bytecode(other)
    by_name = {c.name: c for c in commands}

    run_rounds(commands, args.rounds)
    print(
        f"# nurturedsl start-up  (Python {sys.version.split()[0]} at {PY}, {args.rounds} interleaved rounds, "
        f"ms; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})\n"
    )
    print_times(commands)
    if script:
        print(f"(console script: {script}; {where})")
    else:
        print("(no `nurturedsl` console script beside this interpreter; `pip install -e .` to measure it too)")

    print("\n## Ratios")
    base_imports = by_name["baseline: import click,lark,pydantic"]
    base_click = by_name["baseline: import click"]
    ratio_rows(
        "check inbound / baseline imports", by_name["python -m nurturedsl check inbound"], base_imports, CHECK_GOAL
    )
    ratio_rows(
        "lint playbooks/ / baseline imports", by_name["python -m nurturedsl lint playbooks/"], base_imports, LINT_GOAL
    )
    ratio_rows("--help / import click", by_name["python -m nurturedsl --help"], base_click, 2.0)
    if script:
        ratio_rows(
            "check inbound (script) / baseline imports",
            by_name["nurturedsl check inbound (script)"],
            base_imports,
            CHECK_GOAL,
        )
        ratio_rows(
            "lint playbooks/ (script) / baseline imports",
            by_name["nurturedsl lint playbooks/ (script)"],
            base_imports,
            LINT_GOAL,
        )
        ratio_rows("--help (script) / import click", by_name["nurturedsl --help (script)"], base_click, 2.0)
    if not args.no_cold:
        ratio_rows(
            "check inbound, COLD Lark cache / baseline imports (informative)",
            by_name["python -m nurturedsl check inbound (cold)"],
            base_imports,
            CHECK_GOAL,
        )

    if args.against:
        print(f"\n## --against {args.against}")
        old_base = by_name["baseline+networkx (the old baseline)"]
        for label, name in (("check inbound", "check inbound"), ("lint playbooks/", "lint playbooks/")):
            goal = CHECK_GOAL if name.startswith("check") else LINT_GOAL
            ratio_rows(
                f"{label}: this checkout / --against (PASS: not slower)",
                by_name[f"python -m nurturedsl {name}"],
                by_name[f"--against: {name}"],
                1.0,
            )
            ratio_rows(f"{label} (--against) / baseline imports", by_name[f"--against: {name}"], base_imports, goal)
            ratio_rows(
                f"{label} (--against) / old baseline with networkx", by_name[f"--against: {name}"], old_base, goal
            )
            ratio_rows(
                f"{label} (this checkout) / old baseline with networkx",
                by_name[f"python -m nurturedsl {name}"],
                old_base,
                goal,
            )

    if not args.no_breakdown:
        breakdown()
    return 0


def compile_bytecode(checkout: str = REPO) -> str:
    """Write this checkout's bytecode (__pycache__, ignored by git) before
    timing, as `pip install` does and a checkout's first run would: with
    PYTHONDONTWRITEBYTECODE set (as in some CI images and sandboxes) the
    warm-up run writes none, so every timed run compiled nurturedsl's ~50
    modules from source (~80 ms) while its dependencies' installed bytecode
    loaded as usual. Returns a note on what was done, for the output."""
    import compileall

    compileall.compile_dir(os.path.join(checkout, "nurturedsl"), quiet=1)
    if os.environ.get("PYTHONDONTWRITEBYTECODE") or sys.dont_write_bytecode:
        return (
            "PYTHONDONTWRITEBYTECODE is set: this checkout's bytecode was compiled before timing; "
            "an installed copy (the console script's) is timed as it is"
        )
    return "this checkout's bytecode was compiled before timing"


def run_rounds(commands: list[Command], rounds: int) -> None:
    """Each command once to warm up (not counted), then `rounds` rounds of
    all of them in a shuffled order."""
    print(f"({compile_bytecode()})")
    for c in commands:
        c.run()
        c.wall.clear()
        c.cpu.clear()
    rng = random.Random(0)
    for _ in range(rounds):
        order = commands[:]
        rng.shuffle(order)
        for c in order:
            c.run()


def print_times(commands: list[Command]) -> None:
    print(f"{'command':<46} {'wall min':>8} {'wall med':>8} {'cpu min':>8} {'cpu med':>8}")
    for c in commands:
        print(
            f"{c.name:<46} {fmt(min(c.wall)):>8} {fmt(statistics.median(c.wall)):>8} "
            f"{fmt(min(c.cpu)):>8} {fmt(statistics.median(c.cpu)):>8}"
        )


def ratio_rows(label: str, subject: Command, base: Command, goal: float) -> dict[str, float]:
    """Print subject/base for wall and CPU time, min and median, against the
    goal; return them by "wall min", "cpu median" and so on."""
    print(f"\n{label}  (goal <= {goal:.1f}x)")
    ratios = {}
    for kind in ("wall", "cpu"):
        a, b = getattr(subject, kind), getattr(base, kind)
        for stat_name, stat in (("min", min), ("median", statistics.median)):
            r = ratios[f"{kind} {stat_name}"] = stat(a) / stat(b)
            verdict = "PASS" if r <= goal else "MISS"
            print(
                f"  {kind:>4} {stat_name:<6} {r:5.2f}x  {verdict}   ({fmt(stat(a)).strip()} / {fmt(stat(b)).strip()} ms)"
            )
    return ratios


def console_script() -> tuple[str | None, str]:
    """The `nurturedsl` script installed for this interpreter (not a PATH
    shim such as pyenv's, a shell script that would add its own start-up),
    and which copy of the package it imports."""
    script = os.path.join(os.path.dirname(PY), "nurturedsl")
    if not os.path.isfile(script):
        found = shutil.which("nurturedsl")
        if not found:
            return None, ""
        script = found
    out = subprocess.run(
        [PY, "-c", "import nurturedsl; print(nurturedsl.__file__)"], cwd="/", capture_output=True, text=True
    )
    installed = os.path.dirname(out.stdout.strip()) if out.returncode == 0 else ""
    if not installed:
        return script, "it cannot import nurturedsl outside the checkout"
    if os.path.realpath(installed) == os.path.realpath(os.path.join(REPO, "nurturedsl")):
        return script, "it runs this checkout (editable install)"
    differ = _differing_sources(installed, os.path.join(REPO, "nurturedsl"))
    state = (
        "the same code as this checkout"
        if not differ
        else "code that DIFFERS from this checkout (" + ", ".join(differ[:4]) + "): reinstall to compare"
    )
    return script, f"it imports the installed copy in {installed}, {state}"


def _differing_sources(a: str, b: str) -> list[str]:
    """The .py files, subpackages (nurturedsl/lint/...) included, that are
    not the same in both folders, as paths relative to them."""
    names = sorted(
        {
            os.path.relpath(os.path.join(folder, n), d)
            for d in (a, b)
            if os.path.isdir(d)
            for folder, _, files in os.walk(d)
            if "__pycache__" not in folder
            for n in files
            if n.endswith(".py")
        }
    )
    differ = []
    for name in names:
        try:
            with open(os.path.join(a, name), "rb") as x, open(os.path.join(b, name), "rb") as y:
                if x.read() != y.read():
                    differ.append(name)
        except OSError:
            differ.append(name)
    return differ


def breakdown(runs: int = 7) -> None:
    """Median of `runs` fresh processes: what `check` spends its time on,
    then the heaviest imports (-X importtime, self time) by package."""
    rows = []
    for _ in range(runs):
        out = subprocess.run([PY, "-c", BREAKDOWN, PLAYBOOK], cwd=REPO, capture_output=True, text=True, check=True)
        rows.append([float(x) for x in out.stdout.split()])
    med = [statistics.median(col) for col in zip(*rows)]
    labels = [
        "import click",
        "import nurturedsl.cli (rest)",
        "import nurturedsl.model (pydantic, nodes, lark, syntax)",
        "syntax.parser() (grammar from warm cache)",
        "model.load(inbound) (read+parse+check, 4 files)",
    ]
    print(f"\n## Where `check inbound` spends its time (in-process, median of {runs} processes, ms)\n")
    for label, value in zip(labels, med):
        print(f"  {label:<58} {value * 1000:7.1f}")

    out = subprocess.run(
        [PY, "-X", "importtime", "-m", "nurturedsl", "check", PLAYBOOK], cwd=REPO, capture_output=True, text=True
    )
    self_by_module: dict[str, int] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line[len("import time:") :].split("|")
        name = name.strip()
        self_by_module[name] = self_by_module.get(name, 0) + int(self_us)
    by_package: dict[str, int] = {}
    for name, us in self_by_module.items():
        top = name.split(".")[0]
        by_package[top] = by_package.get(top, 0) + us
    print("\n## -X importtime of `python -m nurturedsl check inbound` (one run, self time, ms)\n")
    print("  by top-level package:")
    for name, us in sorted(by_package.items(), key=lambda x: -x[1])[:10]:
        print(f"    {name:<28} {us / 1000:7.1f}")
    print("  heaviest modules:")
    for name, us in sorted(self_by_module.items(), key=lambda x: -x[1])[:10]:
        print(f"    {name:<44} {us / 1000:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
