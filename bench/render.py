"""`nurturedsl render`: whole-process SVG of the programme overview, and
in-process DOT/Mermaid of one generated 2,000-step flow.

    python bench/render.py            # 10 rounds, best of 5 in-process
    python bench/render.py -n 20

Goals (from the issue):
  * `nurturedsl render playbooks/programme.nurture --format svg -o ...`,
    whole process (Python start-up, load, diagram, DOT, Graphviz's `dot`),
    under 2 s;
  * DOT and Mermaid generation for a generated 2,000-step flow under 0.5 s
    each, in-process: state graph + diagram + text, the playbook already
    loaded (load is compile.py's concern).

The big flow is one flow of bench/generate.py's beats (touches, waits,
branches, splits, wait until, repeat, goto), grown until it holds 2,000
steps by `nodes.iter_steps`, written to bench/out/render-2000.nurture.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)

STEPS = 2000


def big_flow(steps: int = STEPS, seed: int = 1) -> str:
    """A playbook with one flow of about `steps` steps."""
    import generate

    from nurturedsl.model import load
    from nurturedsl.nodes import iter_steps

    g = generate.Generator(4_000, seed)  # one score model: its thresholds move contacts to flow_0
    g.preamble()
    g.contents()
    g.segments_()
    g.flow_names = ["flow_0"]
    g.scores()
    head = len(g.lines)
    budget = steps  # lines; a line holds a bit under one step on average
    while True:
        g.lines = g.lines[:head]
        g.flow(0, budget)
        text = "\n".join(g.lines) + "\n"
        with tempfile.NamedTemporaryFile("w", suffix=".nurture", delete=False) as handle:
            handle.write(text)
        try:
            count = sum(1 for _ in iter_steps(load(handle.name).flows["flow_0"].steps))
        finally:
            os.unlink(handle.name)
        if count >= steps:
            return text
        budget = int(budget * steps / max(count, 1)) + 10


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="render benchmark")
    ap.add_argument("-n", "--rounds", type=int, default=10, help="whole-process runs (default 10)")
    ap.add_argument("--repeat", type=int, default=5, help="in-process repeats, best taken (default 5)")
    args = ap.parse_args(argv)

    from nurturedsl.graph import flow_graph
    from nurturedsl.model import load
    from nurturedsl.nodes import iter_steps
    from nurturedsl.render.diagram import flow_diagram
    from nurturedsl.render.dot import dot_available, to_dot
    from nurturedsl.render.mermaid import to_mermaid

    rows = []
    if dot_available():
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "programme.svg")
            argv_ = [
                sys.executable,
                "-m",
                "nurturedsl",
                "render",
                "playbooks/programme.nurture",
                "--format",
                "svg",
                "-o",
                out,
            ]
            subprocess.run(argv_, cwd=REPO, check=True)  # warm-up: bytecode, Lark's cache
            walls = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                subprocess.run(argv_, cwd=REPO, check=True)
                walls.append(time.perf_counter() - t)
        rows.append(
            (
                "overview SVG, whole process (min / median)",
                min(walls),
                2.0,
                f"{statistics.median(walls) * 1000:.0f} ms median of {args.rounds}",
            )
        )
    else:
        print("Graphviz's `dot` is not installed: the whole-process SVG goal is not measured")

    path = os.path.join(HERE, "out", f"render-{STEPS}.nurture")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(big_flow())
    programme = load(path)
    flow = programme.flows["flow_0"]
    steps = sum(1 for _ in iter_steps(flow.steps))
    import graphviz  # imported once, as the command would; not the subject here

    del graphviz
    diagram_time = best(lambda: flow_diagram(programme, flow, flow_graph(flow)), args.repeat)
    dot_time = best(lambda: to_dot(flow_diagram(programme, flow, flow_graph(flow))), args.repeat)
    mermaid_time = best(lambda: to_mermaid(flow_diagram(programme, flow, flow_graph(flow))), args.repeat)
    rows.append((f"graph + diagram, {steps}-step flow", diagram_time, None, "shared by both formats"))
    rows.append((f"DOT, {steps}-step flow (graph + diagram + DOT)", dot_time, 0.5, ""))
    rows.append((f"Mermaid, {steps}-step flow (graph + diagram + Mermaid)", mermaid_time, 0.5, ""))

    print(
        f"# nurturedsl render (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f})\n"
    )
    print(f"{'measure':<58} {'ms':>8}  {'goal':>8}  verdict")
    for label, seconds, goal, note in rows:
        verdict = "" if goal is None else ("PASS" if seconds < goal else "MISS")
        goal_text = f"< {goal * 1000:.0f}" if goal else ""
        print(f"{label:<58} {seconds * 1000:8.0f}  {goal_text:>8}  {verdict}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
