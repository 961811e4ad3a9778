"""In-process compile time of generated playbooks: load + check + IR.

    python bench/compile.py                      # 10k and 100k, all GC modes, profile of 10k
    python bench/compile.py --quick              # 10k and 100k, default GC only, no profile

Goals (from the issue):
  * compile (`model.load` + `ir.compile_programme`) of a 10,000-line playbook
    in under 1 s, in-process;
  * 100,000 lines within 12x of 10,000 lines (linear).

The playbooks are written by bench/generate.py into a fresh temporary
folder. Every (size, GC mode) is timed in its own worker process (best of
--repeat runs, `gc.collect()` before each) so one measurement's heap does not
colour the next. The grammar is loaded before the clock starts, from Lark's
cache (`cache=True`: a file `.lark_cache_*.tmp` in the temp dir), i.e. warm;
the cold-cache grammar build is reported separately.

Stages, timed by wrapping the functions the pipeline calls (one wrapper call
per stage or per flow, so the overhead is nil):

  read       load.read_source
  parse      Lark.parse (lexer + LALR parser + tree with positions)
  transform  syntax._Builder.transform (parse tree -> pydantic nodes)
  collect    the rest of model.load before checking (imports, symbol tables)
  check      check._Checker.run
  graph      graph.flow_graph (digraph.py), summed over flows
  ir         ir._Compiler.programme minus graph (pydantic IR models)
  dump       model_dump(mode="json") inside compile_programme
  total      load + compile_programme   (json.dumps to text is shown apart)

GC modes:
  default         as the CLI runs today
  freeze          gc.collect(); gc.freeze() before the run, unfreeze after
  nogc-parse      gc.disable() around syntax.parse (Lark parse + transform)
  freeze+nogc     both of the above: what a fix in syntax.parse could do
  threshold       gc.set_threshold(200_000, 30) around load + compile (what
                  mypy does), the default thresholds (700, 10, 10) restored after
  nogc-all        gc.disable() around the whole load + compile (lower bound)

The cProfile run has the GC disabled, so that collections (charged by
cProfile to whatever function was allocating when one began) do not
scatter noise over the table; the GC's own cost is in the stage table.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
GC_MODES = ("default", "freeze", "nogc-parse", "freeze+nogc", "threshold", "nogc-all")
STAGES = ("read", "parse", "transform", "collect", "check", "graph", "ir", "dump")


# ======================================================================
# worker: one file, one GC mode, in a fresh process
# ======================================================================


def _instrument(acc: dict, gc_mode: str, gc_stats: dict):
    """Wrap the pipeline's stage functions so that each adds its time to
    `acc`. Returns the function that runs one compile."""
    from nurturedsl import check as check_module
    from nurturedsl import graph, ir, model, syntax
    from nurturedsl import load as load_module

    def timed(stage, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[stage] = acc.get(stage, 0.0) + time.perf_counter() - t

        return wrapper

    lark_parser = syntax.parser()
    lark_parser.parse = timed("parse", lark_parser.parse)  # instance attribute shadows the method
    syntax._Builder.transform = timed("transform", syntax._Builder.transform)
    load_module.read_source = timed("read", load_module.read_source)
    check_module._Checker.run = timed("check", check_module._Checker.run)
    graph.flow_graph = timed("graph", graph.flow_graph)  # ir calls it as fg.flow_graph
    ir._Compiler.programme = timed("ir_all", ir._Compiler.programme)

    if gc_mode in ("nogc-parse", "freeze+nogc"):
        inner_parse = load_module.parse  # load.py did `from .syntax import parse`

        def parse_without_gc(source):
            was = gc.isenabled()
            gc.disable()
            try:
                return inner_parse(source)
            finally:
                if was:
                    gc.enable()

        load_module.parse = parse_without_gc

    def run_once(path: str) -> dict:
        acc.clear()
        gc.collect()
        frozen = gc_mode in ("freeze", "freeze+nogc")
        if frozen:
            gc.freeze()
        if gc_mode == "nogc-all":
            gc.disable()
        thresholds = gc.get_threshold()
        if gc_mode == "threshold":
            gc.set_threshold(200_000, 30)
        gc_stats["time"], gc_stats["count"] = 0.0, [0, 0, 0]
        t0 = time.perf_counter()
        programme = model.load(path)
        t1 = time.perf_counter()
        document = ir.compile_programme(programme)
        t2 = time.perf_counter()
        gc_time, gc_counts = gc_stats["time"], list(gc_stats["count"])
        if gc_mode == "nogc-all":
            gc.enable()
        gc.set_threshold(*thresholds)
        text = ir.dumps(document)
        t3 = time.perf_counter()
        if frozen:
            gc.unfreeze()
        stages = {k: acc.get(k, 0.0) for k in ("read", "parse", "transform", "check", "graph")}
        stages["collect"] = (
            (t1 - t0) - acc.get("read", 0) - acc.get("parse", 0) - acc.get("transform", 0) - acc.get("check", 0)
        )
        stages["ir"] = acc.get("ir_all", 0) - acc.get("graph", 0)
        stages["dump"] = (t2 - t1) - acc.get("ir_all", 0)
        stages["load"] = t1 - t0
        stages["compile_ir"] = t2 - t1
        stages["total"] = t2 - t0
        stages["json_text"] = t3 - t2
        stages["flows"] = len(programme.flows)
        stages["ir_bytes"] = len(text)
        stages["gc_time"], stages["gc_counts"] = gc_time, gc_counts
        return stages

    return run_once


def worker(args) -> int:
    sys.path.insert(0, REPO)
    if args.cold:
        # A fresh temp dir: Lark finds no cache and builds the LALR tables
        # (then writes the cache there).
        tempfile.tempdir = tempfile.mkdtemp(prefix="lark-cold-")
    t = time.perf_counter()
    from nurturedsl import ir, model, syntax

    t_import = time.perf_counter() - t
    t = time.perf_counter()
    syntax.parser()
    t_grammar = time.perf_counter() - t
    if args.cold:
        shutil.rmtree(tempfile.tempdir, ignore_errors=True)

    # GC activity: collections per generation and time spent in them.
    gc_stats = {"time": 0.0, "count": [0, 0, 0]}
    gc_start = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_stats["time"] += time.perf_counter() - gc_start[0]
            gc_stats["count"][info["generation"]] += 1

    acc: dict = {}
    run_once = _instrument(acc, args.gc, gc_stats)
    runs = []
    gc.callbacks.append(on_gc)
    for _ in range(args.repeat):
        runs.append(run_once(args.worker))
    gc.callbacks.remove(on_gc)

    best = min(runs, key=lambda r: r["total"])
    result = {
        "file": args.worker,
        "gc": args.gc,
        "import": t_import,
        "grammar": t_grammar,
        "cold": args.cold,
        "best": best,
        "stage_min": {k: min(r[k] for r in runs) for k in (*STAGES, "total", "json_text", "gc_time")},
        "totals": [r["total"] for r in runs],
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }

    if args.profile:
        profiler = cProfile.Profile()
        gc.collect()
        gc.disable()
        profiler.enable()
        programme = model.load(args.worker)
        ir.compile_programme(programme)
        profiler.disable()
        gc.enable()
        os.makedirs(os.path.dirname(os.path.abspath(args.profile)), exist_ok=True)
        profiler.dump_stats(args.profile)
        result["profile"] = args.profile
    print(json.dumps(result))
    return 0


# ======================================================================
# parent: generate, run workers, report
# ======================================================================


def run_worker(path: str, gc_mode: str, repeat: int, cold: bool = False, profile: str | None = None) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", path, "--gc", gc_mode, "--repeat", str(repeat)]
    if cold:
        cmd.append("--cold")
    if profile:
        cmd += ["--profile", profile]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"worker failed: {' '.join(cmd)}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f}"


def package_of(filename: str) -> str:
    f = filename.replace(os.sep, "/")
    for name in ("nurturedsl", "lark", "pydantic_core", "pydantic", "networkx", "click"):
        if f"/{name}/" in f:
            return name
    if f == "~" or f.startswith("<"):
        return "builtins (C)"
    return "stdlib/other"


def report_profile(path: str, top: int, gc_ms: float) -> None:
    stats = pstats.Stats(path)
    total = stats.total_tt
    print(f"\n## cProfile of one 10k compile (load + compile_programme), GC disabled, {total:.2f} s under the profiler")
    print(f"   (saved to {os.path.relpath(path, REPO)}; `python -m pstats` or snakeviz to browse)")
    print(f"   Add the GC's own cost from the stage table ({gc_ms:.0f} ms at 10k with default GC).\n")

    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, tt, _, _) in stats.stats.items():
        by_package[package_of(filename)] = by_package.get(package_of(filename), 0.0) + tt
    print("own time by package:")
    for name, tt in sorted(by_package.items(), key=lambda x: -x[1]):
        print(f"  {name:<16} {tt:6.2f} s  {100 * tt / total:5.1f}%")

    def label(key):
        filename, line, func = key
        if filename == "~":
            return func
        return f"{os.path.relpath(filename, REPO) if filename.startswith(REPO) else shorten(filename)}:{line}({func})"

    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    print(f"\ntop {top} by own time (tottime):")
    print(f"  {'tottime':>8} {'cumtime':>8} {'calls':>9}  function")
    for key, (_cc, nc, tt, ct, _) in rows:
        print(f"  {tt:8.3f} {ct:8.3f} {nc:9d}  {label(key)}")

    ours = [(k, v) for k, v in stats.stats.items() if "/nurturedsl/" in k[0].replace(os.sep, "/")]
    ours.sort(key=lambda kv: -kv[1][3])
    print(f"\ntop {top} nurturedsl functions by cumulative time (cumtime):")
    print(f"  {'tottime':>8} {'cumtime':>8} {'calls':>9}  function")
    for key, (_cc, nc, tt, ct, _) in ours[:top]:
        print(f"  {tt:8.3f} {ct:8.3f} {nc:9d}  {label(key)}")


def shorten(filename: str) -> str:
    f = filename.replace(os.sep, "/")
    marker = "site-packages/"
    if marker in f:
        return f.split(marker, 1)[1]
    parts = f.split("/")
    return "/".join(parts[-2:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="In-process compile benchmark of generated playbooks.")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="lines (default 10000 100000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    ap.add_argument("--gc-modes", nargs="+", default=list(GC_MODES), choices=GC_MODES)
    ap.add_argument("--quick", action="store_true", help="default GC mode only, no profile, no cold run")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--top", type=int, default=25, help="rows in the profile tables")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder with the generated playbooks")
    # worker mode (internal)
    ap.add_argument("--worker", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--gc", default="default", choices=GC_MODES, help=argparse.SUPPRESS)
    ap.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)

    sys.path.insert(0, HERE)
    import generate

    modes = ["default"] if args.quick else args.gc_modes
    if "default" not in modes:
        modes.insert(0, "default")
    folder = tempfile.mkdtemp(prefix="nurturedsl-bench-")
    try:
        files = {}
        for size in args.sizes:
            path = os.path.join(folder, f"gen-{size}.nurture")
            generate.write(path, size)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            files[size] = (path, text.count("\n"), len(text.encode()))
            if generate.check(path) != 0:
                raise SystemExit(f"generated playbook {path} does not pass `nurturedsl check`")

        print(
            f"# nurturedsl compile benchmark  (Python {sys.version.split()[0]}, best of {args.repeat}, warm Lark cache)"
        )
        print(
            f"# playbooks in {folder}: "
            + ", ".join(f"{size}: {lines} lines, {nbytes / 1024:.0f} KiB" for size, (_, lines, nbytes) in files.items())
        )

        results: dict[tuple[int, str], dict] = {}
        for size in args.sizes:
            for mode in modes:
                results[size, mode] = run_worker(files[size][0], mode, args.repeat)

        # ---- per-stage table, default GC
        header = (
            f"{'lines':>7} "
            + " ".join(f"{s:>9}" for s in (*STAGES, "TOTAL"))
            + f" {'gc':>8} {'json':>8} {'rss MiB':>8}"
        )
        for mode in [m for m in ("default", "nogc-all") if m in modes]:
            print(f"\n## Stages (ms, the best run of each size, GC mode {mode})\n")
            print(header)
            for size in args.sizes:
                r = results[size, mode]
                b = r["best"]
                print(
                    f"{files[size][1]:>7} "
                    + " ".join(f"{ms(b[s]):>9}" for s in (*STAGES, "total"))
                    + f" {ms(b['gc_time']):>8} {ms(b['json_text']):>8} {r['maxrss_mib']:8.0f}"
                )
            if len(args.sizes) == 2:
                lo, hi = (results[s, mode]["best"] for s in args.sizes)
                print(f"{'ratio':>7} " + " ".join(f"{hi[s] / max(lo[s], 1e-9):8.1f}x" for s in (*STAGES, "total")))
        print(
            "  gc = time inside the cyclic garbage collector during the run (gc.callbacks); "
            "json = ir.dumps, not in TOTAL"
        )
        for size in args.sizes:
            b = results[size, "default"]["best"]
            print(
                f"  {size}: {b['flows']} flows, gc collections gen0/1/2 = " + "/".join(str(c) for c in b["gc_counts"])
            )

        # ---- GC modes
        if len(modes) > 1:
            print("\n## GC modes (total ms, best run; gc ms in brackets)\n")
            print(
                f"{'mode':<14}"
                + "".join(f"{size:>20}" for size in args.sizes)
                + (f"{f'{args.sizes[1] // 1000}k/{args.sizes[0] // 1000}k':>10}" if len(args.sizes) == 2 else "")
            )
            for mode in modes:
                cells = []
                for size in args.sizes:
                    b = results[size, mode]["best"]
                    cells.append(f"{b['total'] * 1000:9.0f} ({b['gc_time'] * 1000:6.0f})")
                ratio = ""
                if len(args.sizes) == 2:
                    a, z = (results[s, mode]["best"]["total"] for s in args.sizes)
                    ratio = f"{z / a:9.1f}x"
                print(f"{mode:<14}" + "".join(f"{c:>20}" for c in cells) + f"{ratio:>10}")
            print("\n   parse+transform (ms) by mode:")
            for mode in modes:
                print(
                    f"   {mode:<14}"
                    + "".join(
                        f"{(results[s, mode]['best']['parse'] + results[s, mode]['best']['transform']) * 1000:12.0f}"
                        for s in args.sizes
                    )
                )

        # ---- grammar load
        r0 = results[args.sizes[0], "default"]
        print(
            f"\n## Start-up inside the worker: import nurturedsl.model+ir {r0['import'] * 1000:.0f} ms, "
            f"grammar from warm cache {r0['grammar'] * 1000:.0f} ms",
            end="",
        )
        if not args.quick:
            cold = run_worker(files[args.sizes[0]][0], "default", 1, cold=True)
            print(f", grammar cold (no cache, LALR tables built) {cold['grammar'] * 1000:.0f} ms")
        else:
            print()

        # ---- goals
        print("\n## Goals\n")
        if 10_000 in args.sizes:
            t10 = results[10_000, "default"]["best"]["total"]
            print(
                f"  10k compile < 1 s:           {t10:6.2f} s   {'PASS' if t10 < 1 else 'MISS'}"
                f"   (best mode: {min(modes, key=lambda m: results[10_000, m]['best']['total'])} "
                f"{min(results[10_000, m]['best']['total'] for m in modes):.2f} s)"
            )
        if 10_000 in args.sizes and 100_000 in args.sizes:
            t10 = results[10_000, "default"]["best"]["total"]
            t100 = results[100_000, "default"]["best"]["total"]
            ratio = t100 / t10
            print(
                f"  100k within 12x of 10k:      {ratio:6.1f}x  {'PASS' if ratio <= 12 else 'MISS'}"
                f"   ({t100:.2f} s / {t10:.2f} s)"
            )
            for mode in modes:
                a, z = (results[s, mode]["best"]["total"] for s in (10_000, 100_000))
                print(
                    f"     with GC mode {mode:<12} {z / a:6.1f}x  {'PASS' if z / a <= 12 else 'MISS'}"
                    f"   ({z:.2f} s / {a:.2f} s)"
                )

        # ---- profile
        if not (args.quick or args.no_profile) and 10_000 in args.sizes:
            prof = os.path.join(OUT, "compile-10k.prof")
            run_worker(files[10_000][0], "default", 1, profile=prof)
            gc_ms = results[10_000, "default"]["best"]["gc_time"] * 1000
            report_profile(prof, args.top, gc_ms)
    finally:
        if args.keep:
            print(f"\n(kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
