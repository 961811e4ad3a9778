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
