"""`simulate --charts DIR` and the start-up of `simulate`: matplotlib and the
readout load only when a chart or the HTML page is asked for."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .readout_sample import PLAYBOOK, REPLAY, charts_folder, run


def test_charts_dir_in_replay_and_cohort_mode() -> None:
    for mode in ("replay", "cohort"):
        folder = charts_folder(mode)  # made by the run: --charts creates a missing folder
        summary = Path(folder, "charts.md").read_text()
        assert summary.startswith("## Acme B2B nurture programme: simulation\n")
        assert ("Forecast of 400 contacts" if mode == "cohort" else "Replay of 12 contacts") in summary
        embedded = re.findall(r"!\[[^]]*\]\(([^)]+)\)", summary)
        files = sorted(os.listdir(folder))
        assert not [f for f in files if f.startswith(".")]  # no temporary file left behind
        for png in embedded:
            assert png in files
        names = {os.path.splitext(f)[0] for f in files if f != "charts.md"}
        assert sorted(files) == sorted(["charts.md"] + [f"{n}.svg" for n in names] + [f"{n}.png" for n in names])
        assert sorted(embedded) == sorted(f"{n}.png" for n in names)


def test_charts_refuses_a_file_for_its_folder(tmp_path: Path) -> None:
    taken = tmp_path / "report.txt"
    taken.write_text("keep me\n")
    done = run("simulate", PLAYBOOK, *REPLAY, "--charts", str(taken))
    assert done.returncode == 2
    assert f"--charts {taken}: is a file, not a folder" in done.stderr
    assert done.stdout == "" and taken.read_text() == "keep me\n"


def test_charts_never_overwrites_the_report_it_goes_with(tmp_path: Path) -> None:
    output = tmp_path / "charts.md"
    done = run("simulate", PLAYBOOK, *REPLAY, "-o", str(output), "--charts", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert "--charts" in done.stderr and not output.exists()


def test_charts_and_one_contacts_timeline_do_not_mix(tmp_path: Path) -> None:
    done = run("simulate", PLAYBOOK, *REPLAY, "--contact", "c1", "--charts", str(tmp_path / "c"))
    assert done.returncode == 2
    assert "--charts draws a whole run's report" in done.stderr
    assert not (tmp_path / "c").exists()


def test_text_reports_do_not_load_matplotlib() -> None:
    done = run("-X", "importtime", "-m", "nurturedsl", "simulate", PLAYBOOK, *REPLAY, "--format", "text", python=True)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "nurturedsl.sim.report" in imported  # the log is read right
    assert not [name for name in imported if name.startswith(("matplotlib", "nurturedsl.readout"))]


def test_a_chart_that_is_the_trace_is_refused_before_the_run_and_nothing_is_written(tmp_path: Path) -> None:
    # review 15 #3: the chart names follow from the playbook, so the clash is found before simulating
    trace, output = tmp_path / "weekly.svg", tmp_path / "report.json"
    done = run("simulate", PLAYBOOK, *REPLAY, "--charts", str(tmp_path), "--trace", str(trace), "-o", str(output))
    assert done.returncode == 2
    assert f"--charts: {trace} is the --trace output" in done.stderr
    assert "input" not in done.stderr
    assert os.listdir(tmp_path) == []  # no chart, no trace, no -o


def test_a_chart_that_is_the_report_or_an_input_is_named_as_such(tmp_path: Path) -> None:
    output = tmp_path / "funnel-inbound.png"
    done = run("simulate", PLAYBOOK, *REPLAY, "--charts", str(tmp_path), "-o", str(output), "-f", "json")
    assert done.returncode == 2
    assert f"--charts: {output} is the -o output" in done.stderr
    assert os.listdir(tmp_path) == []
    contacts = tmp_path / "split-ghost.first_give.svg"
    contacts.write_bytes(Path(REPLAY[1]).read_bytes())
    done = run("simulate", PLAYBOOK, "--contacts", str(contacts), *REPLAY[2:], "--charts", str(tmp_path))
    assert done.returncode == 2
    assert f"--charts: {contacts} is the contacts file, one of the command's inputs" in done.stderr
    assert os.listdir(tmp_path) == [contacts.name]


def test_the_planned_chart_files_are_the_ones_a_run_writes() -> None:
    from nurturedsl.readout.command import planned
    from nurturedsl.sim.command import load_ir

    ir, _ = load_ir(PLAYBOOK)
    assert sorted(planned(ir)) == sorted(os.listdir(charts_folder("replay")))


def test_stale_charts_are_named_and_kept(tmp_path: Path) -> None:
    for name in ("funnel-renamed.svg", "funnel-renamed.png", "mine.svg", "notes.txt"):
        (tmp_path / name).write_text("an earlier run's\n")
    done = run("simulate", PLAYBOOK, *REPLAY, "--charts", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "not written by this run, left as they were" in done.stderr
    assert "funnel-renamed.png, funnel-renamed.svg" in done.stderr and "mine.svg" not in done.stderr
    assert (tmp_path / "mine.svg").exists() and (tmp_path / "funnel-renamed.svg").exists()
    assert "funnel-renamed" not in (tmp_path / "charts.md").read_text()


def test_the_simulator_package_imports_no_readout_render_model_or_graph() -> None:
    # review 15 #12: the simulator runs the compiled IR only; the CLI hands it the readout
    import ast

    banned = ("readout", "render", "model", "graph")
    simulator = Path(__file__).parent.parent / "nurturedsl" / "sim"
    found = []
    for source in sorted(simulator.glob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        # Known, and not the readout's: load_ir compiles a .nurture playbook before the run (model.load,
        # MAX_FILE_BYTES). Moving that compile step out to the CLI is left to the simulator's owners.
        compiling = [
            range(f.lineno, (f.end_lineno or f.lineno) + 1)
            for f in tree.body
            if isinstance(f, ast.FunctionDef) and source.name == "command.py" and f.name == "load_ir"
        ]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level != 1:  # level 1: a sibling in nurturedsl.sim
                module = node.module or ""
                names = [f"{module}.{alias.name}".strip(".") for alias in node.names]
                if node.level == 0 and not module.startswith("nurturedsl"):
                    continue
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "model" and any(node.lineno in lines for lines in compiling):
                    continue
                if any(part in banned for part in (parts if getattr(node, "level", 0) else parts[1:])):
                    found.append(f"{source.name}:{node.lineno} {name}")
    assert found == []
